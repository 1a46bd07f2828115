import {describe, expect, it} from 'vitest'

import {seededRandom} from '../../src/bench/random.js'
import {interleavedOrder} from '../../src/bench/schedule.js'
import {simulateAdaptive, simulateComparisons, simulateSuites} from '../../src/bench/simulation.js'
import {hodgesLehmann, mannWhitneyGreater, normalCdf, normalQuantile, pairwiseDifferences, signedRankGreater, studentTCdf, studentTQuantile, summarize, walshEstimate} from '../../src/bench/stats.js'
import {ADAPTIVE_STAGES, compareArms, defaultGate, holm, ratioInterval, suiteVerdicts} from '../../src/bench/verdict.js'

describe('bench statistics', () => {
  it('normal quantile and CDF invert each other', () => {
    for (const p of [0.001, 0.01, 0.05, 0.5, 0.9, 0.99]) expect(normalCdf(normalQuantile(p))).toBeCloseTo(p, 6)
    expect(normalQuantile(0.99)).toBeCloseTo(2.3263, 3)
  })

  it('summarizes with Tukey outliers', () => {
    const s = summarize([10, 11, 12, 11, 10, 12, 11, 30])
    expect(s.min).toBe(10)
    expect(s.max).toBe(30)
    expect(s.median).toBe(11)
    expect(s.outliers).toEqual({low: 0, high: 1})
    expect(s.cv).toBeGreaterThan(0.3)
  })

  it('Mann–Whitney: U, ties and the one-sided p-value', () => {
    // Classic example: every b above every a → U = n·m.
    const t = mannWhitneyGreater([1, 2, 3, 4, 5], [6, 7, 8, 9, 10])
    expect(t.u).toBe(25)
    expect(t.pGreater).toBeLessThan(0.01)
    expect(mannWhitneyGreater([6, 7, 8, 9, 10], [1, 2, 3, 4, 5]).pGreater).toBeGreaterThan(0.99)
    // Deterministic counts (instruction counting): two tied groups still separate at n = 5.
    expect(mannWhitneyGreater([100, 100, 100, 100, 100], [103, 103, 103, 103, 103]).pGreater).toBeLessThan(0.01)
    // All tied: nothing to tell apart.
    expect(mannWhitneyGreater([1, 1, 1], [1, 1, 1]).pGreater).toBe(1)
  })

  it('Hodges–Lehmann shift and its bounds', () => {
    const a = [1, 2, 3, 4, 5, 6, 7, 8]
    const b = a.map((x) => x + 2)
    const test = mannWhitneyGreater(a, b)
    const hl = hodgesLehmann(pairwiseDifferences(a, b), test.varU, 0.95)
    expect(hl.shift).toBe(2)
    expect(hl.lower).toBeLessThan(2)
    expect(hl.upper).toBeGreaterThan(2)
  })

  it('Holm adjusts step-down and keeps order', () => {
    expect(holm([0.01, 0.04, 0.03])).toEqual([0.03, 0.06, 0.06])
    expect(holm([0.5])).toEqual([0.5])
  })

  it('interleaves arms in mirrored blocks', () => {
    const order = interleavedOrder(2, 50, seededRandom(7))
    expect(order.filter((a) => a === 0)).toHaveLength(50)
    expect(order.filter((a) => a === 1)).toHaveLength(50)
    for (let i = 0; i < order.length; i += 4) expect([order[i], order[i + 1]]).toEqual([order[i + 3], order[i + 2]])
    // Randomised: both ABBA and BAAB blocks occur.
    expect(new Set(Array.from({length: 25}, (_, k) => order[4 * k])).size).toBe(2)
    expect(interleavedOrder(3, 3, seededRandom(1))).toHaveLength(9)
  })

  it('the bootstrap interval is seeded and brackets the ratio', () => {
    const random = seededRandom(3)
    const a = Array.from({length: 30}, () => 100 * (1 + 0.02 * (random() - 0.5)))
    const b = a.map((x) => x * 1.1)
    const c = compareArms(a, b)
    expect(c.ratio).toBeCloseTo(1.1, 2)
    const [lo, hi] = ratioInterval(a, b, 5)
    expect(lo).toBeLessThan(c.ratio)
    expect(hi).toBeGreaterThan(c.ratio)
    expect(ratioInterval(a, b, 5)).toEqual([lo, hi])
  })

  it('verdicts: clear slowdown, same, and too few runs', () => {
    const same = Array.from({length: 20}, (_, i) => 100 + (i % 5))
    const slow = same.map((x) => x * 1.1)
    const [reg, pass] = suiteVerdicts([compareArms(same, slow), compareArms(same, [...same].reverse())])
    expect(reg.verdict).toBe('regression')
    expect(pass.verdict).toBe('pass')
    expect(suiteVerdicts([compareArms([100, 120], [110, 101])])[0].verdict).toBe('inconclusive')
  })
})

