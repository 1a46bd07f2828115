#!/usr/bin/env node
// Would deflating each batch of a trace file pay? For each batch frame of the given trace files:
// raw bytes, raw-deflated bytes at levels 1 and 6, and the CPU time deflating took (on the thread
// that would do it). Records per batch decide it: the live path hands over a batch every 50 ms or
// 256 KiB, so a quiet system writes many small batches, a storm few large ones.
//
//   node bench/tracefile/compress.mjs FILE...        (needs `npm run build`)
import {deflateRawSync} from 'node:zlib'

import {forEachRecord} from '../../dist/engine/records.js'
import {TraceFileReader} from '../../dist/trace/file/reader.js'

for (const path of process.argv.slice(2)) {
  const reader = TraceFileReader.open(path)
  const totals = {batches: 0, records: 0, raw: 0, l1: 0, l6: 0, l1ns: 0, l6ns: 0}
  for (const f of reader.frames()) {
    if (f.kind !== 'batch') continue
    totals.batches++
    totals.records += forEachRecord(f.records, () => undefined)
    totals.raw += f.records.length
    for (const level of [1, 6]) {
      const t0 = process.hrtime.bigint()
      const z = deflateRawSync(f.records, {level})
      totals[`l${level}ns`] += Number(process.hrtime.bigint() - t0)
      totals[`l${level}`] += z.length
    }
  }
  reader.close()
  const per = (x) => (x / totals.records).toFixed(1)
  console.log(
    `${path}: ${totals.batches} batches, ${totals.records} records (${(totals.records / totals.batches).toFixed(1)}/batch); bytes/record raw ${per(totals.raw)}, ` +
      `deflate-1 ${per(totals.l1)} (${(totals.raw / totals.l1).toFixed(2)}x, ${(totals.l1ns / totals.records / 1000).toFixed(2)} us/record), ` +
      `deflate-6 ${per(totals.l6)} (${(totals.raw / totals.l6).toFixed(2)}x, ${(totals.l6ns / totals.records / 1000).toFixed(2)} us/record)`,
  )
}
