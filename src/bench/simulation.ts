/** The gate's error rates under a fixed noise model (issue 10), for bench/gate/run.mjs and the unit
 * test. Each simulated job runs the arms in the order the runner uses (interleavedOrder) and draws
 * each sample at its position in that order:
 *   time = base · trueRatio(arm) · exp(σ·z) · (1 + drift · position / (runs − 1)) · (×1.5 with p = 2%)
 * with σ set for a log-normal CV of 2%, drift 3% across the job's runs. */
import {type Random, normal, seededRandom} from './random.js'
import {interleavedOrder} from './schedule.js'
import {type GateOptions, type Verdict, compareArms, defaultGate, singleVerdict, suiteVerdicts} from './verdict.js'

export interface NoiseModel {
  cv: number
  /** Total relative drift from the first run of a job to its last. */
  drift: number
  outlierRate: number
  outlierFactor: number
}

export const issueNoise: NoiseModel = {cv: 0.02, drift: 0.03, outlierRate: 0.02, outlierFactor: 1.5}

/** One job's samples: arms [A, B] with B `slowdown` slower (0.03 = 3%). */
export function simulateJob(runsPerArm: number, slowdown: number, random: Random, noise: NoiseModel = issueNoise, order = interleavedOrder(2, runsPerArm, random)): [Float64Array, Float64Array] {
  const sigma = Math.sqrt(Math.log(1 + noise.cv ** 2))
  const arms = [new Float64Array(runsPerArm), new Float64Array(runsPerArm)]
  const filled = [0, 0]
  order.forEach((arm, position) => {
    let t = (arm === 1 ? 1 + slowdown : 1) * Math.exp(sigma * normal(random))
    t *= 1 + (noise.drift * position) / (order.length - 1)
    if (random() < noise.outlierRate) t *= noise.outlierFactor
    arms[arm][filled[arm]++] = t
  })
  return [arms[0], arms[1]]
}

export interface Rates {
  trials: number
  pass: number
  regression: number
  inconclusive: number
}

function rate(counts: Record<Verdict, number>, trials: number): Rates {
  return {trials, pass: counts.pass / trials, regression: counts.regression / trials, inconclusive: counts.inconclusive / trials}
}

/** All of A's runs, then all of B's: what a runner without interleaving does (for contrast). */
export function sequentialOrder(runsPerArm: number): number[] {
  return [...new Array<number>(runsPerArm).fill(0), ...new Array<number>(runsPerArm).fill(1)]
}

/** Single-benchmark comparisons: the share of each verdict over `trials` jobs. */
export function simulateComparisons(trials: number, runsPerArm: number, slowdown: number, seed: number, gate: GateOptions = defaultGate, interleaved = true): Rates {
  const random = seededRandom(seed)
  const scratch = new Float64Array(runsPerArm * runsPerArm)
  const counts = {pass: 0, regression: 0, inconclusive: 0}
  const sequential = sequentialOrder(runsPerArm)
  for (let t = 0; t < trials; t++) {
    const [a, b] = simulateJob(runsPerArm, slowdown, random, issueNoise, interleaved ? undefined : sequential)
    const [{verdict}] = suiteVerdicts([compareArms(a, b, gate, scratch)], gate)
    counts[verdict]++
  }
  return rate(counts, trials)
}

/** A/A suites of `size` benchmarks (each its own interleaved job, Holm across the suite): the share
 * of suites with at least one regression verdict (the family-wise false-alarm rate), and the share
 * that pass as a whole. */
export function simulateSuites(trials: number, size: number, runsPerArm: number, seed: number, gate: GateOptions = defaultGate): {trials: number; anyRegression: number; allPass: number} {
  const random = seededRandom(seed)
  const scratch = new Float64Array(runsPerArm * runsPerArm)
  let anyRegression = 0
  let allPass = 0
  for (let t = 0; t < trials; t++) {
    const comparisons = Array.from({length: size}, () => {
      const [a, b] = simulateJob(runsPerArm, 0, random)
      return compareArms(a, b, gate, scratch)
    })
    const verdicts = suiteVerdicts(comparisons, gate).map((v) => v.verdict)
    if (verdicts.includes('regression')) anyRegression++
    if (verdicts.every((v) => v === 'pass')) allPass++
  }
  return {trials, anyRegression: anyRegression / trials, allPass: allPass / trials}
}

/** The adaptive design: runs are added in stages (e.g. 30, 60, 120, 240 per arm, each stage its own
 * interleaved blocks) until a look gives pass or regression; each look tests at alpha / looks. The
 * drift continues linearly at 3% per 100 runs (the length of an n = 50 job) for as long as it runs.
 * Returns the verdict shares and the mean runs per arm used. */
export function simulateAdaptive(trials: number, stages: readonly number[], slowdown: number, seed: number, gate: GateOptions = {...defaultGate, looks: stages.length}, noise: NoiseModel = issueNoise): Rates & {meanRuns: number} {
  const random = seededRandom(seed)
  const sigma = Math.sqrt(Math.log(1 + noise.cv ** 2))
  const counts = {pass: 0, regression: 0, inconclusive: 0}
  const max = stages.at(-1)!
  const scratch = new Float64Array(max * max)
  let runs = 0
  for (let t = 0; t < trials; t++) {
    const arms = [new Float64Array(max), new Float64Array(max)]
    const filled = [0, 0]
    let position = 0
    let verdict: Verdict = 'inconclusive'
    for (const stage of stages) {
      for (const arm of interleavedOrder(2, stage - filled[0], random)) {
        let x = (arm === 1 ? 1 + slowdown : 1) * Math.exp(sigma * normal(random))
        x *= 1 + (noise.drift * position++) / 99
        if (random() < noise.outlierRate) x *= noise.outlierFactor
        arms[arm][filled[arm]++] = x
      }
      verdict = singleVerdict(compareArms(arms[0].subarray(0, stage), arms[1].subarray(0, stage), gate, stage === max ? scratch : undefined), gate)
      if (verdict !== 'inconclusive') break
    }
    runs += filled[0]
    counts[verdict]++
  }
  return {...rate(counts, trials), meanRuns: runs / trials}
}
