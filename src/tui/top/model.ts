/** The rows of the top view, as a pure function of a frame and the view's choices: filtered, sorted
 * (pid as the tie-break, so equal rows never swap between refreshes), then laid out as a list, the
 * process tree, or grouped by cgroup/container. One filter pass and one sort per frame. */
import type {ProcessId, ViewFrame, ViewProcess} from './types.js'

export type SortColumn =
  | 'pid' | 'user' | 'priority' | 'nice' | 'virt' | 'res' | 'shr' | 'state' | 'cpu' | 'mem' | 'time' | 'threads' | 'cgroup' | 'command'
  | 'tx' | 'rx' | 'runq_avg' | 'runq_p99'

interface SortSpec {
  column: SortColumn
  label: string
  /** Text columns and pid read best ascending; amounts busiest first. */
  ascending: boolean
  value(p: ViewProcess): number | string
}

const num = (x: number | null | undefined) => x ?? -1

export const SORT_SPECS: readonly SortSpec[] = [
  {column: 'pid', label: 'PID', ascending: true, value: (p) => p.pid},
  {column: 'user', label: 'USER', ascending: true, value: (p) => p.user},
  {column: 'priority', label: 'PRI', ascending: false, value: (p) => p.priority},
  {column: 'nice', label: 'NI', ascending: false, value: (p) => p.nice},
  {column: 'virt', label: 'VIRT', ascending: false, value: (p) => p.virt_bytes},
  {column: 'res', label: 'RES', ascending: false, value: (p) => p.rss_bytes},
  {column: 'shr', label: 'SHR', ascending: false, value: (p) => p.shared_bytes},
  {column: 'state', label: 'S', ascending: true, value: (p) => p.state},
  {column: 'cpu', label: 'CPU%', ascending: false, value: (p) => p.cpu_percent},
  {column: 'mem', label: 'MEM%', ascending: false, value: (p) => p.rss_bytes},
  {column: 'time', label: 'TIME+', ascending: false, value: (p) => p.cpu_time_s},
  {column: 'threads', label: 'THR', ascending: false, value: (p) => p.threads},
  {column: 'cgroup', label: 'CGROUP', ascending: true, value: (p) => groupName(p)},
  {column: 'command', label: 'COMMAND', ascending: true, value: (p) => p.command},
  {column: 'tx', label: 'TX/s', ascending: false, value: (p) => num(p.tx_bytes_per_s)},
  {column: 'rx', label: 'RX/s', ascending: false, value: (p) => num(p.rx_bytes_per_s)},
  {column: 'runq_avg', label: 'RUNQ', ascending: false, value: (p) => num(p.runq_avg_ns)},
  {column: 'runq_p99', label: 'RQp99', ascending: false, value: (p) => num(p.runq_p99_ns)},
]

const BPF_SORTS: ReadonlySet<SortColumn> = new Set(['tx', 'rx', 'runq_avg', 'runq_p99'])

/** The columns the sort keys cycle through: the eBPF ones only when the frame has them. */
export function sortChoices(bpfOn: boolean): readonly SortSpec[] {
  return bpfOn ? SORT_SPECS : SORT_SPECS.filter((s) => !BPF_SORTS.has(s.column))
}

export function sortSpec(column: SortColumn): SortSpec {
  return SORT_SPECS.find((s) => s.column === column)!
}

/** The cgroup-grouped view's group of a process: its container, else its cgroup path. */
export function groupName(p: ViewProcess): string {
  return p.container ?? p.cgroup ?? '-'
}

export type Layout = 'list' | 'tree' | 'group'

export interface ViewOptions {
  sort: SortColumn
  invert: boolean
  layout: Layout
  /** Interactive filter: substring of command, user or pid (case-insensitive). */
  filter: string
  /** From the command line (--user, --comm, --pid), as `monitor top --once` applies them. */
  user?: string
  comm?: string
  pids?: readonly number[]
}

export type ViewRow =
  | {kind: 'process'; p: ViewProcess; depth: number}
  | {kind: 'group'; name: string; count: number; cpuPercent: number; rssBytes: number}

/** The rows a frame shows with these options, every one (the screen takes a window of them). */
export function viewRows(frame: Pick<ViewFrame, 'processes'>, o: ViewOptions): ViewRow[] {
  const procs = sortProcesses(filterProcesses(frame.processes, o), o.sort, o.invert)
  if (o.layout === 'tree') return treeRows(procs)
  if (o.layout === 'group') return groupRows(procs)
  return procs.map((p) => ({kind: 'process', p, depth: 0}))
}

