import {tcpCommand} from '../../../cli/tcp-command.js'

export default tcpCommand('states', {
  summary: 'Trace TCP state changes with the time spent in each state (tcpstates)',
  description: `One row per state change of a TCP socket (SYN_SENT → ESTABLISHED → FIN_WAIT1 …), with the time
it spent in the state it left (unknown for the first change seen of a socket older than tracing).

JSON (-o json): {"type":"state"} objects between the ready and summary objects. Fields: ts, sock
(the socket's kernel address, stable within a run), pid, comm, family, saddr, sport, daddr, dport,
oldstate, newstate, duration_ns.`,
  examples: ['<%= config.bin %> trace tcp states', '<%= config.bin %> trace tcp states -o json --ipv6'],
})
