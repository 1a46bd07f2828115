/** The live-table mode of a tracing session (loaded only on a terminal, with Ink and React). */
import type {TraceSummary, Tracer} from '../trace/open.js'
import type {TracerSpec} from '../trace/spec.js'
import {showLiveTable} from './live-screen.js'
import {Backpressure, finishRecorded, openRecorded, type RecordedTracer} from './recording.js'
import type {SessionOptions} from './session-options.js'
import {stopSignal} from './stop-signal.js'
import {summaryText} from './summary.js'
import {TableModel} from './table-model.js'

export async function runTable<O, R>(spec: TracerSpec<O, R>, options: O, session: SessionOptions): Promise<void> {
  const stop = stopSignal(session.durationS)
  const started = performance.now()
  let tracer: Tracer<R> | undefined
  let traced: RecordedTracer<O, R> | undefined
  let hide: (() => void) | undefined
  let summary: TraceSummary | undefined
  try {
    let model: TableModel<O, R> | undefined
    // The table keeps what it shows; only a recording behind on its disk pauses the ring.
    traced = openRecorded(spec, options, (row) => model!.add(row), session, new Backpressure(() => tracer))
    const t = (tracer = traced.tracer)
    model = new TableModel(spec, () => t.snapshot(), () => t.version)
    hide = await showLiveTable(model, session.utc ?? false, () => stop.stop('quit'))
    summary = await finishRecorded(traced, stop)
  } finally {
    hide?.()
    stop.dispose()
    tracer?.close()
    if (!summary) traced?.recording?.close()
  }
  const elapsed = (performance.now() - started) / 1000
  // The recording ends once the table is gone (a frame drawn meanwhile would read a closed tracer).
  try {
    await traced.recording?.finish(summary, elapsed)
  } finally {
    traced.recording?.close()
  }
  // After the alternate screen is gone, so the line stays in the terminal.
  process.stderr.write(summaryText(spec, summary, elapsed) + '\n')
}
