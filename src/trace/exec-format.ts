/** How a process run reads in columns and in the live table. */
import type {Losses} from '../engine/index.js'
import {type Column, formatDuration} from './output.js'
import type {ProcessRun} from './exec.js'

export function formatArgv(argv: string[], truncated: boolean): string {
  const text = argv.map((a) => (/[\s"'\\]/.test(a) || a === '' ? JSON.stringify(a) : a)).join(' ')
  return truncated ? `${text} …[truncated]` : text
}

export function formatEnd(run: Pick<ProcessRun, 'end' | 'exit_code' | 'signal' | 'core_dumped'>): string {
  if (run.end === 'running') return 'running'
  if (run.end === 'exec') return 'exec'
  if (run.signal) return run.core_dumped ? `${run.signal}(core)` : run.signal
  return String(run.exit_code)
}

export const EXEC_COLUMNS: Column<ProcessRun>[] = [
  {header: 'TIME', width: 15, value: (r) => r.ts.slice(11, 26)},
  {header: 'PID', width: 7, align: 'right', value: (r) => String(r.pid)},
  {header: 'PPID', width: 7, align: 'right', value: (r) => String(r.ppid)},
  {header: 'UID', width: 5, align: 'right', value: (r) => String(r.uid)},
  {header: 'COMM', width: 15, value: (r) => r.comm},
  {header: 'EXIT', width: 9, align: 'right', value: formatEnd},
  {header: 'DURATION', width: 9, align: 'right', value: (r) => formatDuration(r.duration_ns)},
  {header: 'ARGS', width: 0, value: (r) => formatArgv(r.argv, r.argv_truncated)},
]

export function formatLosses(lost: Losses): string {
  const parts = Object.entries(lost)
    .filter(([, n]) => n > 0)
    .map(([k, n]) => `${k} ${n}`)
  return parts.length ? `lost ${parts.join(', ')}` : 'lost 0'
}
