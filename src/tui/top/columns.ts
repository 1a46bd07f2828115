/** The top view's process columns (htop's, plus cgroup/container and the eBPF ones), with drop
 * priorities for narrow terminals: at 80 columns the least telling go first and COMMAND keeps the
 * rest of the line. */
import {type Column, fitColumns, type FittedColumn} from '../../output/columns.js'
import {formatBytes, formatDuration} from '../../output/format.js'
import type {SortColumn} from './model.js'
import type {ViewProcess} from './types.js'

/** One process line as the columns read it. */
export interface CellRow {
  p: ViewProcess
  /** Tree or group indentation in front of the command. */
  prefix: string
  /** Multiplies cpu_percent: the frame's CPU% scale to the one shown (core ↔ machine). */
  cpuScale: number
}

export interface TopColumn extends Column<CellRow> {
  sort: SortColumn
  /** Present only when the frame has eBPF columns. */
  bpf?: boolean
}

const fmtTime = (s: number) => {
  const m = Math.floor(s / 60)
  return m >= 1000 ? `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}` : `${m}:${(s - m * 60).toFixed(2).padStart(5, '0')}`
}
/** htop's memory cells: one-letter units, at most 5 characters (21.0G, 97.3M, 812K). */
export function compactBytes(bytes: number): string {
  const units = ['', 'K', 'M', 'G', 'T', 'P']
  let v = bytes
  let u = 0
  while (v >= 1000 && u < units.length - 1) {
    v /= 1024
    u++
  }
  return u === 0 ? String(Math.round(v)) : `${v.toFixed(v >= 10 ? (v >= 100 ? 0 : 1) : 2)}${units[u]}`
}
const rate = (x: number | undefined) => (x === undefined ? '-' : formatBytes(x))
const ns = (x: number | null | undefined) => (x === undefined || x === null ? '-' : formatDuration(x))
const pct = (x: number) => (x >= 999.5 ? x.toFixed(0) : x.toFixed(1))

export const TOP_VIEW_COLUMNS: readonly TopColumn[] = [
  {header: 'PID', sort: 'pid', width: 7, align: 'right', value: (r) => String(r.p.pid)},
  {header: 'USER', sort: 'user', width: 8, value: (r) => r.p.user},
  {header: 'PRI', sort: 'priority', width: 3, align: 'right', drop: 2, value: (r) => (r.p.priority <= -100 ? 'RT' : String(r.p.priority))},
  {header: 'NI', sort: 'nice', width: 3, align: 'right', drop: 6, value: (r) => String(r.p.nice)},
  {header: 'VIRT', sort: 'virt', width: 6, align: 'right', drop: 5, value: (r) => compactBytes(r.p.virt_bytes)},
  {header: 'RES', sort: 'res', width: 6, align: 'right', value: (r) => compactBytes(r.p.rss_bytes)},
  {header: 'SHR', sort: 'shr', width: 6, align: 'right', drop: 4, value: (r) => compactBytes(r.p.shared_bytes)},
  {header: 'S', sort: 'state', width: 1, value: (r) => r.p.state},
  {header: 'CPU%', sort: 'cpu', width: 5, align: 'right', value: (r) => pct(r.p.cpu_percent * r.cpuScale)},
  {header: 'MEM%', sort: 'mem', width: 5, align: 'right', drop: 7, value: (r) => pct(r.p.mem_percent)},
  {header: 'TIME+', sort: 'time', width: 9, align: 'right', drop: 6.5, value: (r) => fmtTime(r.p.cpu_time_s)},
  {header: 'THR', sort: 'threads', width: 4, align: 'right', drop: 3, value: (r) => String(r.p.threads)},
  {header: 'TX/s', sort: 'tx', bpf: true, width: 7, align: 'right', drop: 1.4, value: (r) => rate(r.p.tx_bytes_per_s)},
  {header: 'RX/s', sort: 'rx', bpf: true, width: 7, align: 'right', drop: 1.3, value: (r) => rate(r.p.rx_bytes_per_s)},
  {header: 'RUNQ', sort: 'runq_avg', bpf: true, width: 7, align: 'right', drop: 1.2, value: (r) => ns(r.p.runq_avg_ns)},
  {header: 'RQp99', sort: 'runq_p99', bpf: true, width: 7, align: 'right', drop: 1.1, value: (r) => ns(r.p.runq_p99_ns)},
  {header: 'CGROUP', sort: 'cgroup', width: 16, minWidth: 10, drop: 1, value: (r) => r.p.container ?? r.p.cgroup ?? '-'},
  {header: 'COMMAND', sort: 'command', width: 20, flex: true, value: (r) => r.prefix + r.p.command},
]

/** The columns laid out in `width` characters (the eBPF ones only with `bpf`). */
export function topColumns(width: number, bpf: boolean): FittedColumn<CellRow>[] {
  return fitColumns(bpf ? TOP_VIEW_COLUMNS : TOP_VIEW_COLUMNS.filter((c) => !c.bpf), width)
}
