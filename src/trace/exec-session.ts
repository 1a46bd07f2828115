/** Runs `monitor trace exec` in the chosen output mode. */
import {totalLosses} from '../engine/index.js'
import {ExecTracer, type ExecSummary, type ExecTraceOptions, type ProcessRun} from './exec.js'
import {EXEC_COLUMNS, formatLosses} from './exec-format.js'
import {formatHeader, formatRow, LineWriter, type OutputMode} from './output.js'
import {stopSignal} from './session.js'

export interface ExecSessionOptions extends ExecTraceOptions {
  output: OutputMode
  /** Seconds to trace; until Ctrl-C when absent. */
  durationS?: number
}

export async function runExecSession(options: ExecSessionOptions): Promise<ExecSummary> {
  if (options.output === 'table') {
    const {runExecTable} = await import('../tui/exec-app.js')
    return runExecTable(options)
  }
  const started = Date.now()
  let stopOnClosedPipe = () => {}
  const writer = new LineWriter(process.stdout, () => stopOnClosedPipe())
  const json = options.output === 'json'
  const onRun = json
    ? (run: ProcessRun) => writer.line(`{"type":"run",${JSON.stringify(run).slice(1)}`)
    : (run: ProcessRun) => writer.line(formatRow(EXEC_COLUMNS, run))
  // Runs arrive from the drain thread on later ticks, so the header below still comes first.
  const tracer = ExecTracer.start(options, {onRun})
  const stop = stopSignal(options.durationS) // only once tracing runs: a failed start leaves no timer
  stopOnClosedPipe = () => stop.stop('pipe closed')
  if (!json) writer.line(formatHeader(EXEC_COLUMNS))
  await stop.done
  const summary = await tracer.stop()
  const elapsed = (Date.now() - started) / 1000
  if (json) {
    writer.line(JSON.stringify({type: 'summary', duration_s: elapsed, ...summary, lost_total: totalLosses(summary.lost)}))
  } else {
    process.stderr.write(
      `${summary.runs} runs (${summary.still_running} still running) in ${elapsed.toFixed(1)}s, ${formatLosses(summary.lost)}\n`,
    )
  }
  await writer.end()
  return summary
}
