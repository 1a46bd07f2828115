/** Turns a tracer spec into a running tracer: load, configure, attach, stream the ring through the
 * reducer, count losses, and fail fast — a reducer that throws or a drain thread that dies ends the
 * session within a flush period instead of looking like a quiet system. */
import {BpfObject, epochUsFromMonotonicNs, type Losses, type RingBufferStream, forEachRecord, monotonicNowNs, totalLosses} from '../engine/index.js'
import {MonitorError} from '../errors.js'
import type {Counts, Reducer, ReducerContext, TracerSpec} from './spec.js'

export interface TraceSummary {
  counts: Counts
  lost: Losses
  lost_total: number
}

export interface Snapshot<R> {
  open: R[]
  counts: Counts
  lost: Losses
  /** CLOCK_MONOTONIC ns at the snapshot (open rows' durations run to it). */
  nowNs: number
}

export interface Tracer<R> {
  /** The BPF programs attached, by name (the `ready` line lists them). */
  readonly programs: readonly string[]
  /** What the spec's state() captured at start (undefined without one): a recording keeps it. */
  readonly state: unknown
  /** Grows with every record handled: a live view re-reads only when it changed. */
  readonly version: number
  snapshot(): Snapshot<R>
  losses(): Losses
  /** Output backpressure: while paused, records wait in the kernel's ring. */
  pause(): void
  resume(): void
  /** Rejects (with a MonitorError) the moment tracing fails; never resolves. */
  readonly failed: Promise<never>
  /** Drains the ring, lets the reducer emit what is still open, detaches. */
  stop(): Promise<TraceSummary>
  /** Detaches at once without draining (a forced exit). Idempotent. */
  close(): void
}

/** Bytes per batch handed to JS, how long a partly filled batch may wait, and how many batches may
 * wait for JS: when output pauses the drain, what is already queued still arrives, so a short queue
 * keeps a stalled reader from costing memory (the records wait in the kernel's ring instead). */
const BATCH_BYTES = 256 * 1024
const FLUSH_MS = 50
const QUEUE_DEPTH = 2
/** How often a reducer that holds rows back is told the time. */
const TICK_MS = 100

/** What else a session wants from the stream (a recording of it). */
export interface TracerTap {
  /** The reducer's clock (default: liveContext()); a recording keeps the same one in its header. */
  context?: ReducerContext
  /** Each batch as the ring delivered it, before the reducer sees it. Its memory is reused once
   * this returns: copy what must outlive the call. */
  onBatch?(batch: Buffer): void
}

export function openTracer<O, R>(spec: TracerSpec<O, R>, options: O, emit: (row: R) => void, tap: TracerTap = {}): Tracer<R> {
  const ctx = startContext(spec, options, tap.context ?? liveContext())
  // First, so options the reducer refuses (a bad pattern) fail before anything loads.
  const reducer = spec.reducer(options, emit, ctx)
  return loadAndAttach(spec, options, (obj, closingCheck) => new RunningTracer(spec, obj, reducer, ctx.state, tap.onBatch, closingCheck))
}

/** A live context with the spec's start-up state captured now, before the programs attach (what
 * exists then is older than tracing). A replay's context already carries the recorded state. */
export function startContext<O>(spec: Pick<TracerSpec<O, unknown>, 'state'>, options: O, ctx: ReducerContext): ReducerContext {
  if (!ctx.live || !spec.state || ctx.state !== undefined) return ctx
  return {...ctx, state: spec.state(options)}
}

/** Opens a spec's object with its config and map sizes, loads it, runs its setup, attaches every
 * program (the closing check loaded, not attached), and hands the object and the closing check's
 * name to `running`; any failure on the way closes it. */
export function loadAndAttach<O, T>(
  spec: Pick<TracerSpec<O, unknown>, 'object' | 'config' | 'maxEntries' | 'programs' | 'bookkeeping' | 'closingCheck' | 'setup'>,
  options: O,
  running: (obj: BpfObject, closingCheck?: string) => T,
): T {
  const closing = spec.closingCheck?.(options)
  const obj = BpfObject.open(spec.object, {
    config: spec.config?.(options),
    maxEntries: spec.maxEntries?.(options),
    programs: spec.programs?.(options),
    bookkeeping: spec.bookkeeping?.(options),
    onDemand: closing ? [closing] : undefined,
  })
  try {
    obj.load()
    spec.setup?.(obj, options)
    for (const p of obj.programNames) obj.attach(p)
    return running(obj, closing)
  } catch (error) {
    obj.closeNow()
    throw error
  }
}

