import {ExitCode, MonitorError} from '../errors.js'
import type {TraceSummary, Tracer} from '../trace/open.js'

/** How a streaming command ends: after --duration, on Ctrl-C / SIGTERM / SIGHUP, or from inside
 * (quit key, closed pipe). A second Ctrl-C while stopping forces the exit (the reader may be stuck). */
export interface StopSignal {
  /** Resolves with the reason the session ended. */
  done: Promise<string>
  /** Resolves if the user insists (a second signal) while the session is winding down. */
  forced: Promise<string>
  /** Ends the session from inside. */
  stop(reason: string): void
  /** Removes the signal handlers (the session is over). */
  dispose(): void
}

/** setTimeout takes at most 2^31-1 ms (~24.8 days); longer durations wait in chunks. */
const MAX_TIMER_MS = 2 ** 31 - 1

function after(ms: number, fn: () => void): () => void {
  let timer: NodeJS.Timeout
  const arm = (left: number) => {
    timer = setTimeout(() => (left > MAX_TIMER_MS ? arm(left - MAX_TIMER_MS) : fn()), Math.min(left, MAX_TIMER_MS))
  }
  arm(ms)
  return () => clearTimeout(timer)
}

export function stopSignal(durationS?: number): StopSignal {
  let finish!: (reason: string) => void
  let force!: (reason: string) => void
  const done = new Promise<string>((resolve) => (finish = resolve))
  const forced = new Promise<string>((resolve) => (force = resolve))
  let ended = false
  const cancelTimer = durationS !== undefined ? after(durationS * 1000, () => end('duration')) : () => undefined
  const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const
  const onSignal = (sig: NodeJS.Signals) => (ended ? force(sig) : end(sig))
  function end(reason: string) {
    if (ended) return
    ended = true
    cancelTimer()
    finish(reason)
  }
  for (const sig of signals) process.on(sig, onSignal)
  return {
    done,
    forced,
    stop: end,
    dispose() {
      cancelTimer()
      for (const sig of signals) process.off(sig, onSignal)
    },
  }
}

/** Waits for the end of the session, then drains and stops the tracer. A failure while tracing wins
 * at once; a second Ctrl-C while draining into a stuck reader gives up on the rest. */
export async function finishTracing<R>(tracer: Tracer<R>, stop: StopSignal): Promise<TraceSummary> {
  await Promise.race([stop.done, tracer.failed])
  return Promise.race([tracer.stop(), tracer.failed, insisted(stop)])
}

/** Rejects when the user insists (a second signal) while the session winds down: race it with what
 * may hang on a stuck reader. */
export function insisted(stop: StopSignal): Promise<never> {
  return stop.forced.then((sig) => {
    throw new MonitorError(`stopped by a second ${sig} before the output was drained`, {exitCode: ExitCode.interrupted})
  })
}
