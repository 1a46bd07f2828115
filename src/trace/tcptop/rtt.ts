/** `monitor trace tcp rtt`: smoothed RTT from tcp:tcp_probe, aggregated in BPF: a histogram per
 * remote address (emptied by every read, so each interval has its own; user space keeps the sum for
 * the totals) and a summary per connection (since tracing started) whose owner is the process last
 * seen sending or receiving on the socket. */

import {type BpfObject, Histogram, HIST_BYTES, loadNative} from '../../engine/index.js'
import {plural} from '../../output/format.js'
import type {IntervalSample, IntervalSpec, Sampler} from '../interval.js'
import {checkTcpFilter, type TcpEndpointRow, type TcpFilterOptions, tcpRowFilter} from '../tcp/filter.js'
import {kernelFilterConfig, sendRecvAvailable, setupCgroup, sockId} from './common.js'
import {TCPTOP_ADDR_KEY, TCPTOP_LAYOUTS, TCPTOP_RTT_CONN} from './layout.js'
import {ADDRESS_COLUMNS, ADDRESS_SORTS, RTT_CONN_COLUMNS, RTT_CONN_SORTS, rttJson} from './rtt-columns.js'
import type {RttAddrRow, RttConnRow, RttSample} from './rows.js'

export type RttOptions = TcpFilterOptions & {
  /** Remote addresses with a histogram (per-CPU, ~4 KiB per CPU each). */
  maxAddresses?: number
  maxConnections?: number
}

const FAMILY = {2: 'ipv4', 10: 'ipv6'} as const

/** Remote addresses with a histogram by default: 256, fewer on a machine with many CPUs, so that the
 * per-CPU histograms (HIST_BYTES per CPU each, allocated when the map is made) stay within 16 MiB. */
export function defaultAddresses(cpus = loadNative().possibleCpus()): number {
  return Math.max(16, Math.min(256, Math.floor((16 << 20) / (HIST_BYTES * cpus))))
}
const round1 = (n: number) => Math.round(n * 10) / 10

/** Without sock_send_length / sock_recv_length (before Linux 6.3) nothing names a socket's owner:
 * rtt still runs, with pid and comm null. */
const ownersAvailable = sendRecvAvailable

export function addressRow(family: 'ipv4' | 'ipv6', daddr: string, h: Histogram): RttAddrRow {
  return {
    family,
    daddr,
    count: h.count,
    min_us: round1(h.percentile(0)),
    p50_us: round1(h.percentile(50)),
    p90_us: round1(h.percentile(90)),
    p99_us: round1(h.percentile(99)),
    max_us: round1(h.percentile(100)),
    mean_us: round1(h.mean),
  }
}

class RttSampler implements Sampler<RttSample> {
  private readonly match: (row: TcpEndpointRow) => boolean
  private readonly totals = new Map<string, {family: 'ipv4' | 'ipv6'; daddr: string; histogram: Histogram}>()
  private readonly conns = new Map<string, RttConnRow>()
  private intervals = 0

  constructor(
    private readonly obj: BpfObject,
    private readonly options: RttOptions,
  ) {
    this.match = tcpRowFilter(options)
  }

  read(base: IntervalSample): RttSample {
    this.intervals++
    const addresses: RttAddrRow[] = []
    for (const {key, histogram} of this.obj.histograms('rtt_hist', {delete: true})) {
      const k = TCPTOP_ADDR_KEY.decode(new DataView(key.buffer, key.byteOffset, key.byteLength), 0)
      const family = FAMILY[k.family as 2 | 10]
      if (!family || (this.options.raddr !== undefined && k.addr !== this.options.raddr)) continue
      addresses.push(addressRow(family, k.addr, histogram))
      const id = `${family} ${k.addr}`
      const total = this.totals.get(id)
      if (total) total.histogram.merge(histogram)
      else this.totals.set(id, {family, daddr: k.addr, histogram})
    }
    const connections: RttConnRow[] = []
    const e = this.obj.map('rtt_conns').read()
    const kv = new DataView(e.keys.buffer, e.keys.byteOffset, e.keys.byteLength)
    const vv = new DataView(e.values.buffer, e.values.byteOffset, e.values.byteLength)
    for (let i = 0; i < e.count; i++) {
      const sock = sockId(kv.getBigUint64(i * 8, true))
      const v = TCPTOP_RTT_CONN.decode(vv, i * TCPTOP_RTT_CONN.size)
      const family = FAMILY[v.family as 2 | 10]
      if (!family || this.conns.get(sock)?.count === v.count) continue
      const row: RttConnRow = {
        sock,
        pid: v.pid || null,
        comm: v.pid ? v.comm : null,
        family,
        saddr: v.saddr,
        sport: v.sport,
        daddr: v.daddr,
        dport: v.dport,
        srtt_us: v.srtt_us,
        min_us: v.min_us,
        max_us: v.max_us,
        mean_us: v.count ? round1(v.sum_us / v.count) : 0,
        count: v.count,
      }
      this.conns.set(sock, row)
      if (this.match(row)) connections.push(row)
    }
    const totals = [...this.totals.values()].map((t) => addressRow(t.family, t.daddr, t.histogram))
    const allConnections = [...this.conns.values()].filter(this.match)
    return {...base, addresses, totals, connections, allConnections}
  }

  counts() {
    let samples = 0
    for (const t of this.totals.values()) samples += t.histogram.count
    return {intervals: this.intervals, addresses: this.totals.size, connections: [...this.conns.values()].filter(this.match).length, samples}
  }
}

export const rttSpec: IntervalSpec<RttOptions, RttSample> = {
  command: 'trace tcp rtt',
  object: 'tcptop',
  programs: () => (ownersAvailable() ? ['tcptop_send', 'tcptop_recv', 'tcptop_probe'] : ['tcptop_probe']),
  check: (o) => void checkTcpFilter(o),
  config: (o) => ({
    ...kernelFilterConfig(o),
    want_bytes: false,
    want_owner: true,
    // With a process filter only sockets of matching processes count, histograms included.
    owned_only: o.pid !== undefined || o.cgroup !== undefined,
  }),
  maxEntries: (o) => ({rtt_hist: o.maxAddresses ?? defaultAddresses(), rtt_conns: o.maxConnections ?? 8192}),
  setup: (obj, o) => setupCgroup(obj, o),
  notices(o) {
    const out: string[] = []
    if (!ownersAvailable()) out.push('this kernel has no sock:sock_send_length (Linux 6.3+): connections are shown without their process')
    if (o.comm !== undefined) out.push('--comm filters the connection rows; the per-address histograms count every process (use --pid or --cgroup to filter them too)')
    return out
  },
  layouts: TCPTOP_LAYOUTS,
  sampler: (obj, o) => new RttSampler(obj, {...o, ...checkTcpFilter(o)}),
  tables: [
    {title: 'remote addresses', columns: ADDRESS_COLUMNS, sorts: ADDRESS_SORTS, rows: (s) => s.totals, key: (r) => `${r.family} ${r.daddr}`},
    {title: 'connections', columns: RTT_CONN_COLUMNS, sorts: RTT_CONN_SORTS, rows: (s) => s.allConnections, key: (r) => r.sock},
  ],
  json: rttJson,
  describeCounts: (c) => `${plural(c.samples, 'sample')}, ${plural(c.addresses, 'address', 'addresses')}, ${plural(c.connections, 'connection')}`,
}
