/** BPF timestamps are CLOCK_MONOTONIC nanoseconds; output wants wall-clock time. Converted once per
 * event, so the arithmetic stays in doubles: epoch microseconds (~1.8e15) are exact below 2^53,
 * where epoch nanoseconds would not be. */
import {loadNative} from './native.js'

let offsetUs: number | undefined

/** realtime − monotonic in µs, sampled once (back to back in C, so the pair is consistent). A
 * recorded trace keeps it, so a replay converts times exactly as the live run did. */
export function monoToRealOffsetUs(): number {
  if (offsetUs === undefined) {
    const [mono, real] = loadNative().clocks()
    offsetUs = Number(real / 1000n) - Number(mono / 1000n)
  }
  return offsetUs
}

/** Wall-clock microseconds since the epoch of a CLOCK_MONOTONIC timestamp. */
export function epochUsFromMonotonicNs(monoNs: number): number {
  return epochUsWithOffset(monoNs, monoToRealOffsetUs())
}

/** The same conversion with a given offset (a recorded trace's). */
export function epochUsWithOffset(monoNs: number, offsetUs: number): number {
  return Math.floor(monoNs / 1000) + offsetUs
}

export function monotonicNowNs(): number {
  return Number(loadNative().clocks()[0])
}
