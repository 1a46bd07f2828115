// The Node side of the ring buffer benchmark: the engine's native drain thread hands batches to JS,
// which checks every record's sequence number. Same protocol and JSON as consumer.c:
//   node js-consumer.mjs --pid P --burst K [--ring-bytes N] [--batch-bytes N] [--flush-ms N] [--queue-depth N]
// prints "ready" once attached, drains until stdin says "stop <window start ns> <window end ns>".
import {BpfObject, forEachRecord, readU64} from '../../dist/engine/index.js'

const args = {pid: 0, burst: 1, 'ring-bytes': 4 << 20}
for (let i = 2; i + 1 < process.argv.length; i += 2) args[process.argv[i].replace(/^--/, '')] = Number(process.argv[i + 1])
if (!(args.pid > 0) || !(args.burst >= 1 && args.burst <= 64)) {
  process.stderr.write('usage: js-consumer.mjs --pid P --burst 1..64 [--ring-bytes N] [--batch-bytes N] [--flush-ms N] [--queue-depth N]\n')
  process.exit(2)
}

const obj = BpfObject.open('ringbench', {
  config: {targ_tgid: args.pid, burst: args.burst},
  maxEntries: {events: args['ring-bytes']},
})
obj.load()
obj.attach('on_getppid')

// Module-level counters and one visitor for the whole run: the per-record path allocates nothing.
let received = 0
let nextSeq = 0
let gaps = 0
let disorder = 0
let badSize = 0
const visit = (view, offset, length) => {
  if (length !== 64) {
    badSize++
    return
  }
  const seq = readU64(view, offset)
  if (seq > nextSeq) gaps += seq - nextSeq
  else if (seq < nextSeq) disorder++
  nextSeq = seq + 1
  received++
}
// (time, running count) after each batch: the count at the producer's window end is read
// afterwards, since the stop message arrives late.
const cpTimes = []
const cpCounts = []

const stream = obj.stream({
  onBatch(batch) {
    forEachRecord(batch, visit)
    cpTimes.push(process.hrtime.bigint())
    cpCounts.push(received)
  },
  ...(args['batch-bytes'] ? {batchBytes: args['batch-bytes']} : {}),
  ...(args['flush-ms'] !== undefined ? {flushMs: args['flush-ms']} : {}),
  ...(args['queue-depth'] ? {queueDepth: args['queue-depth']} : {}),
})

let input = ''
process.stdin.setEncoding('latin1')
process.stdin.on('end', () => {
  obj.closeNow()
  process.exit(1) // the benchmark went away
})
process.stdin.on('data', (chunk) => {
  input += chunk
  const m = /^stop (\d+) (\d+)\n/m.exec(input)
  if (m) finish(BigInt(m[1]), BigInt(m[2])).catch((error) => {
    process.stderr.write(`js-consumer: ${error.stack ?? error}\n`)
    obj.closeNow()
    process.exit(1)
  })
})

process.stdout.write('ready\n')
const cpu0 = process.cpuUsage()

async function finish(winStart, winEnd) {
  process.stdin.removeAllListeners('data')
  const stats = await obj.stopStream(stream)
  const cpu = process.cpuUsage(cpu0)
  let inWindow = 0
  for (let i = 0; i < cpTimes.length && cpTimes[i] <= winEnd; i++) inWindow = cpCounts[i]
  const losses = obj.losses()
  const bssVars = obj.handle.datasec('.bss')
  const bss = obj.handle.lookup('.bss', Buffer.alloc(4))
  const seqVar = bssVars.find((v) => v.name === 'seq')
  const produced = bss && seqVar ? Number(bss.readBigUInt64LE(seqVar.offset)) : 0
  const [prog] = obj.programStats()
  obj.closeNow()
  const secs = Number(winEnd - winStart) / 1e9
  const out = {
    consumer: 'js',
    burst: args.burst,
    events: received,
    events_in_window: inWindow,
    window_s: secs,
    events_per_s: secs > 0 ? Math.round(inWindow / secs) : 0,
    produced,
    gaps,
    disorder,
    bad_size: badSize,
    reserve_losses: losses.ringbuf_reserve,
    queue_drops: losses.queue,
    cpu_ns: (cpu.user + cpu.system) * 1000,
    native_thread_cpu_ns: stats.thread_cpu_ns,
    batches: stats.batches,
    bpf_run_ns: prog.runTimeNs,
    bpf_run_cnt: prog.runCount,
  }
  process.stdout.write(JSON.stringify(out) + '\n', () => process.exit(0))
}
