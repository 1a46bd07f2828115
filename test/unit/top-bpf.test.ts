/** The pure parts of top's eBPF columns: run-queue histograms as interval deltas and their p99,
 * which exits count as short-lived around refresh boundaries (late rows included), and the JSON
 * document a frame with and without the engine gives. */
import {describe, expect, it} from 'vitest'

import {Histogram} from '../../src/engine/histogram.js'
import {histogramDelta, runqColumns} from '../../src/proc/bpf-runq.js'
import {ShortLivedCollector} from '../../src/proc/bpf-short-lived.js'
import {frameJson, frameText, snapshotJson} from '../../src/proc/document.js'
import {type BpfSample, frameOf} from '../../src/proc/frame.js'
import type {ProcSnapshot} from '../../src/proc/sampler.js'
import type {ExecRow} from '../../src/trace/exec/reducer.js'
import {ProcSampler} from '../../src/proc/sampler.js'
import {UserNames} from '../../src/proc/static-cache.js'

const FIXTURES = new URL('../fixtures/proc/tree', import.meta.url).pathname

describe('run-queue histograms over an interval', () => {
  it('the delta of two cumulative reads is the interval alone: its count, mean and p99', () => {
    const before = Histogram.of([1000, 2000, 3_000_000])
    const interval = [5000, 5000, 5000, 7000, 2_000_000]
    const after = Histogram.of([1000, 2000, 3_000_000, ...interval])
    const d = histogramDelta(after, before)
    expect(d.count).toBe(5)
    expect(d.sum).toBe(interval.reduce((a, b) => a + b, 0))
    const cols = runqColumns(d)
    expect(cols.runq_count).toBe(5)
    expect(cols.runq_avg_ns).toBe(Math.round((5000 * 3 + 7000 + 2_000_000) / 5))
    // p99 of 5 values is the largest: 2 ms, read as its bucket's midpoint (within 6.25%), never the
    // 3 ms of the earlier interval.
    expect(Math.abs(cols.runq_p99_ns! - 2_000_000) / 2_000_000).toBeLessThanOrEqual(0.0625)
  })

  it('p99 from buckets: of 1000 waits, 10 long ones leave p99 short, 11 make it long', () => {
    const h = new Histogram().add(10_000, 990).add(5_000_000, 10)
    const cols = runqColumns(histogramDelta(h, undefined))
    expect(Math.abs(cols.runq_p99_ns! - 10_000) / 10_000).toBeLessThanOrEqual(0.0625)
    const h2 = new Histogram().add(10_000, 989).add(5_000_000, 11)
    expect(Math.abs(runqColumns(h2).runq_p99_ns! - 5_000_000) / 5_000_000).toBeLessThanOrEqual(0.0625)
  })

  it('no waits in the interval: count 0, mean and p99 null', () => {
    const h = Histogram.of([100, 200])
    expect(runqColumns(histogramDelta(h, Histogram.of([100, 200])))).toEqual({runq_avg_ns: null, runq_p99_ns: null, runq_count: 0})
  })

  it('an entry made anew (its count went down) is the interval by itself', () => {
    const old = Histogram.of([1, 2, 3, 4, 5])
    const fresh = Histogram.of([700, 800])
    const d = histogramDelta(fresh, old)
    expect(d.count).toBe(2)
    expect(d.sum).toBe(1500)
    expect([...d.counts].every((c) => c >= 0)).toBe(true)
  })
})

function run(pid: number, startNs: number, endNs: number, over: Partial<ExecRow> = {}): ExecRow {
  return {
    phase: 'run',
    start_us: startNs / 1000,
    start_ns: startNs,
    pid,
    ppid: 1,
    uid: 0,
    comm: 'true',
    filename: '/usr/bin/true',
    argv: ['/bin/true'],
    argv_truncated: false,
    exec_errno: null,
    exit_code: 0,
    signal: null,
    core_dumped: false,
    duration_ns: endNs - startNs,
    end: 'exit',
    origin: 'exec',
    ...over,
  }
}

