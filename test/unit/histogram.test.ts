/** The log-linear histogram (src/engine/histogram.ts, same scheme as addon/bpf/hist.h). */
import {describe, expect, it} from 'vitest'

import {seededRandom as rng} from '../../src/bench/random.js' // mulberry32: the same samples every run
import {bucketLower, bucketUpper, Histogram, HIST_SLOTS, histIndex, isBucketBoundary} from '../../src/engine/histogram.js'

function normal(r: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r())
}

const N = 200_000
const DISTRIBUTIONS: Record<string, (r: () => number) => number> = {
  uniform: (r) => Math.floor(r() * 1_000_000),
  lognormal: (r) => Math.floor(Math.exp(10 + 1.5 * normal(r))),
  bimodal: (r) => Math.max(0, Math.floor(r() < 0.7 ? 1000 + 50 * normal(r) : 1_000_000 + 10_000 * normal(r))),
  constant: () => 12345,
  'small integers': (r) => Math.floor(r() * 20),
  'ns latencies past 2^32': (r) => Math.floor(2 ** 33 * (1 + r() * 100)),
}

/** The p-th percentile as the histogram defines rank: the ceil(p/100 × n)-th smallest value. */
function exactPercentile(sorted: Float64Array, p: number): number {
  return sorted[Math.max(1, Math.ceil((p / 100) * sorted.length)) - 1]
}

describe('histogram', () => {
  for (const [name, draw] of Object.entries(DISTRIBUTIONS)) {
    it(`percentiles of a ${name} sample are within 6.25% of the exact ones (p50, p90, p99, p99.9)`, () => {
      const r = rng(42)
      const values = new Float64Array(N)
      const h = new Histogram()
      for (let i = 0; i < N; i++) {
        values[i] = draw(r)
        h.add(values[i])
      }
      values.sort()
      expect(h.count).toBe(N)
      expect(h.mean).toBeCloseTo(values.reduce((a, b) => a + b, 0) / N, 0)
      for (const p of [50, 90, 99, 99.9]) {
        const exact = exactPercentile(values, p)
        const got = h.percentile(p)
        const error = exact === 0 ? got : Math.abs(got - exact) / exact
        expect(error, `p${p}: histogram ${got}, exact ${exact}`).toBeLessThanOrEqual(0.0625)
      }
    })
  }

  it('is exact for values below 8', () => {
    const h = Histogram.of([0, 1, 1, 2, 7, 7, 7])
    expect(h.percentile(0)).toBe(0)
    expect(h.percentile(50)).toBe(2)
    expect(h.percentile(100)).toBe(7)
    expect(h.buckets()).toEqual([
      {lower: 0, upper: 1, count: 1},
      {lower: 1, upper: 2, count: 2},
      {lower: 2, upper: 3, count: 1},
      {lower: 7, upper: 8, count: 3},
    ])
  })

  it('puts every power of two at the start of a bucket, and 2^k - 1 at the end of the one before', () => {
    for (let k = 0; k < 64; k++) {
      const v = 2n ** BigInt(k)
      const i = histIndex(v)
      expect(bucketLower(i), `2^${k}`).toBe(2 ** k)
      expect(BigInt(bucketUpper(histIndex(v - 1n))), `2^${k} - 1`).toBe(k === 0 ? 1n : v)
      if (k > 0) expect(histIndex(v - 1n)).toBe(i - 1)
    }
    expect(histIndex(2n ** 64n - 1n)).toBe(HIST_SLOTS - 1)
    expect(bucketUpper(HIST_SLOTS - 1)).toBe(2 ** 64)
  })

  it('bucket bounds tile the u64 range, each at most 1/8 of its lower bound wide', () => {
    for (let i = 0; i < HIST_SLOTS; i++) {
      const lower = bucketLower(i)
      const upper = bucketUpper(i)
      expect(upper).toBeGreaterThan(lower)
      if (i + 1 < HIST_SLOTS) expect(bucketLower(i + 1)).toBe(upper)
      if (lower >= 8) expect((upper - lower) / lower).toBeLessThanOrEqual(1 / 8)
      // Both ends, as BigInt where a number would round.
      expect(histIndex(BigInt(lower))).toBe(i)
      expect(histIndex(BigInt(upper) - 1n)).toBe(i)
      if (upper <= Number.MAX_SAFE_INTEGER) expect(histIndex(upper - 1)).toBe(i)
    }
  })

  it('rejects negative values and reads struct hist bytes', () => {
    expect(() => histIndex(-1)).toThrow(RangeError)
    expect(() => histIndex(-1n)).toThrow(RangeError)
    const bytes = Buffer.alloc(16 + 8 * HIST_SLOTS)
    bytes.writeBigUInt64LE(3n, 0)
    bytes.writeBigUInt64LE(2n ** 40n, 8)
    bytes.writeBigUInt64LE(3n, 16 + 8 * histIndex(1000))
    const h = Histogram.fromBytes(bytes)
    expect([h.count, h.sum, h.buckets()]).toEqual([3, 2 ** 40, [{lower: 960, upper: 1024, count: 3}]])
  })

  describe('Prometheus buckets', () => {
    const r = rng(7)
    const values = Array.from({length: 50_000}, () => Math.floor(Math.exp(6 + 3 * normal(r))))
    const h = Histogram.of(values)
    const atMost = (le: number) => values.filter((v) => v <= le).length

    it('at powers of two: cumulative and exact (le = 2^k - 1, integer observations)', () => {
      const buckets = h.prometheus()
      expect(buckets.at(-1)).toEqual({le: Infinity, count: values.length})
      for (let i = 1; i < buckets.length; i++) expect(buckets[i].count).toBeGreaterThanOrEqual(buckets[i - 1].count)
      for (const b of buckets.slice(0, -1)) expect(b.count, `le ${b.le}`).toBe(atMost(b.le))
      expect(buckets[0]).toEqual({le: 0, count: atMost(0)})
      expect(buckets.at(-2)!.count).toBe(values.length) // the last power of two covers the maximum
    })

    it('at any subset of bucket boundaries, in any order', () => {
      const bounds = [15 * 2 ** 16, 1, 960, 9 * 512, 40, 2 ** 40]
      expect(bounds.every(isBucketBoundary)).toBe(true)
      const buckets = h.prometheus(bounds)
      expect(buckets.map((b) => b.le)).toEqual([0, 39, 959, 4607, 983_039, 2 ** 40 - 1, Infinity])
      for (const b of buckets.slice(0, -1)) expect(b.count, `le ${b.le}`).toBe(atMost(b.le))
    })

    it('refuses bounds that are not bucket boundaries (the count would not be exact)', () => {
      expect(isBucketBoundary(1001)).toBe(false)
      expect(() => h.prometheus([1001])).toThrow(/not a histogram bucket boundary/)
      expect(() => h.prometheus([0])).toThrow(RangeError)
    })
  })
})
