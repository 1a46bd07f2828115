/** Runs benchmark commands: spawns each run, measures it, and reports progress through a callback
 * (the service knows nothing of the screen). Wall time is process.hrtime.bigint() from just before
 * spawn() to the child's 'close'; with measure 'instructions' each run is counted by cachegrind. */
import {spawn} from 'node:child_process'
import {readFileSync} from 'node:fs'
import os from 'node:os'

import {MonitorError} from '../errors.js'
import {countInstructions} from './cachegrind.js'
import {type Argv, commandArgv, withNodeFlags} from './command-line.js'
import {BenchExit} from './exit-codes.js'
import {seededRandom} from './random.js'
import {interleavedOrder} from './schedule.js'

export type Measure = 'time' | 'instructions'

export interface ArmSpec {
  label: string
  command: string
  /** Working directory (a git ref's worktree); default: the current one. */
  cwd?: string
  /** The argv to run instead of parsing `command` (JS benchmark files). */
  argv?: Argv
  /** The process prints its own measurement (ns per call, JS benchmark files) as its last stdout
   * line; that, not the process's wall time, is the sample. */
  reportsNs?: boolean
}

export interface RunPlan {
  arms: ArmSpec[]
  runs: number
  warmup: number
  measure: Measure
  seed: number
  /** Run before each timed run of an arm (not timed), e.g. clearing a cache. */
  prepare?: string
  /** Run after each timed run (not timed). */
  cleanup?: string
  signal?: AbortSignal
}

export interface Progress {
  done: number
  total: number
  arm: number
  value: number
  warmup: boolean
}

export interface ArmSamples {
  /** Wall times in ns, or instruction counts. */
  samples: number[]
  /** Wall time of each run in ns (with --measure instructions: under cachegrind). */
  wallNs: number[]
  /** CPU time (user + system) of each timed run's process tree in ns, at 10 ms resolution; absent
   * with --measure instructions (runs go side by side there, so the reaped totals would mix). */
  cpuNs: number[]
}

/** User + system time of this process's reaped children so far (cutime + cstime of
 * /proc/self/stat, in ns). Node exposes no wait4() rusage, but the kernel adds a child's CPU time,
 * and that of the descendants it waited for, here when libuv reaps it: the difference across one
 * run is that run's CPU time, in clock ticks (USER_HZ = 100 on Linux). */
function reapedChildrenCpuNs(): number {
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8')
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return (Number(f[13]) + Number(f[14])) * 1e7
  } catch {
    return Number.NaN
  }
}

/** The last lines of a failed command's stderr, kept small. */
const STDERR_KEEP = 4096

interface Outcome {
  code: number | null
  signal: NodeJS.Signals | null
  stderr: string
  wallNs: number
  spawnError?: Error
}

function runOnce(argv: Argv, cwd: string | undefined, signal?: AbortSignal, extraFd = false, readStdout = false): Promise<Outcome & {fd3: string; stdout: string}> {
  return new Promise((resolve) => {
    const start = process.hrtime.bigint()
    const out = readStdout ? 'pipe' : 'ignore'
    const child = spawn(argv.file, argv.args, {cwd, stdio: extraFd ? ['ignore', out, 'pipe', 'pipe'] : ['ignore', out, 'pipe'], signal})
    let stderr = ''
    let fd3 = ''
    let stdout = ''
    if (readStdout) child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout = (stdout + d).slice(-STDERR_KEEP)))
    let spawnError: Error | undefined
    child.stderr!.setEncoding('utf8').on('data', (d: string) => {
      stderr = (stderr + d).slice(-STDERR_KEEP)
    })
    if (extraFd) (child.stdio[3] as NodeJS.ReadableStream).setEncoding('utf8').on('data', (d: string) => (fd3 += d))
    child.on('error', (error) => (spawnError = error))
    child.on('close', (code, sig) => resolve({code, signal: sig, stderr, fd3, stdout, wallNs: Number(process.hrtime.bigint() - start), spawnError}))
  })
}

function failure(label: string, command: string, outcome: Outcome): MonitorError {
  if (outcome.spawnError?.name === 'AbortError') return new MonitorError('stopped', {exitCode: 130})
  if (outcome.spawnError) return new MonitorError(`${label}: cannot run "${command}": ${outcome.spawnError.message}`, {exitCode: BenchExit.failed})
  const how = outcome.signal ? `was killed by ${outcome.signal}` : `exited with ${outcome.code}`
  // Errors are one line: the command's last stderr lines (the reason it failed) joined by " | ".
  // Stack frames and Node's version banner say little about why; the message lines do.
  const lines = outcome.stderr.split('\n').map((l) => l.trim()).filter((l) => l && !/^at |^Node\.js v/.test(l))
  const tail = lines.slice(-5).join(' | ')
  return new MonitorError(`${label}: "${command}" ${how}${tail ? `; its stderr ends: ${tail}` : ' (no stderr)'}`, {exitCode: BenchExit.failed})
}

