/** The live view of an interval tool (loaded only on a terminal, with Ink and React): the shared
 * live table fed by an IntervalModel, a new frame per sample (or key press), nothing in between. */
import {type IntervalSample, type IntervalSpec, type IntervalSummary, type IntervalTracer, openInterval} from '../trace/interval.js'
import {IntervalModel} from './interval-model.js'
import {showLiveTable} from './live-screen.js'
import {type IntervalSessionOptions, sampleEvery} from './interval-sampling.js'
import {stopSignal} from './stop-signal.js'
import {summaryText} from './summary.js'

export async function runIntervalTable<O, S extends IntervalSample>(spec: IntervalSpec<O, S>, options: O, session: IntervalSessionOptions): Promise<void> {
  const stop = stopSignal(session.durationS)
  const started = performance.now()
  let tracer: IntervalTracer<S> | undefined
  let hide: (() => void) | undefined
  let summary: IntervalSummary
  try {
    tracer = openInterval(spec, options)
    const model = new IntervalModel(spec)
    hide = await showLiveTable(model, session.utc ?? false, () => stop.stop('quit'))
    summary = await sampleEvery(tracer, session, stop, (s) => model.update(s))
  } finally {
    hide?.()
    stop.dispose()
    tracer?.close()
  }
  // After the alternate screen is gone, so the line stays in the terminal.
  process.stderr.write(summaryText(spec, summary, (performance.now() - started) / 1000) + '\n')
}
