/** A tool's columns, defined once: the same list prints plain text (`-o columns`) and lays out the
 * live table, which fits them to the terminal by dropping and shrinking by priority. */

export interface FormatContext {
  /** Times in UTC instead of local time. */
  utc: boolean
  /** CLOCK_MONOTONIC now, for rows still open (a running process's duration so far). */
  nowNs: number
}

export interface Column<R> {
  header: string
  /** Width in characters. Values are clipped to it (ending in ~), so a long value never shifts the
   * columns after it. The flexible column's width is its minimum. */
  width: number
  /** The live table may narrow the column to this before dropping anything (default: width). */
  minWidth?: number
  align?: 'left' | 'right'
  /** When the terminal is too narrow, columns with the lowest `drop` go first; absent: never dropped. */
  drop?: number
  /** Takes the rest of the line (ARGS). At most one, and it comes last. */
  flex?: boolean
  value(row: R, ctx: FormatContext): string
  /** Colour of the cell in the live table (an Ink colour name). */
  color?(row: R): string | undefined
}

/** Marks a clipped value. ASCII on purpose: Ink measures any line with a non-ASCII character through
 * Unicode segmentation on every frame, at several times the cost of the whole rest of the line. */
const CLIPPED = '~'

/** Fits `text` to exactly `width` characters: clipped (marked ~) or padded. */
export function cell(text: string, width: number, align: 'left' | 'right' = 'left'): string {
  if (text.length > width) return width <= 0 ? '' : text.slice(0, width - 1) + CLIPPED
  return align === 'right' ? text.padStart(width) : text.padEnd(width)
}

/** The plain-text header: every column at its width, the flexible one unpadded at the end. */
export function formatHeader<R>(columns: readonly Column<R>[]): string {
  return columns.map((c) => (c.flex ? c.header : cell(c.header, c.width, c.align))).join(' ')
}

/** One plain-text row; the flexible column is never clipped (the reader's terminal wraps it). */
export function formatRow<R>(columns: readonly Column<R>[], row: R, ctx: FormatContext): string {
  let line = ''
  for (let i = 0; i < columns.length; i++) {
    const c = columns[i]
    const v = c.value(row, ctx)
    if (i) line += ' '
    line += c.flex ? v : cell(v, c.width, c.align)
  }
  return line
}

export interface FittedColumn<R> {
  column: Column<R>
  width: number
}

/** Lays columns out in `width` characters (one space between them) so the flexible column gets at
 * least its own width: drops the lowest-priority columns until the rest fit at their minWidth, then
 * narrows only as much as needed; what is left over goes to the flexible column. A list that cannot
 * fit even then keeps its undroppable columns (the terminal clips the line). */
export function fitColumns<R>(columns: readonly Column<R>[], width: number): FittedColumn<R>[] {
  let kept = columns.map((column) => ({column, width: column.width}))
  const sum = (w: (k: (typeof kept)[number]) => number) => kept.reduce((n, k) => n + w(k) + 1, -1)
  const droppable = kept.filter((k) => k.column.drop !== undefined).sort((a, b) => a.column.drop! - b.column.drop!)
  for (const k of droppable) {
    if (sum((x) => x.column.minWidth ?? x.column.width) <= width) break
    kept = kept.filter((x) => x !== k)
  }
  // Narrow the columns with the most room to give first.
  for (const k of [...kept].sort((a, b) => slack(b) - slack(a))) {
    const over = sum((x) => x.width) - width
    if (over <= 0) break
    k.width -= Math.min(slack(k), over)
  }
  const flex = kept.find((k) => k.column.flex)
  if (flex) flex.width = Math.max(flex.column.width, flex.width + width - sum((x) => x.width))
  return kept
}

function slack<R>(k: FittedColumn<R>): number {
  return k.width - (k.column.minWidth ?? k.column.width)
}

/** A header or row fitted to the table: exactly `width` characters per cell, joined by spaces. */
export function fittedCells<R>(fitted: readonly FittedColumn<R>[], text: (c: Column<R>) => string): string[] {
  return fitted.map((f) => cell(text(f.column), f.width, f.column.align))
}
