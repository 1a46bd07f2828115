/** Descriptive statistics and the rank-based tests the verdicts rest on. No dependency: the pieces
 * are small (ranks, the normal quantile, Hodges–Lehmann) and the hot ones work on Float64Arrays so
 * the gate simulation (tens of thousands of comparisons) stays within seconds. */
import type {Random} from './random.js'

export interface Summary {
  n: number
  min: number
  max: number
  median: number
  mean: number
  stddev: number
  /** stddev / mean */
  cv: number
  /** Tukey's fences: values below Q1 − 1.5·IQR or above Q3 + 1.5·IQR. */
  outliers: {low: number; high: number}
}

function sorted(xs: ArrayLike<number>): Float64Array {
  return Float64Array.from(xs).sort()
}

/** Quantile of sorted values, linear between order statistics (type 7, as R and numpy default). */
export function quantileSorted(s: Float64Array, p: number): number {
  if (s.length === 0) return Number.NaN
  const h = (s.length - 1) * p
  const lo = Math.floor(h)
  const hi = Math.min(lo + 1, s.length - 1)
  return s[lo] + (h - lo) * (s[hi] - s[lo])
}

export function median(xs: ArrayLike<number>): number {
  return quantileSorted(sorted(xs), 0.5)
}

export function summarize(xs: ArrayLike<number>): Summary {
  const s = sorted(xs)
  const n = s.length
  let sum = 0
  for (const x of s) sum += x
  const mean = sum / n
  let ss = 0
  for (const x of s) ss += (x - mean) ** 2
  const stddev = n > 1 ? Math.sqrt(ss / (n - 1)) : 0
  const q1 = quantileSorted(s, 0.25)
  const q3 = quantileSorted(s, 0.75)
  const iqr = q3 - q1
  let low = 0
  let high = 0
  for (const x of s) {
    if (x < q1 - 1.5 * iqr) low++
    else if (x > q3 + 1.5 * iqr) high++
  }
  return {n, min: s[0], max: s[n - 1], median: quantileSorted(s, 0.5), mean, stddev, cv: mean === 0 ? 0 : stddev / mean, outliers: {low, high}}
}

/** Φ(z): the standard normal CDF (erfc by the Numerical Recipes Chebyshev fit, |error| < 1.2e-7). */
export function normalCdf(z: number): number {
  const x = Math.abs(z) / Math.SQRT2
  const t = 1 / (1 + 0.5 * x)
  const erfc =
    t *
    Math.exp(
      -x * x - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    )
  return z >= 0 ? 1 - erfc / 2 : erfc / 2
}

