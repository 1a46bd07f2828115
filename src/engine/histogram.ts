/** The project's one histogram scheme (addon/bpf/hist.h): log-linear buckets over the whole u64
 * range, plus sum and count.
 *
 * Values 0..7 have a bucket each. From 8 on, each power of two [2^k, 2^(k+1)) is split into 8
 * equal sub-buckets of width 2^(k-3), so a bucket is never wider than 1/8 of its lower bound:
 * a percentile read as its bucket's midpoint is within 6.25% of the true value, whatever the
 * distribution (the error of a log2 histogram is up to 50%). 8 + 61 × 8 = 496 slots, ~4 KB per
 * histogram. Every bucket bound is (8..15) × 2^k, so each is exact as a JS number.
 *
 * Observations are integers (ns, bytes): bucket i holds the integers in [lower(i), upper(i)). */

export const HIST_SLOTS = 496
/** Values below this are their own bucket. */
export const HIST_EXACT = 8
const SUB_BITS = 3
const SUB = 1 << SUB_BITS
const TWO32 = 2 ** 32

/** Bytes of `struct hist` (count, sum, slots). */
export const HIST_BYTES = 16 + 8 * HIST_SLOTS

function msbOfNumber(v: number): number {
  return v < TWO32 ? 31 - Math.clz32(v) : 63 - Math.clz32(Math.floor(v / TWO32))
}

/** The bucket of a value, as hist_index() in hist.h computes it. */
export function histIndex(value: number | bigint): number {
  if (typeof value === 'bigint') {
    if (value < 0n) throw new RangeError(`histogram values are unsigned, not ${value}`)
    if (value <= BigInt(Number.MAX_SAFE_INTEGER)) return histIndex(Number(value))
    const v = BigInt.asUintN(64, value)
    const msb = v.toString(2).length - 1
    const sub = Number((v >> BigInt(msb - SUB_BITS)) & BigInt(SUB - 1))
    return HIST_EXACT + (msb - SUB_BITS) * SUB + sub
  }
  if (!(value >= 0)) throw new RangeError(`histogram values are unsigned, not ${value}`)
  if (value < HIST_EXACT) return Math.floor(value)
  if (value >= 2 ** 64) return HIST_SLOTS - 1
  const msb = msbOfNumber(value)
  const sub = Math.floor(value / 2 ** (msb - SUB_BITS)) & (SUB - 1)
  return HIST_EXACT + (msb - SUB_BITS) * SUB + sub
}

/** Smallest value of bucket i. */
export function bucketLower(i: number): number {
  if (!(Number.isInteger(i) && i >= 0 && i < HIST_SLOTS)) throw new RangeError(`no histogram bucket ${i}`)
  if (i < HIST_EXACT) return i
  const k = Math.floor((i - HIST_EXACT) / SUB) // power of two above 2^3
  return (SUB + ((i - HIST_EXACT) % SUB)) * 2 ** k
}

/** First value above bucket i (exclusive bound). */
export function bucketUpper(i: number): number {
  return i === HIST_SLOTS - 1 ? 2 ** 64 : bucketLower(i + 1)
}

/** True when `v` starts a bucket (so counts of values below v are exact). */
export function isBucketBoundary(v: number): boolean {
  return Number.isInteger(v) && v >= 0 && (v === 2 ** 64 || bucketLower(histIndex(v)) === v)
}

export interface Bucket {
  /** Inclusive. */
  lower: number
  /** Exclusive. */
  upper: number
  count: number
}

/** A cumulative Prometheus bucket: `count` observations are ≤ `le` (le is Infinity for +Inf). */
export interface PrometheusBucket {
  le: number
  count: number
}

export class Histogram {
  /** Observations per bucket. */
  readonly counts = new Float64Array(HIST_SLOTS)
  count = 0
  /** Sum of all observations (a double: exact up to 2^53). */
  sum = 0

