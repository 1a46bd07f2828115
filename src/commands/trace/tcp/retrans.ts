import {tcpCommand} from '../../../cli/tcp-command.js'

export default tcpCommand('retrans', {
  summary: 'Trace TCP retransmits with addresses, state and owning process',
  description: `One row per retransmitted segment (tcp:tcp_retransmit_skb), with the connection's owner.

JSON (-o json): {"type":"retrans"} objects between the ready and summary objects. Fields: ts, pid,
comm, family, saddr, sport, daddr, dport, state.`,
  examples: ['<%= config.bin %> trace tcp retrans', '<%= config.bin %> trace tcp retrans -o json --raddr 10.0.0.7'],
})
