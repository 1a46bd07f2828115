import {tcpCommand} from '../../../cli/tcp-command.js'

export default tcpCommand('accept', {
  summary: 'Trace inbound TCP connections as processes accept them: pid, addresses, accept-queue wait',
  description: `One row per accept()/accept4() that returned a TCP socket: the accepting process, the local and
remote endpoints, and how long the connection waited in the accept queue (handshake done →
accept() returned; null for one established before tracing).

JSON (-o json): {"type":"accept"} objects between the ready and summary objects. Fields: ts, pid,
comm, family, saddr, sport, daddr, dport, latency_ns.`,
  examples: ['<%= config.bin %> trace tcp accept', '<%= config.bin %> trace tcp accept -o json --port 8080'],
})
