#!/usr/bin/env node
// Exec-tracing overhead: `monitor trace exec` against libbpf-tools' execsnoop + exitsnoop, during an
// exec storm (a C driver that posix_spawn()s /bin/true N times back to back and waits for each).
//
//   sudo node bench/exec/run.mjs [--runs 5] [--n 5000] [--contenders base,monitor,...] [--json]
//
// Contenders (all in the same run, interleaved, the order rotated every round):
//   base          no tracer: the storm's reference throughput
//   monitor       node bin/run.js trace exec -o json            (exec + exit in one tool)
//   peers         execsnoop + exitsnoop running at once          (the same two jobs, two tools)
//   execsnoop     execsnoop alone
//   exitsnoop     exitsnoop alone
//   monitor-comm  node bin/run.js trace exec -o json --comm true (in-kernel filter; information only:
//                 the peers have no equivalent, execsnoop -n filters in user space, exitsnoop not at all)
//   monitor-record  node bin/run.js trace exec -o json --record FILE (what recording a trace file costs;
//                 the file's size per record is printed)
// All tracers run unfiltered for the primary comparison; records are attributed to the storm by
// comm "true" and ppid == the storm's pid.
//
// Per contender and run: storm execs/s (and slowdown vs base's median), tracer CPU per exec (on-CPU
// time summed over the tracer's threads from /proc/<pid>/task/*/schedstat, from "attached" to just
// before SIGINT; utime+stime ticks kept in --json), BPF run time per exec (kernel.bpf_stats_enabled=1,
// run_time_ns delta over the programs that appeared when the tracer started) and completeness
// (records for the storm's runs vs N, losses reported by the tool). Also IRQ-work interrupts per
// exec (/proc/interrupts IWI, whole machine): each BPF-side buffer wakeup is one, a VM exit here.
// Needs root, libbpf-tools (execsnoop, exitsnoop), bpftool, setpriv, cc, and `npm run build` done.
// Exits 1 when monitor lost records or missed runs; otherwise 0: this is a measurement, not a gate.
import {execFileSync, spawn} from 'node:child_process'
import {existsSync, mkdirSync, readFileSync, statSync} from 'node:fs'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'

import {bpfPrograms, Children, cpuOf, enableBpfStats, irqWork, median, ndjson, options, runTimeNs, startTracer, waitForNewPrograms} from '../lib.mjs'

const here = dirname(fileURLToPath(import.meta.url))
const root = join(here, '..', '..')
const out = '/tmp/monitor-bench-exec'
const RECORD_FILE = join(out, 'record.trace')
const SETTLE_MS = 300 // after attach, and after the storm (lets the tracers drain before sampling CPU)

const ALL = ['base', 'monitor', 'peers', 'execsnoop', 'exitsnoop', 'monitor-comm', 'monitor-record']
const opts = options({runs: 5, n: 5000, contenders: ALL.join(','), json: false})
const runs = Number(opts.runs)
const N = Number(opts.n)
const contenders = String(opts.contenders).split(',')
for (const c of contenders) {
  if (!ALL.includes(c)) {
    console.error(`unknown contender ${c} (known: ${ALL.join(', ')})`)
    process.exit(2)
  }
}
if (!contenders.includes('base') || !contenders.includes('monitor')) {
  console.error('--contenders must include base and monitor')
  process.exit(2)
}

const monitorCmd = (extra = []) => ({
  tool: 'monitor',
  cmd: process.execPath,
  args: [join(root, 'bin', 'run.js'), 'trace', 'exec', '-o', 'json', ...extra],
  progs: ['exec_exec', 'exec_exit', 'exec_ve_exit', 'exec_veat_exit'],
})
const EXECSNOOP = {
  tool: 'execsnoop',
  cmd: '/usr/sbin/execsnoop',
  args: [],
  progs: ['tracepoint__syscalls__sys_enter_execve', 'tracepoint__syscalls__sys_exit_execve'],
}
const EXITSNOOP = {tool: 'exitsnoop', cmd: '/usr/sbin/exitsnoop', args: [], progs: ['sched_process_exit']}
const TRACERS = {
  base: [],
  monitor: [monitorCmd()],
  'monitor-comm': [monitorCmd(['--comm', 'true'])],
  'monitor-record': [monitorCmd(['--record', RECORD_FILE])],
  peers: [EXECSNOOP, EXITSNOOP],
  execsnoop: [EXECSNOOP],
  exitsnoop: [EXITSNOOP],
}

