/** Ring buffer streams: failures surface while the stream runs (onError), pause/resume for output
 * backpressure, stop of a paused stream, and the wakeup threshold of small rings. */
import {readdirSync, readFileSync} from 'node:fs'
import {afterEach, expect, it} from 'vitest'

import {BpfObject} from '../../src/engine/bpf.js'
import {StreamError} from '../../src/engine/errors.js'
import {forEachRecord, readU64} from '../../src/engine/records.js'
import {describeEbpf, sleep, waitFor} from '../support/ebpf.js'
import {startTarget} from '../support/target.js'

const NO_LOSS = {ringbuf_reserve: 0, map_full: 0, read_fault: 0, queue: 0, recursion_misses: 0}

describeEbpf('engine streams', () => {
  const cleanup: (() => void)[] = []
  afterEach(() => {
    for (const f of cleanup.splice(0)) f()
    delete process.env.MONITOR_TEST_FAULT
  })

  async function producer(calls: number, options: {burst?: number; ringBytes?: number; gapUs?: number; config?: Record<string, number>} = {}) {
    const target = await startTarget('getppid', calls, options.gapUs ?? 0)
    const obj = BpfObject.start('ringbench', {
      config: {targ_tgid: target.pid, burst: options.burst ?? 1, ...options.config},
      maxEntries: {events: options.ringBytes ?? 4 << 20},
    })
    cleanup.push(() => {
      obj.closeNow()
      target.kill()
    })
    return {target, obj}
  }

  /** Collects sequence numbers; counts disorder. */
  function collector() {
    const c = {delivered: 0, next: 0, disorder: 0, batches: 0}
    const onBatch = (batch: Buffer) => {
      c.batches++
      forEachRecord(batch, (view, off) => {
        const seq = readU64(view, off)
        if (seq !== c.next) c.disorder++
        c.next = seq + 1
        c.delivered++
      })
    }
    return {c, onBatch}
  }

  it('reports an onBatch exception at once through onError, and delivers nothing after it', async () => {
    const {target, obj} = await producer(200_000)
    const boom = new Error('decoder bug')
    let batches = 0
    const errors: unknown[] = []
    let reported!: () => void
    const failed = new Promise<void>((resolve) => (reported = resolve))
    const stream = obj.stream({
      flushMs: 10,
      onBatch: () => {
        batches++
        throw boom
      },
      onError: (e) => {
        errors.push(e)
        reported()
      },
    })
    cleanup.push(() => stream.stopNow())
    const finished = target.go()
    await failed
    expect(errors).toEqual([boom])
    expect(stream.error).toBe(boom)
    await finished
    await expect(obj.stopStream(stream)).rejects.toBe(boom)
    expect(batches).toBe(1)
    expect(errors).toHaveLength(1)
  })

  it('reports a drain thread failure while the stream runs, not at stop (MONITOR_TEST_FAULT=drain)', async () => {
    const {target, obj} = await producer(2_000_000, {gapUs: 0})
    process.env.MONITOR_TEST_FAULT = 'drain'
    let firstBatchAt = 0
    let lastBatchAt = 0
    const error = await new Promise<Error>((resolve) => {
      const stream = obj.stream({
        flushMs: 20,
        onBatch: () => {
          lastBatchAt = performance.now()
          firstBatchAt ||= lastBatchAt
        },
        onError: resolve,
      })
      cleanup.push(() => stream.stopNow())
      void target.go()
    })
    const at = performance.now()
    delete process.env.MONITOR_TEST_FAULT
    expect(target.child.exitCode).toBeNull() // the producer still runs: the stream did not stop
    expect(error).toBeInstanceOf(StreamError)
    expect((error as StreamError).errno).toBe(5) // EIO
    expect(firstBatchAt).toBeGreaterThan(0)
    expect(at - lastBatchAt).toBeLessThan(500) // about a flush period after the last batch
    target.kill()
  })

  it('runs its drain thread with every signal blocked, so SIGINT and SIGTERM reach the main thread', async () => {
    const {obj} = await producer(10)
    const stream = obj.stream({onBatch: () => undefined})
    cleanup.push(() => stream.stopNow())
    const drains = readdirSync('/proc/self/task').filter((tid) => readFileSync(`/proc/self/task/${tid}/comm`, 'utf8').trim() === 'monitor-ring')
    expect(drains.length).toBeGreaterThan(0)
    for (const tid of drains) {
      const blocked = BigInt('0x' + /^SigBlk:\s*([0-9a-f]+)/m.exec(readFileSync(`/proc/self/task/${tid}/status`, 'utf8'))![1])
      for (const signal of [2, 15, 1, 10]) expect((blocked >> BigInt(signal - 1)) & 1n, `signal ${signal}`).toBe(1n) // INT, TERM, HUP, USR1
    }
  })

  it('pause holds records in the kernel ring; resume delivers all of them, in order, none lost', async () => {
    const calls = 20_000
    const {target, obj} = await producer(calls)
    const {c, onBatch} = collector()
    const stream = obj.stream({flushMs: 5, onBatch})
    stream.pause()
    expect(stream.isPaused).toBe(true)
    const {code} = await target.go()
    expect(code).toBe(0)
    await sleep(200) // forty flush periods: a running drain would have delivered by now
    expect(c.delivered).toBe(0)
    stream.resume()
    expect(await waitFor(() => c.delivered === calls)).toBe(true)
    await obj.stopStream(stream)
    expect(c.disorder).toBe(0)
    expect(obj.losses()).toEqual(NO_LOSS)
  })

  it('a small ring overflowing while paused: delivered + ringbuf_reserve losses = produced', async () => {
    const calls = 5_000
    const {target, obj} = await producer(calls, {ringBytes: 16 * 1024})
    const {c, onBatch} = collector()
    const stream = obj.stream({flushMs: 5, onBatch})
    stream.pause()
    await target.go()
    stream.resume()
    await obj.stopStream(stream)
    const lost = obj.losses()
    expect(lost.ringbuf_reserve).toBeGreaterThan(0)
    expect(c.delivered).toBeGreaterThan(0)
    expect(c.delivered + lost.ringbuf_reserve).toBe(calls)
    expect(lost.queue).toBe(0)
  })

  it('stop of a paused stream drains only after resume; stop({drain: false}) ends it at once', async () => {
    const calls = 3_000
    const {target, obj} = await producer(calls)
    const {c, onBatch} = collector()
    const stream = obj.stream({flushMs: 5, onBatch})
    stream.pause()
    await target.go()
    let settled = false
    const stopping = obj.stopStream(stream).then((s) => ((settled = true), s))
    await sleep(200)
    expect(settled).toBe(false)
    expect(c.delivered).toBe(0)
    stream.resume()
    const stats = await stopping
    expect(stats.records).toBe(calls)
    expect(c.delivered).toBe(calls)

    const second = await producer(calls)
    const other = collector()
    const forced = second.obj.stream({flushMs: 5, onBatch: other.onBatch})
    forced.pause()
    await second.target.go()
    const s = await second.obj.stopStream(forced, {drain: false})
    expect(s.records).toBe(0)
    expect(other.c.delivered).toBe(0)
  })

  it('wakes the consumer of a small ring before it fills (wakeup_bytes follows the ring size)', async () => {
    // 3,000 paced records (~0.5 s) into a 64 KiB ring (~910 records) drained with a 1 s timeout:
    // only the wakeups at a quarter of the ring keep up (and leave ~100 ms of headroom each).
    async function run(config: Record<string, number>) {
      const calls = 3_000
      const {target, obj} = await producer(calls, {ringBytes: 64 * 1024, gapUs: 100, config})
      const {c, onBatch} = collector()
      const stream = obj.stream({flushMs: 1000, onBatch})
      await target.go()
      await obj.stopStream(stream)
      return {delivered: c.delivered, lost: obj.losses().ringbuf_reserve, calls}
    }
    const woken = await run({})
    expect(woken.lost).toBe(0)
    expect(woken.delivered).toBe(woken.calls)
    // The same with a threshold the ring can never reach (the old fixed 256 KiB): it overflows.
    const never = await run({wakeup_bytes: 256 * 1024})
    expect(never.lost).toBeGreaterThan(0)
    expect(never.delivered + never.lost).toBe(never.calls)
  })
})
