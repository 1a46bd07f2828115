/** Reads a trace file (format.ts) frame by frame, with the file's own judgement of where it ends: a
 * file cut short (killed recorder, full disk) yields every whole frame before the cut and says where
 * it was cut; bad input (not a trace, a newer format, corruption before the tail) is one MonitorError
 * with exit code 65. */
import {closeSync, fstatSync, openSync, readSync} from 'node:fs'
import {inflateRawSync} from 'node:zlib'

import {ExitCode, MonitorError} from '../../errors.js'
import {
  BATCH_PREFIX_BYTES,
  crc32,
  FORMAT_VERSION,
  FRAME_HEADER_BYTES,
  FrameFlag,
  FrameKind,
  MAGIC,
  MAX_FRAME_BYTES,
  PREAMBLE_BYTES,
  type TraceEnd,
  type TraceHeader,
  type TraceStats,
} from './format.js'

export type TraceFrame =
  | {kind: 'batch'; offset: number; receiptNs: number; records: Buffer}
  | {kind: 'stats'; offset: number; stats: TraceStats}
  | {kind: 'end'; offset: number; end: TraceEnd}
  /** A sample in the recorded command's own encoding (format.ts), inflated. */
  | {kind: 'sample'; offset: number; payload: Buffer}

/** Where and why a file stops short of its end frame. */
export interface TraceCut {
  /** Byte offset of the first byte not read. */
  offset: number
  reason: string
}

type RawFrame = {kind: number; flags: number; payload: Buffer; next: number}

export class TraceFileReader {
  readonly header: TraceHeader
  readonly size: number
  /** The state frame's value (format.ts: the frame after the header), undefined without one. */
  readonly state: unknown
  /** Set once frames() ran into the end of a file without its end frame. */
  cut: TraceCut | undefined
  private fd: number | undefined
  private readonly framesAt: number

  private constructor(
    readonly path: string,
    fd: number,
  ) {
    this.fd = fd
    this.size = fstatSync(fd).size
    const pre = this.read(0, Math.min(PREAMBLE_BYTES, this.size))
    if (pre.length < MAGIC.length || !pre.subarray(0, MAGIC.length).equals(MAGIC)) throw this.corrupt('not a monitor trace file (wrong magic)')
    if (pre.length < PREAMBLE_BYTES) throw this.corrupt('not a complete trace file (cut inside its preamble)')
    const version = pre.readUInt32LE(8)
    if (version !== FORMAT_VERSION) {
      throw this.corrupt(`trace file format version ${version} is not one this monitor reads (it reads version ${FORMAT_VERSION}): convert it with the monitor that wrote it`)
    }
    const first = this.frameAt(PREAMBLE_BYTES)
    if (!('payload' in first)) throw this.corrupt(`not a complete trace file (${first.reason} before its header ended)`)
    if (first.kind !== FrameKind.header) throw this.corrupt('not a trace file: its first frame is not a header')
    this.header = this.parseJson(first.payload, PREAMBLE_BYTES) as TraceHeader
    if (typeof this.header?.command !== 'string') throw this.corrupt('its header names no command')
    this.framesAt = first.next
    // The start-up state, when recorded, comes next (its kind byte is peeked first, so a first batch
    // is not read twice); a file cut inside it reads as cut there.
    const isState = first.next + FRAME_HEADER_BYTES <= this.size && this.read(first.next + 8, 1)[0] === FrameKind.state
    const second = isState ? this.frameAt(first.next) : undefined
    if (second && 'payload' in second && second.kind === FrameKind.state) {
      this.state = this.parseJson(second.payload, first.next)
      this.framesAt = second.next
    }
  }

  /** Opens a trace file and reads its header. */
  static open(path: string): TraceFileReader {
    let fd: number
    try {
      fd = openSync(path, 'r')
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code
      const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'it is a directory' : code
      throw new MonitorError(`${path}: ${why}`, {exitCode: ExitCode.usage, cause: error})
    }
    try {
      if (fstatSync(fd).isDirectory()) throw new MonitorError(`${path}: it is a directory`, {exitCode: ExitCode.usage})
      return new TraceFileReader(path, fd)
    } catch (error) {
      closeSync(fd)
      throw error
    }
  }

