/** The trace-file container (src/trace/file): round trip, a file cut at every byte of its last batch
 * still reads the batches before it, and bad input is one error with exit code 65. */
import {execFileSync} from 'node:child_process'
import {closeSync, constants, mkdtempSync, openSync, readFileSync, readSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import * as zlib from 'node:zlib'
import {afterAll, describe, expect, it} from 'vitest'

import {ExitCode, MonitorError} from '../../src/errors.js'
import {crc32, encodeFrame, FRAME_HEADER_BYTES, FrameKind, PREAMBLE_BYTES, tableCrc32} from '../../src/trace/file/format.js'
import {type TraceFrame, TraceFileReader} from '../../src/trace/file/reader.js'
import {TraceFileWriter} from '../../src/trace/file/writer.js'
import {packRecords} from '../../src/engine/records.js'

const dir = mkdtempSync(join(tmpdir(), 'monitor-trace-file-'))
afterAll(() => rmSync(dir, {recursive: true, force: true}))
let n = 0
const scratch = () => join(dir, `t${n++}.trace`)

const HEADER = {command: 'trace test', options: {x: 1}, programs: ['p'], layouts: {}, host: 'h', kernel: 'k', monitor_version: '0', mono_to_real_offset_us: 1e15, start_ns: 5e9, start_ts: '', pid: 1}

function batch(i: number, records = 3): Buffer {
  return packRecords(Array.from({length: records}, (_, r) => Buffer.from(`batch ${i} record ${r} ${'x'.repeat(r * 5)}`)))
}

/** A file of `batches` batches, a stats frame after the first, and (unless `end` is false) an end frame. */
async function writeTrace(path: string, batches: Buffer[], end = true): Promise<void> {
  const w = new TraceFileWriter(path)
  w.begin(HEADER)
  batches.forEach((b, i) => {
    w.batch(b, 6e9 + i * 1e6)
    if (i === 0) w.json(FrameKind.stats, {ns: 6e9, lost: {ringbuf_reserve: 2}})
  })
  if (end) w.json(FrameKind.end, {ns: 9e9, duration_s: 4, counts: {n: batches.length}, lost: {ringbuf_reserve: 2}, lost_total: 2})
  await w.close()
}

function readAll(path: string): {reader: TraceFileReader; frames: TraceFrame[]} {
  const reader = TraceFileReader.open(path)
  const frames = [...reader.frames()]
  reader.close()
  return {reader, frames}
}

const batchesOf = (frames: TraceFrame[]) => frames.filter((f) => f.kind === 'batch').map((f) => (f as {records: Buffer}).records)

function expectError(path: string, message: RegExp, exitCode: number = ExitCode.dataError): void {
  let caught: unknown
  try {
    readAll(path)
  } catch (error) {
    caught = error
  }
  expect(caught).toBeInstanceOf(MonitorError)
  expect((caught as MonitorError).message).toMatch(message)
  expect((caught as MonitorError).exitCode).toBe(exitCode)
}

describe('trace file', () => {
  it('checksums with CRC-32 as zlib does, with or without node:zlib.crc32', () => {
    expect(tableCrc32(Buffer.from('123456789'))).toBe(0xcbf43926)
    expect(crc32(Buffer.from('123456789'))).toBe(0xcbf43926)
    const data = Buffer.from(Array.from({length: 1000}, (_, i) => (i * 7919) & 0xff))
    expect(tableCrc32(data.subarray(300), tableCrc32(data.subarray(0, 300)))).toBe(tableCrc32(data))
    const z = (zlib as {crc32?: (d: Uint8Array) => number}).crc32
    if (z) expect(tableCrc32(data)).toBe(z(data))
  })

  it('reads back the header, every batch byte for byte with its receipt time, the stats and the end', async () => {
    const path = scratch()
    const batches = [batch(0), batch(1, 1), batch(2, 10)]
    await writeTrace(path, batches)
    const {reader, frames} = readAll(path)
    expect(reader.header).toEqual(HEADER)
    expect(reader.cut).toBeUndefined()
    expect(frames.map((f) => f.kind)).toEqual(['batch', 'stats', 'batch', 'batch', 'end'])
    expect(batchesOf(frames)).toEqual(batches)
    expect(frames.filter((f) => f.kind === 'batch').map((f) => (f as {receiptNs: number}).receiptNs)).toEqual([6e9, 6e9 + 1e6, 6e9 + 2e6])
    expect(frames.at(-1)).toMatchObject({kind: 'end', end: {counts: {n: 3}, lost_total: 2}})
  })

  it('deflates batches big enough to pay, in file order with the frames around them, and inflates them back', async () => {
    const path = scratch()
    const w = new TraceFileWriter(path)
    w.begin(HEADER)
    const batches = Array.from({length: 40}, (_, i) => batch(i, i % 3 === 0 ? 2 : 60)) // small ones stay raw
    batches.forEach((b, i) => {
      w.batch(b, i)
      w.json(FrameKind.stats, {ns: i, lost: {}})
    })
    await w.close()
    const {frames} = readAll(path)
    expect(batchesOf(frames)).toEqual(batches)
    expect(frames.map((f) => (f.kind === 'stats' ? f.stats.ns : f.kind === 'batch' ? f.receiptNs : -1))).toEqual(batches.flatMap((_, i) => [i, i]))
    // The flags byte of each batch frame: 60-record batches deflated, 2-record ones not.
    const bytes = readFileSync(path)
    const flags: number[] = []
    for (let at = PREAMBLE_BYTES; at < bytes.length; at += FRAME_HEADER_BYTES + bytes.readUInt32LE(at + 4)) {
      if (bytes[at + 8] === FrameKind.batch) flags.push(bytes[at + 9])
    }
    expect(flags).toEqual(batches.map((_, i) => (i % 3 === 0 ? 0 : 1)))
    const raw = batches.reduce((n, b) => n + b.length, 0)
    expect(bytes.length).toBeLessThan(raw / 3)
  })

  it('reads a file cut at any byte of its last batch up to the batch before, and says where it was cut', async () => {
    const whole = scratch()
    const batches = [batch(0), batch(1), batch(2, 60)] // the last one deflated
    await writeTrace(whole, batches, false)
    const bytes = readFileSync(whole)
    let lastAt = PREAMBLE_BYTES
    while (lastAt + FRAME_HEADER_BYTES + bytes.readUInt32LE(lastAt + 4) < bytes.length) lastAt += FRAME_HEADER_BYTES + bytes.readUInt32LE(lastAt + 4)
    expect(bytes[lastAt + 9]).toBe(1)
    const {frames: all, reader: full} = readAll(whole)
    expect(batchesOf(all)).toEqual(batches)
    expect(full.cut).toMatchObject({offset: bytes.length, reason: expect.stringMatching(/no end frame/)})
    const path = scratch()
    for (let cut = lastAt; cut < bytes.length; cut++) {
      writeFileSync(path, bytes.subarray(0, cut))
      const {reader, frames} = readAll(path)
      expect(batchesOf(frames), `cut at ${cut}`).toEqual(batches.slice(0, 2))
      expect(reader.cut?.offset, `cut at ${cut}`).toBe(lastAt)
    }
  })

  it('takes a torn last frame (bad checksum, or zeros) as a cut, but a bad checksum before it as corruption', async () => {
    const whole = scratch()
    await writeTrace(whole, [batch(0), batch(1), batch(2)], false)
    const bytes = readFileSync(whole)
    const path = scratch()

    const tornLast = Buffer.from(bytes)
    tornLast[tornLast.length - 3] ^= 0xff
    writeFileSync(path, tornLast)
    const torn = readAll(path)
    expect(batchesOf(torn.frames)).toHaveLength(2)
    expect(torn.reader.cut?.reason).toMatch(/checksum mismatch.*torn/)

    writeFileSync(path, Buffer.concat([bytes, Buffer.alloc(4096)]))
    const zeros = readAll(path)
    expect(batchesOf(zeros.frames)).toHaveLength(3)
    expect(zeros.reader.cut).toBeDefined()

    const flipped = Buffer.from(bytes)
    const firstBatchPayload = PREAMBLE_BYTES + FRAME_HEADER_BYTES + flipped.readUInt32LE(PREAMBLE_BYTES + 4) + FRAME_HEADER_BYTES + 10
    flipped[firstBatchPayload] ^= 1
    writeFileSync(path, flipped)
    expectError(path, /checksum mismatch in the frame at byte \d+: the file is corrupt/)
  })

  it('skips frame kinds it does not know (a later version may add some)', async () => {
    const whole = scratch()
    await writeTrace(whole, [batch(0)], false)
    const path = scratch()
    writeFileSync(path, Buffer.concat([readFileSync(whole), encodeFrame(99 as FrameKind, Buffer.from('future')), encodeFrame(FrameKind.end, Buffer.from('{"ns":1}'))]))
    const {reader, frames} = readAll(path)
    expect(frames.map((f) => f.kind)).toEqual(['batch', 'stats', 'end'])
    expect(reader.cut).toBeUndefined()
  })

  it('refuses what is not a trace file, a newer format, a cut header, a missing file, one line each', async () => {
    const path = scratch()
    writeFileSync(path, 'hello, this is text and not a trace\n')
    expectError(path, /not a monitor trace file \(wrong magic\)/)
    writeFileSync(path, '')
    expectError(path, /wrong magic/)

    const whole = scratch()
    await writeTrace(whole, [batch(0)])
    const bytes = readFileSync(whole)
    const newer = Buffer.from(bytes)
    newer.writeUInt32LE(2, 8)
    writeFileSync(path, newer)
    expectError(path, /format version 2 is not one this monitor reads/)
    writeFileSync(path, bytes.subarray(0, PREAMBLE_BYTES + 20))
    expectError(path, /not a complete trace file \(it is cut inside the frame at byte 16/)
    expectError(join(dir, 'missing.trace'), /missing\.trace: no such file/, ExitCode.usage)
    expectError(dir, /it is a directory/, ExitCode.usage)
  })

  it('fails to create a file it cannot, and to write one the disk refuses, with one line', () => {
    expect(() => new TraceFileWriter(join(dir, 'no/such/dir.trace'))).toThrow(/cannot create .*: no such directory/)
    const full = new TraceFileWriter('/dev/full')
    expect(() => full.begin(HEADER)).toThrow(/cannot write \/dev\/full: no space left on the device/)
  })

  it('says when the disk is behind (above 8 MiB queued) and when it caught up, like the line writer', async () => {
    // A FIFO nobody reads yet stands for a stalled disk.
    const fifo = join(dir, 'slow.fifo')
    execFileSync('mkfifo', [fifo])
    const reader = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK)
    const events: string[] = []
    const w = new TraceFileWriter(fifo, {deflate: false, onCongested: () => events.push('congested'), onDrained: () => events.push('drained')})
    w.begin(HEADER)
    const big = Buffer.alloc(256 * 1024, 7)
    for (let i = 0; i < 40 && !events.length; i++) w.batch(big, i)
    expect(events).toEqual(['congested'])
    expect(w.pending).toBeGreaterThanOrEqual(8 << 20)
    // The reader catches up: drained once at most 2 MiB wait.
    const chunk = Buffer.alloc(1 << 20)
    for (let spins = 0; !events.includes('drained') && spins < 100_000; spins++) {
      try {
        readSync(reader, chunk)
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') throw error
        await new Promise((r) => setImmediate(r))
      }
    }
    expect(events).toEqual(['congested', 'drained'])
    expect(w.pending).toBeLessThanOrEqual(2 << 20)
    w.closeNow()
    closeSync(reader)
  })

  it('keeps the frames of batches written after the reader opened it out of an earlier read (append only)', async () => {
    // A file being recorded is readable at any moment: a reader sees a cut trace up to the last whole frame.
    const path = scratch()
    const w = new TraceFileWriter(path)
    w.begin(HEADER)
    w.batch(batch(0), 1)
    await w.flushed()
    const early = readAll(path)
    expect(batchesOf(early.frames)).toHaveLength(1)
    expect(early.reader.cut).toBeDefined()
    w.closeNow()
  })
})