// The noise model (CV 2%, 3% drift, 2% outliers ×1.5) with fewer repetitions than
// bench/gate/run.mjs (which records the full figures); tolerances allow for the smaller samples.
describe('gate simulation (reduced)', () => {
  it('A/A at n = 50: almost always pass, no regression', () => {
    const r = simulateComparisons(300, 50, 0, 11)
    expect(r.regression).toBeLessThanOrEqual(0.01)
    expect(r.pass).toBeGreaterThanOrEqual(0.95)
  })

  it('a true 3% slowdown at n = 50 is flagged', () => {
    expect(simulateComparisons(300, 50, 0.03, 12).regression).toBeGreaterThanOrEqual(0.9)
  })

  it('a 20-benchmark A/A suite: family-wise false regressions stay rare', () => {
    expect(simulateSuites(60, 20, 50, 13).anyRegression).toBeLessThanOrEqual(0.02)
  })

  it('without interleaving the drift shows up as a difference', () => {
    // All-A-then-all-B puts the 3% drift on B: the gate then sees a slowdown that is not there.
    const r = simulateComparisons(200, 50, 0, 14, undefined, false)
    expect(r.pass).toBeLessThan(0.5)
  })
})

describe('Welch on log counts (instruction counting)', () => {
  it('Student t CDF and quantile', () => {
    expect(studentTCdf(0, 5)).toBeCloseTo(0.5, 10)
    expect(studentTCdf(2.015, 5)).toBeCloseTo(0.95, 3) // t(0.95, 5) = 2.015
    expect(studentTQuantile(0.99, 10)).toBeCloseTo(2.764, 2)
    expect(studentTCdf(-2.015, 5)).toBeCloseTo(0.05, 3)
  })

  it('three nearly identical counts per arm tell a 3% difference apart, and not an A/A one', () => {
    const a = [1e9, 1e9 + 3000, 1e9 - 2000]
    const b = a.map((x) => x * 1.03)
    const gate = {...defaultGate, test: 'welch' as const}
    const [slow, same] = suiteVerdicts([compareArms(a, b, gate), compareArms(a, [...a].reverse(), gate)], gate)
    expect(slow.verdict).toBe('regression')
    expect(same.verdict).toBe('pass')
    // Identical counts: the difference is exact.
    expect(compareArms([5, 5, 5], [5, 5, 5], gate).p).toBe(1)
    expect(compareArms([5, 5, 5], [6, 6, 6], gate).p).toBe(0)
  })
})

describe('adaptive design (reduced)', () => {
  it('stopping at the first decisive look keeps A/A false alarms within target and still flags 3%', () => {
    const aa = simulateAdaptive(300, [...ADAPTIVE_STAGES], 0, 21)
    expect(aa.regression).toBeLessThanOrEqual(0.01)
    expect(aa.pass).toBeGreaterThanOrEqual(0.95)
    expect(simulateAdaptive(300, [...ADAPTIVE_STAGES], 0.03, 22).regression).toBeGreaterThanOrEqual(0.9)
  })
})

describe('paired comparison (adjacent A/B runs)', () => {
  it('signed-rank test and one-sample Hodges–Lehmann', () => {
    const d = [0.1, 0.2, 0.15, 0.3, 0.05, 0.25, 0.12, 0.18]
    const t = signedRankGreater(d)
    expect(t.pGreater).toBeLessThan(0.01)
    expect(signedRankGreater(d.map((x) => -x)).pGreater).toBeGreaterThan(0.99)
    expect(signedRankGreater([0, 0, 0]).pGreater).toBe(1)
    const hl = walshEstimate(d, t.varW, 0.95)
    expect(hl.shift).toBeGreaterThan(0.1)
    expect(hl.shift).toBeLessThan(0.2)
    expect(hl.lower).toBeLessThan(hl.shift)
    expect(hl.upper).toBeGreaterThan(hl.shift)
  })

  it('a drift shared by each pair cancels', () => {
    // A drifts by 50% over the run; B is A's neighbour, 10% slower: the pairs see only the 10%.
    const a = Array.from({length: 20}, (_, i) => 100 * (1 + i / 40) * (1 + 0.01 * Math.sin(i)))
    const b = a.map((x, i) => x * 1.1 * (1 + 0.01 * Math.cos(i)))
    const c = compareArms(a, b)
    expect(c.ratio).toBeCloseTo(1.1, 1)
    expect(suiteVerdicts([c])[0].verdict).toBe('regression')
  })
})
