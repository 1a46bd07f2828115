/** BPF timestamps are CLOCK_MONOTONIC nanoseconds; output wants wall-clock ISO 8601 with µs.
 * Converted once per event, so the arithmetic stays in doubles: epoch microseconds (~1.8e15) are
 * exact below 2^53, where epoch nanoseconds would not be. */
import {loadNative} from './native.js'

let offsetUs: number | undefined

/** realtime − monotonic in µs, sampled once (back to back in C, so the pair is consistent). */
function monoToRealOffsetUs(): number {
  if (offsetUs === undefined) {
    const [mono, real] = loadNative().clocks()
    offsetUs = Number(real / 1000n) - Number(mono / 1000n)
  }
  return offsetUs
}

/** ISO 8601 UTC with microseconds, e.g. 2026-11-25T10:58:00.123456Z. */
export function isoFromEpochUs(epochUs: number): string {
  const ms = Math.floor(epochUs / 1000)
  const micros = epochUs - ms * 1000
  const iso = new Date(ms).toISOString() // ...sssZ
  return `${iso.slice(0, -1)}${micros < 10 ? '00' : micros < 100 ? '0' : ''}${micros}Z`
}

export function isoFromEpochNs(epochNs: bigint): string {
  return isoFromEpochUs(Number(epochNs / 1000n))
}

export function isoFromMonotonicNs(monoNs: number): string {
  return isoFromEpochUs(Math.floor(monoNs / 1000) + monoToRealOffsetUs())
}

export function monotonicNowNs(): bigint {
  return loadNative().clocks()[0]
}
