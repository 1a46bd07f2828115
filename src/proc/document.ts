/** The forms a `monitor top` snapshot is printed in: one JSON document (snake_case, like every
 * command's JSON), CSV rows, and a plain-text screen like `top -b`. */
import {type Column, formatHeader, formatRow} from '../output/columns.js'
import {csvLine} from '../output/csv.js'
import {formatBytes, formatDuration} from '../output/format.js'
import {type FrameProcess, frameOf, type ProcBpfColumns, type TopFrame} from './frame.js'
import {processRow, type ProcessRow, ROW_FIELDS} from './rows.js'
import type {ProcSnapshot} from './sampler.js'

const r2 = (x: number) => Math.round(x * 100) / 100

/** A snapshot as the frame the printers take, with its rows (record indices) as frame rows. */
function asFrame(s: ProcSnapshot, rows: readonly number[]): [TopFrame, FrameProcess[]] {
  return [frameOf(s), rows.map((i) => processRow(s, i))]
}

export const snapshotJson = (s: ProcSnapshot, rows: readonly number[]): object => frameJson(...asFrame(s, rows))
export const snapshotCsv = (s: ProcSnapshot, rows: readonly number[]): string[] => frameCsv(...asFrame(s, rows))
export const snapshotText = (s: ProcSnapshot, rows: readonly number[], depth?: readonly number[]): string[] => frameText(...asFrame(s, rows), depth)

/** What a process the engine saw nothing of has in a column: no bytes, no waits. */
const NOTHING: Required<ProcBpfColumns> = {tx_bytes_per_s: 0, rx_bytes_per_s: 0, runq_avg_ns: null, runq_p99_ns: null, runq_count: 0}

/** The engine's columns of a frame (none when it was off). */
const bpfColumns = (s: TopFrame) => (s.bpf.state === 'on' ? s.bpf.columns : undefined)

/** A process as JSON: while the engine is on, every process carries every column it fills. */
function processJson(p: FrameProcess, columns: readonly (keyof ProcBpfColumns)[] | undefined): FrameProcess {
  if (!columns || columns.every((c) => p[c] !== undefined)) return p
  const out: FrameProcess = {...p}
  for (const c of columns) if (out[c] === undefined) Object.assign(out, {[c]: NOTHING[c]})
  return out
}

/** The JSON document of one frame (live or replayed: the same frame prints the same document);
 * `rows` are the frame's processes to print, in order (selectFrameRows). */
export function frameJson(s: TopFrame, rows: readonly FrameProcess[]): object {
  const sys = s.system
  const mem = sys.memory
  const self = s.self
  const columns = bpfColumns(s)
  return {
    type: 'snapshot',
    ts: new Date(s.epochMs).toISOString(),
    interval_s: Math.round(s.intervalS * 1e6) / 1e6,
    cpu_mode: s.mode,
    system: {
      cpus: sys.perCpuPercent.length,
      cpu_percent: r2(sys.cpuPercent),
      cpu_percent_per_cpu: sys.perCpuPercent.map(r2),
      memory: {
        total_bytes: mem.totalBytes,
        used_bytes: mem.totalBytes - mem.availableBytes,
        available_bytes: mem.availableBytes,
        free_bytes: mem.freeBytes,
        buffers_bytes: mem.buffersBytes,
        cached_bytes: mem.cachedBytes,
        swap_total_bytes: mem.swapTotalBytes,
        swap_used_bytes: mem.swapTotalBytes - mem.swapFreeBytes,
      },
      load: [sys.load.load1, sys.load.load5, sys.load.load15],
      uptime_s: sys.uptimeS,
      tasks: {
        total: sys.tasks.total,
        running: sys.tasks.running,
        sleeping: sys.tasks.sleeping,
        stopped: sys.tasks.stopped,
        zombie: sys.tasks.zombie,
        threads: sys.tasks.threads,
        kernel_threads: sys.tasks.kernelThreads,
      },
      pressure: Object.fromEntries(
        Object.entries(sys.pressure).map(([k, v]) => [
          k,
          v && {
            some: v.some && {avg10: v.some.avg10, avg60: v.some.avg60, avg300: v.some.avg300, total_us: v.some.totalUs},
            full: v.full && {avg10: v.full.avg10, avg60: v.full.avg60, avg300: v.full.avg300, total_us: v.full.totalUs},
          },
        ]),
      ),
    },
    monitor: self ? {pid: self.pid, cpu_percent: self.cpu_percent, rss_bytes: self.rss_bytes} : null,
    processes: columns ? rows.map((p) => processJson(p, columns)) : rows,
    // (A frame recorded before the engine's fields existed has neither: off, no list.)
    short_lived: s.shortLived ?? null,
    bpf: s.bpf ? {state: s.bpf.state, note: s.bpf.note, lost: s.bpf.lost, ...(columns ? {columns} : {})} : {state: 'off', note: null, lost: 0},
  }
}

/** CSV: the header once (`ts` first, so several snapshots stack into one table), then a line per row. */
export function csvHeader(): string {
  return csvLine(['ts', ...ROW_FIELDS])
}

export function frameCsv(s: TopFrame, rows: readonly FrameProcess[]): string[] {
  const ts = new Date(s.epochMs).toISOString()
  return rows.map((row) => csvLine([ts, ...ROW_FIELDS.map((f) => row[f])]))
}

const fmtTime = (s: number) => {
  const m = Math.floor(s / 60)
  return `${m}:${(s - m * 60).toFixed(2).padStart(5, '0')}`
}

