#!/usr/bin/env node
// Does deflating each batch of a trace file pay, and how? For the batches of the given trace files
// (re-cut into batches of --records records, as the live drain would hand them over at a given rate:
// a batch every 50 ms or 256 KiB), bytes per record and CPU per record of:
//   raw          the records as the ring delivered them (what a copy costs is not counted)
//   sync-l1      deflateRawSync level 1, zlib's default state (windowBits 15, memLevel 8)
//   writer       deflateRawSync with the writer's settings (src/trace/file/writer.ts DEFLATE_OPTIONS)
//   async-l1     deflateRaw level 1 on libuv's thread pool (CPU of every thread of this process)
//
//   node bench/tracefile/compress.mjs [--records 130] FILE...      (needs `npm run build`)
import {parseArgs} from 'node:util'
import {deflateRaw, deflateRawSync} from 'node:zlib'

import {forEachRecord} from '../../dist/engine/records.js'
import {TraceFileReader} from '../../dist/trace/file/reader.js'
import {DEFLATE_OPTIONS} from '../../dist/trace/file/writer.js'
const {values, positionals: files} = parseArgs({options: {records: {type: 'string', default: '130'}}, allowPositionals: true})
const perBatch = Number(values.records)

/** Every record of a file, re-packed into batches of `perBatch` records. */
function batchesOf(path) {
  const reader = TraceFileReader.open(path)
  const records = []
  for (const f of reader.frames()) {
    if (f.kind !== 'batch') continue
    forEachRecord(f.records, (view, offset, length) => records.push(Buffer.from(f.records.subarray(offset - 8, offset + ((length + 7) & ~7)))))
  }
  reader.close()
  const out = []
  for (let i = 0; i < records.length; i += perBatch) out.push(Buffer.concat(records.slice(i, i + perBatch)))
  return {out, count: records.length}
}

async function measure(batches, compress) {
  const cpu0 = process.cpuUsage()
  let bytes = 0
  for (let round = 0; round < 3; round++) for (const b of batches) bytes += (await compress(b)).length
  const cpu = process.cpuUsage(cpu0)
  return {bytes: bytes / 3, cpuUs: (cpu.user + cpu.system) / 3}
}

const WAYS = {
  raw: async (b) => b,
  'sync-l1': async (b) => deflateRawSync(b, {level: 1}),
  writer: async (b) => deflateRawSync(b, DEFLATE_OPTIONS),
  'async-l1': (b) => new Promise((resolve, reject) => deflateRaw(b, {level: 1}, (e, z) => (e ? reject(e) : resolve(z)))),
}

for (const path of files) {
  const {out, count} = batchesOf(path)
  console.log(`${path}: ${count} records in batches of ${perBatch}`)
  for (const [name, way] of Object.entries(WAYS)) {
    const m = await measure(out, way)
    console.log(`  ${name.padEnd(9)} ${(m.bytes / count).toFixed(1).padStart(6)} bytes/record  ${(m.cpuUs / count).toFixed(2).padStart(5)} us CPU/record`)
  }
}
