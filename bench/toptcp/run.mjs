#!/usr/bin/env node
// The cost of `monitor top tcp` (bytes counted in BPF maps, read once a second) against streaming
// every send and receive to JS and summing there (bench/toptcp/stream.mjs over tcpstream.bpf.c), under
// a steady loopback transfer (transfer.c: 1 KiB writes paced to --rate bytes/s).
//
//   sudo node bench/toptcp/run.mjs [--runs 3] [--rate 40000000] [--chunk 1024] [--seconds 10] [--json]
//
// Contenders, interleaved, the order rotated every round:
//   base    no tracer
//   top     node bin/run.js top tcp -o json --interval 1
//   stream  node bench/toptcp/stream.mjs (same tracepoints and checks, one ring record per call)
// Per run: the tracer's CPU (schedstat over its threads, from attach + settle to the end of the
// transfer), its BPF run time (kernel.bpf_stats_enabled=1, run_time_ns delta of its programs), the
// program runs (sends + receives), the transfer's own CPU (it pays the tracepoints and the BPF
// programs in its context), and completeness: the sender's bytes as the tool summed them vs sent.
// Needs root, bpftool, setpriv, cc and `npm run build`. A measurement: exits 1 only when a tool
// missed bytes or lost records.
import {execFileSync, spawn} from 'node:child_process'
import {existsSync, mkdirSync, readFileSync} from 'node:fs'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'

import {bpfPrograms, Children, cpuOf, enableBpfStats, median, options, runTimeNs, startTracer, waitForNewPrograms} from '../lib.mjs'

const here = dirname(fileURLToPath(import.meta.url))
const root = join(here, '..', '..')
const out = '/tmp/monitor-bench-toptcp'
const SETTLE_MS = 300
const opts = options({runs: 3, rate: 40_000_000, chunk: 1024, seconds: 10, json: false})
const runs = Number(opts.runs)

const TRACERS = {
  base: null,
  top: {cmd: process.execPath, args: [join(root, 'bin', 'run.js'), 'top', 'tcp', '-o', 'json', '--interval', '1'], progs: ['tcptop_send', 'tcptop_recv']},
  stream: {cmd: process.execPath, args: [join(here, 'stream.mjs')], progs: ['tcpstream_send', 'tcpstream_recv']},
}
const NAMES = Object.keys(TRACERS)

const children = new Children()
let restoreStats = () => {}
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, async () => {
    children.killAll()
    await children.reaped(2000)
    restoreStats()
    process.exit(130)
  })
}
process.on('exit', () => children.killAll())

const sleep = (ms) => new Promise((r) => setTimeout(r, ms))

const start = (cmd, args, base) => startTracer(children, cmd, args, `${base}.out`, `${base}.err`)
const waitForProgs = (before, names, child) => waitForNewPrograms(before, names, child, 'the tracer')
const bpfRun = runTimeNs
const cpuNs = (pid) => cpuOf(pid).ns

function transfer() {
  return new Promise((resolve, reject) => {
    const child = children.track(spawn(join(out, 'transfer'), [opts.rate, opts.chunk, opts.seconds], {stdio: ['ignore', 'pipe', 'inherit']}))
    let text = ''
    child.stdout.on('data', (d) => (text += d))
    child.exited.then(({code}) => {
      if (code !== 0) return reject(new Error(`transfer exited ${code}`))
      const [tx, rx, bytes, writes, elapsed, cpu] = text.trim().split(' ').map(Number)
      resolve({tx, rx, bytes, writes, elapsed_ns: elapsed, cpu_ns: cpu})
    })
  })
}

/** The sender's bytes as the tool summed them, and its losses. */
function parse(name, text, pid) {
  let bytes = 0
  let lost = null
  for (const line of text.trim().split('\n')) {
    const o = JSON.parse(line)
    if (o.type === 'summary') lost = o.lost_total
    if (o.type !== 'interval') continue
    if (name === 'top') bytes += o.processes.find((p) => p.pid === pid)?.tx_bytes ?? 0
    else bytes += o.processes[pid]?.[0] ?? 0
  }
  return {bytes, lost}
}

async function runOne(name, round) {
  const spec = TRACERS[name]
  let child
  let ids = []
  const base = join(out, `${name}.${round}`)
  try {
    if (spec) {
      const before = new Set(bpfPrograms().map((p) => p.id))
      child = start(spec.cmd, spec.args, base)
      ids = await waitForProgs(before, spec.progs, child)
      await sleep(SETTLE_MS)
    }
    const bpf0 = bpfRun(ids)
    const cpu0 = child ? cpuNs(child.pid) : 0
    const t = await transfer()
    if (child) await sleep(1100 + SETTLE_MS) // the last interval is read and printed
    const cpu1 = child ? cpuNs(child.pid) : 0
    const bpf1 = bpfRun(ids)
    const r = {name, round, transfer: t, tracer_cpu_ns: cpu1 - cpu0, bpf_ns: bpf1.ns - bpf0.ns, bpf_runs: bpf1.cnt - bpf0.cnt}
    if (child) {
      child.kill('SIGINT')
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000)
      await child.exited
      clearTimeout(timer)
      Object.assign(r, parse(name, readFileSync(`${base}.out`, 'utf8'), t.tx))
    }
    // Wall time the tracer CPU is spread over: the transfer plus the wait for its last interval.
    r.window_ns = t.elapsed_ns + (child ? (1100 + SETTLE_MS) * 1e6 : 0)
    return r
  } finally {
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
    if (child) await child.exited
  }
}

