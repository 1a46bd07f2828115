/** How a streaming command ends: after --duration, on Ctrl-C / SIGTERM / SIGHUP, or when its reader
 * goes away. Shared by every tracer so they all stop (and print their summary) the same way. */
export interface StopSignal {
  /** Resolves with the reason the session ended. */
  done: Promise<string>
  /** Ends the session from inside (quit key, closed pipe). */
  stop(reason: string): void
}

export function stopSignal(durationS?: number): StopSignal {
  let finish!: (reason: string) => void
  const done = new Promise<string>((resolve) => (finish = resolve))
  const handlers: [NodeJS.Signals, () => void][] = (['SIGINT', 'SIGTERM', 'SIGHUP'] as const).map((sig) => [
    sig,
    () => end(sig),
  ])
  const timer = durationS !== undefined ? setTimeout(() => end('duration'), durationS * 1000) : undefined
  let ended = false
  function end(reason: string) {
    if (ended) return
    ended = true
    if (timer) clearTimeout(timer)
    for (const [sig, h] of handlers) process.off(sig, h)
    finish(reason)
  }
  for (const [sig, h] of handlers) process.on(sig, h)
  return {done, stop: end}
}
