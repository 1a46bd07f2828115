/** The live-table mode of a tracing session (loaded only on a terminal, with Ink and React). */
import {openTracer, type TraceSummary, type Tracer} from '../trace/open.js'
import type {TracerSpec} from '../trace/spec.js'
import {showLiveTable} from './live-screen.js'
import type {SessionOptions} from './session-options.js'
import {finishTracing, stopSignal} from './stop-signal.js'
import {summaryText} from './summary.js'
import {TableModel} from './table-model.js'

export async function runTable<O, R>(spec: TracerSpec<O, R>, options: O, session: SessionOptions): Promise<void> {
  const stop = stopSignal(session.durationS)
  const started = performance.now()
  let tracer: Tracer<R> | undefined
  let hide: (() => void) | undefined
  let summary: TraceSummary
  try {
    let model: TableModel<O, R> | undefined
    const t = (tracer = openTracer(spec, options, (row) => model!.add(row)))
    model = new TableModel(spec, () => t.snapshot(), () => t.version)
    hide = await showLiveTable(model, session.utc ?? false, () => stop.stop('quit'))
    summary = await finishTracing(tracer, stop)
  } finally {
    hide?.()
    stop.dispose()
    tracer?.close()
  }
  // After the alternate screen is gone, so the line stays in the terminal.
  process.stderr.write(summaryText(spec, summary, (performance.now() - started) / 1000) + '\n')
}
