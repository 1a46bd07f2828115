#!/usr/bin/env node
// TCP tracing overhead: `monitor trace tcp life` against libbpf-tools' tcplife, and `monitor trace tcp
// states` against tcpstates, during a loopback connection storm (test/support/tcp-workload/storm.c:
// N short connections back to back, client and server in two processes, graceful close).
//
//   sudo node bench/tcp/run.mjs [--runs 5] [--n 20000] [--contenders base,life,tcplife,states,tcpstates]
//                               [--cli PATH] [--target 0.5] [--host-netns] [--json]
//
// Contenders (all in the same run, interleaved, the order rotated every round):
//   base        no tracer: the storm's reference throughput
//   life        node CLI trace tcp life -o json            (one record per connection side)
//   tcplife     tcplife -w                                 (the same records)
//   states      node CLI trace tcp states -o json          (one record per state transition)
//   tcpstates   tcpstates -w                               (the same records)
//   life-port   node CLI trace tcp life -o json --port P   (information: monitor's port filter)
// All but life-port run unfiltered (the same kernel work); records are attributed to the storm by its
// port. The CLI is --cli, else $MONITOR_CLI, else this checkout's bin/run.js.
//
// Each storm runs in a fresh network namespace (deleted after it): its 20k TIME_WAIT sockets and
// ephemeral ports never touch the host's or other people's traffic, and every storm starts alike.
// The tracers run in the host namespace and see it like any other (tracepoints are global).
//
// Per contender and run: connections/s (slowdown vs base's median), tracer CPU (on-CPU ns over all
// its threads, from attached to idle after the storm) and BPF run time (kernel.bpf_stats_enabled,
// the tracer's own programs found by its fds) per expected record, their sum ("cost per record"),
// records seen vs expected (life: 2 per connection; states: 10 per connection + the listener's
// close), records whose pid is not the owning side's, and the losses the tool reports.
//
// Gate (exit 1): monitor lost or missed a record or named a wrong pid in any run; or its cost per
// record is above --target (0.5) × the peer's (medians) for life vs tcplife or states vs tcpstates;
// or a process or BPF program was left behind. Exit 2: usage, or the tracer / a peer is missing.
import {execFileSync, spawn, spawnSync} from 'node:child_process'
import {closeSync, existsSync, mkdirSync, openSync, readFileSync} from 'node:fs'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'

import {peerInstalled, parseTcplife, parseTcpstates, lostEvents, startPeer, transitionCounts} from '../../test/support/tcp-workload/peers.mjs'
import {startWitness, TCP_CLOSE, TCP_LISTEN} from '../../test/support/tcp-workload/witness.mjs'
import {buildWorkload, createNetns} from '../../test/support/tcp-workload/workload.mjs'
import {bpfPrograms, Children, cpuOf, enableBpfStats, heldProgramIds, irqWork, median, ndjson, options, runTimeNs} from '../lib.mjs'

const here = dirname(fileURLToPath(import.meta.url))
const root = join(here, '..', '..')
const out = '/tmp/monitor-bench-tcp'
const SETTLE_MS = 300 // after attach, before the storm

const ALL = ['base', 'life', 'tcplife', 'states', 'tcpstates', 'life-port']
const opts = options({runs: 5, n: 20000, contenders: 'base,life,tcplife,states,tcpstates', cli: undefined, target: 0.5, 'host-netns': false, json: false, 'no-witness': false})
const runs = Number(opts.runs)
const N = Number(opts.n)
const target = Number(opts.target)
const cli = opts.cli ?? process.env.MONITOR_CLI ?? join(root, 'bin', 'run.js')
const contenders = String(opts.contenders).split(',')
for (const c of contenders) {
  if (!ALL.includes(c)) {
    console.error(`unknown contender ${c} (known: ${ALL.join(', ')})`)
    process.exit(2)
  }
}
if (!contenders.includes('base')) {
  console.error('--contenders must include base (the slowdown reference)')
  process.exit(2)
}

