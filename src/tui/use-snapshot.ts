import {useEffect, useMemo, useRef, useState} from 'react'

/** Re-reads a store at a fixed rate (≤ 10 fps for event streams): the store owns the data, the
 * component only renders what this hook hands it. A new `read` (say, a changed filter) is applied
 * in the same render, so a frame never pairs new controls with old rows. Frozen while `paused`. */
export function useSnapshot<T>(read: () => T, intervalMs: number, paused = false): T {
  const [tick, setTick] = useState(0)
  useEffect(() => {
    if (paused) return
    const timer = setInterval(() => setTick((t) => t + 1), intervalMs)
    return () => clearInterval(timer)
  }, [intervalMs, paused])
  const last = useRef<{value: T} | undefined>(undefined)
  const value = useMemo(() => (paused && last.current ? last.current.value : read()), [read, tick, paused])
  last.current = {value}
  return value
}
