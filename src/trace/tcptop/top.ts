/** `monitor top tcp`: bytes per process and per connection each interval, from the `conn_bytes` map
 * of tcptop.bpf.c (emptied by every read), as rates over the interval the read measured. */
import type {BpfObject, MapEntries} from '../../engine/index.js'
import {ExitCode, MonitorError} from '../../errors.js'
import {plural} from '../../output/format.js'
import type {IntervalSample, IntervalSpec, Sampler} from '../interval.js'
import {checkTcpFilter, type TcpEndpointRow, type TcpFilterOptions, tcpRowFilter} from '../tcp/filter.js'
import {TCPTOP_BYTES, TCPTOP_KEY, TCPTOP_LAYOUTS} from './layout.js'
import {bytesFromProbe, kernelFilterConfig, probeBytesNotice, setupCgroup, sockId} from './common.js'
import {readSocketOwners, type SnapshotOwner} from '../tcp/snapshot.js'
import type {TcpConnRow, TcpProcRow, TopTcpSample} from './rows.js'
import {PROCESS_COLUMNS, CONNECTION_COLUMNS, PROCESS_SORTS, CONNECTION_SORTS, topTcpJson} from './top-columns.js'

export type TopTcpOptions = TcpFilterOptions & {
  /** Entries of conn_bytes: connections active within one interval. */
  maxConnections?: number
}

const FAMILY = {2: 'ipv4', 10: 'ipv6'} as const

/** Owners of sockets by inode, for bytes counted in softirq (tcptop_segbytes: pid 0 in the key).
 * /proc is scanned again only when an inode is not known yet, at most once per read. */
export class InodeOwners {
  private owners = new Map<number, SnapshotOwner>()
  private scanned = false

  constructor(private readonly scan: () => Map<number, SnapshotOwner> = () => readSocketOwners().owners) {}

  /** Starts a read: the next unknown inode may rescan. */
  next(): void {
    this.scanned = false
  }

  get(ino: number): SnapshotOwner | undefined {
    if (!ino) return undefined
    let o = this.owners.get(ino)
    if (!o && !this.scanned) {
      this.scanned = true
      this.owners = this.scan()
      o = this.owners.get(ino)
    }
    return o
  }
}

/** Connection rows from one read of conn_bytes (keys and values at the C offsets of tcptop.h);
 * entries without a process (pid 0: counted in softirq) get theirs from `owners`. */
export function connectionRows(entries: Pick<MapEntries, 'count' | 'keys' | 'values'>, seconds: number, owners?: InodeOwners): TcpConnRow[] {
  const kv = new DataView(entries.keys.buffer, entries.keys.byteOffset, entries.keys.byteLength)
  const vv = new DataView(entries.values.buffer, entries.values.byteOffset, entries.values.byteLength)
  const rows: TcpConnRow[] = []
  for (let i = 0; i < entries.count; i++) {
    const k = TCPTOP_KEY.decode(kv, i * TCPTOP_KEY.size)
    const v = TCPTOP_BYTES.decode(vv, i * TCPTOP_BYTES.size)
    const family = FAMILY[v.family as 2 | 10]
    if (!family) continue // cannot happen: entries go into the map whole (tcptop.bpf.c)
    const owner = k.pid === 0 ? owners?.get(v.ino) : undefined
    rows.push({
      sock: sockId(k.sk),
      pid: owner ? owner.pid : k.pid,
      comm: owner ? owner.comm : v.comm,
      family,
      saddr: v.saddr,
      sport: v.sport,
      daddr: v.daddr,
      dport: v.dport,
      tx_bytes: v.tx_bytes,
      rx_bytes: v.rx_bytes,
      tx_calls: v.tx_calls,
      rx_calls: v.rx_calls,
      tx_rate: rate(v.tx_bytes, seconds),
      rx_rate: rate(v.rx_bytes, seconds),
    })
  }
  return rows
}

