/** What a tracer says about a recorded trace beyond its rows (TracerSpec.report and .timeline):
 * report sections — key/value tables and histograms, rendered by src/output/report.ts as text or
 * JSON — and timeline events, written as Chrome trace events by `trace convert --to chrome`. Plain
 * data, so every tracer's report reads the same. */
import type {Histogram} from '../engine/index.js'

/** How a column's numbers read: ns as durations, bytes in binary units, counts as they are. */
export type ReportUnit = 'ns' | 'bytes' | 'count'

export interface ReportColumn {
  /** The field name in JSON (snake_case, as the row objects use). */
  key: string
  /** The header in text. */
  header: string
  /** Numbers: right-aligned, formatted by unit (JSON keeps the raw number). Absent: text. */
  unit?: ReportUnit
}

export type ReportValue = string | number | null

export interface TableSection {
  kind: 'table'
  /** Also the section's key in JSON (snake_case). */
  name: string
  title: string
  columns: ReportColumn[]
  rows: Record<string, ReportValue>[]
}

export interface HistogramSection {
  kind: 'histogram'
  name: string
  title: string
  unit: ReportUnit
  /** The project's one histogram scheme (src/engine/histogram.ts). */
  histogram: Histogram
}

export type ReportSection = TableSection | HistogramSection

/** Built once per report: sees every row a replay emits, in order, then gives its sections. */
export interface ReportBuilder<R> {
  add(row: R): void
  sections(): ReportSection[]
}

/** Where a recorded trace sits in time (epoch µs), for events that run to its end. */
export interface TimelineContext {
  startUs: number
  endUs: number
}

/** One row on a timeline: a span when durationUs is set, else an instant. */
export interface TimelineEvent {
  name: string
  category: string
  /** Wall-clock µs since the epoch. */
  startUs: number
  durationUs: number | null
  pid: number
  tid: number
  /** The process's name, for the track (the last one given for a pid wins). */
  processName?: string
  args?: Record<string, unknown>
}

/** Top `n` entries of a tally by `by`, largest first (ties keep insertion order). */
export function topEntries<K, V>(tally: Map<K, V>, by: (v: V) => number, n: number): [K, V][] {
  return [...tally].sort((a, b) => by(b[1]) - by(a[1])).slice(0, n)
}
