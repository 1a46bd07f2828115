#!/usr/bin/env node
// Fuzzes the profile decoder and the format detection (`pprof top FILE`'s whole input path) with
// mutated inputs: every input must decode or throw a MonitorError — any other exception is a
// crash, any input over --slow-ms a hang. Seeds: a synthetic profile (raw and gzipped), the Go
// service's real profiles in --seeds (optional), folded text and speedscope JSON.
//   node bench/pprof/fuzz.mjs [--count 100000] [--seeds DIR]
import {readdirSync, readFileSync} from 'node:fs'
import {join} from 'node:path'
import {gunzipSync, gzipSync} from 'node:zlib'

import {options} from '../lib.mjs'
import {mutate} from './mutate.mjs'
import {syntheticProfile} from './synthetic.mjs'

const opts = options({count: '100000', seeds: undefined, 'slow-ms': '1000'})
const {MonitorError} = await import('../../dist/errors.js')
const {parseProfile} = await import('../../dist/pprof/parse.js')

const synthetic = gunzipSync(syntheticProfile({samples: 40, functions: 30, seed: 5}))
const seeds = [
  synthetic,
  gzipSync(synthetic),
  new TextEncoder().encode('main;a;b 3\nmain;c 4\n'),
  new TextEncoder().encode(JSON.stringify({shared: {frames: [{name: 'a'}, {name: 'b'}]}, profiles: [{type: 'sampled', unit: 'none', startValue: 0, endValue: 2, samples: [[0, 1], [0]], weights: [1, 1]}]})),
]
if (opts.seeds) for (const f of readdirSync(opts.seeds)) seeds.push(readFileSync(join(opts.seeds, f)))

const count = Number(opts.count)
const slowMs = Number(opts['slow-ms'])
let ok = 0
let rejected = 0
let slowest = 0
const t0 = performance.now()
for (let i = 0; i < count; i++) {
  // Mostly the raw protobuf: gzip's CRC rejects nearly every mutated gzip before the decoder runs.
  const seed = seeds[i % 10 < 7 ? 0 : 1 + (i % (seeds.length - 1))]
  const input = mutate(seed, i)
  const t = performance.now()
  try {
    parseProfile(input)
    ok++
  } catch (error) {
    if (!(error instanceof MonitorError)) {
      console.error(`CRASH on input ${i} (seed ${seeds.indexOf(seed)}): ${error?.stack ?? error}`)
      process.exit(1)
    }
    if (error.message.includes('\n')) {
      console.error(`input ${i}: a multi-line error: ${JSON.stringify(error.message)}`)
      process.exit(1)
    }
    rejected++
  }
  const ms = performance.now() - t
  if (ms > slowest) slowest = ms
  if (ms > slowMs) {
    console.error(`HANG? input ${i} took ${ms.toFixed(0)} ms`)
    process.exit(1)
  }
}
console.log(`${count} mutated inputs in ${((performance.now() - t0) / 1000).toFixed(1)} s: ${ok} decoded, ${rejected} rejected with one-line errors, 0 crashes; slowest ${slowest.toFixed(1)} ms`)
