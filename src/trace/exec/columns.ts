/** How a process run reads, in text and in the live table (one list for both). */
import type {Column} from '../../output/columns.js'
import {formatClock, formatDuration, isoFromEpochUs} from '../../output/format.js'
import type {ExecRow} from './reducer.js'

/** Arguments quoted where a shell would need it; a cut argv says so. */
export function formatArgv(argv: string[], truncated: boolean): string {
  const text = argv.map((a) => (/[\s"'\\]/.test(a) || a === '' ? JSON.stringify(a) : a)).join(' ')
  return truncated ? `${text} ...[truncated]` : text
}

/** ARGS column: argv; for a process that never exec'd while tracing (argv unknown), [comm] as ps
 * shows a process without a command line. */
function formatArgs(r: ExecRow): string {
  return r.origin === 'exec' ? formatArgv(r.argv, r.argv_truncated) : `[${r.comm}]`
}

/** EXIT column: the exit code, the signal (`SIGSEGV(core)`), a failed exec's errno, or how the run stands. */
export function formatEnd(row: Pick<ExecRow, 'phase' | 'end' | 'exit_code' | 'signal' | 'core_dumped' | 'exec_errno'>): string {
  if (row.phase === 'start') return 'started'
  if (row.end === 'failed') return row.exec_errno ?? 'failed'
  if (row.end === 'running') return 'running'
  if (row.end === 'exec') return 'exec'
  if (row.signal) return row.core_dumped ? `${row.signal}(core)` : row.signal
  return String(row.exit_code)
}

function endColor(row: ExecRow): string | undefined {
  if (row.end === 'running' || row.phase === 'start') return 'cyan'
  if (row.signal || row.end === 'failed') return 'red'
  if (row.exit_code) return 'yellow'
  return undefined
}

export const EXEC_COLUMNS: readonly Column<ExecRow>[] = [
  {header: 'TIME', width: 12, value: (r, c) => formatClock(r.start_us, c.utc)},
  {header: 'PID', width: 7, align: 'right', value: (r) => String(r.pid)},
  {header: 'PPID', width: 7, align: 'right', drop: 3, value: (r) => String(r.ppid)},
  {header: 'UID', width: 5, align: 'right', drop: 1, value: (r) => String(r.uid)},
  {header: 'COMM', width: 15, minWidth: 10, value: (r) => r.comm},
  {header: 'EXIT', width: 13, minWidth: 9, align: 'right', value: formatEnd, color: endColor},
  {header: 'DURATION', width: 8, align: 'right', drop: 2, value: (r) => formatDuration(r.duration_ns)},
  {header: 'ARGS', width: 16, flex: true, value: formatArgs},
]

/** One NDJSON line: a `start` (with --starts) or a `run`, fields as documented in the README. A run
 * line is its start line's fields followed by how it ended. */
export function execJson(r: ExecRow): string {
  const start = JSON.stringify({
    type: r.phase,
    ts: isoFromEpochUs(r.start_us),
    pid: r.pid,
    ppid: r.ppid,
    uid: r.uid,
    comm: r.comm,
    filename: r.filename,
    argv: r.argv,
    argv_truncated: r.argv_truncated,
  })
  if (r.phase === 'start') return start
  const end = JSON.stringify({
    exec_errno: r.exec_errno,
    exit_code: r.exit_code,
    signal: r.signal,
    core_dumped: r.core_dumped,
    duration_ns: r.duration_ns,
    end: r.end,
    origin: r.origin,
  })
  return `${start.slice(0, -1)},${end.slice(1)}`
}
