/** What the live table shows, kept apart from how it is drawn: finished rows (newest kept, sorted by
 * the tool's order), the tracer's open rows merged in, a text filter, scrolling and freezing. The
 * view asks for a frame only when `version()` moved, so an unchanging screen costs nothing. */
import {type Column, type FittedColumn, type FormatContext, cell, fitColumns} from '../output/columns.js'
import {formatLosses, totalLost} from '../output/format.js'
import type {Snapshot} from '../trace/open.js'
import type {TracerSpec} from '../trace/spec.js'
import type {TableFrame as Frame, TableFrameRequest as FrameRequest, TableRowView as FrameRow, TableSource} from '../tui/frame.js'

/** Finished rows kept for scrolling back; older ones are dropped (the footer says how many). */
export const KEEP_ROWS = 10_000

export class TableModel<O, R> implements TableSource {
  /** Finished rows, ascending by (order, key). */
  private rows: R[] = []
  private added = 0
  private dropped = 0
  private frozen: {rows: R[]; snapshot: Snapshot<R>; filter: string} | undefined
  private readonly searchText = new WeakMap<object, string>()

  constructor(
    private readonly spec: TracerSpec<O, R>,
    private readonly snapshot: () => Snapshot<R>,
    private readonly tracerVersion: () => number,
  ) {}

  /** A finished row from the tracer. A row with the key of one already kept replaces it. */
  add(row: R): void {
    this.added++
    const order = this.spec.order(row)
    const key = this.spec.key(row)
    const rows = this.rows
    // Rows mostly arrive in order: search from the end.
    let lo = 0
    let hi = rows.length
    if (hi === 0 || this.spec.order(rows[hi - 1]) < order) lo = hi
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if (this.spec.order(rows[mid]) < order) lo = mid + 1
      else hi = mid
    }
    for (let i = lo; i < rows.length && this.spec.order(rows[i]) === order; i++) {
      if (this.spec.key(rows[i]) === key) {
        rows[i] = row
        return
      }
    }
    rows.splice(lo, 0, row)
    if (rows.length > KEEP_ROWS * 1.1) {
      const excess = rows.length - KEEP_ROWS
      rows.splice(0, excess)
      this.dropped += excess
    }
  }

  /** Changes whenever a frame could differ: new records, and once a second while rows are open
   * (their durations run). Frozen, it stands still. */
  version(): number {
    if (this.frozen) return -1
    const ticking = this.lastOpen > 0 ? Math.floor(Date.now() / 1000) : 0
    return this.tracerVersion() + this.added + ticking
  }

  private lastOpen = 0

  frame(req: FrameRequest): Frame {
    if (!req.frozen) this.frozen = undefined
    let snapshot: Snapshot<R>
    let matching: Iterable<R>
    if (req.frozen) {
      if (!this.frozen || this.frozen.filter !== req.filter) {
        const snap = this.frozen?.snapshot ?? this.snapshot()
        this.frozen = {snapshot: snap, filter: req.filter, rows: [...this.merged(snap.open, req)]}
      }
      snapshot = this.frozen.snapshot
      matching = this.frozen.rows
    } else {
      snapshot = this.snapshot()
      matching = this.merged(snapshot.open, req)
    }
    this.lastOpen = snapshot.open.length

    const fitted = fitColumns(this.spec.columns, req.width)
    const ctx: FormatContext = {utc: req.utc, nowNs: snapshot.nowNs}
    const rows: FrameRow[] = []
    let total = 0
    const first = Math.max(0, req.scroll)
    // Unfiltered and live, the count is known without walking every kept row.
    const known = !req.filter && !req.frozen ? this.rows.length + snapshot.open.length : undefined
    for (const row of matching) {
      if (total >= first && rows.length < req.height) rows.push(this.frameRow(fitted, row, ctx))
      total++
      if (known !== undefined && rows.length >= req.height) break
    }
    if (known !== undefined) total = known
    const lostTotal = totalLost(snapshot.lost)
    return {
      header: headerLine(fitted),
      rows,
      total,
      first: Math.min(first, Math.max(0, total - 1)),
      status: this.spec.describeCounts(snapshot.counts),
      lost: formatLosses(snapshot.lost),
      anyLost: lostTotal > 0,
      dropped: this.dropped,
    }
  }

  private frameRow(fitted: FittedColumn<R>[], row: R, ctx: FormatContext): FrameRow {
    return frameRow(fitted, row, ctx, this.spec.key(row))
  }

  /** Open and finished rows, newest first, that match the filter. */
  private *merged(open: R[], req: FrameRequest): Generator<R> {
    const order = this.spec.order
    const live = [...open].sort((a, b) => order(b) - order(a))
    const match = req.filter ? (row: R) => this.text(row, req.utc).includes(req.filter) : () => true
    let i = this.rows.length - 1
    let j = 0
    while (i >= 0 || j < live.length) {
      const takeLive = j < live.length && (i < 0 || order(live[j]) >= order(this.rows[i]))
      const row = takeLive ? live[j++] : this.rows[i--]
      if (match(row)) yield row
    }
  }

  /** What the filter searches: every column's text (cached per finished row). */
  private text(row: R, utc: boolean): string {
    let t = this.searchText.get(row as object)
    if (t === undefined) {
      t = searchText(this.spec.columns, row, utc)
      this.searchText.set(row as object, t)
    }
    return t
  }
}

/** The live table's header line for columns fitted to its width. */
export function headerLine<R>(fitted: readonly FittedColumn<R>[]): string {
  return fitted.map((f) => cell(f.column.header, f.width, f.column.align)).join(' ')
}

/** One row of a live table: its cells fitted to their columns, and the whole line. */
export function frameRow<R>(fitted: readonly FittedColumn<R>[], row: R, ctx: FormatContext, key: string): FrameRow {
  const cells = fitted.map((f) => ({text: cell(f.column.value(row, ctx), f.width, f.column.align), color: f.column.color?.(row)}))
  return {key, cells, line: cells.map((c) => c.text).join(' ')}
}

/** What a live table's filter searches in a row: every column's text. */
export function searchText<R>(columns: readonly Column<R>[], row: R, utc: boolean): string {
  const ctx: FormatContext = {utc, nowNs: 0}
  return columns.map((c) => c.value(row, ctx)).join('\u0000')
}
