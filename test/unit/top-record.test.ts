/** `top --record` / `--replay` without /proc: the delta encoder (new, gone and changed processes,
 * keyframes, pid reuse, fields that come and go, fields it has never heard of), the recorder's file
 * read back through ReplayFrameSource (in order, seeking, cut at every byte of its tail), and what
 * bad files say. */
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, describe, expect, it} from 'vitest'

import {ExitCode, MonitorError} from '../../src/errors.js'
import type {FrameProcess, TopFrame} from '../../src/proc/frame.js'
import {SAMPLE_PREFIX_BYTES, sampleHead, TopSampleDecoder, TopSampleEncoder} from '../../src/proc/recording-codec.js'
import {describeTopRecording, openIfTopRecording, TopRecorder} from '../../src/proc/recording.js'
import {ReplayFrameSource} from '../../src/proc/recording-source.js'
import {TraceFileWriter} from '../../src/trace/file/writer.js'
import {testHeader} from '../support/trace-header.js'

const dir = mkdtempSync(join(tmpdir(), 'monitor-top-record-'))
afterAll(() => rmSync(dir, {recursive: true, force: true}))
let files = 0
const scratch = () => join(dir, `r${files++}.trace`)

const T0 = Date.parse('2026-12-03T10:00:00.000Z')

function proc(pid: number, over: Partial<FrameProcess> = {}): FrameProcess {
  return {
    pid,
    ppid: 1,
    user: 'root',
    uid: 0,
    state: 'S',
    priority: 20,
    nice: 0,
    threads: 1,
    cpu_percent: 0,
    mem_percent: 0.01,
    rss_bytes: 4096 * pid,
    shared_bytes: 4096,
    virt_bytes: 1 << 24,
    cpu_time_s: 0.5,
    start_ts: new Date(T0 - 3600_000 + pid * 10).toISOString(),
    processor: pid % 2,
    cgroup: '/system.slice/x.service',
    container: null,
    command: `sleep ${pid}`,
    comm: 'sleep',
    ...over,
  }
}

function frame(i: number, processes: FrameProcess[], over: Partial<TopFrame> = {}): TopFrame {
  return {
    epochMs: T0 + i * 1000,
    intervalS: 1.000123,
    mode: 'core',
    system: {
      cpuPercent: 3.5 + i,
      perCpuPercent: [1.5, 5.25],
      memory: {totalBytes: 8 << 30, availableBytes: 6 << 30, freeBytes: 5 << 30, buffersBytes: 1 << 20, cachedBytes: 1 << 29, shmemBytes: 1 << 20, swapTotalBytes: 0, swapFreeBytes: 0},
      load: {load1: 0.1, load5: 0.2, load15: 0.3, runnable: 1, entities: 300},
      uptimeS: 1000 + i,
      pressure: {cpu: {some: {avg10: 0.5, avg60: 0.1, avg300: 0, totalUs: 123 + i}, full: null}, memory: null, io: null},
      tasks: {total: processes.length, running: 1, sleeping: processes.length - 1, stopped: 0, zombie: 0, threads: processes.length, kernelThreads: 0},
    },
    self: {pid: 42, cpu_percent: 0.7, rss_bytes: 60 << 20},
    processes,
    shortLived: null,
    bpf: {state: 'off', note: null, lost: 0},
    ...over,
  }
}

/** What a sample holds (its JSON body). */
const body = (payload: Buffer) => JSON.parse(payload.toString('utf8', SAMPLE_PREFIX_BYTES)) as Record<string, unknown> & {set?: Record<string, unknown>}

/** Encodes and decodes each frame in turn; every decoded frame must print as the original. */
function roundTrip(frames: TopFrame[], keyframeEvery = 30): {payloads: Buffer[]; decoded: TopFrame[]} {
  const enc = new TopSampleEncoder(keyframeEvery)
  const dec = new TopSampleDecoder()
  const payloads = frames.map((f) => enc.encode(f))
  const decoded = payloads.map((p) => dec.decode(p))
  decoded.forEach((d, i) => expect(JSON.stringify(d), `frame ${i}`).toBe(JSON.stringify(frames[i])))
  return {payloads, decoded}
}

