/** Replays a trace file through the recorded tracer's own reducer, so its rows are the live run's
 * rows: the spec is found by the recorded command (src/trace/registry.ts), the reducer gets the
 * recording's clock (its realtime − monotonic offset and start), and each batch's records are fed as
 * the ring delivered them. Held rows are released as time passes between batches (tick at each
 * batch's receipt time, like the live ticker), and finish() reports what was still open. */
import {epochUsWithOffset, forEachRecord, type Losses} from '../../engine/index.js'
import {ExitCode, MonitorError} from '../../errors.js'
import {TRACERS} from '../registry.js'
import type {Counts, Reducer, TracerSpec} from '../spec.js'
import type {TraceEnd, TraceHeader} from './format.js'
import {type TraceCut, TraceFileReader} from './reader.js'
import {layoutSizes} from './record.js'

export interface ReplaySummary {
  duration_s: number
  counts: Counts
  /** The losses of the live run: from its end frame, or as last written before a cut. */
  lost: Losses
  lost_total: number
  /** Set when the file has no end frame. */
  cut?: TraceCut
  /** The live run's own summary (absent when cut): its counts equal the replay's. */
  recorded?: TraceEnd
  batches: number
  records: number
}

export class Replay<R> {
  readonly header: TraceHeader
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the registry holds tracers of any option type
  readonly spec: TracerSpec<any, R>
  readonly options: unknown
  /** CLOCK_MONOTONIC ns of the last thing read: a batch's receipt, or the end of tracing. */
  endNs: number
  private readonly reader: TraceFileReader
  private result: ReplaySummary | undefined

  constructor(readonly path: string) {
    this.reader = TraceFileReader.open(path)
    try {
      this.header = this.reader.header
      this.spec = findTracer(path, this.header)
      this.options = this.header.options ?? {}
      this.endNs = this.header.start_ns
    } catch (error) {
      this.reader.close()
      throw error
    }
  }

  /** Wall-clock µs of a CLOCK_MONOTONIC time, as the live run converted it. */
  toEpochUs(monoNs: number): number {
    return epochUsWithOffset(monoNs, this.header.mono_to_real_offset_us)
  }

  /** The rows, batch by batch (the last group is what finish() reported). Once it is done,
   * summary() holds the counts. A replay runs once. */
  *rows(): Generator<R[]> {
    if (this.result) throw new Error('a replay runs once')
    let out: R[] = []
    const reducer: Reducer<R> = this.spec.reducer(this.options, (row) => out.push(row), {
      toEpochUs: (ns) => this.toEpochUs(ns),
      startNs: this.header.start_ns,
      state: this.reader.state,
    })
    let lost: Record<string, number> = {}
    let end: TraceEnd | undefined
    let batches = 0
    let records = 0
    const record = reducer.record.bind(reducer)
    for (const frame of this.reader.frames()) {
      if (frame.kind === 'stats') lost = frame.stats.lost
      else if (frame.kind === 'end') {
        end = frame.end
        this.endNs = Math.max(this.endNs, end.ns)
      } else if (frame.kind === 'batch') {
        this.endNs = frame.receiptNs
        reducer.tick?.(frame.receiptNs)
        try {
          records += forEachRecord(frame.records, record)
        } catch (error) {
          throw new MonitorError(`${this.path}: the batch at byte ${frame.offset} does not decode as ${this.header.command} records: ${(error as Error).message}`, {
            exitCode: ExitCode.dataError,
            cause: error,
          })
        }
        batches++
        if (out.length) {
          yield out
          out = []
        }
      }
    }
    reducer.finish?.()
    if (out.length) yield out
    const finalLost = (end?.lost ?? lost) as unknown as Losses
    this.result = {
      duration_s: end?.duration_s ?? Math.round((this.endNs - this.header.start_ns) / 1e6) / 1000,
      counts: reducer.counts(),
      lost: finalLost,
      lost_total: end?.lost_total ?? Object.values(lost).reduce((a, b) => a + b, 0),
      cut: this.reader.cut,
      recorded: end,
      batches,
      records,
    }
    this.reader.close()
  }

  /** After rows() ran to its end. */
  summary(): ReplaySummary {
    if (!this.result) throw new Error('summary() before the replay ran')
    return this.result
  }

  close(): void {
    this.reader.close()
  }
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- see Replay.spec
function findTracer(path: string, header: TraceHeader): TracerSpec<any, any> {
  const spec = TRACERS.find((s) => s.command === header.command)
  if (!spec) throw new MonitorError(`${path}: recorded by "monitor ${header.command}", which this monitor does not know`, {exitCode: ExitCode.dataError})
  const here = layoutSizes(spec)
  for (const [struct, size] of Object.entries(header.layouts ?? {})) {
    if (here[struct] !== size) {
      throw new MonitorError(
        `${path}: its ${struct} records are ${size} bytes, this monitor's are ${here[struct] ?? 'unknown'}: read it with the monitor that wrote it (${header.monitor_version})`,
        {exitCode: ExitCode.dataError},
      )
    }
  }
  return spec
}

/** Replays a recording. */
export function openReplay(path: string): Replay<unknown> {
  return new Replay(path)
}
