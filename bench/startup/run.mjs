#!/usr/bin/env node
/**
 * Startup benchmark: how long `monitor trace exec --help` takes compared to a bare `node -e 0`
 * on this machine, measured in the same run so machine speed and load cancel out.
 *
 *   node bench/startup/run.mjs [--runs 21] [--warmup 3] [--max-ratio 2] [--bin bin/run.js]
 *
 * The commands run interleaved (one of each per round) so drift in load or CPU frequency hits all
 * of them alike; medians, not means, so one stall does not decide. Exits 1 when the median of
 * `trace exec --help` is more than --max-ratio times the median of `node -e 0`, or when a command
 * fails or prints no help. Needs a build (npm run build) first.
 */
import {spawnSync} from 'node:child_process'
import {dirname, resolve} from 'node:path'
import {fileURLToPath} from 'node:url'
import {median, options} from '../lib.mjs'

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..')
const opt = options({runs: 21, warmup: 3, 'max-ratio': 2, bin: resolve(ROOT, 'bin', 'run.js')})
const runs = Number(opt.runs)
const warmup = Number(opt.warmup)
const maxRatio = Number(opt['max-ratio'])
const bin = resolve(opt.bin)
if (!(runs >= 15)) throw new Error('--runs must be at least 15')

const cases = [
  {name: 'node -e 0', args: ['-e', '0']},
  {name: 'monitor trace exec --help', args: [bin, 'trace', 'exec', '--help'], expect: /USAGE[\s\S]*--duration/},
  {name: 'monitor --help', args: [bin, '--help'], expect: /USAGE[\s\S]*COMMANDS/},
]

/** Wall time of one run in ms, from spawn to exit: what a user waits for. */
function time({name, args, expect}) {
  const t0 = process.hrtime.bigint()
  // Run from another directory, as a user would: nothing may depend on the cwd.
  const res = spawnSync(process.execPath, args, {cwd: '/', encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe']})
  const ms = Number(process.hrtime.bigint() - t0) / 1e6
  if (res.status !== 0 || (expect && !expect.test(res.stdout))) {
    console.error(`${name}: exit ${res.status ?? res.signal}\n${res.stderr || res.stdout}`)
    process.exit(1)
  }
  return ms
}

for (let i = 0; i < warmup; i++) for (const c of cases) time(c) // page cache, code cache file, CPU clocks
const samples = cases.map(() => [])
for (let i = 0; i < runs; i++) cases.forEach((c, j) => samples[j].push(time(c)))

const base = median(samples[0])
console.log(`node ${process.version}, ${runs} runs each after ${warmup} warm-up rounds, bin ${bin}`)
console.log(`${'command'.padEnd(28)}${'median'.padStart(9)}${'min'.padStart(9)}${'max'.padStart(9)}${'ratio'.padStart(8)}`)
cases.forEach((c, j) => {
  const m = median(samples[j])
  const f = (x) => `${x.toFixed(1)} ms`.padStart(9)
  console.log(`${c.name.padEnd(28)}${f(m)}${f(Math.min(...samples[j]))}${f(Math.max(...samples[j]))}${`${(m / base).toFixed(2)}x`.padStart(8)}`)
})
const ratio = median(samples[1]) / base
const ok = ratio <= maxRatio
console.log(`${ok ? 'ok' : 'FAIL'}: trace exec --help / node -e 0 = ${ratio.toFixed(2)} (limit ${maxRatio})`)
process.exit(ok ? 0 : 1)
