import {BaseCommand} from '../../../cli/base-command.js'
import {intervalFlags, tcpFilterFlags} from '../../../cli/flags.js'

export default class TraceTcpRtt extends BaseCommand {
  static override summary = 'Smoothed RTT from tcp:tcp_probe: histograms per remote address and a table per connection'
  static override description = `srtt as the kernel reports it on every received segment (tcp:tcp_probe), aggregated in BPF:
a histogram per remote address (count, min, p50, p90, p99, max, mean in µs; percentiles within
6.25%) and per connection its latest, min, max and mean srtt and the owning process (the process
last seen sending or receiving on it). Printed every --interval (1 s) and at the end.

JSON (-o json): a {"type":"ready"} object; each interval one {"type":"rtt"} object per remote
address with samples in it (that interval's histogram: ts, family, daddr, count, min_us, p50_us,
p90_us, p99_us, max_us, mean_us, scope "interval") and one {"type":"rtt_conn"} object per connection
with samples in it (ts, pid, comm, family, saddr, sport, daddr, dport, srtt_us, min_us, max_us,
mean_us, count, sock — since tracing started); at the end the same for the whole run (scope
"total"); then a {"type":"summary"} object.`
  static override examples = [
    '<%= config.bin %> trace tcp rtt',
    '<%= config.bin %> trace tcp rtt --raddr 10.0.0.7 --interval 5 -o columns',
    '<%= config.bin %> trace tcp rtt --duration 10 -o json',
  ]
  static override flags = {...intervalFlags, ...tcpFilterFlags}

  async run(): Promise<void> {
    const {flags} = await this.parse(TraceTcpRtt)
    const {runInterval, splitIntervalFlags} = await import('../../../cli/interval-session.js')
    const {rttSpec} = await import('../../../trace/tcptop/rtt.js')
    const {session, options} = splitIntervalFlags(flags)
    await runInterval(rttSpec, options, session)
  }
}
