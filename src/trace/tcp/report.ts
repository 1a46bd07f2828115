/** A recorded `trace tcp <mode>` summarised (`monitor trace report`): what a tcplife / tcpstates user
 * asks of a capture — top talkers, outcomes, per-transition counts, latency and duration histograms.
 * One builder for the six modes: a mode is a list of section definitions (tables of rows grouped by
 * a key with sums per group, histograms of one field, optionally one per group), so adding a
 * section is a line in SECTIONS, not a new class. */
import {Histogram} from '../../engine/index.js'
import {formatEndpoint} from '../../output/format.js'
import {type ReportBuilder, type ReportColumn, type ReportSection, type ReportUnit, type ReportValue, topEntries} from '../sections.js'
import type {TcpMode, TcpRow} from './reducer.js'

/** Rows of a "top" table. */
const TOP = 10

/** A number summed over a group's rows (a count is a sum of 1s). */
interface Sum {
  column: ReportColumn
  value(r: TcpRow): number
}

/** Rows grouped by `key` (its values fill `keys`' columns), with `sums` per group, largest `by`
 * first. A row whose key is undefined is left out. */
interface TableDef {
  kind: 'table'
  name: string
  title: string
  keys: {column: ReportColumn; value(r: TcpRow): ReportValue}[]
  sums: Sum[]
  /** The sum the rows are ordered by (its column key). */
  by: string
  /** Rows kept (default: all). */
  top?: number
}

/** A histogram of `value` (null: the row has none); with `group`, one histogram per group, named
 * `<name>_<group>` and titled `<title> <group>`, in the order groups first appear. */
interface HistogramDef {
  kind: 'histogram'
  name: string
  title: string
  unit: ReportUnit
  value(r: TcpRow): number | null
  group?(r: TcpRow): string | null
}

type SectionDef = TableDef | HistogramDef

const count = (key: string, header: string): Sum => ({column: {key, header, unit: 'count'}, value: () => 1})
const sum = (key: string, header: string, unit: ReportUnit, value: (r: TcpRow) => number): Sum => ({column: {key, header, unit}, value})
const key = (k: string, header: string, value: (r: TcpRow) => ReportValue) => ({column: {key: k, header}, value})

const OWNER = [key('pid', 'PID', (r) => r.pid), key('comm', 'COMM', (r) => r.comm)]
const REMOTE = [key('remote', 'REMOTE', (r) => formatEndpoint(r.daddr, r.dport))]
const REMOTE_ADDRESS = [key('daddr', 'REMOTE ADDRESS', (r) => r.daddr)]
const BYTES = [
  sum('tx_bytes', 'TX', 'bytes', (r) => r.tx_bytes),
  sum('rx_bytes', 'RX', 'bytes', (r) => r.rx_bytes),
  sum('total_bytes', 'TOTAL', 'bytes', (r) => r.tx_bytes + r.rx_bytes),
]
const FAILED = sum('failed', 'FAILED', 'count', (r) => (r.errno ? 1 : 0))

const top = (name: string, title: string, keys: TableDef['keys'], sums: Sum[], by: string): TableDef => ({kind: 'table', name, title, keys, sums, by, top: TOP})
const all = (name: string, title: string, keys: TableDef['keys'], sums: Sum[]): TableDef => ({kind: 'table', name, title, keys, sums, by: sums[0].column.key})
const histogram = (name: string, title: string, value: (r: TcpRow) => number | null): HistogramDef => ({kind: 'histogram', name, title, unit: 'ns', value})

