import {useEffect, useRef, useState} from 'react'

/** What a live view draws and where it comes from: `version()` is cheap and changes only when a
 * new frame could differ; `frame()` builds it. */
export interface FrameSource<Req, F> {
  version(): number
  frame(request: Req): F
}

/** Polls the source at most every `intervalMs` and re-renders only when its version or the
 * request (size, filter, scroll…) changed: an unchanging screen is never redrawn. */
export function useFrame<Req, F>(source: FrameSource<Req, F>, request: Req, intervalMs: number): F {
  const requestKey = JSON.stringify(request)
  const last = useRef<{version: number; requestKey: string; frame: F} | undefined>(undefined)
  if (!last.current || last.current.requestKey !== requestKey) {
    // A new request (a key press, a resize) applies in this very render.
    last.current = {version: source.version(), requestKey, frame: source.frame(request)}
  }
  const [, setTick] = useState(0)
  useEffect(() => {
    const timer = setInterval(() => {
      const current = last.current!
      const version = source.version()
      if (version === current.version) return
      last.current = {version, requestKey: current.requestKey, frame: source.frame(JSON.parse(current.requestKey) as Req)}
      setTick((t) => t + 1)
    }, intervalMs)
    return () => clearInterval(timer)
  }, [source, intervalMs])
  return last.current.frame
}
