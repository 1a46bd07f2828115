/** `--record FILE`: a tracing session's ring batches, as the ring delivered them, into a trace file
 * (format.ts), with what a replay needs to rebuild the same rows: the command and its options, the
 * record layouts, and the clock the live reducer used. Any streaming tracer gets it through the
 * session; this module knows tracers only through their spec. */
import {lstatSync, readFileSync, rmSync} from 'node:fs'
import {hostname, release} from 'node:os'

import {epochUsWithOffset, type Losses, monotonicNowNs, monoToRealOffsetUs} from '../../engine/index.js'
import type {MonitorError} from '../../errors.js'
import {isoFromEpochUs} from '../../output/format.js'
import type {TraceSummary, TracerTap} from '../open.js'
import type {ReducerContext, TracerSpec} from '../spec.js'
import {FrameKind, type TraceEnd, type TraceHeader, type TraceStats} from './format.js'
import {TraceFileWriter} from './writer.js'

/** Loss counters are written when they changed, at most this often. */
const STATS_EVERY_NS = 1e9

export interface RecordingEvents {
  /** The disk is behind: pause the tracer. */
  onCongested?: () => void
  onDrained?: () => void
}

/** The version in package.json (the recording names the monitor that wrote it). */
export function monitorVersion(): string {
  try {
    return (JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as {version: string}).version
  } catch {
    return 'unknown'
  }
}

/** Struct name → size, for each record layout: a replay refuses batches laid out differently. */
export function layoutSizes(spec: Pick<TracerSpec<unknown, unknown>, 'layouts'>): Record<string, number> {
  const out: Record<string, number> = {}
  for (const l of spec.layouts) if ('struct' in l) out[l.struct] = l.size
  return out
}

export class TraceRecording<O, R> {
  /** Hand this to openTracer(): the recording's clock and its view of every batch. */
  readonly tap: Required<TracerTap>
  /** Rejects (with a MonitorError) the moment a write fails; never resolves. */
  readonly failed: Promise<never>
  private readonly writer: TraceFileWriter
  private readonly offsetUs = monoToRealOffsetUs()
  private readonly context: ReducerContext
  private losses: (() => Losses) | undefined
  private lastStatsNs = 0
  private lastLost = ''

  /** Creates the file now (a bad path fails before anything loads). */
  constructor(
    readonly path: string,
    private readonly spec: TracerSpec<O, R>,
    private readonly options: O,
    events: RecordingEvents = {},
  ) {
    let fail!: (error: MonitorError) => void
    this.failed = new Promise<never>((_, reject) => (fail = reject))
    this.failed.catch(() => undefined) // observed by the session
    this.writer = new TraceFileWriter(path, {...events, onError: (error) => fail(error)})
    const offsetUs = this.offsetUs
    this.context = {toEpochUs: (ns) => epochUsWithOffset(ns, offsetUs), startNs: monotonicNowNs(), live: true}
    this.tap = {context: this.context, onBatch: (batch) => this.onBatch(batch)}
  }

  /** Tracing runs (the tracer is attached): writes the header. */
  begin(tracer: {readonly programs: readonly string[]; readonly state?: unknown; losses(): Losses}): void {
    this.losses = () => tracer.losses()
    const header: TraceHeader = {
      command: this.spec.command,
      options: this.options,
      programs: [...tracer.programs],
      layouts: layoutSizes(this.spec),
      host: hostname(),
      kernel: release(),
      monitor_version: monitorVersion(),
      mono_to_real_offset_us: this.offsetUs,
      start_ns: this.context.startNs,
      start_ts: isoFromEpochUs(this.context.toEpochUs(this.context.startNs)),
      pid: process.pid,
    }
    this.writer.begin(header)
    // Right after the header (format.ts), so a replay's reducer starts with it, as the live one did.
    if (tracer.state !== undefined) this.writer.json(FrameKind.state, tracer.state)
    this.writeStats(this.context.startNs) // the loss counters' names and starting values
    this.lastStatsNs = 0
  }

  private onBatch(batch: Buffer): void {
    const now = monotonicNowNs()
    this.writer.batch(batch, now)
    if (now - this.lastStatsNs >= STATS_EVERY_NS) {
      this.lastStatsNs = now
      this.writeStats(now)
    }
  }

  private writeStats(ns: number): void {
    if (!this.losses) return
    const lost = this.losses()
    const text = JSON.stringify(lost)
    if (text === this.lastLost) return
    this.lastLost = text
    this.writer.json(FrameKind.stats, {ns, lost: lost as unknown as Record<string, number>} satisfies TraceStats)
  }

  /** Tracing stopped and drained: the end frame (the live summary), then the file is synced and closed. */
  async finish(summary: TraceSummary, elapsedS: number): Promise<void> {
    const end: TraceEnd = {
      ns: monotonicNowNs(),
      duration_s: Math.round(elapsedS * 1000) / 1000,
      counts: summary.counts,
      lost: summary.lost as unknown as Record<string, number>,
      lost_total: summary.lost_total,
    }
    this.writer.json(FrameKind.end, end)
    await this.writer.close()
  }

  /** Ends at once (a failure, a forced exit): what was written reads as a cut recording. */
  close(): void {
    this.writer.closeNow()
  }

  /** Tracing never started (the tracer failed to load): no file is left behind. */
  discard(): void {
    this.writer.closeNow()
    // Only a file this recording made: never /dev/null or a pipe it was pointed at.
    if (lstatSync(this.path, {throwIfNoEntry: false})?.isFile()) rmSync(this.path, {force: true})
  }
}
