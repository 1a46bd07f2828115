/** Interval tools: BPF programs aggregate into maps, and user space reads the maps in batches every
 * interval instead of streaming every event (`top tcp`, `trace tcp rtt`, and `top` later). A tool is
 * an IntervalSpec: its object, a sampler that turns one read of the maps into a sample, and the
 * tables a sample shows (rows, columns, sort keys). The session runner (src/cli/interval-session.ts)
 * picks the output; nothing here is specific to TCP. */
import {type BpfObject, type Losses, monotonicNowNs, epochUsFromMonotonicNs, totalLosses} from '../engine/index.js'
import type {Column} from '../output/columns.js'
import {loadAndAttach} from './open.js'
import type {Counts, TracerSpec} from './spec.js'

/** One read of the maps. */
export interface IntervalSample {
  /** CLOCK_MONOTONIC ns of this read, and the wall clock (µs since the epoch) at that moment. */
  nowNs: number
  epochUs: number
  /** Since the previous read (or since attach): what the rates divide by, measured, not assumed. */
  intervalNs: number
  /** The last sample, read after tracing stopped (its interval may be short). */
  final: boolean
  lost: Losses
  lost_total: number
}

/** A key users can sort a table by. */
export interface SortKey<R> {
  /** As the footer names it ("TX/s"). */
  name: string
  /** Larger first. */
  value(row: R): number
}

/** One table a sample shows (processes, connections, remote addresses…). */
export interface IntervalTable<S, R> {
  /** As the view names it ("processes"). */
  title: string
  columns: readonly Column<R>[]
  /** The first is the default. */
  sorts: readonly SortKey<R>[]
  rows(sample: S): readonly R[]
  /** Identity of a row across samples (React keys; stable order among equals). */
  key(row: R): string
}

export interface Sampler<S extends IntervalSample> {
  /** Reads the maps: `base` carries the times and losses. */
  read(base: IntervalSample): S
  /** The tool's summary counters so far. */
  counts(): Counts
}

/** What an interval tool shares with a streaming tracer: its object and how it is set up. */
export type ObjectSpec<O> = Pick<TracerSpec<O, unknown>, 'command' | 'object' | 'programs' | 'config' | 'maxEntries' | 'setup' | 'notices' | 'layouts'>

export interface IntervalSpec<O, S extends IntervalSample> extends ObjectSpec<O> {
  /** Refuses options that cannot work (before anything loads). */
  check?(options: O): void
  sampler(obj: BpfObject, options: O): Sampler<S>
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tables of different row types
  tables: readonly IntervalTable<S, any>[]
  /** A sample as NDJSON lines (one object per interval, or one per row: the tool's choice). */
  json(sample: S): string[]
  /** "3 processes, 5 connections": the status line of the live view and the summary line. */
  describeCounts(counts: Counts): string
}

export interface IntervalSummary {
  counts: Counts
  lost: Losses
  lost_total: number
}

/** A loaded, attached interval tool. */
export interface IntervalTracer<S extends IntervalSample> {
  readonly programs: readonly string[]
  /** Reads the maps now (rates over the time since the previous read). */
  sample(final?: boolean): S
  counts(): Counts
  losses(): Losses
  close(): void
}

export function openInterval<O, S extends IntervalSample>(spec: IntervalSpec<O, S>, options: O): IntervalTracer<S> {
  spec.check?.(options)
  return loadAndAttach(spec, options, (obj) => new RunningInterval(obj, spec.sampler(obj, options)))
}

class RunningInterval<S extends IntervalSample> implements IntervalTracer<S> {
  readonly programs: readonly string[]
  private lastNs = monotonicNowNs()
  private closed = false

  constructor(
    private readonly obj: BpfObject,
    private readonly sampler: Sampler<S>,
  ) {
    this.programs = obj.programNames
  }

  sample(final = false): S {
    const nowNs = monotonicNowNs()
    const lost = this.obj.losses()
    const base: IntervalSample = {
      nowNs,
      epochUs: epochUsFromMonotonicNs(nowNs),
      intervalNs: nowNs - this.lastNs,
      final,
      lost,
      lost_total: totalLosses(lost),
    }
    this.lastNs = nowNs
    return this.sampler.read(base)
  }

  counts(): Counts {
    return this.sampler.counts()
  }

  losses(): Losses {
    return this.obj.losses()
  }

  close(): void {
    if (this.closed) return
    this.closed = true
    this.obj.closeNow()
  }
}