  /** Reads a `struct hist` (as BPF wrote it, or as the engine summed it over CPUs). */
  static fromBytes(bytes: Uint8Array, offset = 0, into = new Histogram()): Histogram {
    if (offset + HIST_BYTES > bytes.byteLength) throw new RangeError(`struct hist needs ${HIST_BYTES} bytes at ${offset}`)
    const view = new DataView(bytes.buffer, bytes.byteOffset + offset, HIST_BYTES)
    const u64 = (at: number) => view.getUint32(at, true) + view.getUint32(at + 4, true) * TWO32
    into.count = u64(0)
    into.sum = u64(8)
    for (let i = 0; i < HIST_SLOTS; i++) into.counts[i] = u64(16 + i * 8)
    return into
  }

  static of(values: Iterable<number | bigint>): Histogram {
    const h = new Histogram()
    for (const v of values) h.add(v)
    return h
  }

  add(value: number | bigint, times = 1): this {
    this.counts[histIndex(value)] += times
    this.count += times
    this.sum += Number(value) * times
    return this
  }

  merge(other: Histogram): this {
    for (let i = 0; i < HIST_SLOTS; i++) this.counts[i] += other.counts[i]
    this.count += other.count
    this.sum += other.sum
    return this
  }

  get mean(): number {
    return this.count ? this.sum / this.count : NaN
  }

  /** The p-th percentile (0 ≤ p ≤ 100), as the midpoint of the bucket holding that rank: within
   * 6.25% of the true value. NaN when empty. */
  percentile(p: number): number {
    if (!(p >= 0 && p <= 100)) throw new RangeError(`percentile must be within 0..100, not ${p}`)
    if (this.count === 0) return NaN
    const rank = Math.max(1, Math.ceil((p / 100) * this.count))
    let seen = 0
    for (let i = 0; i < HIST_SLOTS; i++) {
      seen += this.counts[i]
      if (seen >= rank) {
        const lower = bucketLower(i)
        return lower + (bucketUpper(i) - 1 - lower) / 2 // midpoint of the integers it holds
      }
    }
    return bucketLower(HIST_SLOTS - 1)
  }

  /** Non-empty buckets, lowest first. */
  buckets(): Bucket[] {
    const out: Bucket[] = []
    for (let i = 0; i < HIST_SLOTS; i++) {
      if (this.counts[i]) out.push({lower: bucketLower(i), upper: bucketUpper(i), count: this.counts[i]})
    }
    return out
  }

  /** Cumulative Prometheus buckets at bucket boundaries, exact: for a boundary B the bucket is
   * `le = B - 1` (observations are integers, so "< B" is "≤ B - 1"), then +Inf = count.
   * `boundaries` must be bucket boundaries (isBucketBoundary) ≥ 1; the default is every power of
   * two from 1 up to the first one above the largest observation. */
  prometheus(boundaries?: readonly number[]): PrometheusBucket[] {
    const bounds = boundaries ? [...boundaries].sort((a, b) => a - b) : this.powerOfTwoBounds()
    const out: PrometheusBucket[] = []
    let i = 0
    let cumulative = 0
    for (const b of bounds) {
      if (!(b >= 1) || !isBucketBoundary(b)) throw new RangeError(`${b} is not a histogram bucket boundary`)
      const end = b === 2 ** 64 ? HIST_SLOTS : histIndex(b)
      for (; i < end; i++) cumulative += this.counts[i]
      out.push({le: b - 1, count: cumulative})
    }
    out.push({le: Infinity, count: this.count})
    return out
  }

  private powerOfTwoBounds(): number[] {
    let top = 0
    for (let i = HIST_SLOTS - 1; i >= 0; i--) {
      if (this.counts[i]) {
        top = bucketUpper(i)
        break
      }
    }
    const out = [1]
    while (out[out.length - 1] < top && out.length < 65) out.push(out[out.length - 1] * 2)
    return out
  }
}