/** The live clock: this host's monotonic → wall-clock offset, tracing from now. */
export function liveContext(): ReducerContext {
  return {toEpochUs: epochUsFromMonotonicNs, startNs: monotonicNowNs(), live: true}
}

class RunningTracer<O, R> implements Tracer<R> {
  readonly programs: readonly string[]
  readonly failed: Promise<never>
  version = 0
  private readonly stream: RingBufferStream
  private fail!: (error: unknown) => void
  private failure: unknown
  private stopped: Promise<TraceSummary> | undefined
  private closed = false
  private lastLosses: Losses = {ringbuf_reserve: 0, map_full: 0, read_fault: 0, queue: 0, recursion_misses: 0}
  private readonly ticker: NodeJS.Timeout | undefined

  constructor(
    private readonly spec: TracerSpec<O, R>,
    private readonly obj: BpfObject,
    private readonly reducer: Reducer<R>,
    readonly state: unknown,
    onBatchTap?: (batch: Buffer) => void,
    private readonly closingCheck?: string,
  ) {
    this.programs = obj.programNames
    this.failed = new Promise<never>((_, reject) => (this.fail = reject))
    this.failed.catch(() => undefined) // observed by the session; never an unhandled rejection
    const record = faultInjected(this.reducer.record.bind(this.reducer))
    this.stream = obj.stream({
      batchBytes: BATCH_BYTES,
      flushMs: FLUSH_MS,
      queueDepth: QUEUE_DEPTH,
      onBatch: (batch) => {
        this.version++
        onBatchTap?.(batch) // first: a batch the reducer chokes on is still recorded
        forEachRecord(batch, record)
      },
      onError: (error) => this.onFailure(error),
    })
    if (reducer.tick) {
      this.ticker = setInterval(() => {
        try {
          reducer.tick!(monotonicNowNs())
        } catch (error) {
          this.onFailure(error)
        }
      }, TICK_MS)
      this.ticker.unref()
    }
  }

  private onFailure(error: unknown): void {
    if (this.failure) return
    this.failure = error
    this.close()
    this.fail(
      error instanceof MonitorError
        ? error
        : new MonitorError(`${this.spec.command} failed while tracing: ${(error as Error)?.message ?? error}`, {cause: error}),
    )
  }

  snapshot(): Snapshot<R> {
    const nowNs = monotonicNowNs()
    return {open: this.reducer.open?.(nowNs) ?? [], counts: this.reducer.counts(), lost: this.losses(), nowNs}
  }

  /** Once the object is closed, the last counters read: a live view may draw a frame while the
   * tracer stops, after its maps are gone. */
  losses(): Losses {
    if (!this.closed) this.lastLosses = this.obj.losses()
    return this.lastLosses
  }

  pause(): void {
    if (!this.closed) this.stream.pause()
  }

  resume(): void {
    if (!this.closed) this.stream.resume()
  }

  stop(): Promise<TraceSummary> {
    this.stopped ??= (async () => {
      await this.obj.stopStream(this.stream)
      clearInterval(this.ticker)
      if (this.closingCheck) this.obj.run(this.closingCheck)
      const lost = this.losses()
      await this.obj.close()
      this.closed = true
      this.reducer.finish?.()
      return {counts: this.reducer.counts(), lost, lost_total: totalLosses(lost)}
    })()
    return this.stopped
  }

  close(): void {
    clearInterval(this.ticker)
    if (this.closed) return
    try {
      this.losses()
    } catch {
      // the counters as last read stand
    }
    this.closed = true
    this.obj.closeNow()
  }
}

/** Test-only: MONITOR_TEST_FAULT=reducer:<marker> makes the reducer throw on the first record whose
 * bytes contain <marker>, so a test can prove a failing reducer ends the command at once. */
function faultInjected(record: Reducer<unknown>['record']): Reducer<unknown>['record'] {
  const spec = process.env.MONITOR_TEST_FAULT
  if (!spec?.startsWith('reducer:')) return record
  const marker = Buffer.from(spec.slice('reducer:'.length), 'latin1')
  return (view, offset, length) => {
    const bytes = Buffer.from(view.buffer, view.byteOffset + offset, length)
    if (bytes.includes(marker)) throw new Error(`injected reducer fault on a record containing "${marker}"`)
    record(view, offset, length)
  }
}