function preflight() {
  if (process.getuid?.() !== 0) throw new Error('run as root: the tracers load BPF programs')
  if (!existsSync(join(root, 'dist', 'bundle', 'monitor.cjs'))) throw new Error('run `npm run build` first')
  for (const tool of ['bpftool', 'setpriv']) execFileSync('sh', ['-c', `command -v ${tool}`], {stdio: 'ignore'})
  mkdirSync(out, {recursive: true})
  execFileSync(process.env.CC || 'cc', ['-O2', '-Wall', '-o', join(out, 'transfer'), join(here, 'transfer.c')], {stdio: 'inherit'})
}

const fmt = (x, d = 1) => (x === null || x === undefined || Number.isNaN(x) ? '-' : x.toFixed(d))

async function main() {
  preflight()
  restoreStats = enableBpfStats()
  const results = []
  for (let round = 0; round < runs; round++) {
    const order = NAMES.map((_, i) => NAMES[(i + round) % NAMES.length])
    for (const name of order) {
      const r = await runOne(name, round)
      results.push(r)
      console.error(
        `round ${round + 1}/${runs} ${name.padEnd(6)} tracer ${fmt((r.tracer_cpu_ns / r.window_ns) * 100, 2)}% bpf ${fmt((r.bpf_ns / r.transfer.elapsed_ns) * 100, 2)}% ` +
          `runs ${r.bpf_runs} transfer cpu ${fmt(r.transfer.cpu_ns / 1e6, 0)} ms` +
          (r.bytes !== undefined ? ` bytes ${r.bytes}/${r.transfer.bytes} lost ${r.lost}` : ''),
      )
    }
  }
  restoreStats()

  const summary = {}
  const base = median(results.filter((r) => r.name === 'base').map((r) => r.transfer.cpu_ns))
  for (const name of NAMES) {
    const rs = results.filter((r) => r.name === name)
    const m = (f) => median(rs.map(f))
    summary[name] = {
      tracer_cpu_percent: m((r) => (r.tracer_cpu_ns / r.window_ns) * 100),
      bpf_cpu_percent: m((r) => (r.bpf_ns / r.transfer.elapsed_ns) * 100),
      bpf_runs_per_s: m((r) => r.bpf_runs / (r.transfer.elapsed_ns / 1e9)),
      tracer_ns_per_run: m((r) => (r.bpf_runs ? r.tracer_cpu_ns / r.bpf_runs : null)),
      bpf_ns_per_run: m((r) => (r.bpf_runs ? r.bpf_ns / r.bpf_runs : null)),
      transfer_cpu_ms: m((r) => r.transfer.cpu_ns / 1e6),
      transfer_cpu_vs_base: m((r) => r.transfer.cpu_ns / base),
      complete: rs.every((r) => r.bytes === undefined || (r.bytes === r.transfer.bytes && r.lost === 0)),
    }
  }
  if (opts.json) console.log(JSON.stringify({options: opts, summary, results}, null, 1))
  console.log(`\n${runs} runs each, medians; transfer: ${Number(opts.rate) / 1e6} MB/s in ${opts.chunk}-byte writes for ${opts.seconds} s`)
  console.log('contender  tracer CPU  BPF CPU  programs runs/s  tracer ns/run  BPF ns/run  transfer CPU (vs base)  all bytes, 0 lost')
  for (const [name, s] of Object.entries(summary)) {
    console.log(
      `${name.padEnd(9)}  ${fmt(s.tracer_cpu_percent, 2).padStart(9)}%  ${fmt(s.bpf_cpu_percent, 2).padStart(6)}%  ${fmt(s.bpf_runs_per_s, 0).padStart(15)}  ` +
        `${fmt(s.tracer_ns_per_run, 1).padStart(13)}  ${fmt(s.bpf_ns_per_run, 1).padStart(10)}  ${fmt(s.transfer_cpu_ms, 0).padStart(9)} ms (${fmt(s.transfer_cpu_vs_base, 2)}x)  ${s.complete}`,
    )
  }
  const t = summary.top
  const st = summary.stream
  const total = (s) => s.tracer_cpu_percent + s.bpf_cpu_percent
  console.log(`\ntop tcp vs streaming: tracer CPU ${fmt(t.tracer_cpu_percent / st.tracer_cpu_percent, 3)}x, BPF ${fmt(t.bpf_cpu_percent / st.bpf_cpu_percent, 2)}x, tracer + BPF ${fmt(total(t) / total(st), 3)}x`)
  if (!Object.values(summary).every((s) => s.complete)) process.exit(1)
}

main().catch((error) => {
  console.error(error.stack ?? error)
  children.killAll()
  restoreStats()
  process.exit(1)
})
