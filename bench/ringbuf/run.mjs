#!/usr/bin/env node
// Ring buffer benchmark: the engine's drain (native thread + JS seq check) against a plain libbpf C
// consumer of the same BPF program, for bursts K = 1 and K = 16 records per traced getppid().
//
//   sudo node bench/ringbuf/run.mjs [--runs 5] [--seconds 3] [--bursts 1,16] [--ring-bytes 4194304]
//                                   [--batch-bytes N] [--flush-ms N] [--queue-depth N] [--json]
//
// Consumers: js (the engine), c (libbpf ring_buffer__poll: the acceptance reference) and c-edge
// (the same C drain waiting edge-triggered like the engine: shown for information, it is the
// steadier floor). Needs root, `make -C addon`, `npm run build:addon` and `npx tsc -p .` done.
// Exits 1 when an acceptance bound fails: JS >= 0.9x C's events/s, 0 lost, JS CPU/event <= 3x C's.
import {execFileSync, spawn} from 'node:child_process'
import {existsSync, mkdirSync} from 'node:fs'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'

import {bpfPrograms, Children, enableBpfStats, median, options} from '../lib.mjs'

const here = dirname(fileURLToPath(import.meta.url))
const root = join(here, '..', '..')
const out = join(here, 'out')
const bpfObject = join(root, 'addon', 'gen', 'ringbench.bpf.o')
const BOUNDS = {minRateRatio: 0.9, maxCpuRatio: 3}

const opts = options({
  runs: 5,
  seconds: 3,
  bursts: '1,16',
  kinds: 'c,c-edge,js',
  'ring-bytes': 4 << 20,
  json: false,
  // engine stream options, passed to the JS consumer only when given
  'batch-bytes': undefined,
  'flush-ms': undefined,
  'queue-depth': undefined,
})
const runs = Number(opts.runs)
const seconds = Number(opts.seconds)
const bursts = String(opts.bursts).split(',').map(Number)
const kinds = String(opts.kinds).split(',')
if (!kinds.includes('c') || !kinds.includes('js')) {
  console.error('--kinds must include c and js (the acceptance compares them)')
  process.exit(2)
}
const jsStreamArgs = ['batch-bytes', 'flush-ms', 'queue-depth'].flatMap((k) => (opts[k] !== undefined ? [`--${k}`, opts[k]] : []))

function preflight() {
  if (process.getuid?.() !== 0) throw new Error('run as root: the benchmark loads BPF programs')
  for (const [path, hint] of [
    [bpfObject, 'make -C addon'],
    [join(root, 'build', 'Release', 'monitor_engine.node'), 'npm run build:addon'],
    [join(root, 'dist', 'engine', 'index.js'), 'npx tsc -p .'],
  ]) {
    if (!existsSync(path)) throw new Error(`${path} is missing: run \`${hint}\` first`)
  }
  if (!existsSync('/sys/kernel/tracing/events')) execFileSync('mount', ['-t', 'tracefs', 'tracefs', '/sys/kernel/tracing'])
  mkdirSync(out, {recursive: true})
  const cc = process.env.CC || 'cc'
  const build = (src, bin, libs = []) => execFileSync(cc, ['-O2', '-Wall', '-o', join(out, bin), join(here, src), ...libs], {stdio: 'inherit'})
  build('producer.c', 'producer')
  build('pdeath.c', 'pdeath')
  build('consumer.c', 'consumer', ['-lbpf'])
}

// Every child is tracked so that any exit path kills it; they also carry PR_SET_PDEATHSIG.
const children = new Children()
const killAll = () => children.killAll()
function start(cmd, args) {
  const child = children.track(spawn(cmd, args, {stdio: ['pipe', 'pipe', 'inherit']}))
  child.stdout.setEncoding('latin1')
  child.output = ''
  child.stdout.on('data', (d) => (child.output += d))
  return child
}

function waitFor(child, pattern, what, ms) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => done(new Error(`timed out waiting for ${what}`)), ms)
    const check = () => {
      const m = pattern.exec(child.output)
      if (m) done(null, m)
    }
    const onExit = ({code, signal}) => {
      check()
      done(new Error(`${what}: process exited (${signal ?? code}) first`))
    }
    function done(err, m) {
      clearTimeout(timer)
      child.stdout.off('data', check)
      if (err) reject(err)
      else resolve(m)
    }
    child.stdout.on('data', check)
    child.exited.then(onExit)
    check()
  })
}

async function runPair(kind, burst) {
  const producer = start(join(out, 'producer'), [String(seconds)])
  try {
    const common = ['--pid', String(producer.pid), '--burst', String(burst), '--ring-bytes', String(opts['ring-bytes'])]
    const consumer =
      kind !== 'js'
        ? start(join(out, 'consumer'), ['--obj', bpfObject, ...common, '--wait', kind === 'c-edge' ? 'edge' : 'level'])
        : start(join(out, 'pdeath'), [process.execPath, join(here, 'js-consumer.mjs'), ...common, ...jsStreamArgs])
    await waitFor(consumer, /^ready$/m, `${kind} consumer to attach`, 30_000)
    // Attached before the loop starts, so seq begins at 0 and nothing can be missed.
    producer.stdin.write('g')
    const [, winStart, winEnd, calls] = await waitFor(producer, /^(\d+) (\d+) (\d+)$/m, 'the producer', seconds * 1000 + 30_000)
    consumer.stdin.write(`stop ${winStart} ${winEnd}\n`)
    const [json] = await waitFor(consumer, /^\{.*\}$/m, `${kind} consumer results`, 60_000)
    await consumer.exited
    const r = JSON.parse(json)
    const expected = Number(calls) * burst
    return {
      kind,
      burst,
      events_per_s: r.events_in_window / r.window_s,
      // Anything the producer asked for that never reached the consumer, however it was lost.
      lost: Math.max(expected, r.produced) - r.events,
      cpu_ns_per_event: r.cpu_ns / r.events,
      bpf_ns_per_event: r.bpf_run_ns / r.events,
      errors: r.disorder + r.bad_size,
      raw: r,
    }
  } finally {
    killAll()
  }
}

