/** Writes a trace file (format.ts) without holding up the live path: a batch is deflated (level 1,
 * small state: exec records shrink ~8× for ~0.6 µs of CPU per record, cheaper in all than a round trip
 * through the thread pool — bench/tracefile/README.md) or copied (its memory is reused), queued, and
 * written in the background with one writev per turn. Like the line writer it passes the disk's pace
 * back — congested above HIGH_WATER queued bytes, drained below LOW_WATER — so a slow disk pauses the
 * ring (records wait in the kernel, overflows are counted) instead of growing memory. A write error
 * fails the recording at once. */
import {closeSync, fsync, openSync, close as closeFd, writeSync, writev, writevSync} from 'node:fs'
import {deflateRawSync, type ZlibOptions} from 'node:zlib'

import {ExitCode, MonitorError} from '../../errors.js'
import {BATCH_PREFIX_BYTES, encodeFrame, FRAME_HEADER_BYTES, FrameFlag, FrameKind, jsonFrame, preamble, sealFrame} from './format.js'

export interface TraceWriterEvents {
  /** The disk is behind: stop producing. */
  onCongested?: () => void
  /** It caught up. */
  onDrained?: () => void
  /** A write failed (the file is closed; what was written before still reads). */
  onError?: (error: MonitorError) => void
}

export interface TraceWriterOptions extends TraceWriterEvents {
  /** Deflate batches (default true; MONITOR_RECORD_DEFLATE=0 turns it off for bench/tracefile). */
  deflate?: boolean
}

/** Batches smaller than this are stored as they are: deflate's fixed cost outweighs what it saves. */
const MIN_DEFLATE_BYTES = 512
/** Level 1 with a 4 KiB window and small hash tables: as small a file as the defaults give for exec
 * records, at 30% less CPU (most of deflate's cost per batch is setting up its state). */
export const DEFLATE_OPTIONS = {level: 1, memLevel: 4, windowBits: 12}

const HIGH_WATER = 8 << 20
const LOW_WATER = 2 << 20
/** writev takes at most IOV_MAX (1024) buffers. */
const MAX_IOV = 1024

export class TraceFileWriter {
  /** Bytes handed to the OS so far (the file's size, once the queue is empty). */
  written = 0
  private readonly queue: Buffer[] = []
  private queued = 0
  private writing = false
  private congested = false
  private failure: MonitorError | undefined
  private fd: number | undefined
  private idle: (() => void)[] = []
  private begun = false
  private fdInFlight: number | undefined
  private readonly deflate: boolean

  /** Creates (or truncates) the file now, so a path that cannot be written fails before tracing starts. */
  constructor(
    readonly path: string,
    private readonly events: TraceWriterOptions = {},
  ) {
    this.deflate = events.deflate ?? process.env.MONITOR_RECORD_DEFLATE !== '0'
    try {
      this.fd = openSync(path, 'w', 0o644)
    } catch (error) {
      throw new MonitorError(`cannot create ${path}: ${describeIoError(error)}`, {exitCode: ExitCode.usage, cause: error})
    }
  }

  /** Writes the preamble and the header frame synchronously: from here on the file is a valid trace
   * file, even if nothing else ever reaches it. */
  begin(header: unknown): void {
    try {
      const head = Buffer.concat([preamble(), jsonFrame(FrameKind.header, header)])
      writeSync(this.fd!, head)
      this.written = head.length
      this.begun = true
    } catch (error) {
      this.closeNow()
      throw new MonitorError(`cannot write ${this.path}: ${describeIoError(error)}`, {cause: error})
    }
  }

  /** Bytes waiting to be written. */
  get pending(): number {
    return this.queued
  }

  /** One batch of ring records as the drain delivered them, received at `receiptNs`. */
  batch(records: Uint8Array, receiptNs: number): void {
    const frame = Buffer.allocUnsafe(FRAME_HEADER_BYTES + BATCH_PREFIX_BYTES + records.byteLength)
    frame.writeUInt32LE(receiptNs % 0x1_0000_0000, FRAME_HEADER_BYTES)
    frame.writeUInt32LE(Math.floor(receiptNs / 0x1_0000_0000), FRAME_HEADER_BYTES + 4)
    frame.set(records, FRAME_HEADER_BYTES + BATCH_PREFIX_BYTES)
    if (this.deflate && records.byteLength >= MIN_DEFLATE_BYTES) {
      const z = deflateRawSync(frame.subarray(FRAME_HEADER_BYTES), DEFLATE_OPTIONS)
      if (z.length + FRAME_HEADER_BYTES < frame.length) return this.push(encodeFrame(FrameKind.batch, z, FrameFlag.deflated))
    }
    this.push(sealFrame(frame, FrameKind.batch))
  }

  /** A JSON frame; one large enough to pay (a start-up state) is deflated like a batch. */
  json(kind: FrameKind, value: unknown): void {
    this.pushDeflated(jsonFrame(kind, value), kind, DEFLATE_OPTIONS)
  }

