/** BPF timestamps are CLOCK_MONOTONIC nanoseconds; output wants wall-clock ISO 8601 with µs. */
import {loadNative} from './native.js'

let offsetNs: bigint | undefined

/** realtime − monotonic, sampled once (back to back in C, so the pair is consistent). */
function monoToRealOffset(): bigint {
  if (offsetNs === undefined) {
    const [mono, real] = loadNative().clocks()
    offsetNs = real - mono
  }
  return offsetNs
}

/** ISO 8601 UTC with microseconds, e.g. 2026-11-25T10:58:00.123456Z. */
export function isoFromEpochNs(epochNs: bigint): string {
  const ms = epochNs / 1_000_000n
  const micros = Number((epochNs / 1000n) % 1000n)
  const iso = new Date(Number(ms)).toISOString() // ...sss Z
  return `${iso.slice(0, -1)}${String(micros).padStart(3, '0')}Z`
}

export function isoFromMonotonicNs(monoNs: number | bigint): string {
  return isoFromEpochNs(BigInt(monoNs) + monoToRealOffset())
}

export function monotonicNowNs(): bigint {
  return loadNative().clocks()[0]
}
