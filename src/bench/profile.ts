/** `--profile DIR`: a CPU profile of each arm, taken in one extra run after the timed ones (a profiler
 * slows what it watches, so no timed run is profiled). Node commands are profiled by V8 itself
 * (--cpu-prof) and written as pprof files for `monitor pprof`; other commands have no profiler yet
 * (the eBPF CPU sampler will add one) and are named as such, never silently skipped. */
import {spawn} from 'node:child_process'
import {mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {ExitCode, MonitorError} from '../errors.js'
import {encodeProfile} from '../pprof/encode.js'
import {fromStacks} from '../pprof/from-stacks.js'
import {cpuProfileToStacks} from '../pprof/node/cpu-profile.js'
import {type Argv, commandArgv, isNodeCommand} from './command-line.js'

export interface ArmProfile {
  command: string
  /** The pprof file written; absent when the arm could not be profiled (see note). */
  file?: string
  note?: string
}

/** Inserts V8's CPU profiler flags after `node` (on the command line: NODE_OPTIONS may be in use). */
function withCpuProf(argv: Argv, dir: string): Argv {
  const flags = ['--cpu-prof', `--cpu-prof-dir=${dir}`]
  if (!argv.shell) return {...argv, args: [...flags, ...argv.args]}
  const script = argv.args[1].trim().replace(/^(\S+)/, `$1 ${flags.map((f) => `'${f}'`).join(' ')}`)
  return {...argv, args: ['-c', script]}
}

function runOnce(argv: Argv, cwd: string | undefined, signal?: AbortSignal): Promise<number | null> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv.file, argv.args, {cwd, stdio: ['ignore', 'ignore', 'ignore'], signal})
    child.on('error', (e) => reject(e))
    child.on('close', (code) => resolve(code))
  })
}

export async function profileArms(commands: readonly string[], dir: string, options: {cwd?: string; names?: readonly string[]; signal?: AbortSignal} = {}): Promise<ArmProfile[]> {
  try {
    mkdirSync(dir, {recursive: true})
  } catch (error) {
    throw new MonitorError(`--profile ${dir}: ${(error as Error).message}`, {exitCode: ExitCode.failure})
  }
  const out: ArmProfile[] = []
  for (const [i, command] of commands.entries()) {
    const argv = commandArgv(command)
    if (!isNodeCommand(argv)) {
      out.push({command, note: 'not a Node command: only Node arms can be profiled so far'})
      continue
    }
    const scratch = mkdtempSync(join(dir, '.cpu-prof-'))
    try {
      const code = await runOnce(withCpuProf(argv, scratch), options.cwd, options.signal)
      const files = readdirSync(scratch).filter((f) => f.endsWith('.cpuprofile'))
      if (code !== 0 || files.length === 0) {
        out.push({command, note: code !== 0 ? `the profiled run exited ${code}` : 'no profile was written (the process did not exit normally)'})
        continue
      }
      // The command's own process is the first to start (its children, if Node too, come later).
      const first = files.sort()[0]
      const stacks = cpuProfileToStacks(JSON.parse(readFileSync(join(scratch, first), 'utf8')))
      const name = (options.names?.[i] ?? String.fromCharCode(65 + i)).replace(/[^\w.-]+/g, '_')
      const file = join(dir, `${name}.pb.gz`)
      writeFileSync(file, encodeProfile(fromStacks(stacks)))
      out.push({command, file})
    } finally {
      rmSync(scratch, {recursive: true, force: true})
    }
  }
  return out
}
