/** Instruction counts from Valgrind's cachegrind: near-deterministic where wall time is noisy (shared
 * CI runners expose no hardware counters). It counts user-space instructions only: it cannot see
 * time spent in system calls, I/O, sleeping or waiting on locks, and runs the program ~20–100×
 * slower. Every process of the command is counted (--trace-children), summed. */
import {existsSync} from 'node:fs'

import {MonitorError} from '../errors.js'
import type {Argv} from './command-line.js'
import {BenchExit} from './exit-codes.js'

export const CACHEGRIND_BLIND_SPOTS =
  'instruction counts (cachegrind) see user-space work only: not system calls, I/O, sleeping or lock waits; runs are ~20-100x slower than native'

interface RunResult {
  code: number | null
  signal: NodeJS.Signals | null
  stderr: string
  fd3: string
  wallNs: number
  spawnError?: Error
}

export function valgrindPath(): string {
  for (const dir of (process.env.PATH ?? '/usr/bin').split(':')) if (existsSync(`${dir}/valgrind`)) return `${dir}/valgrind`
  throw new MonitorError('--measure instructions needs valgrind (Debian: apt-get install valgrind)', {exitCode: BenchExit.failed})
}

/** Sum of "I refs" over the processes cachegrind reported on its log fd. */
export function parseInstructionRefs(log: string): number | undefined {
  let total: number | undefined
  for (const m of log.matchAll(/==\d+== I\s+refs:\s+([\d,]+)/g)) total = (total ?? 0) + Number(m[1].replaceAll(',', ''))
  return total
}

export async function countInstructions(argv: Argv, run: (argv: Argv) => Promise<RunResult>, failure: (r: RunResult) => Error): Promise<{value: number; wallNs: number}> {
  const valgrind = valgrindPath()
  const wrapped: Argv = {
    file: valgrind,
    args: ['--tool=cachegrind', '--cache-sim=no', '--cachegrind-out-file=/dev/null', '--trace-children=yes', '--log-fd=3', argv.file, ...argv.args],
    shell: argv.shell,
  }
  const result = await run(wrapped)
  if (result.spawnError || result.code !== 0) throw failure(result)
  const refs = parseInstructionRefs(result.fd3)
  if (refs === undefined) throw new MonitorError(`cachegrind printed no instruction count for "${argv.file}"`, {exitCode: BenchExit.failed})
  return {value: refs, wallNs: result.wallNs}
}
