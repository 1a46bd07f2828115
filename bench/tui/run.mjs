#!/usr/bin/env node
// What the live table costs a user who leaves it open: `monitor trace exec` in a real terminal (tmux,
// 120×40, CI unset), its CPU time (utime + stime of all its threads, so machine noise is not charged
// to it) and peak RSS, in three phases after a settling period:
//   idle     a screen of finished runs, nothing new happening
//   ticking  the same plus 3 running processes, whose durations tick once a second
//   50/s     a steady 50 execs per second
// htop runs in the same size of terminal, phases interleaved with monitor's, as the anchor: the
// cost of a screen users already leave open. Medians of --runs runs.
//
//   node bench/tui/run.mjs [--runs 3] [--seconds 20] [--settle 30] [--rate 50]
//
// Target: monitor idle ≤ 1% of a core. Exits 1 when missed.
import {execFileSync, spawn, spawnSync} from 'node:child_process'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'

import {Children, cpuAndRss, median, options} from '../lib.mjs'

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..')
const CLI = join(ROOT, 'bin', 'run.js')
const opts = options({runs: 3, seconds: 20, settle: 30, rate: 50})
const SETTLE = Number(opts.settle)
const RUNS = Number(opts.runs)
const SECONDS = Number(opts.seconds)
const RATE = Number(opts.rate)
// A user id nobody else runs as: the table shows only the benchmark's processes, so "idle" is idle
// even on a busy machine.
const UID = 4242
const TICKS = Number(execFileSync('getconf', ['CLK_TCK'], {encoding: 'utf8'}))
const children = new Children()
process.on('exit', () => children.killAll())
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => process.exit(130))

const sleep = (ms) => new Promise((r) => setTimeout(r, ms))

function tmux(...args) {
  return execFileSync('tmux', args, {encoding: 'utf8'})
}

/** utime + stime in seconds, and RSS in bytes, of one process. */
const usage = (pid) => cpuAndRss(pid, TICKS)

/** The pid of the program a tmux session runs (its pane's first process). */
function panePid(session, match) {
  for (let i = 0; i < 100; i++) {
    const pane = Number(tmux('list-panes', '-t', session, '-F', '#{pane_pid}').trim())
    const ps = spawnSync('pgrep', ['-f', '-P', String(pane), match], {encoding: 'utf8'}).stdout.trim()
    if (ps) return Number(ps.split('\n')[0])
    if (spawnSync('sh', ['-c', `tr '\\0' ' ' < /proc/${pane}/cmdline`], {encoding: 'utf8'}).stdout.includes(match)) return pane
    execFileSync('sleep', ['0.1'])
  }
  throw new Error(`${match} did not start in tmux`)
}

function asUser(cmd) {
  return spawn('setpriv', [`--reuid=${UID}`, `--regid=${UID}`, '--clear-groups', 'sh', '-c', cmd], {stdio: 'ignore'})
}

/** Measures one contender: start it, settle, then CPU and peak RSS over each phase. */
async function measure(name, command) {
  const session = `bench-tui-${process.pid}-${name}`
  tmux('new-session', '-d', '-s', session, '-x', '120', '-y', '40', `env -u CI ${command}`)
  try {
    const pid = panePid(session, name === 'monitor' ? 'run.js' : 'htop')
    await sleep(3000)
    // A screen of rows: 30 finished runs. Start-up, and the settling of the heap after it (V8's
    // memory reducer collects for a while once allocation stops), are not what is measured.
    spawnSync('setpriv', [`--reuid=${UID}`, `--regid=${UID}`, '--clear-groups', 'sh', '-c', 'for i in $(seq 1 30); do /bin/true row-$i; done'])
    await sleep(SETTLE * 1000)
    const result = {}
    let sleepers = []
    for (const phase of ['idle', 'ticking', `${RATE}/s`]) {
      let storm
      if (phase === 'ticking') {
        sleepers = [1, 2, 3].map(() => children.track(asUser(`exec sleep ${SECONDS * 3}`)))
        await sleep(1000)
      } else if (phase !== 'idle') {
        const gap = (1 / RATE).toFixed(4)
        storm = children.track(asUser(`while :; do /bin/true tick; sleep ${gap}; done`))
        await sleep(1000)
      }
      const a = usage(pid)
      let peak = a.rss
      const t0 = performance.now()
      while (performance.now() - t0 < SECONDS * 1000) {
        await sleep(250)
        peak = Math.max(peak, usage(pid).rss)
      }
      const b = usage(pid)
      const wall = (performance.now() - t0) / 1000
      result[phase] = {core: (b.cpu - a.cpu) / wall, rss: peak}
      storm?.kill('SIGKILL')
    }
    for (const s of sleepers) s.kill('SIGKILL')
    return result
  } finally {
    spawnSync('tmux', ['kill-session', '-t', session])
  }
}

const contenders = {
  monitor: `${process.execPath} ${CLI} trace exec --uid ${UID}`,
  htop: 'htop --delay=10',
}
const samples = {monitor: [], htop: []}
for (let run = 0; run < RUNS; run++) {
  // Interleaved, alternating which goes first.
  const order = run % 2 ? ['htop', 'monitor'] : ['monitor', 'htop']
  for (const name of order) {
    const r = await measure(name, contenders[name])
    samples[name].push(r)
    console.log(`run ${run + 1} ${name}: ${Object.entries(r).map(([p, v]) => `${p} ${(v.core * 100).toFixed(2)}% of a core, RSS ${(v.rss / 2 ** 20).toFixed(0)} MB`).join('; ')}`)
  }
}

const med = (name, phase, key) => median(samples[name].map((s) => s[phase][key]))
console.log(`\nmedians of ${RUNS} runs, ${SECONDS} s per phase, tmux 120×40:`)
let ok = true
for (const phase of ['idle', 'ticking', `${RATE}/s`]) {
  const m = med('monitor', phase, 'core')
  const h = med('htop', phase, 'core')
  console.log(
    `  ${phase.padEnd(7)} monitor ${(m * 100).toFixed(2)}% of a core (RSS ${(med('monitor', phase, 'rss') / 2 ** 20).toFixed(0)} MB)` +
      ` · htop ${(h * 100).toFixed(2)}% (RSS ${(med('htop', phase, 'rss') / 2 ** 20).toFixed(0)} MB) · ratio ${(m / h).toFixed(2)}×`,
  )
  if (phase === 'idle' && m > 0.01) ok = false
}
console.log(ok ? 'target met: idle ≤ 1% of a core' : 'TARGET MISSED: idle > 1% of a core')
process.exit(ok ? 0 : 1)
