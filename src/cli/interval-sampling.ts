/** The clock of an interval session: a read of the maps every --interval, whatever the output. */
import type {IntervalSample, IntervalSummary, IntervalTracer} from '../trace/interval.js'
import type {SessionOptions} from './session-options.js'
import type {StopSignal} from './stop-signal.js'

export interface IntervalSessionOptions extends SessionOptions {
  /** Seconds between reads of the maps. */
  intervalS: number
  /** Stop after this many intervals. */
  count?: number
}

/** Reads a sample every interval until the session ends, then one last (final) sample unless
 * --count already took it; `skip()` true leaves the counts in the maps for a later read (a reader
 * that is behind), which then covers the longer interval. A failing read ends the session. */
export async function sampleEvery<S extends IntervalSample>(
  tracer: IntervalTracer<S>,
  session: IntervalSessionOptions,
  stop: StopSignal,
  onSample: (sample: S) => void,
  skip: () => boolean = () => false,
): Promise<IntervalSummary> {
  let taken = 0
  let fail!: (error: unknown) => void
  const failed = new Promise<never>((_, reject) => (fail = reject))
  failed.catch(() => undefined) // observed through the race below
  const timer = setInterval(() => {
    if (skip()) return
    try {
      taken++
      const last = session.count !== undefined && taken >= session.count
      onSample(tracer.sample(last))
      if (last) stop.stop('count')
    } catch (error) {
      fail(error)
    }
  }, session.intervalS * 1000)
  try {
    const reason = await Promise.race([stop.done, failed])
    if (reason !== 'count') onSample(tracer.sample(true))
  } finally {
    clearInterval(timer)
  }
  const lost = tracer.losses()
  let lostTotal = 0
  for (const n of Object.values(lost)) lostTotal += n
  return {counts: tracer.counts(), lost, lost_total: lostTotal}
}
