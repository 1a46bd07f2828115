/** The result of `monitor bench run` / `compare`: what every output format (table, Markdown, JSON,
 * JUnit) renders, and what `--baseline FILE` reads back. Raw samples are kept so any later analysis
 * can be redone. */
import type {Environment} from './environment.js'
import type {Measure} from './runner.js'
import {type Summary, summarize} from './stats.js'
import {type GateOptions, type Verdict, compareArms, ratioInterval, suiteVerdict, suiteVerdicts} from './verdict.js'

export const REPORT_FORMAT = 'monitor-bench/1'

export interface ArmReport {
  label: string
  command: string
  /** Git ref the arm ran at, if any. */
  ref?: string
  /** Where the samples come from: measured in this job, or read from a stored result. */
  source: 'measured' | 'stored'
  /** ns (time) or instructions. */
  samples: number[]
  summary: Summary
  /** CPU time (user + system) of each run's processes in ns, 10 ms resolution (time measurements
   * of commands only). */
  cpuNs?: number[]
  /** Mean of cpuNs: the resolution averages out over runs. */
  cpuMeanNs?: number
}

export interface ComparisonReport {
  name: string
  baseline: ArmReport
  candidate: ArmReport
  /** Hodges–Lehmann estimate of candidate / baseline. */
  ratio: number
  /** Bootstrap 95% interval of the ratio (seeded). */
  ratioCi: [number, number]
  /** One-sided upper confidence bound a pass needs below 1 + threshold. */
  ratioUpper: number
  p: number
  pAdjusted: number
  verdict: Verdict
}

export interface BenchReport {
  format: typeof REPORT_FORMAT
  mode: 'run' | 'compare'
  measure: Measure
  unit: 'ns' | 'instructions'
  settings: {runs: number | string; warmup: number; seed: number; order: 'interleaved ABBA blocks'} & GateOptions
  environment: Environment
  /** `run`: the arms measured, no verdict. */
  arms: ArmReport[]
  /** `compare`: one per benchmark, Holm-adjusted across them. */
  comparisons: ComparisonReport[]
  verdict?: Verdict
  /** Things the reader must know to read the numbers right (cachegrind's blind spots …). */
  notes: string[]
}

export function armReport(label: string, command: string, samples: number[], source: ArmReport['source'], ref?: string, cpuNs?: number[]): ArmReport {
  const cpu = cpuNs && cpuNs.length > 0 && cpuNs.every(Number.isFinite) ? {cpuNs, cpuMeanNs: cpuNs.reduce((a, b) => a + b, 0) / cpuNs.length} : {}
  return {label, command, ...(ref ? {ref} : {}), source, samples, summary: summarize(samples), ...cpu}
}

/** Comparisons of (baseline, candidate) pairs, with the suite's Holm adjustment and verdicts. */
export function compareSuite(pairs: {name: string; baseline: ArmReport; candidate: ArmReport}[], gate: GateOptions, seed: number): {comparisons: ComparisonReport[]; verdict: Verdict} {
  const stats = pairs.map((p) => compareArms(p.baseline.samples, p.candidate.samples, gate))
  const verdicts = suiteVerdicts(stats, gate)
  const comparisons = pairs.map((p, i) => ({
    ...p,
    ratio: stats[i].ratio,
    ratioCi: ratioInterval(p.baseline.samples, p.candidate.samples, seed + i, gate.test),
    ratioUpper: stats[i].ratioUpper,
    p: stats[i].p,
    pAdjusted: verdicts[i].pAdjusted,
    verdict: verdicts[i].verdict,
  }))
  return {comparisons, verdict: suiteVerdict(verdicts.map((v) => v.verdict))}
}
