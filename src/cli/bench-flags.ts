/** Flags of the `monitor bench` commands, defined once. */
import {Flags} from '@oclif/core'

import {ExitCode, MonitorError} from '../errors.js'

export const benchRunFlags = {
  runs: Flags.integer({char: 'r', summary: 'Timed runs of each command (per arm)', min: 2}),
  warmup: Flags.integer({char: 'w', summary: 'Untimed runs of each command first (default 2; 0 with --measure instructions)', min: 0}),
  measure: Flags.string({summary: 'What to measure: time (wall clock, default) or instructions (valgrind cachegrind; near-deterministic)', options: ['time', 'instructions']}),
  prepare: Flags.string({summary: 'Command run (untimed) before every run, e.g. to clear a cache', helpValue: '<cmd>'}),
  cleanup: Flags.string({summary: 'Command run (untimed) after every run', helpValue: '<cmd>'}),
  seed: Flags.integer({summary: 'Seed of the run order and the bootstrap (default: random, recorded in -o json)', min: 0}),
  profile: Flags.string({summary: 'After the timed runs, one more run of each Node arm under V8\'s profiler: pprof files into this directory (monitor pprof flame DIR/A.pb.gz)', helpValue: '<dir>'}),
}

export const benchOutputFlag = Flags.string({
  char: 'o',
  summary: 'Report: table (text, default), markdown (a PR comment), json (raw samples + environment), junit (XML)',
  options: ['table', 'markdown', 'json', 'junit'],
})

export const thresholdFlag = Flags.custom<number>({
  summary: 'Slowdown that counts as a regression, in percent (default 2)',
  helpValue: '<percent>',
  parse: async (input) => {
    const n = Number(input.replace(/%$/, ''))
    if (!Number.isFinite(n) || n <= 0 || n >= 100) throw new MonitorError(`must be a percentage between 0 and 100, got "${input}"`, {exitCode: ExitCode.usage})
    return n / 100
  },
})

export const alphaFlag = Flags.custom<number>({
  summary: 'Significance level of the regression test across the suite (default 0.01)',
  helpValue: '<p>',
  parse: async (input) => {
    const n = Number(input)
    if (!Number.isFinite(n) || n <= 0 || n >= 0.5) throw new MonitorError(`must be between 0 and 0.5, got "${input}"`, {exitCode: ExitCode.usage})
    return n
  },
})

export function randomSeed(): number {
  return Math.floor(Math.random() * 2 ** 31)
}

interface RunFlagValues {
  runs?: number
  warmup?: number
  measure?: string
  prepare?: string
  cleanup?: string
  seed?: number
  profile?: string
  output?: string
  threshold?: number
  alpha?: number
}

/** The session options every bench command takes from benchRunFlags, -o and the gate flags, with
 * their defaults (`warmup`: runs before the timed ones unless --measure instructions). */
export function sessionOptions(flags: RunFlagValues, defaults: {runs?: number; warmup: number}) {
  const measure = (flags.measure ?? 'time') as 'time' | 'instructions'
  return {
    runs: flags.runs ?? defaults.runs,
    warmup: flags.warmup ?? (measure === 'instructions' ? 0 : defaults.warmup),
    measure,
    seed: flags.seed ?? randomSeed(),
    prepare: flags.prepare,
    cleanup: flags.cleanup,
    profile: flags.profile,
    output: (flags.output ?? 'table') as 'table' | 'markdown' | 'json' | 'junit',
    gate: {threshold: flags.threshold ?? 0.02, alpha: flags.alpha ?? 0.01, passConfidence: 0.95},
  }
}
