#!/usr/bin/env node
// The gate's error rates under the fixed noise model (log-normal CV 2%, a 3% linear drift
// across each job's runs, 2% outliers ×1.5), simulated with the verdict code `monitor bench compare`
// runs (dist/bench/verdict.js) and the run order its runner uses (randomised ABBA blocks; the drift is
// applied by position in that order).
//
//   npm run build && node bench/gate/run.mjs [--trials 2000] [--suites 500] [--seed 1]
//   node bench/gate/run.mjs --real 20     also runs `monitor bench compare` of one command against
//                                         itself 20 times (real A/A) and counts the verdicts
//
// Exits 1 when a target is missed: ≤ 1% regressions and ≥ 95% pass for A/A at n = 50, ≥ 90%
// regressions for a true 3% slowdown at n = 50, ≤ 1% family-wise false regressions for a 20-benchmark
// A/A suite (≥ 500 suites).
import {spawnSync} from 'node:child_process'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'

import {options} from '../lib.mjs'

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..')
const {simulateAdaptive, simulateComparisons, simulateSuites} = await import(join(ROOT, 'dist/bench/simulation.js'))
const {ADAPTIVE_STAGES} = await import(join(ROOT, 'dist/bench/verdict.js'))

const opts = options({trials: 2000, suites: 500, seed: 1, real: undefined})
const trials = Number(opts.trials)
const suites = Number(opts.suites)
const seed = Number(opts.seed)
const pct = (x) => `${(100 * x).toFixed(1)}%`.padStart(6)

const started = Date.now()
console.log(`noise: log-normal CV 2%, drift 3% across the job, 2% outliers x1.5; threshold 2%, alpha 0.01 (Holm), pass bound 95%`)
console.log(`${trials} comparisons per row; runs interleaved in randomised ABBA blocks\n`)
console.log('runs/arm   A/A pass  A/A regr  A/A inconcl   3%: regr  3%: pass  3%: inconcl')
const figures = {}
for (const n of [10, 20, 30, 40, 50, 60]) {
  const aa = simulateComparisons(trials, n, 0, seed * 1000 + n)
  const slow = simulateComparisons(trials, n, 0.03, seed * 2000 + n)
  figures[n] = {aa, slow}
  console.log(`${String(n).padStart(8)}   ${pct(aa.pass)}    ${pct(aa.regression)}    ${pct(aa.inconclusive)}      ${pct(slow.regression)}    ${pct(slow.pass)}    ${pct(slow.inconclusive)}`)
}
const seq = simulateComparisons(trials, 50, 0, seed * 3000, undefined, false)
console.log(`\nsame, n = 50, WITHOUT interleaving (all A then all B): A/A pass ${pct(seq.pass)}, regression ${pct(seq.regression)}`)

const suite50 = simulateSuites(suites, 20, 50, seed * 4000)
const suite30 = simulateSuites(suites, 20, 30, seed * 5000)
console.log(`\n20-benchmark A/A suites (${suites}×, Holm across each suite):`)
console.log(`  n = 50: suites with a false regression ${pct(suite50.anyRegression)}, all 20 pass ${pct(suite50.allPass)}`)
console.log(`  n = 30: suites with a false regression ${pct(suite30.anyRegression)}, all 20 pass ${pct(suite30.allPass)}`)
const stages = [...ADAPTIVE_STAGES]
const adaptiveAA = simulateAdaptive(trials, stages, 0, seed * 6000)
const adaptiveSlow = simulateAdaptive(trials, stages, 0.03, seed * 7000)
console.log(`\nadaptive design (compare without --runs): looks at ${stages.join('/')} runs per arm, alpha/${stages.length} each, stop at pass or regression`)
console.log(`  A/A:          pass ${pct(adaptiveAA.pass)}, regression ${pct(adaptiveAA.regression)}, inconclusive ${pct(adaptiveAA.inconclusive)}, mean runs/arm ${adaptiveAA.meanRuns.toFixed(1)}`)
console.log(`  3% slowdown:  regression ${pct(adaptiveSlow.regression)}, pass ${pct(adaptiveSlow.pass)}, inconclusive ${pct(adaptiveSlow.inconclusive)}, mean runs/arm ${adaptiveSlow.meanRuns.toFixed(1)}`)
console.log(`\nsimulation took ${((Date.now() - started) / 1000).toFixed(1)} s`)

const f50 = figures[50]
const misses = []
if (f50.aa.regression > 0.01) misses.push('A/A regressions > 1% at n = 50')
if (f50.aa.pass < 0.95) misses.push('A/A pass < 95% at n = 50')
if (f50.slow.regression < 0.9) misses.push('3% slowdown flagged < 90% at n = 50')
if (suite50.anyRegression > 0.01) misses.push('suite family-wise false regressions > 1%')
if (adaptiveAA.regression > 0.01 || adaptiveAA.pass < 0.95) misses.push('adaptive design: A/A targets')
if (adaptiveSlow.regression < 0.9) misses.push('adaptive design: 3% slowdown flagged < 90%')

if (opts.real) {
  // Real A/A: the same tiny command compared with itself, `--real` times, through the built CLI.
  const count = Number(opts.real)
  const verdicts = {pass: 0, regression: 0, inconclusive: 0, error: 0}
  const cli = join(ROOT, 'bin', 'run.js')
  for (let i = 0; i < count; i++) {
    const r = spawnSync(process.execPath, [cli, 'bench', 'compare', '-o', 'json', '--', 'sleep 0.01', 'sleep 0.01'], {encoding: 'utf8'})
    const verdict = {0: 'pass', 1: 'regression', 3: 'inconclusive'}[r.status] ?? 'error'
    verdicts[verdict]++
    if (verdict === 'error') process.stderr.write(r.stderr)
  }
  console.log(`\nreal A/A: compare -- 'sleep 0.01' 'sleep 0.01' (adaptive design), ${count} times: ${JSON.stringify(verdicts)}`)
  if (verdicts.regression > 0) misses.push('a real A/A compare said regression')
}

if (misses.length) {
  console.log(`\nMISSED: ${misses.join('; ')}`)
  process.exit(1)
}
console.log('\nall targets met')