function leftoverPrograms() {
  try {
    return bpfPrograms().filter((p) => p.name === 'on_getppid').map((p) => p.id)
  } catch {
    return [] // no bpftool: nothing to check with
  }
}

async function main() {
  preflight()
  const restore = enableBpfStats()
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.on(sig, () => {
      killAll()
      restore()
      process.exit(130)
    })
  }
  const results = []
  try {
    // Interleaved so drift (thermal, noisy neighbours) hits every cell alike; who goes first rotates.
    for (let i = 0; i < runs; i++) {
      for (const burst of bursts) {
        for (const kind of [...kinds.slice(i % kinds.length), ...kinds.slice(0, i % kinds.length)]) {
          const r = await runPair(kind, burst)
          results.push(r)
          if (!opts.json) {
            console.error(
              `run ${i + 1}/${runs} K=${burst} ${kind.padEnd(6)}: ${(r.events_per_s / 1e6).toFixed(2)} M/s, lost ${r.lost}, ` +
                `${r.cpu_ns_per_event.toFixed(1)} CPU ns/ev, ${r.bpf_ns_per_event.toFixed(1)} BPF ns/ev`,
            )
          }
        }
      }
    }
  } finally {
    killAll()
    restore()
  }
  const leftovers = leftoverPrograms()

  const rows = []
  const failures = []
  for (const burst of bursts) {
    const cell = (kind) => {
      const rs = results.filter((r) => r.kind === kind && r.burst === burst)
      return {
        events_per_s: median(rs.map((r) => r.events_per_s)),
        lost: median(rs.map((r) => r.lost)),
        lost_max: Math.max(...rs.map((r) => r.lost)),
        cpu_ns_per_event: median(rs.map((r) => r.cpu_ns_per_event)),
        bpf_ns_per_event: median(rs.map((r) => r.bpf_ns_per_event)),
        errors: rs.reduce((n, r) => n + r.errors, 0),
      }
    }
    const c = cell('c')
    const js = cell('js')
    const edge = kinds.includes('c-edge') ? cell('c-edge') : undefined
    const rateRatio = js.events_per_s / c.events_per_s
    const cpuRatio = js.cpu_ns_per_event / c.cpu_ns_per_event
    rows.push({burst, c, js, edge, rateRatio, cpuRatio})
    if (rateRatio < BOUNDS.minRateRatio) failures.push(`K=${burst}: JS events/s is ${rateRatio.toFixed(2)}x C's (< ${BOUNDS.minRateRatio})`)
    if (cpuRatio > BOUNDS.maxCpuRatio) failures.push(`K=${burst}: JS CPU/event is ${cpuRatio.toFixed(2)}x C's (> ${BOUNDS.maxCpuRatio})`)
    for (const [kind, x] of [['JS', js], ['C', c], ...(edge ? [['C-edge', edge]] : [])]) {
      if (x.lost_max > 0) failures.push(`K=${burst}: ${kind} lost events (up to ${x.lost_max} in a run)`)
      if (x.errors > 0) failures.push(`K=${burst}: ${kind} saw ${x.errors} out-of-order or malformed records`)
    }
  }
  if (leftovers.length) failures.push(`BPF programs still loaded afterwards: ids ${leftovers.join(', ')}`)

  if (opts.json) {
    console.log(JSON.stringify({runs, seconds, rows, failures, results: results.map(({raw, ...r}) => ({...r, raw}))}, null, 1))
  } else {
    const f = (n, d = 1) => n.toFixed(d)
    console.log(`\nmedians of ${runs} runs x ${seconds} s, 64-byte records, ring ${opts['ring-bytes']} bytes\n`)
    console.log('K   consumer  events/s    lost  CPU ns/ev  BPF ns/ev')
    for (const {burst, c, js, edge} of rows) {
      for (const [kind, x] of [['C', c], ...(edge ? [['C-edge', edge]] : []), ['JS', js]]) {
        console.log(
          `${String(burst).padEnd(3)} ${kind.padEnd(8)}  ${(f(x.events_per_s / 1e6, 2) + 'M').padStart(8)}  ${String(x.lost).padStart(6)}  ` +
            `${f(x.cpu_ns_per_event).padStart(9)}  ${f(x.bpf_ns_per_event).padStart(9)}`,
        )
      }
    }
    console.log('\nK   JS/C events/s  JS/C CPU/event  (vs C-edge: events/s  CPU/event)')
    for (const {burst, rateRatio, cpuRatio, js, edge} of rows) {
      const vsEdge = edge
        ? `${f(js.events_per_s / edge.events_per_s, 2).padStart(20)}  ${f(js.cpu_ns_per_event / edge.cpu_ns_per_event, 2).padStart(9)}`
        : ''
      console.log(`${String(burst).padEnd(3)} ${f(rateRatio, 2).padStart(13)}  ${f(cpuRatio, 2).padStart(14)}${vsEdge}`)
    }
    console.log(failures.length ? `\nFAIL\n  ${failures.join('\n  ')}` : '\nPASS: every acceptance bound holds')
  }
  process.exitCode = failures.length ? 1 : 0
}

main().catch((error) => {
  killAll()
  console.error(`ringbuf bench: ${error.message ?? error}`)
  process.exitCode = 1
})