/** Φ⁻¹(p) by Acklam's rational approximation (relative error < 1.2e-9). */
export function normalQuantile(p: number): number {
  if (p <= 0) return -Infinity
  if (p >= 1) return Infinity
  const a = [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1, 2.506628277459239]
  const b = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1]
  const c = [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783]
  const d = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416]
  const lowP = 0.02425
  if (p < lowP) {
    const q = Math.sqrt(-2 * Math.log(p))
    return (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1)
  }
  if (p > 1 - lowP) return -normalQuantile(1 - p)
  const q = p - 0.5
  const r = q * q
  return ((((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q) / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1)
}

export interface RankTest {
  /** Mann–Whitney U of b over a: the number of pairs (a_i, b_j) with b_j > a_i (ties count ½). */
  u: number
  /** One-sided p-value for "b tends to be larger than a" (normal approximation with tie and
   * continuity corrections; 1 when every value ties, as nothing can be told apart). */
  pGreater: number
  /** Variance of U under the null, tie-corrected: the Hodges–Lehmann interval below uses it. */
  varU: number
}

/** One-sided Mann–Whitney U test of b > a. */
export function mannWhitneyGreater(a: ArrayLike<number>, b: ArrayLike<number>): RankTest {
  const n = a.length
  const m = b.length
  const N = n + m
  // Rank the pooled values: sort indices by value (b's indices offset by n).
  const values = new Float64Array(N)
  for (let i = 0; i < n; i++) values[i] = a[i]
  for (let j = 0; j < m; j++) values[n + j] = b[j]
  const order = Uint32Array.from({length: N}, (_, i) => i).sort((x, y) => values[x] - values[y])
  let rankSumB = 0
  let tieTerm = 0
  for (let i = 0; i < N; ) {
    let j = i
    while (j + 1 < N && values[order[j + 1]] === values[order[i]]) j++
    const rank = (i + j) / 2 + 1
    const t = j - i + 1
    if (t > 1) tieTerm += t * t * t - t
    for (let k = i; k <= j; k++) if (order[k] >= n) rankSumB += rank
    i = j + 1
  }
  const u = rankSumB - (m * (m + 1)) / 2
  const varU = ((n * m) / 12) * (N + 1 - tieTerm / (N * (N - 1)))
  if (varU <= 0) return {u, pGreater: 1, varU: 0}
  const z = (u - (n * m) / 2 - 0.5) / Math.sqrt(varU)
  return {u, pGreater: 1 - normalCdf(z), varU}
}

/** All n·m differences b_j − a_i, sorted: the Hodges–Lehmann estimate is their median and its
 * distribution-free confidence bounds are order statistics of them. */
export function pairwiseDifferences(a: ArrayLike<number>, b: ArrayLike<number>, into?: Float64Array): Float64Array {
  const n = a.length
  const m = b.length
  const d = into && into.length === n * m ? into : new Float64Array(n * m)
  let k = 0
  for (let j = 0; j < m; j++) {
    const bj = b[j]
    for (let i = 0; i < n; i++) d[k++] = bj - a[i]
  }
  return d.sort()
}

export interface ShiftEstimate {
  /** Hodges–Lehmann estimate of the shift of b over a. */
  shift: number
  /** One-sided upper confidence bound on the shift at `level` (from the Mann–Whitney distribution:
   * the (nm − C)-th difference, C = nm/2 − z·√Var U, as in Hollander & Wolfe). */
  upper: number
  /** One-sided lower bound at `level`. */
  lower: number
}

export function hodgesLehmann(sortedDiffs: Float64Array, varU: number, level: number): ShiftEstimate {
  const nm = sortedDiffs.length
  const shift = quantileSorted(sortedDiffs, 0.5)
  const c = Math.floor(nm / 2 - normalQuantile(level) * Math.sqrt(varU))
  const k = Math.max(0, Math.min(nm - 1, c))
  return {shift, lower: sortedDiffs[k], upper: sortedDiffs[nm - 1 - k]}
}

/** Median of a scratch array, reordering it (Hoare's quickselect): the bootstrap's inner loop. */
export function selectMedian(xs: Float64Array): number {
  const k = xs.length >> 1
  let lo = 0
  let hi = xs.length - 1
  while (lo < hi) {
    const pivot = xs[(lo + hi) >> 1]
    let i = lo
    let j = hi
    while (i <= j) {
      while (xs[i] < pivot) i++
      while (xs[j] > pivot) j--
      if (i <= j) {
        const t = xs[i]
        xs[i] = xs[j]
        xs[j] = t
        i++
        j--
      }
    }
    if (k <= j) hi = j
    else if (k >= i) lo = i
    else break
  }
  return xs[k]
}

/** Percentile-bootstrap interval of the Hodges–Lehmann shift of b over a (both arms resampled with
 * replacement, `resamples` times, seeded). */
export function bootstrapShift(a: ArrayLike<number>, b: ArrayLike<number>, random: Random, resamples = 1000, level = 0.95): [number, number] {
  const n = a.length
  const m = b.length
  const ra = new Float64Array(n)
  const rb = new Float64Array(m)
  const diffs = new Float64Array(n * m)
  const estimates = new Float64Array(resamples)
  for (let r = 0; r < resamples; r++) {
    for (let i = 0; i < n; i++) ra[i] = a[Math.floor(random() * n)]
    for (let j = 0; j < m; j++) rb[j] = b[Math.floor(random() * m)]
    let k = 0
    for (let j = 0; j < m; j++) for (let i = 0; i < n; i++) diffs[k++] = rb[j] - ra[i]
    estimates[r] = selectMedian(diffs)
  }
  estimates.sort()
  return [quantileSorted(estimates, (1 - level) / 2), quantileSorted(estimates, 1 - (1 - level) / 2)]
}

/** ln Γ(x) (Lanczos, g = 7). */
function logGamma(x: number): number {
  const c = [0.9999999999998099, 676.5203681218851, -1259.1392167224028, 771.3234287776531, -176.6150291621406, 12.507343278686905, -0.13857109526572012, 9.984369578019572e-6, 1.5056327351493116e-7]
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x)
  x -= 1
  let a = c[0]
  const t = x + 7.5
  for (let i = 1; i < 9; i++) a += c[i] / (x + i)
  return 0.5 * Math.log(2 * Math.PI) + (x + 0.5) * Math.log(t) - t + Math.log(a)
}

/** Regularized incomplete beta I_x(a, b) by its continued fraction (Numerical Recipes betacf). */
function incompleteBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0
  if (x >= 1) return 1
  const front = Math.exp(logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log(1 - x))
  if (x > (a + 1) / (a + b + 2)) return 1 - incompleteBeta(1 - x, b, a)
  let f = 1
  let c = 1
  let d = 1 - ((a + b) * x) / (a + 1)
  d = Math.abs(d) < 1e-300 ? 1e-300 : d
  d = 1 / d
  f = d
  for (let m = 1; m <= 300; m++) {
    for (const step of [0, 1]) {
      const num = step === 0 ? (m * (b - m) * x) / ((a + 2 * m - 1) * (a + 2 * m)) : -((a + m) * (a + b + m) * x) / ((a + 2 * m) * (a + 2 * m + 1))
      d = 1 + num * d
      d = Math.abs(d) < 1e-300 ? 1e-300 : d
      c = 1 + num / c
      c = Math.abs(c) < 1e-300 ? 1e-300 : c
      d = 1 / d
      f *= d * c
    }
    if (Math.abs(d * c - 1) < 1e-12) break
  }
  return (front * f) / a
}

