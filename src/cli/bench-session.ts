/** Session glue of `monitor bench`: turns flags into a plan, shows progress while it runs (Ink on a
 * terminal, nothing otherwise), prints the report in the chosen format, and sets the exit code from
 * the verdict (0 pass, 1 regression, 3 inconclusive; 4 comes from a failed command's MonitorError). */
import {type BenchOptions, type CompareOptions, benchCompare, benchRun} from '../bench/bench.js'
import {BenchExit} from '../bench/exit-codes.js'
import type {BenchReport} from '../bench/report.js'
import {ExitCode, MonitorError} from '../errors.js'
import {benchJson} from '../output/bench-json.js'
import {benchJunit} from '../output/bench-junit.js'
import {benchMarkdown} from '../output/bench-markdown.js'
import {benchTable} from '../output/bench-table.js'
import {startBenchProgress} from './bench-progress.js'

export type BenchOutput = 'table' | 'markdown' | 'json' | 'junit'

export interface BenchSessionOptions extends Omit<CompareOptions, 'signal' | 'onProgress' | 'onStatus'> {
  mode: 'run' | 'compare'
  output: BenchOutput
  /** A CPU profile of each arm (one extra, untimed run) into this directory. */
  profile?: string
}

function render(report: BenchReport, output: BenchOutput): string {
  switch (output) {
    case 'json':
      return benchJson(report)
    case 'junit':
      return benchJunit(report)
    case 'markdown':
      return benchMarkdown(report)
    default:
      return benchTable(report)
  }
}

export function exitCodeOf(report: BenchReport): number {
  if (report.verdict === 'regression') return BenchExit.regression
  if (report.verdict === 'inconclusive') return BenchExit.inconclusive
  return BenchExit.pass
}

/** Runs the session; returns the exit code (the command sets it). */
export async function runBenchSession(options: BenchSessionOptions): Promise<number> {
  if (options.commands.length === 0 && !(options.mode === 'compare' && options.baseline))
    throw new MonitorError('no command to benchmark: give them after --, e.g. monitor bench run -- "sleep 0.1"', {exitCode: ExitCode.usage})
  const controller = new AbortController()
  // Ctrl-C ends the running command and unwinds (a --ref worktree is removed on the way out).
  const onSignal = () => controller.abort()
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(sig, onSignal)
  const progress = await startBenchProgress(options.measure)
  const run: BenchOptions = {...options, signal: controller.signal, onProgress: progress.update, onStatus: progress.status}
  let report: BenchReport
  try {
    report = options.mode === 'run' ? await benchRun(run) : await benchCompare({...run, gate: options.gate})
  } finally {
    await progress.stop()
    for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.off(sig, onSignal)
  }
  if (controller.signal.aborted) throw new MonitorError('stopped before the runs were done', {exitCode: ExitCode.interrupted})
  process.stdout.write(render(report, options.output))
  if (options.profile !== undefined) await writeProfiles(options)
  return exitCodeOf(report)
}

export interface JsBenchSessionOptions extends Omit<BenchSessionOptions, 'mode' | 'commands' | 'argvs' | 'reportsNs'> {
  file: string
  /** Compare the file's two benchmarks (first = A, second = B) with a verdict. */
  compare: boolean
  /** Calls per run under --measure instructions (a fixed count, so the instruction count repeats). */
  iterations: number
}

/** `monitor bench FILE`: every bench() of a JS/TS file, each run in a fresh process. */
export async function runJsBenchSession(options: JsBenchSessionOptions): Promise<number> {
  const {openJsBenchFile} = await import('../bench/js-file.js')
  const file = await openJsBenchFile(options.file)
  try {
    if (options.compare && file.names.length !== 2)
      throw new MonitorError(`--compare needs exactly two bench() calls in ${options.file} (A, then B); it has ${file.names.length}`, {exitCode: ExitCode.usage})
    const instructions = options.measure === 'instructions'
    return await runBenchSession({
      ...options,
      mode: options.compare ? 'compare' : 'run',
      commands: file.names,
      argvs: file.names.map((name) => file.argv(name, instructions ? options.iterations : undefined)),
      reportsNs: !instructions,
    })
  } finally {
    file.dispose()
  }
}

/** --profile: after the report, one profiled run per arm; where each profile went, on stderr. */
async function writeProfiles(options: BenchSessionOptions): Promise<void> {
  if (options.argvs) {
    process.stderr.write('--profile: benchmark files are not profiled yet (run the file under node --cpu-prof)\n')
    return
  }
  const {profileArms} = await import('../bench/profile.js')
  // With --ref the second arm ran in a worktree that is gone now: only the first is profiled.
  const commands = options.ref ? options.commands.slice(0, 1) : options.commands
  for (const p of await profileArms(commands, options.profile!)) {
    process.stderr.write(p.file ? `profile of ${p.command}: ${p.file} (monitor pprof flame ${p.file})\n` : `no profile of ${p.command}: ${p.note}\n`)
  }
  if (options.ref) process.stderr.write(`no profile of ${options.ref}'s arm: its worktree is removed after the runs\n`)
}
