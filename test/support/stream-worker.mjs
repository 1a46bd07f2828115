// Worker of test/ebpf/engine-lifetime.test.ts: opens and closes ring buffer streams against a running
// producer, each closed a different way while batches are in flight. With `hold`, the last stream is
// left running and the worker waits to be terminated. Imports the built engine (dist/).
import {parentPort, workerData} from 'node:worker_threads'

const {BpfObject} = await import(workerData.engine)
const {pid, streams, hold} = workerData

for (let i = 0; i < streams; i++) {
  const obj = BpfObject.start('ringbench', {config: {targ_tgid: pid, burst: 4}, maxEntries: {events: 256 * 1024}})
  parentPort.postMessage({type: 'programs', ids: obj.programStats().map((p) => p.id)})
  let records = 0
  let gotBatch
  const batch = new Promise((resolve) => (gotBatch = resolve))
  const stream = obj.stream({
    batchBytes: 64 * 1024,
    flushMs: 2,
    queueDepth: 2,
    onBatch: (_b, n) => {
      records += n
      gotBatch()
    },
  })
  await batch // batches are flowing
  if (hold && i === streams - 1) {
    parentPort.postMessage({type: 'running', records})
    await new Promise(() => {}) // terminated from outside, stream and object still open
  }
  switch (i % 4) {
    case 0:
      await obj.close()
      break
    case 1:
      obj.closeNow() // no drain: the thread is joined synchronously
      break
    case 2:
      stream.pause()
      await obj.stopStream(stream, {drain: false})
      obj.closeNow()
      break
    case 3:
      await stream.stop()
      obj.closeNow()
      break
  }
}
parentPort.postMessage({type: 'done'})