/** Each mode's sections, in report order. */
const SECTIONS: Record<TcpMode, SectionDef[]> = {
  life: [
    top('top_processes', 'Processes by bytes (tx + rx)', OWNER, [count('connections', 'CONNS'), ...BYTES], 'total_bytes'),
    top('top_remotes', 'Remote endpoints by bytes (tx + rx)', REMOTE, [count('connections', 'CONNS'), ...BYTES], 'total_bytes'),
    all(
      'by_kind',
      'Connections by family, seen from their start or older than tracing (partial)',
      [key('family', 'FAMILY', (r) => r.family), key('start', 'START', (r) => (r.partial ? 'partial' : 'seen'))],
      [count('connections', 'CONNS'), ...BYTES],
    ),
    histogram('duration', 'Connection duration (start to close; partial ones have none)', (r) => r.duration_ns),
  ],
  connect: [
    all('results', 'Connects by result', [key('result', 'RESULT', (r) => r.errno ?? 'ok')], [count('connects', 'CONNECTS')]),
    top('top_destinations', 'Destinations by connects', REMOTE, [count('connects', 'CONNECTS'), FAILED], 'connects'),
    top('top_processes', 'Processes by connects', OWNER, [count('connects', 'CONNECTS'), FAILED], 'connects'),
    histogram('connect_latency', 'Connect latency (SYN_SENT to ESTABLISHED)', (r) => r.latency_ns),
  ],
  accept: [
    top('top_processes', 'Processes by accepts', OWNER, [count('accepts', 'ACCEPTS')], 'accepts'),
    top('top_local', 'Local endpoints by accepts', [key('local', 'LOCAL', (r) => formatEndpoint(r.saddr, r.sport))], [count('accepts', 'ACCEPTS')], 'accepts'),
    histogram('accept_latency', 'Accept-queue wait (handshake done to accept() returned)', (r) => r.latency_ns),
  ],
  states: [
    all('transitions', 'State changes by transition', [key('transition', 'TRANSITION', (r) => `${r.oldstate}->${r.newstate}`)], [count('changes', 'CHANGES')]),
    {kind: 'histogram', name: 'time_in', title: 'Time in', unit: 'ns', value: (r) => r.duration_ns, group: (r) => r.oldstate},
  ],
  retrans: [
    top('top_remotes', 'Retransmits by remote address', REMOTE_ADDRESS, [count('retransmits', 'RETRANSMITS')], 'retransmits'),
    all('by_state', 'Retransmits by state', [key('state', 'STATE', (r) => r.state)], [count('retransmits', 'RETRANSMITS')]),
  ],
  resets: [
    all('by_direction', 'Resets by direction', [key('direction', 'DIRECTION', (r) => r.direction)], [count('resets', 'RESETS')]),
    top(
      'top_remotes',
      'Resets by remote address',
      REMOTE_ADDRESS,
      [count('resets', 'RESETS'), sum('sent', 'SENT', 'count', (r) => (r.direction === 'sent' ? 1 : 0)), sum('received', 'RECEIVED', 'count', (r) => (r.direction === 'received' ? 1 : 0))],
      'resets',
    ),
  ],
}

interface Group {
  keys: ReportValue[]
  sums: number[]
}

/** The tallies of one definition: groups by their key (JSON of the key values). */
type Tally = Map<string, Group>

export class TcpReportBuilder implements ReportBuilder<TcpRow> {
  private readonly tallies: Tally[]
  /** Per histogram definition: group ('' without one) → histogram, in first-seen order. */
  private readonly histograms: Map<string, Histogram>[]

  constructor(private readonly defs: readonly SectionDef[]) {
    this.tallies = defs.map(() => new Map())
    this.histograms = defs.map(() => new Map())
  }

  add(r: TcpRow): void {
    this.defs.forEach((d, i) => (d.kind === 'table' ? this.tally(this.tallies[i], d, r) : this.observe(this.histograms[i], d, r)))
  }

  private tally(t: Tally, d: TableDef, r: TcpRow): void {
    const keys = d.keys.map((k) => k.value(r))
    const id = JSON.stringify(keys)
    let g = t.get(id)
    if (!g) t.set(id, (g = {keys, sums: d.sums.map(() => 0)}))
    d.sums.forEach((s, j) => (g.sums[j] += s.value(r)))
  }

  private observe(hs: Map<string, Histogram>, d: HistogramDef, r: TcpRow): void {
    const v = d.value(r)
    const group = d.group ? d.group(r) : ''
    if (v === null || group === null) return
    let h = hs.get(group)
    if (!h) hs.set(group, (h = new Histogram()))
    h.add(v)
  }

  sections(): ReportSection[] {
    return this.defs.flatMap((d, i): ReportSection[] => {
      if (d.kind === 'histogram') {
        const hs = this.histograms[i]
        if (!d.group) return [{kind: 'histogram', name: d.name, title: d.title, unit: d.unit, histogram: hs.get('') ?? new Histogram()}]
        return [...hs].map(([g, h]) => ({kind: 'histogram', name: `${d.name}_${g.toLowerCase()}`, title: `${d.title} ${g}`, unit: d.unit, histogram: h}))
      }
      const by = d.sums.findIndex((s) => s.column.key === d.by)
      const rows = topEntries(this.tallies[i], (g) => g.sums[by], d.top ?? Infinity).map(([, g]) => {
        const row: Record<string, ReportValue> = {}
        d.keys.forEach((k, j) => (row[k.column.key] = g.keys[j]))
        d.sums.forEach((s, j) => (row[s.column.key] = g.sums[j]))
        return row
      })
      return [{kind: 'table', name: d.name, title: d.title, columns: [...d.keys.map((k) => k.column), ...d.sums.map((s) => s.column)], rows}]
    })
  }
}

/** The report builder of one mode (TracerSpec.report). */
export function tcpReport(mode: TcpMode): TcpReportBuilder {
  return new TcpReportBuilder(SECTIONS[mode])
}
