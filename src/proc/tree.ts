/** The process tree (htop's `t`): rows in depth-first order, each after its parent, siblings in the
 * order given (the sort). A row whose parent is not among the rows (filtered out, or pid 0) is a root. */
import {P, PROC_STRIDE} from '../engine/proc.js'
import type {ProcSnapshot} from './sampler.js'

export interface TreeOrder {
  /** Record indices, parents before their children. */
  order: number[]
  /** Depth of order[k] (0 for roots). */
  depth: number[]
}

export function treeOrder(s: ProcSnapshot, rows: readonly number[]): TreeOrder {
  const d = s.reading.data
  const pidOf = (i: number) => d[i * PROC_STRIDE + P.pid]
  const inRows = new Set<number>()
  for (const i of rows) inRows.add(pidOf(i))
  const children = new Map<number, number[]>()
  const roots: number[] = []
  for (const i of rows) {
    const ppid = d[i * PROC_STRIDE + P.ppid]
    if (ppid !== pidOf(i) && inRows.has(ppid)) {
      const list = children.get(ppid)
      if (list) list.push(i)
      else children.set(ppid, [i])
    } else roots.push(i)
  }
  const out: TreeOrder = {order: [], depth: []}
  const seen = new Set<number>()
  // Iterative, so a deep chain of processes cannot overflow the stack.
  const stack: [number, number][] = roots.map((i) => [i, 0] as [number, number]).reverse()
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
