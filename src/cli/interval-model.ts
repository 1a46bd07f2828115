/** What the live view of an interval tool shows: the latest sample's rows of one of its tables,
 * sorted by one of the table's keys (largest first, ties by key so rows do not jump), filtered by
 * text, scrolled; frozen while paused. A new sample is a new version; nothing else redraws. */
import {fitColumns, type FormatContext} from '../output/columns.js'
import {formatLosses} from '../output/format.js'
import type {IntervalSample, IntervalSpec, IntervalTable, SortKey} from '../trace/interval.js'
import type {TableFrame, TableFrameRequest, TableRowView, TableSource} from '../tui/frame.js'
import {frameRow, headerLine, searchText} from './table-model.js'

/** Index into a list of n by a count of steps that may be negative or past the end. */
function wrap(i: number | undefined, n: number): number {
  return (((i ?? 0) % n) + n) % n
}

/** Rows sorted by `sort` (largest first), ties by key ascending. */
export function sortRows<R>(rows: readonly R[], sort: SortKey<R>, key: (row: R) => string): R[] {
  return [...rows].sort((a, b) => {
    const d = sort.value(b) - sort.value(a)
    if (d) return d
    const ka = key(a)
    const kb = key(b)
    return ka < kb ? -1 : ka > kb ? 1 : 0
  })
}

export class IntervalModel<O, S extends IntervalSample> implements TableSource {
  private latest: S | undefined
  private frozen: S | undefined
  private samples = 0

  constructor(private readonly spec: IntervalSpec<O, S>) {}

  update(sample: S): void {
    this.latest = sample
    this.samples++
  }

  version(): number {
    return this.frozen ? -1 : this.samples
  }

  frame(req: TableFrameRequest): TableFrame {
    if (!req.frozen) this.frozen = undefined
    else this.frozen ??= this.latest
    const sample = this.frozen ?? this.latest
    const tables = this.spec.tables
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the spec's tables differ in row type
    const table: IntervalTable<S, any> = tables[wrap(req.view, tables.length)]
    const sort = table.sorts[wrap(req.sort, table.sorts.length)]
    const fitted = fitColumns(table.columns, req.width)
    const ctx: FormatContext = {utc: req.utc, nowNs: sample?.nowNs ?? 0}
    let rows = sample ? sortRows(table.rows(sample), sort, table.key) : []
    if (req.filter) rows = rows.filter((r) => searchText(table.columns, r, req.utc).includes(req.filter))
    const first = Math.max(0, Math.min(req.scroll, rows.length - 1))
    const shown: TableRowView[] = rows.slice(first, first + req.height).map((r) => frameRow(fitted, r, ctx, table.key(r)))
    // The sort column's header is marked (ASCII: see CLIPPED in output/columns.ts).
    const marked = fitted.map((f) => (f.column.header === sort.name ? {...f, column: {...f.column, header: `${sort.name}*`}} : f))
    return {
      header: headerLine(marked),
      rows: shown,
      total: rows.length,
      first,
      // Short: a narrow terminal cuts the footer's end (the keys).
      status: `${table.title} by ${sort.name}`,
      lost: formatLosses(sample?.lost ?? {}),
      anyLost: (sample?.lost_total ?? 0) > 0,
      dropped: 0,
      hint: tables.length > 1 ? '< > sort · tab view' : '< > sort',
    }
  }
}
