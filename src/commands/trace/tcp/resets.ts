import {tcpCommand} from '../../../cli/tcp-command.js'

export default tcpCommand('resets', {
  summary: 'Trace TCP resets sent and received, with addresses, state and owning process',
  description: `One row per RST this host sends (including for packets to a closed port: no socket, no owner)
or receives on a socket.

JSON (-o json): {"type":"reset"} objects between the ready and summary objects. Fields: ts, pid,
comm, family, saddr, sport, daddr, dport, state, direction (sent | received).`,
  examples: ['<%= config.bin %> trace tcp resets', '<%= config.bin %> trace tcp resets -o json --port 5432'],
})
