#!/usr/bin/env node
// How many bytes `monitor top --record` writes per sample with ~1,000 processes (target ≤ 20 KB).
//
//   node bench/top/record-size.mjs [--procs 1000] [--seconds 30] [--interval 1] [--keep FILE]
//
// Tops the machine up to --procs processes in all with idle `sleep` processes (one shell forks them,
// in their own process group, killed at exit; what else runs on the machine counts), runs `monitor top --duration S --interval I -o json --record FILE` (the JSON it prints is
// the reference), then reads the file: bytes per sample (the whole file / samples), keyframes and
// deltas as stored (deflated) and raw, and checks that `--replay FILE -o json` prints the same
// documents. Exits 1 when the average is over the target or the replay differs.
import {spawn, spawnSync} from 'node:child_process'
import {mkdtempSync, readdirSync, readFileSync, rmSync, statSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'

import {median, options} from '../lib.mjs'

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..')
const CLI = join(ROOT, 'bin', 'run.js')
const TARGET_BYTES = 20_000
const opts = options({procs: 1000, seconds: 30, interval: 1, keep: undefined})
const PROCS = Math.min(Number(opts.procs), 5000)
const SECONDS = Number(opts.seconds)
const dir = mkdtempSync(join(tmpdir(), 'monitor-record-size-'))
const file = opts.keep ?? join(dir, 'top.trace')
let sleepers
const cleanup = () => {
  try {
    if (sleepers) process.kill(-sleepers.pid, 'SIGKILL')
  } catch {}
  rmSync(dir, {recursive: true, force: true})
}
process.on('exit', cleanup)
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => process.exit(130))
const log = (s) => process.stderr.write(`${s}\n`)
const sleep = (ms) => new Promise((r) => setTimeout(r, ms))

const {TraceFileReader} = await import('../../dist/trace/file/reader.js')
const {sampleHead} = await import('../../dist/proc/recording-codec.js')

/** The idle sleepers, children of one shell (bounded lifetime even if this script is killed hard). */
async function startSleepers(n) {
  sleepers = spawn('sh', ['-c', `i=0; while [ $i -lt ${n} ]; do sleep ${SECONDS + 120} & i=$((i+1)); done; wait`], {detached: true, stdio: 'ignore'})
  const children = () => readFileSync(`/proc/${sleepers.pid}/task/${sleepers.pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).length
  for (let deadline = Date.now() + 30_000; Date.now() < deadline; await sleep(100)) if (children() >= n) return
  throw new Error('the sleepers did not start')
}

function cli(args) {
  const res = spawnSync(process.execPath, [CLI, ...args], {encoding: 'utf8', maxBuffer: 1 << 30})
  if (res.status !== 0) throw new Error(`monitor ${args.join(' ')}: exit ${res.status}: ${res.stderr}`)
  return res.stdout
}

const running = () => readdirSync('/proc').filter((e) => /^\d+$/.test(e)).length
const missing = Math.max(0, PROCS - running())
if (missing) await startSleepers(missing)
log(`${missing} sleepers up, ${running()} processes; recording ${SECONDS} s at ${opts.interval} s`)
const live = cli(['top', '--duration', String(SECONDS), '--interval', String(opts.interval), '-o', 'json', '--record', file])
const replay = cli(['top', '--replay', file, '-o', 'json'])

const bytes = readFileSync(file)
const reader = TraceFileReader.open(file)
const keys = []
const deltas = []
for (const f of reader.frames()) {
  if (f.kind !== 'sample') continue
  const stored = 12 + bytes.readUInt32LE(f.offset + 4)
  ;(sampleHead(f.payload).keyframe ? keys : deltas).push({stored, raw: f.payload.length})
}
reader.close()
const samples = keys.length + deltas.length
const docs = live.trim().split('\n')
const processes = median(docs.map((d) => JSON.parse(d).processes.length))
const perSample = statSync(file).size / samples
const kb = (n) => `${(n / 1000).toFixed(1)} KB`
const same = replay === live
const result = {
  processes_median: processes,
  samples,
  file_bytes: statSync(file).size,
  bytes_per_sample: Math.round(perSample),
  keyframes: keys.length,
  keyframe_stored_bytes: median(keys.map((k) => k.stored)),
  keyframe_raw_bytes: median(keys.map((k) => k.raw)),
  delta_stored_bytes_median: median(deltas.map((d) => d.stored)),
  delta_stored_bytes_max: Math.max(0, ...deltas.map((d) => d.stored)),
  delta_raw_bytes_median: median(deltas.map((d) => d.raw)),
  json_document_bytes_median: median(docs.map((d) => d.length + 1)),
  replay_identical: same,
}
console.log(JSON.stringify(result))
log(
  `${samples} samples of ~${processes} processes: ${kb(perSample)} per sample (target ≤ ${kb(TARGET_BYTES)}); ` +
    `keyframe ${kb(result.keyframe_stored_bytes)} (${kb(result.keyframe_raw_bytes)} raw), delta median ${kb(result.delta_stored_bytes_median)} ` +
    `(max ${kb(result.delta_stored_bytes_max)}, ${kb(result.delta_raw_bytes_median)} raw); the -o json document: ${kb(result.json_document_bytes_median)}; ` +
    `replay ${same ? 'identical' : 'DIFFERS'}`,
)
process.exitCode = perSample <= TARGET_BYTES && same ? 0 : 1