// ---- cleanup: children, the sysctl ------------------------------------------------------------
const children = new Children()
let restoreStats = () => {}
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(sig, async () => {
    const reaped = children.reaped(3000)
    children.killAll()
    restoreStats()
    // Reap them here rather than leave zombies to init.
    await reaped
    console.error(`\ninterrupted (${sig}): tracers killed, kernel.bpf_stats_enabled restored`)
    process.exit(130)
  })
}
process.on('exit', () => children.killAll())

const start = (cmd, args, outFile, errFile) => startTracer(children, cmd, args, outFile, errFile)
const sleep = (ms) => new Promise((r) => setTimeout(r, ms))
const progs = bpfPrograms
const waitForProgs = waitForNewPrograms

function runStorm() {
  return new Promise((resolve, reject) => {
    const child = children.track(spawn(join(out, 'storm'), [String(N)], {stdio: ['ignore', 'pipe', 'inherit']}))
    let text = ''
    child.stdout.on('data', (d) => (text += d))
    child.exited.then(({code}) => {
      if (code !== 0) return reject(new Error(`storm exited ${code}`))
      resolve(JSON.parse(text))
    })
  })
}

// ---- parsing each tool's output ---------------------------------------------------------------
function parseMonitor(text, stormPid) {
  let runsSeen = 0
  let complete = 0
  let summary = null
  for (const r of ndjson(text)) {
    if (r.type === 'summary') summary = r
    else if (r.type === 'run' && r.comm === 'true' && r.ppid === stormPid) {
      runsSeen++
      if (r.end === 'exit' && r.exit_code === 0) complete++
    }
  }
  return {execs: runsSeen, exits: complete, lost: summary ? summary.lost_total : NaN, summary}
}

// Column text: the first column is the comm, PPID is at the header's index for it.
function parseColumns(text, stormPid) {
  const lines = text.split('\n')
  const header = lines.findIndex((l) => /\bPPID\b/.test(l))
  if (header < 0) return 0
  const col = lines[header].trim().split(/\s+/).indexOf('PPID')
  let n = 0
  for (const l of lines.slice(header + 1)) {
    const f = l.trim().split(/\s+/)
    if (f[0] === 'true' && Number(f[col]) === stormPid) n++
  }
  return n
}
const lostLines = (err) => [...err.matchAll(/lost (\d+) events?/gi)].reduce((s, m) => s + Number(m[1]), 0)

// ---- one run of one contender -----------------------------------------------------------------
async function runOne(name, round) {
  const specs = TRACERS[name]
  const tracers = []
  const ids = []
  try {
    for (const [i, spec] of specs.entries()) {
      const before = new Set(progs().map((p) => p.id))
      const base = join(out, `${name}.${round}.${i}.${spec.tool}`)
      const child = start(spec.cmd, spec.args, `${base}.out`, `${base}.err`)
      const mine = await waitForProgs(before, spec.progs, child, spec.tool)
      ids.push(...mine)
      tracers.push({spec, child, base})
    }
    if (specs.length) await sleep(SETTLE_MS)

    const bpf0 = runTimeNs(ids)
    const cpu0 = tracers.map((t) => cpuOf(t.child.pid))
    const iwi0 = irqWork()
    const storm = await runStorm()
    if (specs.length) await sleep(SETTLE_MS)
    const cpu1 = tracers.map((t) => cpuOf(t.child.pid))
    const bpf1 = runTimeNs(ids)
    const iwi1 = irqWork()

    // SIGINT: the peers flush and print on it (SIGTERM loses their buffered output).
    for (const t of tracers) t.child.kill('SIGINT')
    for (const t of tracers) {
      const timer = setTimeout(() => t.child.kill('SIGKILL'), 15_000)
      t.exit = await t.child.exited
      clearTimeout(timer)
    }

    const r = {
      name,
      round,
      execs_per_s: storm.n / (storm.elapsed_ns / 1e9),
      storm,
      cpu_ns: cpu1.reduce((s, c, i) => s + c.ns - cpu0[i].ns, 0),
      cpu_ticks: cpu1.reduce((s, c, i) => s + c.ticks - cpu0[i].ticks, 0),
      bpf_ns: bpf1.ns - bpf0.ns,
      bpf_cnt: bpf1.cnt - bpf0.cnt,
      irq_work: iwi1 - iwi0,
      // per program: run time and invocations over the storm
      bpf_by_prog: Object.fromEntries(
        Object.entries(bpf1.byProg).map(([k, v]) => [k, {ns: v.ns - (bpf0.byProg[k]?.ns ?? 0), cnt: v.cnt - (bpf0.byProg[k]?.cnt ?? 0)}]),
      ),
      execs_seen: null,
      exits_seen: null,
      lost: 0,
      exits: tracers.map((t) => t.exit),
    }
    for (const t of tracers) {
      const text = readFileSync(`${t.base}.out`, 'latin1')
      const err = readFileSync(`${t.base}.err`, 'latin1')
      if (t.spec.tool === 'monitor') {
        const m = parseMonitor(text, storm.pid)
        Object.assign(r, {execs_seen: m.execs, exits_seen: m.exits, lost: m.lost, summary: m.summary})
        if (t.spec.args.includes(RECORD_FILE)) r.record_bytes = statSync(RECORD_FILE).size
      } else if (t.spec.tool === 'execsnoop') {
        r.execs_seen = parseColumns(text, storm.pid)
        r.lost += lostLines(err)
      } else {
        r.exits_seen = parseColumns(text, storm.pid)
        r.lost += lostLines(err)
      }
      if (err.trim() && !/lost \d+ events?/i.test(err)) r.stderr = (r.stderr ?? '') + `${t.spec.tool}: ${err.trim().slice(0, 300)}\n`
    }
    return r
  } finally {
    for (const t of tracers) if (t.child.exitCode === null && t.child.signalCode === null) t.child.kill('SIGKILL')
    await Promise.all(tracers.map((t) => t.child.exited))
  }
}