// What each contender runs and which records it must produce for the storm.
const monitor = (mode, port) => ({tool: 'monitor', mode, args: ['trace', 'tcp', mode, '-o', 'json', ...(port ? ['--port', String(port)] : [])]})
const TRACERS = {
  base: () => null,
  life: () => monitor('life'),
  'life-port': (port) => monitor('life', port),
  states: () => monitor('states'),
  tcplife: () => ({tool: 'tcplife', mode: 'life'}),
  tcpstates: () => ({tool: 'tcpstates', mode: 'states'}),
}
// Client closes first: client CLOSE->SYN_SENT->ESTABLISHED->FIN_WAIT1->FIN_WAIT2->CLOSE, server
// LISTEN->SYN_RECV->ESTABLISHED->CLOSE_WAIT->LAST_ACK->CLOSE: 10 per connection; + the listener's
// LISTEN->CLOSE (it listened before the tracer attached).
const PER_CONN = {life: 2, states: 10}
const expectedRecords = (mode, conns) => PER_CONN[mode] * conns + (mode === 'states' ? 1 : 0)

// ---- cleanup: children, namespaces, the sysctl -------------------------------------------------
const children = new Children()
const tracerPrograms = new Set() // every program id a tracer held: none may outlive the benchmark
const namespaces = new Set()
const peers = new Set()
const witnesses = new Set()
let restoreStats = () => {}
function cleanup() {
  children.killAll()
  for (const p of peers) p.kill()
  for (const w of witnesses) w.discard()
  witnesses.clear()
  for (const ns of namespaces) ns.delete()
  namespaces.clear()
  restoreStats()
}
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(sig, async () => {
    const reaped = children.reaped(3000)
    cleanup()
    await reaped
    console.error(`\ninterrupted (${sig}): tracers and storms killed, namespaces deleted, kernel.bpf_stats_enabled restored`)
    process.exit(130)
  })
}
process.on('exit', cleanup)

const sleep = (ms) => new Promise((r) => setTimeout(r, ms))

function spawnTracked(argv, outFile, errFile, stdin = 'ignore') {
  const o = outFile ? openSync(outFile, 'w') : 'pipe'
  const e = errFile ? openSync(errFile, 'w') : 'pipe'
  // setpriv --pdeathsig: killed if this script dies, however it dies.
  const child = spawn('setpriv', ['--pdeathsig', 'SIGKILL', '--', ...argv], {stdio: [stdin, o, e]})
  if (outFile) closeSync(o)
  if (errFile) closeSync(e)
  return children.track(child)
}

/** The storm, started and waiting for "go" (-g) so the tracers can attach to its port first. */
async function startStorm(stormPath, ns) {
  const argv = [...(ns ? ['ip', 'netns', 'exec', ns.name] : []), stormPath, '-n', String(N), '-g', '-t', '60']
  const child = spawnTracked(argv, null, null, 'pipe')
  let text = ''
  let err = ''
  child.stdout.setEncoding('utf8').on('data', (d) => (text += d))
  child.stderr.setEncoding('utf8').on('data', (d) => (err += d))
  const line = (event) => text.split('\n').filter(Boolean).map((l) => JSON.parse(l)).find((l) => l.event === event)
  const deadline = Date.now() + 10_000
  while (!line('ready')) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`storm did not start: ${err.trim()}`)
    await sleep(10)
  }
  return {
    ready: line('ready'),
    async run() {
      child.stdin.write('go\n')
      const {code} = await child.exited
      const done = line('done')
      if (code !== 0 || !done) throw new Error(`storm failed (exit ${code}): ${err.trim()} ${JSON.stringify(done)}`)
      return done
    },
  }
}

