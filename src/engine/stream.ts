/** A native drain of one ring buffer, handing JS whole batches of packed records (records.ts). */
import {StreamError} from './errors.js'
import {loadNative, type NativeRingStats, type NativeRingStream} from './native.js'

export interface StreamOptions {
  /** Ring buffer map (default `events`). */
  map?: string
  /** Called once per batch with packed records (see records.ts). The batch's memory is reused once
   * this returns: decode it here, and copy what must outlive the call. If it throws, the stream
   * delivers nothing more and passes the error to onError (and to stop()'s rejection). */
  onBatch: (batch: Buffer, count: number) => void
  /** Called once, on the JS thread, as soon as the stream fails while running: onBatch threw, or the
   * native drain thread ended on an error (then within about a flush period). The stream delivers
   * nothing more; stop() still releases it and rejects with the same error. */
  onError?: (error: Error) => void
  /** Bytes per batch handed to JS. */
  batchBytes?: number
  /** A partly filled batch is handed over after this long. */
  flushMs?: number
  /** Batches that may wait for the JS thread. While JS holds them all, the drain thread waits and
   * records stay in the kernel ring (where an overflow is counted as `ringbuf_reserve`). */
  queueDepth?: number
}

export interface StreamStats {
  records: number
  batches: number
  queue_drop_records: number
  thread_cpu_ns: number
}

export interface StopOptions {
  /** Read the ring empty first (default true). false: end now, leaving what the ring holds (a
   * forced exit; also the only way to stop a paused stream without resuming it). */
  drain?: boolean
}

export const MIN_BATCH_BYTES = 64 * 1024

function positiveInteger(name: string, value: number, min: number): number {
  if (!Number.isInteger(value) || value < min) throw new RangeError(`${name} must be an integer ≥ ${min}, not ${value}`)
  return value
}

/** stop() resolves after the last batch reached onBatch. */
export class RingBufferStream {
  private readonly native: NativeRingStream
  private readonly ended: Promise<StreamStats>
  private final: StreamStats | undefined
  private failure: Error | undefined
  private drained: (() => void) | undefined
  private stopping: Promise<StreamStats> | undefined
  private paused = false

  /** Use BpfObject.stream(). */
  constructor(fd: number, options: StreamOptions) {
    if (typeof options.onBatch !== 'function') throw new TypeError('stream: onBatch must be a function')
    if (options.onError !== undefined && typeof options.onError !== 'function') throw new TypeError('stream: onError must be a function')
    const batchBytes = positiveInteger('batchBytes', options.batchBytes ?? 1 << 20, MIN_BATCH_BYTES)
    const flushMs = positiveInteger('flushMs', options.flushMs ?? 50, 1)
    const queueDepth = positiveInteger('queueDepth', options.queueDepth ?? 8, 1)
    let resolve!: (s: StreamStats) => void
    let reject!: (e: unknown) => void
    this.ended = new Promise((res, rej) => {
      resolve = res
      reject = rej
    })
    this.ended.catch(() => undefined) // observed through stop(); never an unhandled rejection
    const fail = (error: Error) => {
      if (this.failure) return
      this.failure = error
      // After the native callback returns: onError may stop or close the stream.
      if (options.onError) queueMicrotask(() => options.onError!(error))
    }
    const onBatch = (slot: Buffer, byteLength: number, count: number) => {
      if (this.failure) return
      try {
        options.onBatch(slot.subarray(0, byteLength), count)
      } catch (error) {
        fail(error instanceof Error ? error : new StreamError(`onBatch threw ${String(error)}`, {cause: error}))
      }
    }
    const drainError = (errno: number) =>
      new StreamError(`ring buffer drain failed: errno ${errno}`, {errno})
    const onEnd = (stats: NativeRingStats, errno: number) => {
      this.final = toStreamStats(stats)
      if (errno && !this.failure) fail(drainError(errno))
      if (this.failure) reject(this.failure)
      else resolve(this.final)
    }
    const onDrained = () => this.drained?.()
    const onError = (errno: number) => fail(drainError(errno))
    const fault = process.env.MONITOR_TEST_FAULT === 'drain' ? 'drain' : undefined
    this.native = new (loadNative().RingStream)(fd, onBatch, onEnd, onDrained, onError, {batchBytes, flushMs, queueDepth, fault})
  }

  /** The error the stream failed with, if it did. */
  get error(): Error | undefined {
    return this.failure
  }

  get isPaused(): boolean {
    return this.paused
  }

  stats(): StreamStats {
    const live = this.native.stats()
    return live ? toStreamStats(live) : (this.final ?? {records: 0, batches: 0, queue_drop_records: 0, thread_cpu_ns: 0})
  }

  /** Output backpressure: the drain thread stops reading the ring. Records wait in the kernel ring;
   * what does not fit is counted by the BPF side as `ringbuf_reserve`. Batches already handed over
   * are still delivered. */
  pause(): void {
    if (this.stopping) return
    this.paused = true
    this.native.pause()
  }

  resume(): void {
    if (!this.paused) return
    this.paused = false
    this.native.resume()
  }

  /** Reads the ring empty (JS keeps consuming meanwhile), then ends the drain thread. A paused
   * stream drains only once resumed: stop() resolves after resume(). {drain: false} ends it at
   * once (forced exit). */
  stop(options: StopOptions = {}): Promise<StreamStats> {
    if (options.drain === false) {
      this.native.stop(true)
      this.stopping ??= this.ended
      return this.stopping
    }
    this.stopping ??= new Promise<void>((resolve) => {
      this.drained = resolve
      if (!this.native.drain()) resolve()
    }).then(() => {
      this.native.stop(false)
      return this.ended
    })
    return this.stopping
  }

  /** Synchronous forced stop for exit paths: no drain, the thread is joined before this returns. */
  stopNow(): void {
    this.native.stop(true)
    this.stopping ??= this.ended
  }
}

function toStreamStats(s: NativeRingStats): StreamStats {
  return {
    records: s.records,
    batches: s.batches,
    queue_drop_records: s.queueDropRecords,
    thread_cpu_ns: s.threadCpuNs,
  }
}
