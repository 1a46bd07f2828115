/** A recorded `trace exec` summarised (`monitor trace report`) and laid on a timeline (`trace convert
 * --to chrome`): top commands by runs and by time, how runs ended, and the run-duration histogram. */
import {Histogram} from '../../engine/index.js'
import {type ReportBuilder, type ReportColumn, type ReportSection, type TimelineContext, type TimelineEvent, topEntries} from '../sections.js'
import {formatEnd} from './columns.js'
import type {ExecRow} from './reducer.js'

/** Rows per top table. */
const TOP = 10

interface CommandTally {
  runs: number
  failed: number
  /** Runs with a duration (ended while tracing). */
  timed: number
  totalNs: number
  maxNs: number
}

interface EndTally {
  runs: number
  comms: Map<string, number>
}

/** A run that did not succeed: a non-zero exit, a signal, a failed exec. */
function failed(r: ExecRow): boolean {
  return r.end === 'failed' || r.signal !== null || (r.exit_code !== null && r.exit_code !== 0)
}

/** "exit 0", "exit 3", "SIGTERM", "ENOENT (exec failed)", "running", "exec" (replaced its image). */
function howItEnded(r: ExecRow): string {
  if (r.end === 'failed') return `${r.exec_errno ?? 'exec'} (exec failed)`
  if (r.end === 'exit' && !r.signal) return `exit ${r.exit_code}`
  return formatEnd(r)
}

const COMMAND_COLUMNS: ReportColumn[] = [
  {key: 'comm', header: 'COMM'},
  {key: 'runs', header: 'RUNS', unit: 'count'},
  {key: 'failed', header: 'FAILED', unit: 'count'},
  {key: 'total_ns', header: 'TOTAL', unit: 'ns'},
  {key: 'mean_ns', header: 'MEAN', unit: 'ns'},
  {key: 'max_ns', header: 'MAX', unit: 'ns'},
]

export class ExecReportBuilder implements ReportBuilder<ExecRow> {
  private readonly commands = new Map<string, CommandTally>()
  private readonly ends = new Map<string, EndTally>()
  private readonly durations = new Histogram()

  add(r: ExecRow): void {
    if (r.phase !== 'run') return
    let c = this.commands.get(r.comm)
    if (!c) this.commands.set(r.comm, (c = {runs: 0, failed: 0, timed: 0, totalNs: 0, maxNs: 0}))
    c.runs++
    if (failed(r)) c.failed++
    if (r.duration_ns !== null && r.end !== 'running') {
      c.timed++
      c.totalNs += r.duration_ns
      c.maxNs = Math.max(c.maxNs, r.duration_ns)
      this.durations.add(r.duration_ns)
    }
    const how = howItEnded(r)
    let e = this.ends.get(how)
    if (!e) this.ends.set(how, (e = {runs: 0, comms: new Map()}))
    e.runs++
    e.comms.set(r.comm, (e.comms.get(r.comm) ?? 0) + 1)
  }

  sections(): ReportSection[] {
    const commandRow = ([comm, c]: [string, CommandTally]) => {
      const timed = c.timed > 0
      return {comm, runs: c.runs, failed: c.failed, total_ns: timed ? c.totalNs : null, mean_ns: timed ? Math.round(c.totalNs / c.timed) : null, max_ns: timed ? c.maxNs : null}
    }
    return [
      {kind: 'table', name: 'top_by_runs', title: 'Commands by runs', columns: COMMAND_COLUMNS, rows: topEntries(this.commands, (c) => c.runs, TOP).map(commandRow)},
      {kind: 'table', name: 'top_by_time', title: 'Commands by total run time', columns: COMMAND_COLUMNS, rows: topEntries(this.commands, (c) => c.totalNs, TOP).map(commandRow)},
      {
        kind: 'table',
        name: 'endings',
        title: 'How runs ended',
        columns: [
          {key: 'end', header: 'END'},
          {key: 'runs', header: 'RUNS', unit: 'count'},
          {key: 'commands', header: 'COMMANDS'},
        ],
        rows: topEntries(this.ends, (e) => e.runs, Infinity).map(([end, e]) => ({
          end,
          runs: e.runs,
          commands: topEntries(e.comms, (n) => n, 3)
            .map(([comm, n]) => `${comm} ${n}`)
            .join(', ') + (e.comms.size > 3 ? ', …' : ''),
        })),
      },
      {kind: 'histogram', name: 'run_duration', title: 'Run duration (exec to exit)', unit: 'ns', histogram: this.durations},
    ]
  }
}

/** A run as a span from exec to its end (a still-running one to the end of the trace); a failed
 * exec is an instant. A process already running when tracing started begins at the trace's start. */
export function execTimeline(r: ExecRow, ctx: TimelineContext): TimelineEvent | undefined {
  if (r.phase !== 'run') return undefined
  const before = r.start_us < ctx.startUs
  const startUs = before ? ctx.startUs : r.start_us
  const endUs = r.end === 'running' ? ctx.endUs : r.duration_ns === null ? null : r.start_us + r.duration_ns / 1000
  return {
    name: r.comm,
    category: r.end === 'failed' ? 'exec_failed' : 'run',
    startUs,
    durationUs: r.end === 'failed' || endUs === null ? null : Math.max(0, endUs - startUs),
    pid: r.pid,
    tid: r.pid,
    processName: `${r.comm} ${r.pid}`,
    args: {
      ppid: r.ppid,
      uid: r.uid,
      filename: r.filename,
      argv: r.argv.join(' '),
      end: howItEnded(r),
      ...(before ? {started_before_trace: true} : {}),
    },
  }
}
