/** The one place a tracing session picks its output: the live table on a terminal (Ink and React
 * loaded only then), aligned columns, or NDJSON. It owns the stop signal, prints the summary the same
 * way in every mode, surfaces a failure while tracing at once, and passes a slow reader's pace back
 * to the tracer. */
import {type FormatContext, formatHeader, formatRow} from '../output/columns.js'
import {LineWriter} from '../output/line-writer.js'
import type {Tracer} from '../trace/open.js'
import type {TracerSpec} from '../trace/spec.js'
import {prepareInk} from './ink-env.js'
import {Backpressure, finishRecorded, openRecorded, type RecordedTracer} from './recording.js'
import type {SessionOptions} from './session-options.js'
import {stopSignal} from './stop-signal.js'
import {readyJson, summaryJson, summaryText} from './summary.js'

export async function runTrace<O, R>(spec: TracerSpec<O, R>, options: O, session: SessionOptions): Promise<void> {
  for (const notice of spec.notices?.(options) ?? []) process.stderr.write(`monitor: ${notice}\n`)
  if (session.output === 'table') {
    prepareInk()
    const {runTable} = await import('./table-session.js')
    return runTable(spec, options, session)
  }
  return runStream(spec, options, session)
}

async function runStream<O, R>(spec: TracerSpec<O, R>, options: O, session: SessionOptions): Promise<void> {
  const json = session.output === 'json'
  const stop = stopSignal(session.durationS)
  const started = performance.now()
  let tracer: Tracer<R> | undefined
  let traced: RecordedTracer<O, R> | undefined
  const pace = new Backpressure(() => tracer)
  const writer = new LineWriter(process.stdout, {
    onCongested: () => pace.hold('output'),
    onDrained: () => pace.release('output'),
    onClosed: () => stop.stop('pipe closed'),
  })
  const ctx: FormatContext = {utc: session.utc ?? false, nowNs: 0}
  const line = json ? (row: R) => writer.line(spec.json(row)) : (row: R) => writer.line(formatRow(spec.columns, row, ctx))
  try {
    traced = openRecorded(spec, options, line, session, pace)
    tracer = traced.tracer
    // The ready line: tracing runs from here on (tests and scripts wait for it, not for a sleep).
    writer.line(json ? readyJson(spec, tracer) : formatHeader(spec.columns))
    const summary = await finishRecorded(traced, stop)
    const elapsed = (performance.now() - started) / 1000
    await traced.recording?.finish(summary, elapsed)
    if (json) writer.line(summaryJson(summary, elapsed))
    else process.stderr.write(summaryText(spec, summary, elapsed) + '\n')
    await writer.end()
  } finally {
    stop.dispose()
    tracer?.close()
    traced?.recording?.close()
  }
}