export function filterProcesses(procs: readonly ViewProcess[], o: Pick<ViewOptions, 'filter' | 'user' | 'comm' | 'pids'>): ViewProcess[] {
  const needle = o.filter.toLowerCase()
  const pids = o.pids?.length ? new Set(o.pids) : undefined
  const uid = o.user !== undefined && /^\d+$/.test(o.user) ? Number(o.user) : undefined
  if (!needle && !pids && o.user === undefined && o.comm === undefined) return procs.slice()
  return procs.filter((p) => {
    if (pids && !pids.has(p.pid)) return false
    if (o.user !== undefined && (uid !== undefined ? p.uid !== uid : p.user !== o.user)) return false
    if (o.comm !== undefined && !(p.comm.includes(o.comm) || p.command.includes(o.comm))) return false
    if (!needle) return true
    return String(p.pid).includes(needle) || p.user.toLowerCase().includes(needle) || p.command.toLowerCase().includes(needle)
  })
}

export function sortProcesses(procs: ViewProcess[], column: SortColumn, invert: boolean): ViewProcess[] {
  const spec = sortSpec(column)
  const sign = spec.ascending !== invert ? 1 : -1
  const key = spec.value
  return procs.sort((a, b) => {
    const x = key(a)
    const y = key(b)
    const c = typeof x === 'number' ? x - (y as number) : x < y ? -1 : x > y ? 1 : 0
    return sign * c || a.pid - b.pid
  })
}

/** Depth-first, each process after its parent, siblings in sort order; a process whose parent is
 * not shown (filtered out, or pid 0) is a root. */
export function treeRows(sorted: readonly ViewProcess[]): ViewRow[] {
  const shown = new Set<number>()
  for (const p of sorted) shown.add(p.pid)
  const children = new Map<number, ViewProcess[]>()
  const roots: ViewProcess[] = []
  for (const p of sorted) {
    if (p.ppid !== p.pid && shown.has(p.ppid)) {
      const list = children.get(p.ppid)
      if (list) list.push(p)
      else children.set(p.ppid, [p])
    } else roots.push(p)
  }
  const out: ViewRow[] = []
  const seen = new Set<number>()
  // Iterative, so a deep chain of processes cannot overflow the stack.
  const stack: [ViewProcess, number][] = roots.map((p) => [p, 0] as [ViewProcess, number]).reverse()
  while (stack.length) {
    const [p, depth] = stack.pop()!
    if (seen.has(p.pid)) continue
    seen.add(p.pid)
    out.push({kind: 'process', p, depth})
    const kids = children.get(p.pid)
    if (kids) for (let k = kids.length - 1; k >= 0; k--) stack.push([kids[k], depth + 1])
  }
  return out
}

/** Processes under a line per cgroup/container (its process count, CPU% and RSS summed), groups
 * busiest first by CPU, then by name. */
export function groupRows(sorted: readonly ViewProcess[]): ViewRow[] {
  const groups = new Map<string, ViewProcess[]>()
  for (const p of sorted) {
    const name = groupName(p)
    const list = groups.get(name)
    if (list) list.push(p)
    else groups.set(name, [p])
  }
  const heads = [...groups].map(([name, procs]) => ({
    name,
    procs,
    cpu: procs.reduce((n, p) => n + p.cpu_percent, 0),
    rss: procs.reduce((n, p) => n + p.rss_bytes, 0),
  }))
  heads.sort((a, b) => b.cpu - a.cpu || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
  const out: ViewRow[] = []
  for (const g of heads) {
    out.push({kind: 'group', name: g.name, count: g.procs.length, cpuPercent: g.cpu, rssBytes: g.rss})
    for (const p of g.procs) out.push({kind: 'process', p, depth: 1})
  }
  return out
}

/** Start times of one process in two frames may differ by a few ms (each frame derives them from
 * its own reading of the boot time); another process with that pid starts later than this. */
const SAME_START_MS = 50

export function sameProcess(a: ProcessId, b: ProcessId): boolean {
  return a.pid === b.pid && (a.start_ts === b.start_ts || Math.abs(Date.parse(a.start_ts) - Date.parse(b.start_ts)) <= SAME_START_MS)
}

/** Where `id` is among the rows now; -1 when it is gone. */
export function rowOf(rows: readonly ViewRow[], id: ProcessId): number {
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i]
    if (r.kind === 'process' && r.p.pid === id.pid) return sameProcess(r.p, id) ? i : -1
  }
  return -1
}

/** A process and every descendant among the rows (htop's `c`). */
export function withDescendants(rows: readonly ViewRow[], root: ViewProcess): ViewProcess[] {
  const byParent = new Map<number, ViewProcess[]>()
  for (const r of rows) {
    if (r.kind !== 'process') continue
    const list = byParent.get(r.p.ppid)
    if (list) list.push(r.p)
    else byParent.set(r.p.ppid, [r.p])
  }
  const out: ViewProcess[] = []
  const todo = [root]
  const seen = new Set<number>()
  while (todo.length) {
    const p = todo.pop()!
    if (seen.has(p.pid)) continue
    seen.add(p.pid)
    out.push(p)
    for (const c of byParent.get(p.pid) ?? []) if (c.pid !== p.pid) todo.push(c)
  }
  return out
}
