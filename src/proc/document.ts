/** The forms a `monitor top` snapshot is printed in: one JSON document (snake_case, like every
 * command's JSON), CSV rows, and a plain-text screen like `top -b`. */
import {type Column, formatHeader, formatRow} from '../output/columns.js'
import {csvLine} from '../output/csv.js'
import {formatBytes} from '../output/format.js'
import {type FrameProcess, frameOf, type TopFrame} from './frame.js'
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

/** The JSON document of one frame (live or replayed: the same frame prints the same document);
 * `rows` are the frame's processes to print, in order (selectFrameRows). */
export function frameJson(s: TopFrame, rows: readonly FrameProcess[]): object {
  const sys = s.system
  const mem = sys.memory
  const self = s.self
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
    processes: rows,
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
  return [
    `monitor top - ${new Date(s.epochMs).toISOString()} up ${(sys.uptimeS / 86400).toFixed(1)} days, load average: ${sys.load.load1.toFixed(2)}, ${sys.load.load5.toFixed(2)}, ${sys.load.load15.toFixed(2)}`,
    `Tasks: ${t.total} total, ${t.running} running, ${t.sleeping} sleeping, ${t.stopped} stopped, ${t.zombie} zombie; ${t.threads} threads`,
    `%Cpu: ${sys.cpuPercent.toFixed(1)} busy over ${s.intervalS.toFixed(2)}s (${sys.perCpuPercent.map((p) => p.toFixed(0)).join(' ')} per CPU); CPU% column: 100 = ${s.mode === 'core' ? 'one core' : 'all CPUs'}`,
    `Mem: ${formatBytes(mem.totalBytes)} total, ${formatBytes(mem.totalBytes - mem.availableBytes)} used, ${formatBytes(mem.availableBytes)} avail; Swap: ${formatBytes(mem.swapTotalBytes)} total, ${formatBytes(mem.swapTotalBytes - mem.swapFreeBytes)} used`,
    `Pressure (some avg10): ${psi('cpu')}, ${psi('memory')}, ${psi('io')}${self ? `; monitor: ${self.cpu_percent.toFixed(1)}% CPU, ${formatBytes(self.rss_bytes)} RSS` : ''}`,
    '',
    formatHeader(TOP_COLUMNS),
    ...rows.map((row, k) => formatRow(TOP_COLUMNS, depth?.[k] ? {...row, command: `${'  '.repeat(depth[k] - 1)} \\_ ${row.command}`} : row, ctx)),
  ]
}