export function rate(bytes: number, seconds: number): number {
  return seconds > 0 ? bytes / seconds : 0
}

/** Per-process totals: the sums of its connection rows. */
export function processRows(conns: readonly TcpConnRow[], seconds: number): TcpProcRow[] {
  const byPid = new Map<number, TcpProcRow>()
  for (const c of conns) {
    let p = byPid.get(c.pid)
    if (!p) byPid.set(c.pid, (p = {pid: c.pid, comm: c.comm, connections: 0, tx_bytes: 0, rx_bytes: 0, tx_rate: 0, rx_rate: 0}))
    p.connections++
    p.tx_bytes += c.tx_bytes
    p.rx_bytes += c.rx_bytes
  }
  const out = [...byPid.values()]
  for (const p of out) {
    p.tx_rate = rate(p.tx_bytes, seconds)
    p.rx_rate = rate(p.rx_bytes, seconds)
  }
  return out
}

class TopTcpSampler implements Sampler<TopTcpSample> {
  private readonly match: (row: TcpEndpointRow) => boolean
  private readonly pids = new Set<number>()
  private readonly socks = new Set<string>()
  private readonly owners = new InodeOwners()
  private intervals = 0
  private tx = 0
  private rx = 0

  constructor(
    private readonly obj: BpfObject,
    options: TopTcpOptions,
  ) {
    this.match = tcpRowFilter(options)
  }

  read(base: IntervalSample): TopTcpSample {
    const seconds = base.intervalNs / 1e9
    const entries = this.obj.map('conn_bytes').read({delete: true})
    this.owners.next()
    const connections = connectionRows(entries, seconds, this.owners).filter(this.match)
    const processes = processRows(connections, seconds)
    this.intervals++
    for (const c of connections) {
      this.socks.add(`${c.sock}:${c.pid}`)
      this.tx += c.tx_bytes
      this.rx += c.rx_bytes
    }
    for (const p of processes) this.pids.add(p.pid)
    return {...base, processes, connections}
  }

  counts() {
    return {intervals: this.intervals, processes: this.pids.size, connections: this.socks.size, tx_bytes: this.tx, rx_bytes: this.rx}
  }
}

export const topTcpSpec: IntervalSpec<TopTcpOptions, TopTcpSample> = {
  command: 'top tcp',
  object: 'tcptop',
  programs: () => (bytesFromProbe() ? ['tcptop_states', 'tcptop_segbytes'] : ['tcptop_send', 'tcptop_recv']),
  check(o) {
    checkTcpFilter(o)
    // tcp_probe runs in softirq: no task, so no cgroup to compare in the kernel or after.
    if (o.cgroup !== undefined && bytesFromProbe())
      throw new MonitorError('top tcp --cgroup needs sock:sock_send_length (Linux 6.3+): bytes counted from tcp:tcp_probe have no process context', {exitCode: ExitCode.unavailable})
  },
  config: (o) => ({...kernelFilterConfig(o), want_bytes: true, want_owner: false}),
  maxEntries: (o) => ({conn_bytes: o.maxConnections ?? 16384}),
  setup: (obj, o) => setupCgroup(obj, o),
  notices: () => (bytesFromProbe() ? [probeBytesNotice()] : []),
  layouts: TCPTOP_LAYOUTS,
  sampler: (obj, o) => new TopTcpSampler(obj, {...o, ...checkTcpFilter(o)}),
  tables: [
    {title: 'processes', columns: PROCESS_COLUMNS, sorts: PROCESS_SORTS, rows: (s) => s.processes, key: (r) => String(r.pid)},
    {title: 'connections', columns: CONNECTION_COLUMNS, sorts: CONNECTION_SORTS, rows: (s) => s.connections, key: (r) => `${r.sock}:${r.pid}`},
  ],
  json: (s) => [topTcpJson(s)],
  describeCounts: (c) => `${plural(c.processes, 'process', 'processes')}, ${plural(c.connections, 'connection')}`,
}