/** top's columns, TIME+ as minutes:seconds.hundredths. */
export const TOP_COLUMNS: readonly Column<ProcessRow>[] = [
  {header: 'PID', width: 7, align: 'right', value: (r) => String(r.pid)},
  {header: 'USER', width: 9, value: (r) => r.user},
  {header: 'PR', width: 3, align: 'right', value: (r) => String(r.priority)},
  {header: 'NI', width: 3, align: 'right', value: (r) => String(r.nice)},
  {header: 'VIRT', width: 7, align: 'right', value: (r) => formatBytes(r.virt_bytes)},
  {header: 'RES', width: 7, align: 'right', value: (r) => formatBytes(r.rss_bytes)},
  {header: 'SHR', width: 7, align: 'right', value: (r) => formatBytes(r.shared_bytes)},
  {header: 'S', width: 1, value: (r) => r.state},
  {header: '%CPU', width: 6, align: 'right', value: (r) => r.cpu_percent.toFixed(1)},
  {header: '%MEM', width: 5, align: 'right', value: (r) => r.mem_percent.toFixed(1)},
  {header: 'TIME+', width: 9, align: 'right', value: (r) => fmtTime(r.cpu_time_s)},
  {header: 'THR', width: 4, align: 'right', value: (r) => String(r.threads)},
  {header: 'COMMAND', width: 7, flex: true, value: (r) => r.command},
]

/** The eBPF columns of the text screen, before COMMAND, while the engine fills them. */
const BPF_TEXT_COLUMNS: Partial<Record<keyof ProcBpfColumns, Column<FrameProcess>>> = {
  tx_bytes_per_s: {header: 'TX/s', width: 7, align: 'right', value: (r) => formatBytes(r.tx_bytes_per_s ?? 0)},
  rx_bytes_per_s: {header: 'RX/s', width: 7, align: 'right', value: (r) => formatBytes(r.rx_bytes_per_s ?? 0)},
  runq_p99_ns: {header: 'RQ-P99', width: 8, align: 'right', value: (r) => formatDuration(r.runq_p99_ns ?? null)},
}

function textColumns(s: TopFrame): readonly Column<FrameProcess>[] {
  const extra = (bpfColumns(s) ?? []).flatMap((c) => BPF_TEXT_COLUMNS[c] ?? [])
  return extra.length ? [...TOP_COLUMNS.slice(0, -1), ...extra, TOP_COLUMNS[TOP_COLUMNS.length - 1]] : TOP_COLUMNS
}

/** The eBPF line of the text screen: why it is off, or its losses, notes and the short-lived. */
function bpfLine(s: TopFrame): string {
  const b = s.bpf
  if (!b || b.state === 'off') return `eBPF columns off${b?.note ? `: ${b.note}` : ''}`
  const list = s.shortLived ?? []
  const names = list.slice(0, 8).map((p) => `${p.comm}[${p.pid}]`).join(' ')
  return `eBPF: on, ${b.lost} lost${b.note ? ` (${b.note})` : ''}; ${list.length} short-lived${names ? `: ${names}${list.length > 8 ? ' ...' : ''}` : ''}`
}

/** A plain-text screen like `top -b`'s: summary lines, the header, a line per row (with `depth`, the
 * tree: commands indented under their parents). */
export function frameText(s: TopFrame, rows: readonly FrameProcess[], depth?: readonly number[]): string[] {
  const sys = s.system
  const t = sys.tasks
  const mem = sys.memory
  const psi = (k: 'cpu' | 'memory' | 'io') => {
    const p = sys.pressure[k]
    return p?.some ? `${k} ${p.some.avg10.toFixed(2)}` : `${k} -`
  }
  const self = s.self
  const ctx = {utc: true, nowNs: 0}
  const columns = textColumns(s)
  return [
    `monitor top - ${new Date(s.epochMs).toISOString()} up ${(sys.uptimeS / 86400).toFixed(1)} days, load average: ${sys.load.load1.toFixed(2)}, ${sys.load.load5.toFixed(2)}, ${sys.load.load15.toFixed(2)}`,
    `Tasks: ${t.total} total, ${t.running} running, ${t.sleeping} sleeping, ${t.stopped} stopped, ${t.zombie} zombie; ${t.threads} threads`,
    `%Cpu: ${sys.cpuPercent.toFixed(1)} busy over ${s.intervalS.toFixed(2)}s (${sys.perCpuPercent.map((p) => p.toFixed(0)).join(' ')} per CPU); CPU% column: 100 = ${s.mode === 'core' ? 'one core' : 'all CPUs'}`,
    `Mem: ${formatBytes(mem.totalBytes)} total, ${formatBytes(mem.totalBytes - mem.availableBytes)} used, ${formatBytes(mem.availableBytes)} avail; Swap: ${formatBytes(mem.swapTotalBytes)} total, ${formatBytes(mem.swapTotalBytes - mem.swapFreeBytes)} used`,
    `Pressure (some avg10): ${psi('cpu')}, ${psi('memory')}, ${psi('io')}${self ? `; monitor: ${self.cpu_percent.toFixed(1)}% CPU, ${formatBytes(self.rss_bytes)} RSS` : ''}`,
    bpfLine(s),
    '',
    formatHeader(columns),
    ...rows.map((row, k) => formatRow(columns, depth?.[k] ? {...row, command: `${'  '.repeat(depth[k] - 1)} \\_ ${row.command}`} : row, ctx)),
  ]
}
