/** The gate's verdict rule, shared by `monitor bench compare` and the simulation (bench/gate) that
 * shows its error rates.
 *
 * Work on log times, so a shift is a ratio: shift = log(B/A). (Instruction counts use Welch's t on
 * the logs instead of ranks, with the same rule: see GateOptions.test.)
 *   regression    the Hodges–Lehmann shift is above log(1 + threshold) AND a one-sided test (Wilcoxon
 *                 signed-rank over adjacent A/B pairs; see GateOptions.test) says B is slower at α (default
 *                 0.01), Holm-adjusted across the suite;
 *   pass          not a regression, and the one-sided upper confidence bound on the shift (95%, the
 *                 bound an equivalence test (TOST) at 5% uses) is below log(1 + threshold);
 *   inconclusive  neither: too few runs or too much noise to tell.
 */
import {seededRandom} from './random.js'
import {bootstrapShift, bootstrapWalsh, hodgesLehmann, mannWhitneyGreater, pairwiseDifferences, signedRankGreater, walshEstimate, welchGreater} from './stats.js'

export type Verdict = 'pass' | 'regression' | 'inconclusive'

export interface GateOptions {
  /** Slowdown that matters, as a fraction (0.02 = 2%). */
  threshold: number
  /** One-sided significance level of the regression test, across the suite (Holm). */
  alpha: number
  /** Confidence of the upper bound a pass needs. */
  passConfidence: number
  /** Looks of the sequential design (1 = a fixed number of runs). The regression test at each look
   * uses alpha / looks (Bonferroni over the looks), so stopping as soon as the answer is clear
   * cannot raise the false-alarm rate above alpha. */
  looks: number
  /** The test:
   * - paired: arms measured in the same interleaved job (compare's default). The i-th runs of A and
   *   B ran next to each other (A1 B1 | B2 A2 of an ABBA block), so their difference of log times
   *   carries little of what the machine was doing then: a load burst lifts both runs of a pair
   *   instead of posing as independent evidence, as it does in an unpaired test. One-sided Wilcoxon
   *   signed-rank test and the one-sample Hodges–Lehmann estimate over the pair differences.
   * - rank: unpaired Hodges–Lehmann + Mann–Whitney (a stored baseline: no blocks to pair).
   * - welch: Welch's t on log values (instruction counts: nearly deterministic, where ranks cannot
   *   reach alpha in a handful of runs: the smallest one-sided Mann–Whitney p at 4 runs per arm is
   *   1/70). */
  test: 'paired' | 'rank' | 'welch'
}

export const defaultGate: GateOptions = {threshold: 0.02, alpha: 0.01, passConfidence: 0.95, looks: 1, test: 'paired'}

/** The pre-declared adaptive design of `compare` without --runs: runs per arm at each look. */
export const ADAPTIVE_STAGES = [30, 60, 120, 240] as const

export interface Comparison {
  /** Hodges–Lehmann estimate of B/A (exp of the shift of log times). */
  ratio: number
  /** One-sided upper confidence bound on B/A at passConfidence: a pass needs it below 1 + threshold. */
  ratioUpper: number
  /** One-sided Mann–Whitney p-value for "B slower than A", before the suite's Holm adjustment. */
  p: number
}

/** log B − log A of the i-th run of each arm. In the ABBA order (see schedule.ts) these two runs are
 * next to each other (A1 B1 | B2 A2), so whatever the machine was doing at that moment is in both. */
export function pairDifferences(la: Float64Array, lb: Float64Array): Float64Array {
  if (la.length !== lb.length) throw new Error('paired comparison needs as many runs in both arms')
  return lb.map((x, i) => x - la[i])
}

/** The statistics of one benchmark's two arms (A the baseline, B the candidate). */
export function compareArms(a: ArrayLike<number>, b: ArrayLike<number>, gate: GateOptions = defaultGate, scratch?: Float64Array): Comparison {
  const la = Float64Array.from(a, Math.log)
  const lb = Float64Array.from(b, Math.log)
  if (gate.test === 'paired') {
    const d = pairDifferences(la, lb)
    const test = signedRankGreater(d)
    const hl = walshEstimate(d, test.varW, gate.passConfidence)
    return {ratio: Math.exp(hl.shift), ratioUpper: Math.exp(hl.upper), p: test.pGreater}
  }
  if (gate.test === 'welch') {
    const w = welchGreater(la, lb, gate.passConfidence)
    return {ratio: Math.exp(w.diff), ratioUpper: Math.exp(w.upper), p: w.pGreater}
  }
  const test = mannWhitneyGreater(la, lb)
  const diffs = pairwiseDifferences(la, lb, scratch)
  const hl = hodgesLehmann(diffs, test.varU, gate.passConfidence)
  return {ratio: Math.exp(hl.shift), ratioUpper: Math.exp(hl.upper), p: test.pGreater}
}

/** The verdict of one benchmark alone (a look of the adaptive design). */
export function singleVerdict(c: Comparison, gate: GateOptions = defaultGate): Verdict {
  return verdictOf(c, Math.min(1, c.p * gate.looks), gate)
}

/** Holm's step-down adjustment: adjusted p-values (monotone, capped at 1), same order as given. */
export function holm(ps: readonly number[]): number[] {
  const m = ps.length
  const order = ps.map((p, i) => [p, i] as const).sort((x, y) => x[0] - y[0])
  const adjusted = new Array<number>(m)
  let running = 0
  order.forEach(([p, i], rank) => {
    running = Math.max(running, Math.min(1, (m - rank) * p))
    adjusted[i] = running
  })
  return adjusted
}

export function verdictOf(c: Comparison, pAdjusted: number, gate: GateOptions = defaultGate): Verdict {
  const limit = 1 + gate.threshold
  if (c.ratio > limit && pAdjusted <= gate.alpha) return 'regression'
  if (c.ratioUpper < limit) return 'pass'
  return 'inconclusive'
}

/** Verdicts for a whole suite: Holm across its benchmarks, then the rule above for each. */
export function suiteVerdicts(comparisons: readonly Comparison[], gate: GateOptions = defaultGate): {pAdjusted: number; verdict: Verdict}[] {
  const adjusted = holm(comparisons.map((c) => Math.min(1, c.p * gate.looks)))
  return comparisons.map((c, i) => ({pAdjusted: adjusted[i], verdict: verdictOf(c, adjusted[i], gate)}))
}

/** The overall verdict of a suite: any regression fails it; else any inconclusive; else pass. */
export function suiteVerdict(verdicts: readonly Verdict[]): Verdict {
  if (verdicts.includes('regression')) return 'regression'
  if (verdicts.includes('inconclusive')) return 'inconclusive'
  return 'pass'
}

/** Bootstrap 95% interval of B/A (seeded: the same samples always give the same interval); paired
 * comparisons resample the pairs, the others each arm's runs. */
export function ratioInterval(a: ArrayLike<number>, b: ArrayLike<number>, seed = 1, test: GateOptions['test'] = 'rank'): [number, number] {
  const random = seededRandom(seed)
  const la = Float64Array.from(a, Math.log)
  const lb = Float64Array.from(b, Math.log)
  const [lo, hi] = test === 'paired' ? bootstrapWalsh(pairDifferences(la, lb), random) : bootstrapShift(la, lb, random)
  return [Math.exp(lo), Math.exp(hi)]
}