async function startMonitor(spec, base) {
  const child = spawnTracked([process.execPath, cli, ...spec.args], `${base}.out`, `${base}.err`)
  const deadline = Date.now() + 30_000
  while (!readFileSync(`${base}.out`, 'latin1').startsWith('{"type":"ready"')) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`monitor ${spec.mode} exited before ready: ${readFileSync(`${base}.err`, 'utf8').trim()}`)
    if (Date.now() > deadline) throw new Error(`monitor ${spec.mode} not ready within 30 s`)
    await sleep(20)
  }
  return {
    pid: child.pid,
    async stop() {
      child.kill('SIGINT')
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000)
      const exit = await child.exited
      clearTimeout(timer)
      return exit
    },
  }
}

/** Waits until the tracer's CPU time stops moving (it has drained what the storm produced): less
 * than 2 ms over 200 ms, or 20 s. Returns the CPU reading at that point. */
async function idleCpu(pid) {
  let last = cpuOf(pid)
  const end = Date.now() + 20_000
  for (;;) {
    await sleep(200)
    const now = cpuOf(pid)
    if (now.ns - last.ns < 2e6 || Date.now() > end) return now
    last = now
  }
}

// ---- parsing ----------------------------------------------------------------------------------
function parseMonitorOutput(text) {
  const records = []
  let summary = null
  for (const r of ndjson(text)) {
    if (r.type === 'summary') summary = r
    else if (r.type === 'life' || r.type === 'state') records.push(r)
  }
  return {records, summary}
}

/** Life records whose pid is not the owning side's: the server side (local port = the storm's) is
 * the server process's, the client side the storm process's. */
function wrongPids(records, storm) {
  return records.filter((r) => r.pid !== (r.sport === storm.port ? storm.server_pid : storm.pid)).length
}

// ---- one run of one contender -----------------------------------------------------------------
async function runOne(name, round, paths) {
  const ns = opts['host-netns'] ? null : createNetns('montcp-bench')
  if (ns) namespaces.add(ns)
  let tracer = null
  try {
    const storm = await startStorm(paths.storm, ns)
    const port = storm.ready.port
    const spec = TRACERS[name](port)
    const base = join(out, `${name}.${round}`)
    if (spec?.tool === 'monitor') tracer = {spec, ...(await startMonitor(spec, base))}
    else if (spec) {
      const p = await startPeer(spec.tool, {lineBuffered: false, outFile: `${base}.out`, errFile: `${base}.err`})
      peers.add(p)
      tracer = {spec, pid: p.pid, stop: async () => (await p.stop()).exit, peer: p}
    }
    const ids = tracer ? heldProgramIds(tracer.pid) : []
    for (const id of ids) tracerPrograms.add(id)
    if (tracer) await sleep(SETTLE_MS)
    // Every contender's storm is witnessed alike (the witness costs the storm a little).
    const witness = opts['no-witness'] ? undefined : startWitness(port)
    if (witness) witnesses.add(witness)
    const cpu0 = tracer ? cpuOf(tracer.pid) : null
    const bpf0 = runTimeNs(ids)
    const iwi0 = irqWork()
    const done = await storm.run()
    const iwi1 = irqWork()
    const cpu1 = tracer ? await idleCpu(tracer.pid) : null
    const bpf1 = runTimeNs(ids)
    const r = {
      name,
      round,
      conns: done.conns,
      conns_per_s: done.conns / (done.elapsed_ns / 1e9),
      cpu_ns: tracer ? cpu1.ns - cpu0.ns : null,
      cpu_ticks: tracer ? cpu1.ticks - cpu0.ticks : null,
      bpf_ns: bpf1.ns - bpf0.ns,
      bpf_cnt: bpf1.cnt - bpf0.cnt,
      recursion_misses: bpf1.misses - bpf0.misses,
      irq_work: iwi1 - iwi0,
      bpf_by_prog: Object.fromEntries(Object.entries(bpf1.byProg).map(([k, v]) => [k, {ns: v.ns - (bpf0.byProg[k]?.ns ?? 0), cnt: v.cnt - (bpf0.byProg[k]?.cnt ?? 0)}])),
      expected: null,
      seen: null,
      wrong_pid: null,
      lost: null,
      transitions: null,
      hidden: null,
      witness_overrun: null,
    }
    if (!tracer) {
      witness?.stop()
      witnesses.delete(witness)
      return r
    }
    tracer.exit = await tracer.stop()
    peers.delete(tracer.peer)
    if (witness) {
      // The storm's changes that ran on a thread BPF cannot see: the records they would give.
      const w = witness.stop()
      witnesses.delete(witness)
      const hidden = w.events.filter((e) => w.hidden.has(e.tid))
      r.hidden = spec.mode === 'life' ? hidden.filter((e) => e.newstate === TCP_CLOSE && e.oldstate !== TCP_LISTEN).length : hidden.length
      r.witness_overrun = w.overrun
    }
    r.exit = tracer.exit
    const onPort = (x) => x.sport === port || x.dport === port
    r.expected = expectedRecords(spec.mode, done.conns)
    const text = readFileSync(`${base}.out`, 'latin1')
    const err = readFileSync(`${base}.err`, 'latin1')
    let mine
    if (spec.tool === 'monitor') {
      const m = parseMonitorOutput(text)
      mine = m.records.filter(onPort)
      r.lost = m.summary ? m.summary.lost_total : NaN // no summary: a failed stop, counted as a loss
      r.summary = m.summary
    } else {
      mine = (spec.tool === 'tcplife' ? parseTcplife(text) : parseTcpstates(text)).filter(onPort)
      r.lost = lostEvents(err)
    }
    r.seen = mine.length
    if (spec.mode === 'life') r.wrong_pid = wrongPids(mine, done)
    else r.transitions = transitionCounts(mine)
    const noise = err.replace(/.*lost \d+ events?.*\n?/gi, '').trim()
    if (noise) r.stderr = noise.slice(0, 300)
    return r
  } finally {
    if (tracer && tracer.exit === undefined) await tracer.stop().catch(() => {})
    if (ns) {
      ns.delete()
      namespaces.delete(ns)
    }
  }
}

