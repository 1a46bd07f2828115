/** Where the frames of a FlameTree fall on a terminal: one row per depth below the zoom root, each
 * row a line of cells. A frame owns the cells its share of the zoom root's total rounds to; a frame
 * narrower than one cell owns none, and the cell it falls in shows as merged ('·') unless a wider
 * frame owns it — it is never dropped from its parent's total, which includes it. */
import type {FlameTree} from '../../output/flame-model.js'

export const MERGED = -2
export const EMPTY = -1

export interface FlameLayout {
  width: number
  /** Depth (below the zoom root) of row 0 of `cells`. */
  firstDepth: number
  /** cells[r][x]: the node drawn at row r (depth firstDepth + r), or EMPTY / MERGED. */
  cells: Int32Array[]
  /** The drawn (cell-owning) nodes of each row, left to right: what ← → step through. */
  rows: number[][]
}

/** Lays out rows [firstDepth, firstDepth + rowCount) of the subtree of `zoom`. */
export function layoutFlame(tree: FlameTree, zoom: number, width: number, firstDepth: number, rowCount: number): FlameLayout {
  const cells = Array.from({length: rowCount}, () => new Int32Array(width).fill(EMPTY))
  const rows: number[][] = Array.from({length: rowCount}, () => [])
  const whole = Math.abs(tree.total[zoom])
  const lastDepth = firstDepth + rowCount - 1
  const visit = (n: number, rel: number, x0: number, w: number) => {
    if (rel >= firstDepth) {
      const r = rel - firstDepth
      const s = Math.round(x0)
      const e = Math.min(width, Math.round(x0 + w))
      if (w >= 1 && e > s) {
        cells[r].fill(n, s, e)
        rows[r].push(n)
      } else {
        const c = Math.min(width - 1, Math.floor(x0))
        if (c >= 0 && cells[r][c] === EMPTY) cells[r][c] = MERGED
        return // its callees are narrower still
      }
    } else if (w < 1) {
      return // above the window and narrower than a cell: its rows below would all be merged
    }
    if (rel >= lastDepth) return
    let x = x0
    for (let c = tree.firstChild[n]; c !== -1; c = tree.nextSibling[c]) {
      const cw = whole > 0 ? (Math.abs(tree.total[c]) / whole) * width : 0
      // Negative totals (a diff profile) can make children outgrow their parent: clip to it.
      const clipped = Math.max(0, Math.min(cw, x0 + w - x))
      if (clipped > 0 || cw > 0) visit(c, rel + 1, x, clipped)
      x += clipped
    }
  }
  visit(zoom, 0, 0, whole > 0 ? width : 0)
  return {width, firstDepth, cells, rows}
}