describe('short-lived processes between refreshes', () => {
  const S = 1e9
  it('started and ended within the interval: in; alive at a refresh: out; late rows go to the next list', () => {
    const c = new ShortLivedCollector(0, (ns) => 1_700_000_000_000_000 + ns / 1000)
    c.begin(1 * S)
    c.onRow(run(10, 1.2 * S, 1.3 * S)) // inside (1, 2]
    c.onRow(run(11, 0.9 * S, 1.1 * S)) // alive at 1 s
    c.onRow(run(12, 1.5 * S, 1.6 * S, {origin: 'fork', argv: [], exit_code: null, signal: 'SIGKILL'}))
    const first = c.take(2 * S)
    expect(first.processes.map((p) => p.pid)).toEqual([10, 12])
    expect(first.processes[0]).toMatchObject({command: '/bin/true', exit_code: 0, duration_ns: 0.1 * S})
    expect(first.processes[1]).toMatchObject({command: null, exit_code: 128 + 9})
    expect(first.processes[0].start_ts).toBe(new Date(1_700_000_000_000 + 1200).toISOString())
    // Arriving after the 2 s refresh: one that ended before it and started after 1 s is reported now
    // (late); one that started before 1 s lived across a refresh.
    c.onRow(run(13, 1.95 * S, 1.99 * S))
    c.onRow(run(14, 0.95 * S, 1.99 * S))
    c.onRow(run(15, 2.1 * S, 2.2 * S))
    c.onRow(run(16, 1.9 * S, 2.1 * S)) // across the 2 s refresh
    c.onRow(run(17, 2.1 * S, 2.2 * S, {end: 'exec'})) // replaced its image: its run goes on
    c.onRow(run(18, 0.1 * S, 2.2 * S, {origin: 'before'}))
    expect(c.take(3 * S).processes.map((p) => p.pid)).toEqual([13, 15])
    expect(c.take(4 * S).processes).toEqual([])
  })

  it('a storm is capped per refresh, and what did not fit is counted', () => {
    const c = new ShortLivedCollector(0, (ns) => ns / 1000, 3)
    for (let pid = 1; pid <= 5; pid++) c.onRow(run(pid, 10 + pid, 20 + pid))
    const out = c.take(100)
    expect(out.processes).toHaveLength(3)
    expect(out.dropped).toBe(2)
  })
})

describe('the JSON document of a frame', () => {
  function snapshot(): ProcSnapshot {
    const sampler = new ProcSampler({root: FIXTURES, users: new UserNames(new URL('../fixtures/proc/passwd', import.meta.url).pathname)})
    try {
      sampler.start()
      return sampler.sample()
    } finally {
      sampler.close()
    }
  }

  it('engine off: the fields of before, short_lived null, bpf off with its note', () => {
    const snap = snapshot()
    const rows = [...Array(snap.reading.count).keys()]
    const frame = frameOf(snap, null, {state: 'off', note: 'turned off (--no-bpf)', lost: 0})
    const doc = frameJson(frame, rows.map((i) => frame.processes[i])) as Record<string, unknown>
    expect(doc).toMatchObject({type: 'snapshot', short_lived: null, bpf: {state: 'off', note: 'turned off (--no-bpf)', lost: 0}})
    const procs = doc.processes as Record<string, unknown>[]
    expect(procs.length).toBe(snap.reading.count)
    for (const p of procs) expect(p).not.toHaveProperty('runq_count')
    // The same document from the snapshot itself (the former signature).
    expect((snapshotJson(snap, rows) as {processes: unknown[]}).processes).toEqual(procs)
  })

  it('engine on: every process carries every column it fills (0 / null when it did nothing)', () => {
    const snap = snapshot()
    const rows = [...Array(snap.reading.count).keys()]
    const pid = (snapshotJson(snap, rows) as {processes: {pid: number}[]}).processes[0].pid
    const bpf: BpfSample = {
      byPid: new Map([[pid, {runq_avg_ns: 1500, runq_p99_ns: 3000, runq_count: 7}]]),
      shortLived: [{pid: 99999, ppid: pid, comm: 'true', command: '/bin/true', uid: 0, exit_code: 0, start_ts: '2026-01-01T00:00:00.000Z', duration_ns: 1e6}],
      lost: 2,
      bpfRunNs: 0,
      note: 'no TCP columns: test',
      columns: ['runq_avg_ns', 'runq_p99_ns', 'runq_count'],
    }
    const frame = frameOf(snap, bpf)
    const doc = frameJson(frame, frame.processes) as {processes: Record<string, unknown>[]; short_lived: unknown[]; bpf: object}
    expect(doc.bpf).toEqual({state: 'on', note: 'no TCP columns: test', lost: 2, columns: ['runq_avg_ns', 'runq_p99_ns', 'runq_count']})
    expect(doc.short_lived).toEqual(bpf.shortLived)
    expect(doc.processes.find((p) => p.pid === pid)).toMatchObject({runq_avg_ns: 1500, runq_p99_ns: 3000, runq_count: 7})
    for (const p of doc.processes.filter((p) => p.pid !== pid)) {
      expect(p).toMatchObject({runq_avg_ns: null, runq_p99_ns: null, runq_count: 0})
      expect(p).not.toHaveProperty('tx_bytes_per_s') // not a column of this frame
    }
    const text = frameText(frame, frame.processes)
    expect(text.some((l) => /^eBPF: on, 2 lost \(no TCP columns: test\); 1 short-lived: true\[99999\]/.test(l))).toBe(true)
    expect(text.some((l) => /RQ-P99/.test(l))).toBe(true)
  })
})
