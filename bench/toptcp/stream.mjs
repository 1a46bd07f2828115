#!/usr/bin/env node
// bench/toptcp's reference: per-process TCP bytes per second computed by streaming every send and
// receive through the engine's ring buffer into JS (addon/bpf/tcpstream.bpf.c) and summing there,
// the design `monitor top tcp` avoids. Prints {"type":"ready"} once attached, then one line per
// second: {"type":"interval","processes":{"<pid>":[tx,rx]}}; stops on SIGINT with a summary line.
import {BpfObject, forEachRecord, totalLosses} from '../../dist/engine/index.js'

const obj = BpfObject.start('tcpstream', {maxEntries: {events: 8 << 20}})
let sums = new Map()
let records = 0
const stream = obj.stream({
  batchBytes: 256 * 1024,
  flushMs: 50,
  queueDepth: 2,
  onBatch: (batch) => {
    records += forEachRecord(batch, (v, o) => {
      const pid = v.getUint32(o + 8, true)
      const len = v.getUint32(o + 12, true)
      let s = sums.get(pid)
      if (!s) sums.set(pid, (s = [0, 0]))
      s[v.getUint32(o + 16, true) ? 0 : 1] += len
    })
  },
  onError: (e) => {
    console.error(e.message)
    process.exit(1)
  },
})
const print = () => {
  process.stdout.write(JSON.stringify({type: 'interval', processes: Object.fromEntries(sums)}) + '\n')
  sums = new Map()
}
const timer = setInterval(print, 1000)
process.stdout.write('{"type":"ready"}\n')
process.on('SIGINT', async () => {
  clearInterval(timer)
  await obj.stopStream(stream)
  print()
  const lost = obj.losses()
  process.stdout.write(JSON.stringify({type: 'summary', records, lost, lost_total: totalLosses(lost)}) + '\n')
  await obj.close()
  process.exit(0)
})