export async function runHook(what: string, command: string, cwd: string | undefined, signal?: AbortSignal): Promise<void> {
  const outcome = await runOnce(commandArgv(command), cwd, signal)
  if (outcome.spawnError || outcome.code !== 0) throw failure(what, command, outcome)
}

/** One measurement of an arm. */
async function measureOnce(arm: ArmSpec, plan: RunPlan): Promise<{value: number; wallNs: number; cpuNs?: number}> {
  const argv = arm.argv ?? commandArgv(arm.command)
  if (plan.prepare) await runHook('--prepare', plan.prepare, arm.cwd, plan.signal)
  let measured: {value: number; wallNs: number; cpuNs?: number}
  if (plan.measure === 'instructions') {
    measured = await countInstructions(withNodeFlags(argv), (a) => runOnce(a, arm.cwd, plan.signal, true), (o) => failure(arm.label, arm.command, o))
  } else {
    const cpuBefore = reapedChildrenCpuNs()
    const outcome = await runOnce(argv, arm.cwd, plan.signal, false, arm.reportsNs)
    const cpuNs = reapedChildrenCpuNs() - cpuBefore
    if (outcome.spawnError || outcome.code !== 0) throw failure(arm.label, arm.command, outcome)
    const reported = arm.reportsNs ? Number(outcome.stdout.trim().split('\n').pop()) : outcome.wallNs
    if (!(reported > 0)) throw new MonitorError(`${arm.label}: "${arm.command}" printed no time per call`, {exitCode: BenchExit.failed})
    measured = {value: reported, wallNs: outcome.wallNs, cpuNs}
  }
  if (plan.cleanup) await runHook('--cleanup', plan.cleanup, arm.cwd, plan.signal)
  return measured
}

/** Runs every arm `warmup` times (discarded) then `runs` times, all interleaved (see schedule.ts).
 * Given the samples of earlier stages, adds `runs` more to each arm (no warmup) instead. */
export async function runArms(plan: RunPlan, onProgress?: (p: Progress) => void, earlier?: ArmSamples[]): Promise<ArmSamples[]> {
  const random = seededRandom(plan.seed + (earlier?.[0].samples.length ?? 0))
  const warm = plan.warmup > 0 && !earlier ? interleavedOrder(plan.arms.length, plan.warmup, random) : []
  const timed = interleavedOrder(plan.arms.length, plan.runs, random)
  const results: ArmSamples[] = earlier ?? plan.arms.map(() => ({samples: [], wallNs: [], cpuNs: []}))
  const total = warm.length + timed.length
  let done = 0
  const record = (arm: number, {value, wallNs, cpuNs}: {value: number; wallNs: number; cpuNs?: number}, warmup: boolean) => {
    if (!warmup) {
      results[arm].samples.push(value)
      results[arm].wallNs.push(wallNs)
      if (cpuNs !== undefined) results[arm].cpuNs.push(cpuNs)
    }
    done++
    onProgress?.({done, total, arm, value, warmup})
  }
  if (plan.measure === 'instructions') {
    // A count does not depend on what else runs, so runs go side by side, one per core: cachegrind
    // is 20-100x slower than native and the job would otherwise take minutes.
    const queue = [...warm.map((arm) => ({arm, warmup: true})), ...timed.map((arm) => ({arm, warmup: false}))]
    // The first failure ends the runs still going, so none outlives the job.
    const stop = new AbortController()
    const signal = plan.signal ? AbortSignal.any([plan.signal, stop.signal]) : stop.signal
    const worker = async () => {
      for (let job = queue.shift(); job; job = queue.shift()) record(job.arm, await measureOnce(plan.arms[job.arm], {...plan, signal}), job.warmup)
    }
    try {
      await Promise.all(Array.from({length: Math.min(os.availableParallelism(), queue.length)}, worker))
    } finally {
      stop.abort()
    }
    return results
  }
  for (const [list, warmup] of [
    [warm, true],
    [timed, false],
  ] as const) {
    for (const arm of list) record(arm, await measureOnce(plan.arms[arm], plan), warmup)
  }
  return results
}