// ---- main -------------------------------------------------------------------------------------
function preflight() {
  if (process.getuid?.() !== 0) throw new Error('run as root: the tracers load BPF programs')
  for (const [path, hint] of [
    ['/usr/sbin/execsnoop', 'apt-get install libbpf-tools'],
    ['/usr/sbin/exitsnoop', 'apt-get install libbpf-tools'],
    [join(root, 'dist', 'bundle', 'monitor.cjs'), 'npm run build'],
  ]) {
    if (!existsSync(path)) throw new Error(`${path} is missing: ${hint}`)
  }
  for (const tool of ['bpftool', 'setpriv']) execFileSync('sh', ['-c', `command -v ${tool}`], {stdio: 'ignore'})
  mkdirSync(out, {recursive: true})
  execFileSync(process.env.CC || 'cc', ['-O2', '-Wall', '-o', join(out, 'storm'), join(here, 'storm.c')], {stdio: 'inherit'})
}

const fmt = (x, d = 0) => (x === null || x === undefined || Number.isNaN(x) ? '-' : x.toFixed(d))

async function main() {
  preflight()
  const progsBefore = new Set(progs().map((p) => p.id))
  restoreStats = enableBpfStats()

  const results = []
  const t0 = Date.now()
  for (let round = 0; round < runs; round++) {
    const order = contenders.map((_, i) => contenders[(i + round) % contenders.length])
    for (const name of order) {
      const r = await runOne(name, round)
      results.push(r)
      if (!opts.json) {
        process.stderr.write(
          `round ${round + 1}/${runs} ${name.padEnd(12)} ${fmt(r.execs_per_s)} execs/s` +
            (name === 'base'
              ? '\n'
              : `, cpu ${fmt(r.cpu_ns / N / 1000, 2)} us/exec, bpf ${fmt(r.bpf_ns / N)} ns/exec, irq_work ${fmt(r.irq_work / N, 2)}/exec, ` +
                `seen exec ${r.execs_seen ?? '-'} exit ${r.exits_seen ?? '-'}, lost ${r.lost}` +
                (r.record_bytes ? `, file ${r.record_bytes} bytes (${fmt(r.record_bytes / (r.summary.execs + r.summary.exits), 1)} bytes/record)` : '') +
                '\n'),
        )
        if (r.stderr) process.stderr.write(r.stderr)
      }
    }
  }
  restoreStats()

  // Nothing may be left behind: no tracer process, no program that was not there before (programs
  // are freed asynchronously after their last fd closes: allow a moment).
  const ours = (p) => !progsBefore.has(p.id) && Object.values(TRACERS).flat().some((s) => s.progs.includes(p.name))
  let leftover = progs().filter(ours)
  for (let i = 0; i < 20 && leftover.length; i++) {
    await sleep(100)
    leftover = progs().filter(ours)
  }
  if (children.size || leftover.length) console.error(`LEFTOVER: ${children.size} children, programs ${leftover.map((p) => p.id).join(',')}`)

  const baseRate = median(results.filter((r) => r.name === 'base').map((r) => r.execs_per_s))
  const rows = contenders.map((name) => {
    const rs = results.filter((r) => r.name === name)
    return {
      name,
      execs_per_s: median(rs.map((r) => r.execs_per_s)),
      slowdown: baseRate / median(rs.map((r) => r.execs_per_s)),
      cpu_us_per_exec: name === 'base' ? null : median(rs.map((r) => r.cpu_ns / N / 1000)),
      bpf_ns_per_exec: name === 'base' ? null : median(rs.map((r) => r.bpf_ns / N)),
      execs_seen_min: TRACERS[name].some((s) => s.tool !== 'exitsnoop') ? Math.min(...rs.map((r) => r.execs_seen)) : null,
      exits_seen_min: TRACERS[name].some((s) => s.tool !== 'execsnoop') ? Math.min(...rs.map((r) => r.exits_seen)) : null,
      lost_max: Math.max(...rs.map((r) => r.lost)),
      irq_work_per_exec: median(rs.map((r) => r.irq_work / N)),
    }
  })
  const row = (n) => rows.find((r) => r.name === n)
  const ratios = {}
  for (const peer of ['peers', 'execsnoop', 'exitsnoop']) {
    if (!row(peer)) continue
    const m = row('monitor')
    const p = row(peer)
    ratios[peer] = {
      execs_per_s: m.execs_per_s / p.execs_per_s,
      cpu_per_exec: m.cpu_us_per_exec / p.cpu_us_per_exec,
      bpf_per_exec: m.bpf_ns_per_exec / p.bpf_ns_per_exec,
    }
  }

  const mon = results.filter((r) => r.name.startsWith('monitor'))
  const monitorBad = mon.some((r) => r.lost !== 0 || r.execs_seen !== N || r.exits_seen !== N)

  if (opts.json) {
    console.log(JSON.stringify({n: N, runs, seconds: (Date.now() - t0) / 1000, rows, ratios, results, leftover: leftover.map((p) => p.id)}, null, 1))
  } else {
    const cpus = readFileSync('/proc/cpuinfo', 'utf8').match(/^processor/gm).length
    console.log(`\nexec storm: ${N} x /bin/true (posix_spawn + waitpid), ${runs} runs per contender, medians; ${cpus} CPUs, kernel ${execFileSync('uname', ['-r'], {encoding: 'utf8'}).trim()}, node ${process.version}`)
    console.log('| contender | execs/s | slowdown vs base | tracer CPU µs/exec | BPF ns/exec | IRQ work/exec | exec records (min) | exit records (min) | lost (max) |')
    console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|')
    for (const r of rows) {
      console.log(
        `| ${r.name} | ${fmt(r.execs_per_s)} | ${fmt(r.slowdown, 3)}× | ${fmt(r.cpu_us_per_exec, 2)} | ${fmt(r.bpf_ns_per_exec)} | ${fmt(r.irq_work_per_exec, 2)} | ` +
          `${r.execs_seen_min === null ? '-' : `${r.execs_seen_min}/${N}`} | ${r.exits_seen_min === null ? '-' : `${r.exits_seen_min}/${N}`} | ${r.name === 'base' ? '-' : r.lost_max} |`,
      )
    }
    console.log('\nmonitor / peer (medians): execs/s (>1: monitor slows the storm less), CPU per exec and BPF ns per exec (<1: monitor cheaper)')
    for (const [peer, q] of Object.entries(ratios)) {
      console.log(`  vs ${peer.padEnd(10)} execs/s ${fmt(q.execs_per_s, 3)}×  CPU/exec ${fmt(q.cpu_per_exec, 2)}×  BPF/exec ${fmt(q.bpf_per_exec, 2)}×`)
    }
    console.log('\nBPF programs (medians over every run that had them): ns per invocation, invocations per storm exec')
    const names = [...new Set(results.flatMap((r) => Object.keys(r.bpf_by_prog ?? {})))]
    for (const name of names) {
      const rs = results.filter((r) => r.bpf_by_prog?.[name])
      const ns = median(rs.map((r) => r.bpf_by_prog[name].ns / r.bpf_by_prog[name].cnt))
      const per = median(rs.map((r) => r.bpf_by_prog[name].cnt / N))
      console.log(`  ${name.padEnd(40)} ${fmt(ns).padStart(6)} ns  x ${fmt(per, 2)}`)
    }
    console.log(`(${((Date.now() - t0) / 1000).toFixed(0)} s; raw tracer output in ${out})`)
  }
  if (monitorBad) {
    console.error('monitor lost records or missed storm runs (see exec/exit records and lost above)')
    process.exitCode = 1
  }
  if (children.size || leftover.length) process.exitCode = 1
}

main().catch((err) => {
  console.error(err.stack ?? String(err))
  children.killAll()
  restoreStats()
  process.exit(1)
})
