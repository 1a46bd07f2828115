/** `monitor bench run` and `compare` as services: plan the runs, measure, and build the report. */
import {readFileSync} from 'node:fs'
import os from 'node:os'

import {ExitCode, MonitorError} from '../errors.js'
import {CACHEGRIND_BLIND_SPOTS} from './cachegrind.js'
import {NODE_DETERMINISTIC, commandArgv, isNodeCommand} from './command-line.js'
import {formatDuration} from '../output/format.js'
import {environment} from './environment.js'
import {withRefWorktree} from './git-ref.js'
import {median} from './stats.js'
import {type ArmReport, type BenchReport, REPORT_FORMAT, armReport, compareSuite} from './report.js'
import {type ArmSamples, type ArmSpec, type Measure, type Progress, type RunPlan, runArms, runHook} from './runner.js'
import {ADAPTIVE_STAGES, type GateOptions, compareArms, singleVerdict} from './verdict.js'

/** A run finished, with where it stands in the whole job. */
export type BenchProgressEvent = Progress & {benchmark: number; benchmarks: number; labels: string[]}

/** A run plan's settings (prepare, cleanup, warmup…), for commands not yet turned into arms. */
export interface BenchOptions extends Omit<RunPlan, 'arms' | 'runs'> {
  commands: string[]
  /** Runs per arm; for compare, undefined means the adaptive design (ADAPTIVE_STAGES). */
  runs?: number
  /** Arms given as argv (JS benchmark files), parallel to commands. */
  argvs?: ArmSpec['argv'][]
  /** The arms print their own ns per call (JS benchmark files with --measure time). */
  reportsNs?: boolean
  onProgress?: (p: BenchProgressEvent) => void
  onStatus?: (line: string) => void
}

export interface CompareOptions extends BenchOptions {
  /** The design (looks) and the test follow from --runs and --measure. */
  gate: Omit<GateOptions, 'looks' | 'test'>
  ref?: string
  build?: string
  baseline?: string
}

function notes(options: BenchOptions): string[] {
  const out: string[] = []
  if (options.measure === 'instructions') {
    out.push(CACHEGRIND_BLIND_SPOTS)
    if (options.commands.some((c) => isNodeCommand(commandArgv(c))) || options.argvs?.some(Boolean))
      out.push(`node arms run with ${NODE_DETERMINISTIC.join(' ')} under cachegrind (V8's background threads otherwise vary the count ~14%)`)
  } else if (options.reportsNs) {
    out.push('time per call, measured inside each arm process (a fresh Node process per run: calibrated batch of ~50 ms after a warm batch)')
  } else {
    out.push('wall time from spawn to exit, including process start; commands with shell syntax run through sh -c (its start-up is in both arms, not subtracted); CPU/run = user + system time of the run\'s processes (10 ms ticks, averaged)')
  }
  return out
}

function header(options: BenchOptions, mode: BenchReport['mode']): Omit<BenchReport, 'arms' | 'comparisons' | 'settings'> & {settings: Omit<BenchReport['settings'], keyof GateOptions>} {
  return {
    format: REPORT_FORMAT,
    mode,
    measure: options.measure,
    unit: options.measure === 'instructions' ? 'instructions' : 'ns',
    settings: {runs: options.runs ?? `adaptive ${ADAPTIVE_STAGES.join('/')}`, warmup: options.warmup, seed: options.seed, order: 'interleaved ABBA blocks'},
    environment: environment(),
    notes: notes(options),
  }
}

/** CPU time per run, for wall-time measurements of commands (a JS file's arm reports ns per call,
 * while its process's CPU time includes Node's start and calibration: not comparable). */
function cpuOf(options: BenchOptions, samples: ArmSamples): number[] | undefined {
  return options.measure === 'time' && !options.reportsNs ? samples.cpuNs : undefined
}

/** What cachegrind costs, measured: one native run of an arm against its runs under cachegrind. */
async function cachegrindCost(options: BenchOptions, arm: ArmSpec, underNs: number[]): Promise<string> {
  const [native] = await runArms({...options, measure: 'time', runs: 1, warmup: 0, arms: [arm]})
  const under = median(underNs)
  const factor = under / native.samples[0]
  return `cachegrind cost: a run of "${arm.command}" took ${formatDuration(under)} under cachegrind vs ${formatDuration(native.samples[0])} natively (~${factor.toFixed(0)}x slower; runs went ${os.availableParallelism()} side by side)`
}

/** `bench run`: every command measured, all interleaved, no verdict. */
export async function benchRun(options: BenchOptions): Promise<BenchReport> {
  const arms = options.commands.map((command, i) => ({label: `#${i + 1}`, command, argv: options.argvs?.[i], reportsNs: options.reportsNs}))
  const samples = await runArms({...options, runs: options.runs ?? 10, arms}, (p) => options.onProgress?.({...p, benchmark: 0, benchmarks: 1, labels: arms.map((a) => a.command)}))
  const h = header(options, 'run')
  if (options.measure === 'instructions') h.notes.push(await cachegrindCost(options, arms[0], samples[0].wallNs))
  return {...h, settings: {...h.settings, threshold: 0, alpha: 0, passConfidence: 0, looks: 1, test: 'rank'}, arms: arms.map((a, i) => armReport(a.label, a.command, samples[i].samples, 'measured', undefined, cpuOf(options, samples[i]))), comparisons: []}
}

