#!/usr/bin/env node
// What `--record FILE` costs the tracer: `monitor trace exec -o json` (stdout to /dev/null) through an
// exec storm of N /bin/true, three ways interleaved, the order rotated every round:
//   plain    no recording
//   raw      --record with MONITOR_RECORD_DEFLATE=0 (batches stored as delivered)
//   deflate  --record (the default: batches deflated)
// Per way: the tracer's CPU per exec (on-CPU ns over all its threads from /proc/<pid>/task/*/schedstat,
// from ready to 300 ms after the storm) and the file's bytes per record. Medians over --runs rounds.
//
//   sudo node bench/tracefile/overhead.mjs [--runs 11] [--n 3000]      (needs `npm run build`, cc)
import {execFileSync, spawn} from 'node:child_process'
import {mkdirSync, readdirSync, readFileSync, statSync} from 'node:fs'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'

import {median, options} from '../lib.mjs'

const here = dirname(fileURLToPath(import.meta.url))
const root = join(here, '..', '..')
const out = '/tmp/monitor-bench-tracefile'
const opts = options({runs: 11, n: 3000})
const N = Number(opts.n)
const file = join(out, 'record.trace')
const WAYS = {
  plain: {args: [], env: {}},
  raw: {args: ['--record', file], env: {MONITOR_RECORD_DEFLATE: '0'}},
  deflate: {args: ['--record', file], env: {}},
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms))
const cpuNs = (pid) =>
  readdirSync(`/proc/${pid}/task`).reduce((sum, tid) => {
    try {
      return sum + Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0])
    } catch {
      return sum // the thread just exited
    }
  }, 0)

const live = new Set()
process.on('exit', () => live.forEach((c) => c.kill('SIGKILL')))

async function one(way) {
  const {args, env} = WAYS[way]
  const child = spawn(process.execPath, [join(root, 'bin', 'run.js'), 'trace', 'exec', '-o', 'json', ...args], {
    env: {...process.env, ...env},
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  live.add(child)
  const exited = new Promise((r) => child.on('exit', r))
  let text = ''
  await new Promise((resolve, reject) => {
    child.stdout.on('data', (d) => {
      if (text.length < 4096) text += d
      if (text.includes('"type":"ready"')) resolve()
    })
    exited.then(() => reject(new Error(`trace exec exited before it was ready`)))
  })
  await sleep(300)
  const c0 = cpuNs(child.pid)
  execFileSync(join(out, 'storm'), [String(N)], {stdio: ['ignore', 'ignore', 'inherit']})
  await sleep(300)
  const c1 = cpuNs(child.pid)
  child.kill('SIGINT')
  await exited
  live.delete(child)
  // Records: one exec and one exit per storm run (other processes on the host add a few).
  return {cpuUsPerExec: (c1 - c0) / N / 1000, bytesPerRecord: args.length ? statSync(file).size / (2 * N) : null}
}

if (process.getuid?.() !== 0) throw new Error('run as root: the tracer loads BPF programs')
mkdirSync(out, {recursive: true})
execFileSync(process.env.CC || 'cc', ['-O2', '-Wall', '-o', join(out, 'storm'), join(root, 'bench', 'exec', 'storm.c')], {stdio: 'inherit'})
const results = Object.fromEntries(Object.keys(WAYS).map((w) => [w, []]))
const names = Object.keys(WAYS)
for (let round = 0; round < Number(opts.runs); round++) {
  for (let i = 0; i < names.length; i++) {
    const way = names[(i + round) % names.length]
    results[way].push(await one(way))
  }
}
const base = median(results.plain.map((r) => r.cpuUsPerExec))
console.log(`exec storm of ${N} x /bin/true, ${opts.runs} rounds, medians; node ${process.version}`)
console.log('| way | tracer CPU µs/exec | vs plain | file bytes/record |')
console.log('|---|---:|---:|---:|')
for (const way of names) {
  const cpu = median(results[way].map((r) => r.cpuUsPerExec))
  const bytes = median(results[way].map((r) => r.bytesPerRecord))
  console.log(`| ${way} | ${cpu.toFixed(2)} | ${way === 'plain' ? '-' : `+${(cpu - base).toFixed(2)}`} | ${bytes === null ? '-' : bytes.toFixed(1)} |`)
}
