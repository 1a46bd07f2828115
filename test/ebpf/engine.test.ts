/** The engine against the real kernel: ring buffer batches with sequence checks, backpressure,
 * uprobes, and cleanup. Maps, histograms, sampling, streams and lifetime have their own files. */
import {expect, it} from 'vitest'

import {BpfObject} from '../../src/engine/bpf.js'
import {ConfigError, explainNativeError} from '../../src/engine/errors.js'
import {ExitCode, type MonitorError} from '../../src/errors.js'
import {forEachRecord, readU64} from '../../src/engine/records.js'
import {describeEbpf, programsGone} from '../support/ebpf.js'
import {heldProgramIds} from '../support/fdinfo.js'
import {startTarget, TEST_TARGET} from '../support/target.js'

describeEbpf('engine', () => {
  it('streams every ring buffer record to JS in batches, in order, with no loss', async () => {
    const calls = 20_000
    const burst = 16
    const target = await startTarget('getppid', calls)
    const before = heldProgramIds()
    const obj = BpfObject.start('ringbench', {config: {targ_tgid: target.pid, burst}, maxEntries: {events: 16 << 20}})
    // Ours are the programs this process holds fds of (other processes' tests share the kernel).
    const ours = [...heldProgramIds()].filter((id) => !before.has(id))
    expect(ours.length).toBe(1)
    expect(ours).toEqual([obj.programStats()[0].id])
    let expected = 0
    let outOfOrder = 0
    let batches = 0
    const stream = obj.stream({
      onBatch: (batch, count) => {
        batches++
        const n = forEachRecord(batch, (view, off) => {
          if (readU64(view, off) !== expected) outOfOrder++
          expected++
        })
        expect(n).toBe(count)
      },
    })
    const {code} = await target.go()
    expect(code).toBe(0)
    const stats = await obj.stopStream(stream)
    const lost = obj.losses()
    obj.closeNow()
    expect(expected).toBe(calls * burst)
    expect(outOfOrder).toBe(0)
    expect(stats.records).toBe(calls * burst)
    expect(stats.queue_drop_records).toBe(0)
    expect(lost).toEqual({ringbuf_reserve: 0, map_full: 0, read_fault: 0, queue: 0, recursion_misses: 0})
    expect(batches).toBeLessThan(stats.records / 10) // batched, not one callback per event
    expect([...heldProgramIds()].filter((id) => ours.includes(id))).toEqual([])
    expect(await programsGone(ours)).toBe(true)
  })

  it('counts ring buffer reserve failures and reports them as losses (gaps match)', async () => {
    const calls = 5_000
    const target = await startTarget('getppid', calls)
    // A 4 KiB ring holds ~56 records and nobody drains it: most bursts must fail.
    const obj = BpfObject.start('ringbench', {config: {targ_tgid: target.pid, burst: 16}, maxEntries: {events: 4096}})
    await target.go()
    let delivered = 0
    const stream = obj.stream({onBatch: (_b, n) => (delivered += n)})
    await obj.stopStream(stream)
    const lost = obj.losses()
    obj.closeNow()
    expect(lost.ringbuf_reserve).toBeGreaterThan(0)
    expect(delivered + lost.ringbuf_reserve).toBe(calls * 16)
  })

  /** Runs the ringbench producer against a deliberately slow JS consumer. */
  async function slowConsumer(ringBytes: number, batchMs: number) {
    const calls = 20_000
    const target = await startTarget('getppid', calls)
    const obj = BpfObject.start('ringbench', {config: {targ_tgid: target.pid, burst: 16}, maxEntries: {events: ringBytes}})
    let delivered = 0
    let expected = 0
    let gaps = 0
    let disorder = 0
    const stream = obj.stream({
      batchBytes: 64 * 1024,
      flushMs: 1,
      queueDepth: 1,
      onBatch: (batch) => {
        forEachRecord(batch, (view, off) => {
          const seq = readU64(view, off)
          if (seq < expected) disorder++
          gaps += seq - expected
          expected = seq + 1
          delivered++
        })
        const until = Date.now() + batchMs // a slow consumer
        while (Date.now() < until);
      },
    })
    await target.go()
    const stats = await obj.stopStream(stream)
    const lost = obj.losses()
    obj.closeNow()
    gaps += calls * 16 - expected // records missing after the last one delivered
    return {total: calls * 16, delivered, gaps, disorder, stats, lost}
  }

  it('holds records back in the kernel ring while JS is slow, instead of dropping them', async () => {
    const r = await slowConsumer(64 << 20, 2)
    expect(r.lost).toEqual({ringbuf_reserve: 0, map_full: 0, read_fault: 0, queue: 0, recursion_misses: 0})
    expect(r.delivered).toBe(r.total)
    expect(r.gaps).toBe(0)
    expect(r.disorder).toBe(0)
  })

  it('counts what a slow consumer loses when the ring overflows, and the gaps match the count', async () => {
    // 64 KiB per 20 ms (~3 MB/s) against a producer of 15–400 MB/s (this VM, idle to busy): a
    // 64 KiB ring must overflow.
    const r = await slowConsumer(64 * 1024, 20)
    expect(r.lost.ringbuf_reserve).toBeGreaterThan(0)
    expect(r.lost.queue).toBe(r.stats.queue_drop_records)
    expect(r.gaps).toBe(r.lost.queue + r.lost.ringbuf_reserve)
    expect(r.delivered + r.lost.queue + r.lost.ringbuf_reserve).toBe(r.total)
    expect(r.disorder).toBe(0)
  })

  it('counts a uprobe on a test binary exactly', async () => {
    const calls = 12_345
    const target = await startTarget('calls', calls)
    const obj = BpfObject.open('sampler', {config: {targ_tgid: target.pid}, programs: ['on_call']})
    obj.load()
    obj.attachUprobe('on_call', TEST_TARGET, 'monitor_test_target')
    const {code} = await target.go()
    expect(code).toBe(0)
    const v = obj.map('calls').lookup(Buffer.alloc(4))!.readBigUInt64LE(0)
    obj.closeNow()
    expect(Number(v)).toBe(calls)
  })

  it('rejects unknown config variables and reports a missing hook clearly', () => {
    expect(() => BpfObject.open('exec', {config: {no_such_var: 1}})).toThrow(ConfigError)
    expect(() => BpfObject.open('exec', {config: {no_such_var: 1}})).toThrow(/unknown config variable no_such_var/)
    // A hook no kernel has (kprobes differ between kernels, so not those).
    const obj = BpfObject.open('doctor', {programs: ['probe_tracepoint']})
    obj.load()
    let error: MonitorError | undefined
    try {
      obj.handle.attachTracepoint('probe_tracepoint', 'syscalls', 'sys_enter_no_such_call')
    } catch (e) {
      error = explainNativeError(e, 'attaching tp/syscalls/sys_enter_no_such_call')
    }
    obj.closeNow()
    expect(error?.message).toMatch(/^attaching tp\/syscalls\/sys_enter_no_such_call: this kernel lacks the hook/)
    expect(error?.exitCode).toBe(ExitCode.unavailable)
  })
})
