/** Native lifetime: 200 streams opened and closed in worker threads with batches in flight, some
 * workers terminated while their streams run. Nothing may crash, every fd must be closed again, and
 * no program of ours may stay loaded. Programs are ours by the ids the workers report (read from
 * their objects' fds), never by "new ids" (other test runs share the kernel). */
import {existsSync} from 'node:fs'
import {Worker} from 'node:worker_threads'
import {expect, it} from 'vitest'

import {describeEbpf, programsGone, ROOT, waitFor} from '../support/ebpf.js'
import {fdsOf, heldProgramIds, openFdCount} from '../support/fdinfo.js'
import {startTarget} from '../support/target.js'

const ENGINE = `${ROOT}dist/engine/index.js`
const WORKER = new URL('../support/stream-worker.mjs', import.meta.url)
const KINDS = ['bpf-prog', 'bpf-map', 'bpf_link', '[eventfd]', '[eventpoll]', '[perf_event]']

describeEbpf('engine lifetime', () => {
  it('opens and closes 200 streams in workers, terminating some mid-stream: no crash, no fd or program left', async () => {
    expect(existsSync(ENGINE), `${ENGINE} is missing: run npm run build`).toBe(true)
    // A producer running throughout (paced, so the machine stays usable).
    const target = await startTarget('getppid', 1e9, 20)
    void target.go()
    const fdsBefore = openFdCount()
    const kindsBefore = KINDS.map((k) => fdsOf(k))
    const ours = new Set<number>()
    let streams = 0
    let terminatedRunning = 0

    async function runWorker(n: number, hold: boolean): Promise<void> {
      const worker = new Worker(WORKER, {workerData: {engine: ENGINE, pid: target.pid, streams: n, hold}})
      const exited = new Promise<number>((resolve, reject) => {
        worker.on('exit', resolve)
        worker.on('error', reject)
      })
      await new Promise<void>((resolve, reject) => {
        worker.on('message', (m: {type: string; ids?: number[]}) => {
          if (m.type === 'programs') {
            for (const id of m.ids!) ours.add(id)
            streams++
          }
          if (m.type === 'done') resolve()
          if (m.type === 'running') {
            terminatedRunning++
            void worker.terminate()
            resolve()
          }
        })
        worker.on('error', reject)
      })
      const code = await exited
      expect(code).toBe(hold ? 1 : 0) // 1: terminated
    }

    try {
      // 10 workers × 20 streams, two at a time; every third worker is terminated mid-stream.
      for (let round = 0; round < 5; round++) {
        await Promise.all([runWorker(20, round % 3 === 0), runWorker(20, round % 3 === 1)])
      }
    } finally {
      target.kill()
    }
    expect(streams).toBe(200)
    expect(terminatedRunning).toBe(4)
    expect(ours.size).toBe(200)
    expect([...heldProgramIds()].filter((id) => ours.has(id))).toEqual([])
    expect(KINDS.map((k) => fdsOf(k))).toEqual(kindsBefore)
    // The target's pipes close asynchronously once it is reaped.
    expect(await waitFor(() => openFdCount() <= fdsBefore)).toBe(true)
    expect(await programsGone(ours)).toBe(true)
  }, 120_000)
})