// ---- main -------------------------------------------------------------------------------------
function preflight() {
  if (process.getuid?.() !== 0) throw Object.assign(new Error('run as root: the tracers load BPF programs'), {exit: 2})
  for (const c of contenders) {
    const spec = TRACERS[c](1)
    if (!spec) continue
    if (spec.tool !== 'monitor' && !peerInstalled(spec.tool)) throw Object.assign(new Error(`${spec.tool} is missing: apt-get install libbpf-tools`), {exit: 2})
    if (spec.tool === 'monitor') {
      const h = spawnSync(process.execPath, [cli, 'trace', 'tcp', spec.mode, '--help'], {encoding: 'utf8'})
      if (h.status !== 0) throw Object.assign(new Error(`${cli} has no \`trace tcp ${spec.mode}\` (--cli or MONITOR_CLI picks another build): ${(h.stderr || h.stdout).trim().split('\n')[0]}`), {exit: 2})
    }
  }
  for (const tool of ['bpftool', 'setpriv', 'ip']) execFileSync('sh', ['-c', `command -v ${tool}`], {stdio: 'ignore'})
  mkdirSync(out, {recursive: true})
}

const fmt = (x, d = 0) => (x === null || x === undefined || Number.isNaN(x) ? '-' : x.toFixed(d))

