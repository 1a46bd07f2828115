/** What a tracer is: one definition per tool, turned into a running tracer by openTracer(). Adding a
 * tracer means writing a spec, a reducer and a column list; loading, streaming, loss accounting,
 * failure handling and every output mode come from the framework. */
import type {BpfObject, ConfigValue} from '../engine/index.js'
import type {EnumLayout, StructLayout} from '../engine/layout.js'
import type {Column} from '../output/columns.js'
import type {ReportBuilder, TimelineContext, TimelineEvent} from './sections.js'

/** Counters a tracer reports in its summary, in output order (`runs`, `execs`, …). */
export type Counts = Record<string, number>

export interface Reducer<R> {
  /** One record from the ring buffer: `view` is only valid during the call (the batch's memory is
   * reused), so copy out what a row keeps. Rows go to the sink openTracer() was given. */
  record(view: DataView, offset: number, length: number): void
  /** Time passes (called every TICK_MS while tracing, with CLOCK_MONOTONIC now): emit what has
   * waited long enough for records that might have changed it. */
  tick?(nowNs: number): void
  /** Rows still open (running processes, open connections), as they stand at `nowNs`
   * (CLOCK_MONOTONIC); the live table shows them above or among the finished ones. */
  open?(nowNs: number): R[]
  /** Tracing has stopped and the ring is drained: emit what is still open, marked as such. */
  finish?(): void
  /** The tool's summary counters. */
  counts(): Counts
}

/** What a reducer is told about the clock: a live tracer's, or a recorded trace's (replay). */
export interface ReducerContext {
  /** Wall-clock µs since the epoch of a CLOCK_MONOTONIC ns timestamp. */
  toEpochUs(monoNs: number): number
  /** CLOCK_MONOTONIC ns when tracing started (rows older than this existed before). */
  startNs: number
  /** The tracer runs now, on this host: its /proc describes the traced system (false or absent
   * when a recording is replayed, perhaps elsewhere). */
  live?: boolean
  /** What the spec's state() captured when tracing started (the /proc view of things older than
   * tracing): just taken in a live run, as recorded in a replay (absent in recordings made before
   * the hook, or by a tracer without it). The reducer reads it from here in both, so a replay
   * rebuilds the rows the live run printed. */
  state?: unknown
}

export interface TracerSpec<O, R> {
  /** The command, as users type it: `trace exec`. */
  command: string
  /** Embedded BPF object (addon/bpf/<object>.bpf.c). */
  object: string
  /** Programs to load for these options (default: every program of the object). */
  programs?(options: O): string[]
  /** A program loaded but not attached, run once when tracing stops, before the last loss count:
   * it counts records owed that no event will deliver any more (tcp: sockets gone without a close
   * any program saw). */
  closingCheck?(options: O): string
  /** Programs that send no record (bookkeeping: owners, clean-up): a run the kernel skips loses none,
   * so their recursion misses are not losses (a cross-check in the object counts what they imply). */
  bookkeeping?(options: O): string[]
  /** `.rodata` settings derived from the options. */
  config?(options: O): Record<string, ConfigValue>
  /** Map sizes (the `events` ring in bytes, state maps in entries). */
  maxEntries?(options: O): Record<string, number>
  /** After load, before attach: fill maps user space owns (a cgroup filter's directory fd…). */
  setup?(obj: BpfObject, options: O): void
  /** Lines to tell the user before tracing starts (a filter that was cut, a fallback in use). */
  notices?(options: O): string[]
  /** Layouts of the records this tracer's ring carries (the layout test reads them too). */
  layouts: readonly (StructLayout | EnumLayout)[]
  reducer(options: O, emit: (row: R) => void, ctx: ReducerContext): Reducer<R>
  /** One list for the text output and the live table. */
  columns: readonly Column<R>[]
  /** The row as one NDJSON line (field names documented in the README). */
  json(row: R): string
  /** Identity of a row in the live table, stable from open to finished. */
  key(row: R): string
  /** Live table order: rows sort by this, newest (largest) on top. Must match the time column shown. */
  order(row: R): number
  /** The counters for humans, as the summary line and the live table's footer show them:
   * "200 runs, 3 running". (The JSON summary carries the counts themselves.) */
  describeCounts(counts: Counts): string

  // Optional hooks for recorded traces (src/trace/file): new ones are added here, at the end.

  /** `monitor trace report`: sections summarising a recording's rows (top commands, per-state
   * counts, latency histograms…), after the header and counts every report shows. */
  report?(options: O): ReportBuilder<R>
  /** `monitor trace convert --to chrome`: a row as a timeline event (a span or an instant), or
   * undefined to leave it out. Without it the tracer cannot be converted to a timeline. */
  timeline?(row: R, ctx: TimelineContext): TimelineEvent | undefined
  /** What the reducer needs from the traced system beyond its records (owners of connections older
   * than tracing…), captured once when tracing starts, before the programs attach. Plain JSON data:
   * a recording keeps it (a state frame) and a replay hands it back in ReducerContext.state. Only
   * called live; undefined when there is nothing to capture. */
  state?(options: O): unknown
}
