import {useEffect, useState} from 'react'

/** Re-reads a store at a fixed rate (≤ 10 fps for event streams): the store owns the data, the
 * component only renders what this hook hands it. Frozen while `paused`. */
export function useSnapshot<T>(read: () => T, intervalMs: number, paused = false): T {
  const [value, setValue] = useState(read)
  useEffect(() => {
    if (paused) return
    setValue(read())
    const timer = setInterval(() => setValue(read()), intervalMs)
    return () => clearInterval(timer)
  }, [read, intervalMs, paused])
  return value
}