async function main() {
  preflight()
  const paths = buildWorkload()
  restoreStats = enableBpfStats()
  const t0 = Date.now()
  const results = []
  for (let round = 0; round < runs; round++) {
    const order = contenders.map((_, i) => contenders[(i + round) % contenders.length])
    for (const name of order) {
      const r = await runOne(name, round, paths)
      results.push(r)
      if (!opts.json) {
        process.stderr.write(
          `round ${round + 1}/${runs} ${name.padEnd(10)} ${fmt(r.conns_per_s)} conn/s` +
            (r.expected === null ? '\n' : `  cpu ${fmt(r.cpu_ns / r.expected / 1000, 2)} µs/rec  bpf ${fmt(r.bpf_ns / r.expected)} ns/rec  seen ${r.seen}/${r.expected}  lost ${r.lost}${r.hidden ? `  hidden ${r.hidden}` : ''}  skipped ${r.recursion_misses}${r.wrong_pid ? `  wrong pid ${r.wrong_pid}` : ''}\n`),
        )
      }
    }
  }
  restoreStats()

  // Nothing left behind: no child, no program of a tracer.
  await children.reaped(5000)
  let leftoverProgs = []
  for (let i = 0; i < 20; i++) {
    leftoverProgs = bpfPrograms().filter((p) => tracerPrograms.has(p.id)) // the kernel frees them asynchronously
    if (!leftoverProgs.length) break
    await sleep(100)
  }
  const leftover = children.size + leftoverProgs.length

  const baseRate = median(results.filter((r) => r.name === 'base').map((r) => r.conns_per_s))
  const rows = contenders.map((name) => {
    const rs = results.filter((r) => r.name === name)
    const traced = name !== 'base'
    const per = (f) => (traced ? median(rs.map((r) => f(r) / r.expected)) : null)
    return {
      name,
      conns_per_s: median(rs.map((r) => r.conns_per_s)),
      slowdown: baseRate / median(rs.map((r) => r.conns_per_s)),
      cpu_us_per_record: per((r) => r.cpu_ns / 1000),
      bpf_us_per_record: per((r) => r.bpf_ns / 1000),
      cost_us_per_record: per((r) => (r.cpu_ns + r.bpf_ns) / 1000),
      irq_work_per_conn: median(rs.map((r) => r.irq_work / r.conns)),
      seen_min: traced ? Math.min(...rs.map((r) => r.seen - r.expected)) : null,
      seen_max: traced ? Math.max(...rs.map((r) => r.seen - r.expected)) : null,
      wrong_pid_max: rs.some((r) => r.wrong_pid !== null) ? Math.max(...rs.map((r) => r.wrong_pid ?? 0)) : null,
      lost_max: traced ? Math.max(...rs.map((r) => r.lost)) : null,
      lost_runs: traced ? rs.filter((r) => r.lost > 0).length : null,
      hidden_max: traced && rs.some((r) => r.hidden !== null) ? Math.max(...rs.map((r) => r.hidden ?? 0)) : null,
      recursion_misses_max: traced ? Math.max(...rs.map((r) => r.recursion_misses)) : null,
    }
  })
  const row = (n) => rows.find((r) => r.name === n)
  const ratios = {}
  for (const [mine, peer] of [
    ['life', 'tcplife'],
    ['states', 'tcpstates'],
  ]) {
    if (!row(mine) || !row(peer)) continue
    const m = row(mine)
    const p = row(peer)
    ratios[`${mine}/${peer}`] = {
      conns_per_s: m.conns_per_s / p.conns_per_s,
      cpu: m.cpu_us_per_record / p.cpu_us_per_record,
      bpf: m.bpf_us_per_record / p.bpf_us_per_record,
      cost: m.cost_us_per_record / p.cost_us_per_record,
    }
  }

  const failures = []
  // Every storm record, or the ones missing all on threads BPF cannot see (the witness) and counted
  // as lost: exactly (life: each missed close is found), at least one (states: a lower bound).
  for (const r of results.filter((x) => ['life', 'states', 'life-port'].includes(x.name))) {
    const at = `${r.name} round ${r.round + 1}`
    const missing = r.expected - r.seen
    const hidden = r.hidden ?? 0
    if (missing < 0) failures.push(`${at}: ${r.seen} records of ${r.expected} (duplicates)`)
    if (missing > hidden) failures.push(`${at}: ${r.seen} records of ${r.expected}, ${missing - hidden} of the missing outside threads hidden from BPF`)
    if (missing > 0 && !(r.lost > 0)) failures.push(`${at}: ${missing} records missing, none counted as lost`)
    if (r.lost > Math.max(missing, 0) || (r.name !== 'states' && r.lost !== missing && missing >= 0)) failures.push(`${at}: lost ${r.lost}, missing ${missing}`)
    if (r.wrong_pid) failures.push(`${at}: ${r.wrong_pid} records with a wrong pid`)
  }
  for (const [k, q] of Object.entries(ratios)) if (!(q.cost <= target)) failures.push(`${k}: cost per record ${fmt(q.cost, 2)}× (target ≤ ${target}×)`)
  if (leftover) failures.push(`left behind: ${children.size} processes, programs ${leftoverProgs.map((p) => p.id).join(',') || 'none'}`)

  if (opts.json) {
    console.log(JSON.stringify({n: N, runs, cli, seconds: (Date.now() - t0) / 1000, rows, ratios, failures, results}, null, 1))
  } else {
    const cpus = readFileSync('/proc/cpuinfo', 'utf8').match(/^processor/gm).length
    console.log(
      `\nconnection storm: ${N} loopback connections (connect, close; the server reads to EOF and closes), ${runs} runs per contender, medians; ` +
        `${cpus} CPUs, kernel ${execFileSync('uname', ['-r'], {encoding: 'utf8'}).trim()}, node ${process.version}, cli ${cli}`,
    )
    console.log(
      '| contender | conn/s | slowdown | tracer CPU µs/record | BPF µs/record | cost µs/record | IRQ work/conn | records − expected (min…max) | wrong pid (max) | lost (max; runs) | on threads hidden from BPF (max) | skipped by the kernel (max) |',
    )
    console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|')
    for (const r of rows) {
      const seen = r.seen_min === null ? '-' : r.seen_min === r.seen_max ? String(r.seen_min) : `${r.seen_min}…${r.seen_max}`
      console.log(
        `| ${r.name} | ${fmt(r.conns_per_s)} | ${fmt(r.slowdown, 3)}× | ${fmt(r.cpu_us_per_record, 2)} | ${fmt(r.bpf_us_per_record, 2)} | ${fmt(r.cost_us_per_record, 2)} | ` +
          `${fmt(r.irq_work_per_conn, 2)} | ${seen} | ${r.wrong_pid_max ?? '-'} | ${r.lost_max === null ? '-' : `${r.lost_max}; ${r.lost_runs}`} | ${r.hidden_max ?? '-'} | ${r.recursion_misses_max ?? '-'} |`,
      )
    }
    console.log('\nmonitor / peer (medians): conn/s (> 1: monitor slows the storm less); CPU, BPF and total cost per record (< 1: monitor cheaper)')
    for (const [k, q] of Object.entries(ratios)) {
      console.log(`  ${k.padEnd(18)} conn/s ${fmt(q.conns_per_s, 3)}×  CPU ${fmt(q.cpu, 2)}×  BPF ${fmt(q.bpf, 2)}×  cost ${fmt(q.cost, 2)}× (target ≤ ${target}×)`)
    }
    console.log('\nBPF programs (medians over the runs that had them): ns per invocation, invocations per connection')
    const names = [...new Set(results.flatMap((r) => Object.keys(r.bpf_by_prog ?? {}).map((p) => `${r.name}:${p}`)))]
    for (const key of names) {
      const [c, p] = key.split(':')
      const rs = results.filter((r) => r.name === c && r.bpf_by_prog?.[p]?.cnt)
      const ns = median(rs.map((r) => r.bpf_by_prog[p].ns / r.bpf_by_prog[p].cnt))
      const per = median(rs.map((r) => r.bpf_by_prog[p].cnt / r.conns))
      console.log(`  ${key.padEnd(40)} ${fmt(ns).padStart(6)} ns  x ${fmt(per, 2)}`)
    }
    console.log(`(${((Date.now() - t0) / 1000).toFixed(0)} s; raw tracer output in ${out})`)
    if (failures.length) console.error(`\nFAIL:\n  ${failures.join('\n  ')}`)
    else console.log('\nPASS')
  }
  if (failures.length) process.exitCode = 1
}

main().catch((err) => {
  console.error(err.exit ? err.message : (err.stack ?? String(err))) // preflight: one line
  cleanup()
  process.exit(err.exit ?? 1)
})