  /** A frame of `payload` (a sample), deflated with `options` when that makes it smaller: a
   * recorder that writes a few large frames a second can afford more effort than batches can. */
  frame(kind: FrameKind, payload: Uint8Array, options: ZlibOptions = DEFLATE_OPTIONS): void {
    this.pushDeflated(encodeFrame(kind, payload), kind, options)
  }

  private pushDeflated(frame: Buffer, kind: FrameKind, options: ZlibOptions): void {
    if (this.deflate && frame.length - FRAME_HEADER_BYTES >= MIN_DEFLATE_BYTES) {
      const z = deflateRawSync(frame.subarray(FRAME_HEADER_BYTES), options)
      if (z.length + FRAME_HEADER_BYTES < frame.length) return this.push(encodeFrame(kind, z, FrameFlag.deflated))
    }
    this.push(frame)
  }

  private push(frame: Buffer): void {
    if (!this.begun) throw new Error('TraceFileWriter: a frame before the header')
    if (this.fd === undefined) return
    this.queue.push(frame)
    this.queued += frame.length
    if (!this.congested && this.queued >= HIGH_WATER) {
      this.congested = true
      this.events.onCongested?.()
    }
    if (!this.writing) this.writeSome()
  }

  private writeSome(): void {
    if (this.fd === undefined || this.queue.length === 0) {
      this.writing = false
      for (const done of this.idle.splice(0)) done()
      return
    }
    this.writing = true
    const bufs = this.queue.splice(0, MAX_IOV)
    this.fdInFlight = this.fd
    writev(this.fd, bufs, (error, bytes) => {
      if (this.fd === undefined) {
        // closeNow() ran meanwhile: the fd was left open for this write (closing it under a write in
        // flight could let its number be reused by another file before the write lands).
        this.writing = false
        closeQuietly(this.fdInFlight)
        for (const done of this.idle.splice(0)) done()
        return
      }
      if (error) return this.fail(error)
      this.written += bytes
      let total = 0
      for (const b of bufs) total += b.length
      this.queued -= bytes
      if (bytes < total) this.queue.unshift(...rest(bufs, bytes)) // a short write: the rest goes first
      if (this.congested && this.queued <= LOW_WATER) {
        this.congested = false
        this.events.onDrained?.()
      }
      this.writeSome()
    })
  }

  private fail(error: unknown): void {
    if (this.failure) return
    this.failure = new MonitorError(`writing ${this.path} failed: ${describeIoError(error)}`, {cause: error})
    this.queue.length = 0
    this.queued = 0
    this.writing = false
    this.closeNow()
    for (const done of this.idle.splice(0)) done()
    this.events.onError?.(this.failure)
  }

  /** Resolves once everything queued so far reached the OS (a reader then sees it). */
  async flushed(): Promise<void> {
    if (this.writing) await new Promise<void>((resolve) => this.idle.push(resolve))
  }

  /** Writes what is queued, syncs the file to disk and closes it. Rejects with the write error, if any. */
  async close(): Promise<void> {
    await this.flushed()
    if (this.failure) throw this.failure
    const fd = this.fd
    if (fd === undefined) return
    this.fd = undefined
    // A file that cannot be synced (a pipe, /dev/null) is no failure; a disk that fails to is.
    const synced = await new Promise<NodeJS.ErrnoException | null>((resolve) => fsync(fd, resolve))
    await new Promise<void>((resolve) => closeFd(fd, () => resolve()))
    if (synced && !['EINVAL', 'ENOTSUP', 'EROFS'].includes(synced.code ?? '')) {
      throw new MonitorError(`writing ${this.path} failed: ${describeIoError(synced)}`, {cause: synced})
    }
  }

  /** Exit paths: writes what is queued synchronously (best effort) and closes. Idempotent. */
  closeNow(): void {
    const fd = this.fd
    if (fd === undefined) return
    this.fd = undefined
    if (!this.writing) {
      try {
        for (let i = 0; i < this.queue.length; i += MAX_IOV) this.written += writevSync(fd, this.queue.slice(i, i + MAX_IOV))
      } catch {
        // the disk refused: the file reads up to its last whole frame
      }
      closeQuietly(fd)
    } // else the write in flight closes it; what is queued behind it is dropped (the file reads as cut)
    this.queue.length = 0
    this.queued = 0
  }
}

function closeQuietly(fd: number | undefined): void {
  if (fd === undefined) return
  try {
    closeSync(fd)
  } catch {
    // already closed
  }
}

function rest(bufs: Buffer[], written: number): Buffer[] {
  const out: Buffer[] = []
  let skip = written
  for (const b of bufs) {
    if (skip >= b.length) {
      skip -= b.length
      continue
    }
    out.push(skip ? b.subarray(skip) : b)
    skip = 0
  }
  return out
}

function describeIoError(error: unknown): string {
  const e = error as NodeJS.ErrnoException
  switch (e?.code) {
    case 'ENOENT':
      return 'no such directory'
    case 'EACCES':
    case 'EPERM':
      return 'permission denied'
    case 'EISDIR':
      return 'it is a directory'
    case 'ENOSPC':
      return 'no space left on the device'
    default:
      return e?.code ?? e?.message ?? String(error)
  }
}