function readBaseline(file: string, measure: Measure): BenchReport {
  let parsed: BenchReport
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8')) as BenchReport
  } catch (error) {
    throw new MonitorError(`--baseline ${file}: not a readable JSON result (${(error as Error).message.split('\n')[0]})`, {exitCode: ExitCode.usage})
  }
  if (parsed?.format !== REPORT_FORMAT) throw new MonitorError(`--baseline ${file}: not a \`monitor bench -o json\` result (format ${JSON.stringify(parsed?.format)})`, {exitCode: ExitCode.usage})
  if (parsed.measure !== measure) throw new MonitorError(`--baseline ${file} measured ${parsed.measure}, this run measures ${measure}`, {exitCode: ExitCode.usage})
  return parsed
}

/** Stored arms by command: a `run` result's arms, or a `compare` result's candidates. */
function storedArms(report: BenchReport): Map<string, ArmReport> {
  const arms = report.mode === 'run' ? report.arms : report.comparisons.map((c) => c.candidate)
  return new Map(arms.map((a) => [a.command, a]))
}

/** `bench compare`: A vs B per benchmark, interleaved in the same job; Holm across benchmarks. */
export async function benchCompare(options: CompareOptions): Promise<BenchReport> {
  const h = header(options, 'compare')
  const stages = options.runs ? [options.runs] : [...ADAPTIVE_STAGES]
  const gate: GateOptions = {...options.gate, looks: stages.length, test: options.measure === 'instructions' ? 'welch' : options.baseline ? 'rank' : 'paired'}
  const settings = {...h.settings, ...gate}
  const pairs: {name: string; baseline: ArmReport; candidate: ArmReport}[] = []
  let firstMeasured: {arm: ArmSpec; wallNs: number[]} | undefined
  /** Measures the arms stage by stage until a look is decisive (pass or regression) or the last
   * stage is done; `stored` is a baseline arm's samples read from a file (only the others run). */
  const measure = async (benchmark: number, benchmarks: number, arms: ArmSpec[], stored?: number[]) => {
    let samples: ArmSamples[] | undefined
    for (const stage of stages) {
      const have = samples?.[0].samples.length ?? 0
      samples = await runArms({...options, runs: stage - have, arms}, (p) => options.onProgress?.({...p, benchmark, benchmarks, labels: arms.map((a) => a.label)}), samples)
      const [a, b] = stored ? [stored, samples[0].samples] : [samples[0].samples, samples[1].samples]
      if (singleVerdict(compareArms(a, b, gate), gate) !== 'inconclusive') break
    }
    firstMeasured ??= {arm: arms.at(-1)!, wallNs: samples!.at(-1)!.wallNs}
    return samples!
  }

  if (options.baseline) {
    const stored = storedArms(readBaseline(options.baseline, options.measure))
    const commands = options.commands.length > 0 ? options.commands : [...stored.keys()]
    for (const command of commands) if (!stored.has(command)) throw new MonitorError(`--baseline ${options.baseline} has no result for "${command}"`, {exitCode: ExitCode.usage})
    for (const [i, command] of commands.entries()) {
      const base = stored.get(command)!
      const [current] = await measure(i, commands.length, [{label: 'current', command}], base.samples)
      pairs.push({name: command, baseline: {...base, label: 'baseline', source: 'stored'}, candidate: armReport('current', command, current.samples, 'measured', undefined, cpuOf(options, current))})
    }
    h.notes.push('baseline read from a stored result, not interleaved with this job: machine differences and drift between the two jobs are not cancelled')
  } else if (options.ref) {
    const ref = options.ref
    await withRefWorktree(ref, options.build, (command, cwd) => runHook('--build', command, cwd, options.signal), async (checkout) => {
      options.onStatus?.(`${ref} (${checkout.commit.slice(0, 12)}) checked out${options.build ? ' and built' : ''}`)
      for (const [i, command] of options.commands.entries()) {
        const arms = [
          {label: ref, command, cwd: checkout.cwd},
          {label: 'current', command},
        ]
        const [base, current] = await measure(i, options.commands.length, arms)
        pairs.push({name: command, baseline: armReport(ref, command, base.samples, 'measured', `${ref} ${checkout.commit.slice(0, 12)}`, cpuOf(options, base)), candidate: armReport('current', command, current.samples, 'measured', undefined, cpuOf(options, current))})
      }
    })
  } else {
    if (options.commands.length !== 2)
      throw new MonitorError(`compare needs two commands (A then B), or --ref / --baseline with one or more; got ${options.commands.length}`, {exitCode: ExitCode.usage})
    const [a, b] = options.commands
    const arms = [
      {label: 'A', command: a, argv: options.argvs?.[0], reportsNs: options.reportsNs},
      {label: 'B', command: b, argv: options.argvs?.[1], reportsNs: options.reportsNs},
    ]
    const [sa, sb] = await measure(0, 1, arms)
    pairs.push({name: b, baseline: armReport('A', a, sa.samples, 'measured', undefined, cpuOf(options, sa)), candidate: armReport('B', b, sb.samples, 'measured', undefined, cpuOf(options, sb))})
  }
  if (options.measure === 'instructions' && firstMeasured) h.notes.push(await cachegrindCost(options, firstMeasured.arm, firstMeasured.wallNs))
  const {comparisons, verdict} = compareSuite(pairs, gate, options.seed)
  return {...h, settings, arms: [], comparisons, verdict}
}
