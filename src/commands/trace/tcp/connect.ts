import {tcpCommand} from '../../../cli/tcp-command.js'

export default tcpCommand('connect', {
  summary: 'Trace outbound TCP connects: pid, addresses, latency, and failed connects with their errno',
  description: `One row per connect: when it failed, its errno (ECONNREFUSED, ETIMEDOUT, EHOSTUNREACH, …, for
blocking and non-blocking sockets alike, and errors connect() returns before sending anything,
such as ENETUNREACH), else the connect latency (SYN_SENT → ESTABLISHED).

JSON (-o json): a {"type":"ready"} object, one {"type":"connect"} object per connect, then a
{"type":"summary"} object. Fields: ts, pid, comm, family, saddr, sport, daddr, dport, errno,
latency_ns.`,
  examples: ['<%= config.bin %> trace tcp connect', '<%= config.bin %> trace tcp connect -o json --port 443 --duration 10'],
})
