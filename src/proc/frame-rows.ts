/** The rows `monitor top` prints from a frame: --pid/--user/--comm filters, --sort with pid as the
 * tie-break, --tree and --limit. Live and replayed frames go through the same selection, so a replay
 * prints the rows the live run printed. */
import type {FrameProcess, TopFrame} from './frame.js'
import type {RowSelection, SortKey} from './rows.js'
import {treeOrderBy} from './tree.js'

/** Sort keys on the values a frame holds (as printed): busiest first, pid ascending. */
const SORT_VALUE: Record<SortKey, (p: FrameProcess) => number> = {
  cpu: (p) => p.cpu_percent,
  mem: (p) => p.rss_bytes,
  time: (p) => p.cpu_time_s,
  pid: (p) => p.pid,
}

export function selectFrameRows(frame: TopFrame, sel: RowSelection = {}): FrameProcess[] {
  const pids = sel.pids?.length ? new Set(sel.pids) : undefined
  const uid = sel.user !== undefined && /^\d+$/.test(sel.user) ? Number(sel.user) : undefined
  const comm = sel.comm
  const out = frame.processes.filter(
    (p) =>
      (!pids || pids.has(p.pid)) &&
      (sel.user === undefined || (uid !== undefined ? p.uid === uid : p.user === sel.user)) &&
      (comm === undefined || p.comm.includes(comm) || p.command.includes(comm)),
  )
  const sort = sel.sort ?? 'cpu'
  const key = SORT_VALUE[sort]
  const ascending = sort === 'pid'
  out.sort((a, b) => (ascending ? 0 : key(b) - key(a)) || a.pid - b.pid)
  return sel.limit !== undefined ? out.slice(0, sel.limit) : out
}

/** The rows to print, in order; with `tree` in tree order, the limit applied after so a limited tree
 * still starts at its roots. */
export function pickFrameRows(frame: TopFrame, selection: RowSelection, tree?: boolean): {rows: FrameProcess[]; depth?: number[]} {
  if (!tree) return {rows: selectFrameRows(frame, selection)}
  const {limit, ...rest} = selection
  const {order, depth} = treeOrderBy(
    selectFrameRows(frame, rest),
    (p) => p.pid,
    (p) => p.ppid,
  )
  return limit === undefined ? {rows: order, depth} : {rows: order.slice(0, limit), depth: depth.slice(0, limit)}
}