  /** Every frame after the header (or from `from`, the offset of a frame frames() yielded before),
   * in file order. At the end, `cut` says whether the file was cut. */
  *frames(from = this.framesAt): Generator<TraceFrame> {
    let at = from
    this.cut = undefined
    for (;;) {
      if (at === this.size) {
        this.cut = {offset: at, reason: 'it has no end frame (the recording did not finish)'}
        return
      }
      const f = this.frameAt(at)
      if (!('payload' in f)) {
        this.cut = {offset: at, reason: f.reason}
        return
      }
      const offset = at
      at = f.next
      switch (f.kind) {
        case FrameKind.batch:
          if (f.payload.length < BATCH_PREFIX_BYTES) throw this.corrupt(`batch frame at byte ${offset} is too short`)
          yield {kind: 'batch', offset, receiptNs: f.payload.readUInt32LE(0) + f.payload.readUInt32LE(4) * 0x1_0000_0000, records: f.payload.subarray(BATCH_PREFIX_BYTES)}
          break
        case FrameKind.stats:
          yield {kind: 'stats', offset, stats: this.parseJson(f.payload, offset) as TraceStats}
          break
        case FrameKind.sample:
          yield {kind: 'sample', offset, payload: f.payload}
          break
        case FrameKind.end:
          yield {kind: 'end', offset, end: this.parseJson(f.payload, offset) as TraceEnd}
          return // nothing after the end frame is the recording's
        default:
          break // a kind a later version added: skipped
      }
    }
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd)
    this.fd = undefined
  }

  private read(position: number, length: number): Buffer {
    const buf = Buffer.allocUnsafe(length)
    let n = 0
    while (n < length) {
      const got = readSync(this.fd!, buf, n, length - n, position + n)
      if (got === 0) break
      n += got
    }
    return buf.subarray(0, n)
  }

  /** The frame at `at`, or why the file ends there (a cut). Throws on corruption before the tail. */
  private frameAt(at: number): RawFrame | {reason: string} {
    const left = this.size - at
    if (left < FRAME_HEADER_BYTES) return {reason: `it is cut inside a frame header at byte ${at}`}
    const head = this.read(at, FRAME_HEADER_BYTES)
    const length = head.readUInt32LE(4)
    const next = at + FRAME_HEADER_BYTES + length
    if (length > MAX_FRAME_BYTES) return this.damaged(at, `the frame at byte ${at} claims ${length} bytes`)
    if (next > this.size) return {reason: `it is cut inside the frame at byte ${at} (${this.size - at} of ${FRAME_HEADER_BYTES + length} bytes)`}
    let payload = this.read(at + FRAME_HEADER_BYTES, length)
    if (crc32(payload, crc32(head.subarray(4))) !== head.readUInt32LE(0)) return this.damaged(at, `checksum mismatch in the frame at byte ${at}`, next)
    const flags = head.readUInt8(9)
    if (flags & FrameFlag.deflated) {
      try {
        payload = inflateRawSync(payload, {maxOutputLength: MAX_FRAME_BYTES})
      } catch (error) {
        throw this.corrupt(`the frame at byte ${at} does not inflate: ${(error as Error).message}`)
      }
    }
    return {kind: head.readUInt8(8), flags, payload, next}
  }

  /** A damaged frame is a cut when nothing whole follows it (a torn last write, or the zeros a
   * crash can leave at the end of a file); anywhere else it is corruption. */
  private damaged(at: number, what: string, next?: number): {reason: string} {
    if (next === this.size || this.zerosFrom(at)) return {reason: `${what} (a torn last write)`}
    throw this.corrupt(`${what}: the file is corrupt`)
  }

  private zerosFrom(at: number): boolean {
    for (let pos = at; pos < this.size; pos += 1 << 20) {
      const chunk = this.read(pos, Math.min(1 << 20, this.size - pos))
      for (let i = 0; i < chunk.length; i++) if (chunk[i] !== 0) return false
    }
    return true
  }

  private parseJson(payload: Buffer, offset: number): unknown {
    try {
      return JSON.parse(payload.toString('utf8'))
    } catch {
      throw this.corrupt(`the frame at byte ${offset} is not the JSON it should be`)
    }
  }

  private corrupt(what: string): MonitorError {
    return new MonitorError(`${this.path}: ${what}`, {exitCode: ExitCode.dataError})
  }
}