/** P(T ≤ t) for Student's t with `df` degrees of freedom. */
export function studentTCdf(t: number, df: number): number {
  const tail = 0.5 * incompleteBeta(df / (df + t * t), df / 2, 0.5)
  return t >= 0 ? 1 - tail : tail
}

/** The t quantile by bisection on the CDF (only used a few times per report). */
export function studentTQuantile(p: number, df: number): number {
  let lo = -1e3
  let hi = 1e3
  for (let i = 0; i < 200; i++) {
    const mid = (lo + hi) / 2
    if (studentTCdf(mid, df) < p) lo = mid
    else hi = mid
  }
  return (lo + hi) / 2
}

export interface WelchResult {
  /** mean(b) − mean(a) */
  diff: number
  /** One-sided p-value for b > a. */
  pGreater: number
  /** One-sided upper confidence bound on the difference at `level`. */
  upper: number
}

/** Welch's one-sided t-test of b > a. With no spread in either arm (deterministic counts) the
 * difference is exact: p is 0 when b is larger, 1 otherwise. */
export function welchGreater(a: ArrayLike<number>, b: ArrayLike<number>, level: number): WelchResult {
  const sa = summarize(a)
  const sb = summarize(b)
  const diff = sb.mean - sa.mean
  const va = sa.stddev ** 2 / sa.n
  const vb = sb.stddev ** 2 / sb.n
  const se = Math.sqrt(va + vb)
  if (se === 0 || !Number.isFinite(se)) return {diff, pGreater: diff > 0 ? 0 : 1, upper: diff}
  const df = (va + vb) ** 2 / ((va * va) / (sa.n - 1) + (vb * vb) / (sb.n - 1))
  return {diff, pGreater: 1 - studentTCdf(diff / se, df), upper: diff + studentTQuantile(level, df) * se}
}

export interface SignedRankTest {
  /** One-sided p-value for "the differences tend to be positive" (normal approximation with tie and
   * continuity corrections; 1 when every difference is zero). */
  pGreater: number
  /** Variance of W+ under the null, for the Hodges–Lehmann interval. */
  varW: number
}

/** One-sided Wilcoxon signed-rank test of d > 0 (zeros dropped, as Wilcoxon did). */
export function signedRankGreater(d: ArrayLike<number>): SignedRankTest {
  const nonzero = Array.from(d).filter((x) => x !== 0)
  const n = nonzero.length
  if (n === 0) return {pGreater: 1, varW: 0}
  const order = nonzero.map((_, i) => i).sort((x, y) => Math.abs(nonzero[x]) - Math.abs(nonzero[y]))
  let wPlus = 0
  let tieTerm = 0
  for (let i = 0; i < n; ) {
    let j = i
    while (j + 1 < n && Math.abs(nonzero[order[j + 1]]) === Math.abs(nonzero[order[i]])) j++
    const rank = (i + j) / 2 + 1
    const t = j - i + 1
    if (t > 1) tieTerm += t * t * t - t
    for (let k = i; k <= j; k++) if (nonzero[order[k]] > 0) wPlus += rank
    i = j + 1
  }
  const varW = (n * (n + 1) * (2 * n + 1)) / 24 - tieTerm / 48
  const z = (wPlus - (n * (n + 1)) / 4 - 0.5) / Math.sqrt(varW)
  return {pGreater: 1 - normalCdf(z), varW}
}

/** One-sample Hodges–Lehmann: the median of the Walsh averages (d_i + d_j)/2, i ≤ j, with one-sided
 * bounds at `level` from the signed-rank distribution. */
export function walshEstimate(d: ArrayLike<number>, varW: number, level: number): ShiftEstimate {
  const n = d.length
  const walsh = new Float64Array((n * (n + 1)) / 2)
  let k = 0
  for (let i = 0; i < n; i++) for (let j = i; j < n; j++) walsh[k++] = (d[i] + d[j]) / 2
  walsh.sort()
  const m = walsh.length
  const c = Math.max(0, Math.min(m - 1, Math.floor(m / 2 - normalQuantile(level) * Math.sqrt(varW))))
  return {shift: quantileSorted(walsh, 0.5), lower: walsh[c], upper: walsh[m - 1 - c]}
}

/** Percentile-bootstrap interval of the one-sample Hodges–Lehmann estimate of `d` (the pair
 * differences of a paired comparison), resampling the pairs. */
export function bootstrapWalsh(d: ArrayLike<number>, random: Random, resamples = 1000, level = 0.95): [number, number] {
  const n = d.length
  const r = new Float64Array(n)
  const walsh = new Float64Array((n * (n + 1)) / 2)
  const estimates = new Float64Array(resamples)
  for (let s = 0; s < resamples; s++) {
    for (let i = 0; i < n; i++) r[i] = d[Math.floor(random() * n)]
    let k = 0
    for (let i = 0; i < n; i++) for (let j = i; j < n; j++) walsh[k++] = (r[i] + r[j]) / 2
    estimates[s] = selectMedian(walsh)
  }
  estimates.sort()
  return [quantileSorted(estimates, (1 - level) / 2), quantileSorted(estimates, 1 - (1 - level) / 2)]
}