describe('top sample encoder', () => {
  it('the first sample holds every process; one that did not change holds none of them', () => {
    const procs = Array.from({length: 200}, (_, i) => proc(100 + i))
    const {payloads} = roundTrip([frame(0, procs), frame(1, procs.map((p) => ({...p})))])
    expect(sampleHead(payloads[0])).toEqual({keyframe: true, index: 0, epochMs: T0})
    expect(sampleHead(payloads[1])).toEqual({keyframe: false, index: 1, epochMs: T0 + 1000})
    const b = body(payloads[1])
    expect(b.add).toBeUndefined()
    expect(b.gone).toBeUndefined()
    expect(b.set).toBeUndefined()
    expect(payloads[1].length).toBeLessThan(payloads[0].length / 20)
  })

  it('new processes whole, gone ones as positions, kept ones with only the fields that changed', () => {
    const a = [proc(10), proc(11), proc(12), proc(13)]
    const b = [proc(10, {cpu_time_s: 0.75, rss_bytes: 1 << 20}), proc(12), proc(13, {state: 'R', cpu_percent: 12.5}), proc(14, {command: 'new one', user: 'alice', uid: 1000})]
    const {payloads, decoded} = roundTrip([frame(0, a), frame(1, b)])
    const d = body(payloads[1]) as {gone: number[]; add: {at: number[]; cols: Record<string, unknown>}; set: Record<string, [number[], unknown]>}
    expect(d.gone).toEqual([1]) // pid 11, second in the sample before
    expect(d.add.at).toEqual([3])
    expect(Object.keys(d.add.cols)).toContain('command')
    expect(JSON.stringify(d.add.cols)).toContain('new one')
    // Only what changed, and none of the strings of kept processes.
    expect(Object.keys(d.set).sort()).toEqual(['cpu_percent', 'cpu_time_s', 'rss_bytes', 'state'])
    expect(JSON.stringify(d.set)).not.toContain('sleep')
    expect(decoded[1].processes.map((p) => p.pid)).toEqual([10, 12, 13, 14])
  })

  it('a pid reused by a process with a new start time is a gone process and a new one', () => {
    const before = [proc(10), proc(20)]
    const reused = proc(20, {start_ts: new Date(T0 + 500).toISOString(), command: 'other', comm: 'other'})
    const {payloads} = roundTrip([frame(0, before), frame(1, [proc(10), reused])])
    const d = body(payloads[1]) as {gone: number[]; add: {at: number[]}; set?: unknown}
    expect(d.gone).toEqual([1])
    expect(d.add.at).toEqual([1])
    expect(d.set).toBeUndefined()
    // Start times that only wobble (as live ones do between refreshes) are the same process's.
    const wobble = proc(20, {start_ts: new Date(Date.parse(before[1].start_ts) + 2).toISOString()})
    const w = roundTrip([frame(0, before), frame(1, [proc(10), wobble])]).payloads[1]
    expect(body(w)).toMatchObject({set: {start_ts: [[1], {q: [2]}]}})
    expect(body(w).add).toBeUndefined()
  })

  it('a keyframe every K samples: each decodes on its own, a delta only after the sample before it', () => {
    const frames = Array.from({length: 7}, (_, i) => frame(i, [proc(10, {cpu_time_s: i}), proc(11)]))
    const {payloads} = roundTrip(frames, 3)
    expect(payloads.map((p) => sampleHead(p).keyframe)).toEqual([true, false, false, true, false, false, true])
    const fresh = new TopSampleDecoder()
    expect(JSON.stringify(fresh.decode(payloads[3]))).toBe(JSON.stringify(frames[3]))
    expect(JSON.stringify(fresh.decode(payloads[4]))).toBe(JSON.stringify(frames[4]))
    expect(() => new TopSampleDecoder().decode(payloads[5])).toThrow(/sample 5 is a delta/)
    expect(() => fresh.decode(payloads[1])).toThrow(/delta/)
  })

  it('eBPF columns that come and go, nulls, a short-lived list, fields it has never heard of: all as they were', () => {
    const frames = [
      frame(0, [proc(10, {tx_bytes_per_s: 100, runq_avg_ns: null, runq_count: 0}), proc(11)], {
        shortLived: [{pid: 99, ppid: 10, comm: 'true', command: null, uid: 0, exit_code: 0, start_ts: new Date(T0).toISOString(), duration_ns: 1234567}],
        bpf: {state: 'on', note: null, lost: 2},
      }),
      frame(1, [proc(10, {runq_avg_ns: 5000, runq_p99_ns: 9000, runq_count: 4}), proc(11, {tx_bytes_per_s: 5, rx_bytes_per_s: 7})], {shortLived: [], bpf: {state: 'on', note: null, lost: 0}}),
      // Keys in another order than before, and a field no version of the format knew.
      frame(2, [proc(10, {runq_count: 1, tx_bytes_per_s: 1}), {...proc(11), gpu_util_percent: 3.25} as FrameProcess], {shortLived: null}),
      frame(3, [proc(10), {...proc(11), gpu_util_percent: 3.5} as FrameProcess]),
    ]
    ;(frames[3] as unknown as Record<string, unknown>).newFrameField = {a: [1, 2]}
    roundTrip(frames)
  })

  it('kept processes out of their earlier order start a keyframe (a delta keeps the order)', () => {
    const {payloads, decoded} = roundTrip([frame(0, [proc(10), proc(11), proc(12)]), frame(1, [proc(12), proc(10), proc(11)])])
    expect(sampleHead(payloads[1]).keyframe).toBe(true)
    expect(decoded[1].processes.map((p) => p.pid)).toEqual([12, 10, 11])
  })

  it('random frames: processes come, go and change at random, every sample replays exactly', () => {
    let seed = 7
    const rand = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff)
    let procs = Array.from({length: 50}, (_, i) => proc(100 + i * 3))
    let nextPid = 400
    const frames: TopFrame[] = []
    for (let i = 0; i < 40; i++) {
      procs = procs.filter(() => rand() > 0.05).map((p) => (rand() < 0.3 ? {...p, cpu_time_s: Math.round((p.cpu_time_s + rand()) * 100) / 100, rss_bytes: p.rss_bytes + 4096, state: rand() < 0.5 ? 'R' : 'S'} : {...p}))
      for (let n = Math.floor(rand() * 4); n > 0; n--) procs.push(proc(nextPid++, rand() < 0.5 ? {tx_bytes_per_s: Math.floor(rand() * 1e6)} : {}))
      frames.push(frame(i, procs))
    }
    roundTrip(frames, 8)
  })
})

