import {BaseCommand} from '../../cli/base-command.js'
import {intervalFlags, tcpFilterFlags} from '../../cli/flags.js'

export default class TopTcp extends BaseCommand {
  static override summary = 'TCP bytes per process and per connection, per interval (tcptop, iftop), counted in BPF maps'
  static override description = `Every --interval (1 s) the bytes each process sent and received on TCP sockets, and per
connection, as rates over the interval. Counted in the kernel (sock:sock_send_length /
sock_recv_length, Linux 6.3+) in BPF maps read once per interval: nothing is streamed per send.

Live view keys: < > (or s) sort column, Tab processes/connections, p pause, / filter, q quit.
JSON (-o json): a {"type":"ready"} object, one {"type":"interval"} object per interval (ts,
interval_s, final, processes[], connections[], lost, lost_total), then a {"type":"summary"} object.
Process fields: pid, comm, connections, tx_bytes, rx_bytes, tx_bytes_per_s, rx_bytes_per_s.
Connection fields: pid, comm, sock, family, saddr, sport (local), daddr, dport (remote), tx_bytes,
rx_bytes, tx_calls, rx_calls, tx_bytes_per_s, rx_bytes_per_s.`
  static override examples = [
    '<%= config.bin %> top tcp',
    '<%= config.bin %> top tcp --interval 2 --count 1 -o json',
    '<%= config.bin %> top tcp --port 443 -o columns',
  ]
  static override flags = {...intervalFlags, ...tcpFilterFlags}

  async run(): Promise<void> {
    const {flags} = await this.parse(TopTcp)
    const {runInterval, splitIntervalFlags} = await import('../../cli/interval-session.js')
    const {topTcpSpec} = await import('../../trace/tcptop/top.js')
    const {session, options} = splitIntervalFlags(flags)
    await runInterval(topTcpSpec, options, session)
  }
}
