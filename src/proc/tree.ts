/** The process tree (htop's `t`): rows in depth-first order, each after its parent, siblings in the
 * order given (the sort). A row whose parent is not among the rows (filtered out, or pid 0) is a root. */
import {P, PROC_STRIDE} from '../engine/proc.js'
import type {ProcSnapshot} from './sampler.js'

export interface TreeOrder<T = number> {
  /** The rows (record indices of a snapshot, or a frame's processes), parents before their children. */
  order: T[]
  /** Depth of order[k] (0 for roots). */
  depth: number[]
}

export function treeOrder(s: ProcSnapshot, rows: readonly number[]): TreeOrder {
  const d = s.reading.data
  return treeOrderBy(
    rows,
    (i) => d[i * PROC_STRIDE + P.pid],
    (i) => d[i * PROC_STRIDE + P.ppid],
  )
}

/** The tree of any rows that know their pid and parent pid. */
export function treeOrderBy<T>(rows: readonly T[], pidOf: (row: T) => number, ppidOf: (row: T) => number): TreeOrder<T> {
  const inRows = new Set<number>()
  for (const i of rows) inRows.add(pidOf(i))
  const children = new Map<number, T[]>()
  const roots: T[] = []
  for (const i of rows) {
    const ppid = ppidOf(i)
    if (ppid !== pidOf(i) && inRows.has(ppid)) {
      const list = children.get(ppid)
      if (list) list.push(i)
      else children.set(ppid, [i])
    } else roots.push(i)
  }
  const out: TreeOrder<T> = {order: [], depth: []}
  const seen = new Set<number>()
  // Iterative, so a deep chain of processes cannot overflow the stack.
  const stack: [T, number][] = roots.map((i) => [i, 0] as [T, number]).reverse()
  while (stack.length) {
    const [i, depth] = stack.pop()!
    const pid = pidOf(i)
    if (seen.has(pid)) continue
    seen.add(pid)
    out.order.push(i)
    out.depth.push(depth)
    const kids = children.get(pid)
    if (kids) for (let k = kids.length - 1; k >= 0; k--) stack.push([kids[k], depth + 1])
  }
  return out
}
