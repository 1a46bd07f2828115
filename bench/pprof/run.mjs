#!/usr/bin/env node
// bench/pprof: our profile.proto decoder and `monitor pprof top` against pprof-format's decoder
// and `go tool pprof -top`, on synthetic profiles with wide, deep stacks (5,000 functions, 8–32
// deep random stacks, inlined calls, recursion), 100k and 1M samples. Interleaved runs, medians,
// ratios; each contender in its own process (peak RSS from /usr/bin/time). gunzip is included for
// every contender. go at 1M samples takes ~150 s and 3.6 GB: it runs only with --go-1m (once).
//   node bench/pprof/run.mjs [--runs 3] [--sizes 100000,1000000] [--go-1m]
import {execFileSync, spawnSync} from 'node:child_process'
import {existsSync, mkdirSync, statSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {dirname, join, resolve} from 'node:path'
import {fileURLToPath} from 'node:url'
import {gunzipSync} from 'node:zlib'
import {readFileSync} from 'node:fs'

import {median, options} from '../lib.mjs'
import {syntheticProfile} from './synthetic.mjs'

const HERE = dirname(fileURLToPath(import.meta.url))
const ROOT = resolve(HERE, '../..')
const opts = options({runs: '3', sizes: '100000,1000000', 'go-1m': false, dir: join(tmpdir(), 'monitor-bench-pprof')})
const runs = Number(opts.runs)
const sizes = opts.sizes.split(',').map(Number)
mkdirSync(opts.dir, {recursive: true})
if (!existsSync(join(ROOT, 'dist/pprof/decode.js'))) {
  console.error('run `npm run build` first')
  process.exit(2)
}

/** Runs argv under /usr/bin/time: wall seconds, peak RSS (KB), stdout. */
function timed(argv, env = process.env) {
  const r = spawnSync('/usr/bin/time', ['-f', '%e %M', ...argv], {encoding: 'utf8', env, maxBuffer: 1 << 28})
  const last = r.stderr.trim().split('\n').at(-1)
  const [wall, rss] = last.split(' ').map(Number)
  if (r.status !== 0) throw new Error(`${argv.join(' ')} failed: ${r.stderr.slice(0, 500)}`)
  return {wall, rssMB: rss / 1024, stdout: r.stdout}
}

const goEnv = {...process.env, GOFLAGS: '-mod=mod', GOPROXY: 'off'}
const fmt = (x, d = 2) => (x === null ? 'n/a' : x.toFixed(d))

const results = {}
for (const n of sizes) {
  const file = join(opts.dir, `synthetic-${n}.pb.gz`)
  if (!existsSync(file)) writeFileSync(file, syntheticProfile({samples: n}))
  const gz = statSync(file).size
  const raw = gunzipSync(readFileSync(file)).length
  const runGo = n < 1_000_000 || opts['go-1m']
  const goRuns = n < 1_000_000 ? runs : 1
  const r = {ours: [], pf: [], oursRss: [], pfRss: [], top: [], topRss: [], go: [], goRss: []}
  for (let i = 0; i < runs; i++) {
    const o = timed([process.execPath, join(HERE, 'decode-one.mjs'), 'ours', file])
    r.ours.push(JSON.parse(o.stdout).ms / 1000)
    r.oursRss.push(o.rssMB)
    const p = timed([process.execPath, join(HERE, 'decode-one.mjs'), 'pprof-format', file])
    r.pf.push(JSON.parse(p.stdout).ms / 1000)
    r.pfRss.push(p.rssMB)
    const t = timed([process.execPath, join(ROOT, 'bin/run.js'), 'pprof', 'top', file])
    r.top.push(t.wall)
    r.topRss.push(t.rssMB)
    if (runGo && i < goRuns) {
      const g = timed(['go', 'tool', 'pprof', '-top', file], goEnv)
      r.go.push(g.wall)
      r.goRss.push(g.rssMB)
      // Same rows as ours? (the bench's numbers mean nothing if the tables differ)
      // Everything but the local time line (go and Intl may spell a time zone differently).
      const strip = (s) => s.split('\n').filter((l) => !l.startsWith('Time: ')).join('\n')
      const ours = execFileSync(process.execPath, [join(ROOT, 'bin/run.js'), 'pprof', 'top', file], {encoding: 'utf8', maxBuffer: 1 << 28})
      if (i === 0 && strip(g.stdout) !== strip(ours)) console.error(`WARNING: monitor pprof top differs from go tool pprof -top on ${file}`)
    }
    const last = (k) => (r[k].length ? fmt(r[k].at(-1), 3) : '-')
    process.stderr.write(`${n}: run ${i + 1}/${runs}: decode ours ${last('ours')} s, pprof-format ${last('pf')} s, top ${last('top')} s (${last('topRss')} MB), go ${runGo && i < goRuns ? last('go') : '-'} s\n`)
  }
  const m = Object.fromEntries(Object.entries(r).map(([k, v]) => [k, median(v)]))
  // Ratios within each run too: the machine's load moves both sides of one run alike.
  const perRun = (a, b) => median(r[a].slice(0, r[b].length).map((x, i) => x / r[b][i]))
  m.decodeRatio = perRun('pf', 'ours')
  m.topVsGo = r.go.length ? perRun('top', 'go') : null
  m.topVsPf = perRun('top', 'pf')
  results[n] = {gz, raw, ...m}
  console.log(`\n${n.toLocaleString('en')} samples (${(gz / 1e6).toFixed(1)} MB gzipped, ${(raw / 1e6).toFixed(1)} MB raw), medians of ${runs} interleaved runs${runGo && goRuns < runs ? ` (go: ${goRuns} run)` : ''}:`)
  console.log(`  decode (gunzip + parse)  ours ${fmt(m.ours, 3)} s (${fmt(m.oursRss, 0)} MB)   pprof-format ${fmt(m.pf, 3)} s (${fmt(m.pfRss, 0)} MB)   → ours ${fmt(m.pf / m.ours, 1)}× faster (median of per-run ratios ${fmt(m.decodeRatio, 1)}×)`)
  console.log(`  top (whole process)      monitor pprof top ${fmt(m.top, 2)} s, peak RSS ${fmt(m.topRss, 0)} MB`)
  if (runGo) console.log(`                           go tool pprof -top ${fmt(m.go, 2)} s, peak RSS ${fmt(m.goRss, 0)} MB   → ratio ${fmt(m.top / m.go, 3)}× go's time (per run: ${fmt(m.topVsGo, 3)}×)`)
  else console.log('                           go tool pprof -top: skipped at this size (--go-1m runs it once; ~150 s, 3.6 GB)')
  console.log(`  top vs pprof-format's decode alone: ${fmt(m.top / m.pf, 2)}× (per run: ${fmt(m.topVsPf, 2)}×)`)
}
writeFileSync(join(opts.dir, 'results.json'), JSON.stringify(results, null, 2))