describe('top recording file', () => {
  const frames = Array.from({length: 12}, (_, i) => frame(i, [proc(10, {cpu_time_s: i / 4}), proc(11 + (i >> 2)), proc(30)]))

  async function record(path: string, keyframeEvery = 5): Promise<void> {
    const rec = new TopRecorder(path, {intervalS: 1, mode: 'core', keyframeEvery})
    for (const f of frames) rec.write(f)
    await rec.close()
  }

  const same = (got: TopFrame | null, i: number) => expect(JSON.stringify(got), `frame ${i}`).toBe(JSON.stringify(frames[i]))

  it('replays every frame in order, seeks back and forth, and says what it holds', async () => {
    const path = scratch()
    await record(path)
    const src = ReplayFrameSource.open(path)
    expect(src.live).toBe(false)
    expect(src.length).toBe(12)
    expect(src.file.cut).toBeUndefined()
    for (let i = 0; i < 12; i++) same(await src.next(), i)
    expect(await src.next()).toBeNull()
    for (const i of [7, 6, 0, 11, 4, 5, 3]) {
      same(src.seek(i), i)
      expect(src.index).toBe(i)
    }
    same(await src.next(), 4)
    same(src.seek(99), 11)
    expect(describeTopRecording(src.file)).toBe(
      `top recording, 12 samples every 1 s, from 2026-12-03T10:00:00.000Z to 2026-12-03T10:00:11.000Z: replay it with \`monitor top --replay ${path}\``,
    )
    src.close()
  })

  it('paced, next() waits as long as the recording did between two samples', async () => {
    const path = scratch()
    const rec = new TopRecorder(path, {intervalS: 0.15, mode: 'core'})
    for (let i = 0; i < 3; i++) rec.write(frame(0, [proc(10)], {epochMs: T0 + i * 150}))
    await rec.close()
    const src = ReplayFrameSource.open(path, {paced: true})
    await src.next() // the first at once
    const t0 = performance.now()
    await src.next()
    await src.next()
    // At least the recorded 300 ms (a loaded machine only makes it longer).
    expect(performance.now() - t0).toBeGreaterThanOrEqual(290)
    expect(await src.next()).toBeNull()
    src.close()
  })

  it('cut at every byte of its last samples: the whole samples before the cut replay, and it says where', async () => {
    const path = scratch()
    await record(path, 4)
    const whole = readFileSync(path)
    const full = openIfTopRecording(path)!
    full.reader.close()
    // Where each sample frame ends: its 12-byte frame header says how long it is.
    const ends = full.samples.map((s) => s.offset + 12 + whole.readUInt32LE(s.offset + 4))
    const cutPath = scratch()
    for (let size = full.samples[8].offset; size < whole.length; size++) {
      writeFileSync(cutPath, whole.subarray(0, size))
      const src = ReplayFrameSource.open(cutPath)
      expect(src.length, `cut at ${size}`).toBe(ends.filter((end) => end <= size).length)
      expect(src.file.cut, `cut at ${size}`).toBeDefined()
      for (let i = 0; i < src.length; i++) same(await src.next(), i)
      src.close()
    }
  })

  it('a corrupt file, a tracer recording and a file that is no recording are one error each (exit 65)', async () => {
    const path = scratch()
    await record(path)
    const bytes = readFileSync(path)
    const bad = Buffer.from(bytes)
    const at = openIfTopRecording(path)!
    at.reader.close()
    bad[at.samples[3].offset + 20] ^= 0xff // inside a sample, far from the end
    const badPath = scratch()
    writeFileSync(badPath, bad)
    const tracePath = scratch()
    const w = new TraceFileWriter(tracePath)
    w.begin(testHeader({command: 'trace exec', options: {}, programs: [], layouts: {}}, 0, 0))
    await w.close()
    const junk = scratch()
    writeFileSync(junk, 'not a trace at all\n')
    for (const [p, message] of [
      [badPath, /checksum mismatch .* corrupt/],
      [tracePath, /a `monitor trace exec` recording, not a top recording/],
      [junk, /not a monitor trace file/],
    ] as const) {
      let caught: unknown
      try {
        ReplayFrameSource.open(p).close()
      } catch (error) {
        caught = error
      }
      expect(caught, p).toBeInstanceOf(MonitorError)
      expect((caught as MonitorError).message).toMatch(message)
      expect((caught as MonitorError).message).not.toContain('\n')
      expect((caught as MonitorError).exitCode).toBe(ExitCode.dataError)
    }
    expect(openIfTopRecording(tracePath)).toBeNull()
  })
})
