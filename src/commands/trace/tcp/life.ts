import {tcpCommand} from '../../../cli/tcp-command.js'

export default tcpCommand('life', {
  summary: 'Trace TCP connection lifespans: one row per closed connection with bytes and duration (tcplife)',
  description: `One row per connection side when it closes: its owner (pid, comm) even when the close runs in
softirq or in another process, the endpoints, bytes sent (acknowledged) and received, and how long
it lived. Connections that existed before tracing started are reported too, marked partial, with
their owner from a snapshot of /proc taken at start.

JSON (-o json): {"type":"life"} objects between the ready and summary objects. Fields: ts (start),
pid, comm, family, saddr, sport, daddr, dport, tx_bytes, rx_bytes, duration_ns, partial.`,
  examples: ['<%= config.bin %> trace tcp life', '<%= config.bin %> trace tcp life -o json --comm nginx --duration 60'],
})
