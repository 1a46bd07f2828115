/** A snapshot's processes as rows: which to show (filters), in what order (sort keys with pid as the
 * tie-break, so equal rows never swap between refreshes), and the row objects themselves — made
 * only for the rows printed. */
import {P, PROC_STRIDE} from '../engine/proc.js'
import type {ProcSnapshot} from './sampler.js'

/** One process, with the field names of `monitor top -o json|csv`. */
export interface ProcessRow {
  pid: number
  ppid: number
  user: string
  uid: number
  state: string
  priority: number
  nice: number
  threads: number
  /** Over the snapshot's interval: 100 = one core (mode `core`) or all CPUs (mode `machine`). */
  cpu_percent: number
  mem_percent: number
  rss_bytes: number
  shared_bytes: number
  virt_bytes: number
  /** utime + stime since the process started (TIME+), seconds. */
  cpu_time_s: number
  start_ts: string
  processor: number
  cgroup: string | null
  container: string | null
  command: string
  comm: string
}

export const ROW_FIELDS: readonly (keyof ProcessRow)[] = [
  'pid', 'ppid', 'user', 'uid', 'state', 'priority', 'nice', 'threads', 'cpu_percent', 'mem_percent', 'rss_bytes',
  'shared_bytes', 'virt_bytes', 'cpu_time_s', 'start_ts', 'processor', 'cgroup', 'container', 'command', 'comm',
]

const round2 = (x: number) => Math.round(x * 100) / 100

export function processRow(s: ProcSnapshot, i: number): ProcessRow {
  const d = s.reading.data
  const b = i * PROC_STRIDE
  const st = s.statics[i]
  const rss = d[b + P.resident] * s.pageSize
  const starttime = d[b + P.starttime]
  const uid = d[b + P.uid]
  const comm = st?.comm ?? '?'
  return {
    pid: d[b + P.pid],
    ppid: d[b + P.ppid],
    user: s.users.name(uid),
    uid,
    state: String.fromCharCode(d[b + P.state]),
    priority: d[b + P.priority],
    nice: d[b + P.nice],
    threads: d[b + P.threads],
    cpu_percent: round2(s.cpuPercent[i]),
    mem_percent: s.system.memory.totalBytes ? round2((100 * rss) / s.system.memory.totalBytes) : 0,
    rss_bytes: rss,
    shared_bytes: d[b + P.shared] * s.pageSize,
    virt_bytes: d[b + P.vsize],
    cpu_time_s: round2((d[b + P.utime] + d[b + P.stime]) / s.clockTicks),
    start_ts: new Date(Math.round((s.bootS + starttime / s.clockTicks) * 1000)).toISOString(),
    processor: d[b + P.processor],
    cgroup: st?.cgroup ?? null,
    container: st?.container ?? null,
    command: st?.command ?? `[${comm}]`,
    comm,
  }
}

export type SortKey = 'cpu' | 'mem' | 'pid' | 'time'
export const SORT_KEYS: readonly SortKey[] = ['cpu', 'mem', 'pid', 'time']

export interface RowSelection {
  sort?: SortKey
  /** Only these pids. */
  pids?: readonly number[]
  /** Only processes of this user (name or numeric uid). */
  user?: string
  /** Only processes whose comm or command line contains this. */
  comm?: string
  /** At most this many rows (after sorting). */
  limit?: number
}

/** Record indices of the rows to show, in order: busiest first for cpu, mem and time, ascending pid
 * for pid; ties by pid. */
export function selectRows(s: ProcSnapshot, sel: RowSelection = {}): number[] {
  const d = s.reading.data
  const pids = sel.pids?.length ? new Set(sel.pids) : undefined
  const uid = sel.user !== undefined && /^\d+$/.test(sel.user) ? Number(sel.user) : undefined
  const out: number[] = []
  for (let i = 0; i < s.reading.count; i++) {
    const b = i * PROC_STRIDE
    if (pids && !pids.has(d[b + P.pid])) continue
    if (sel.user !== undefined && (uid !== undefined ? d[b + P.uid] !== uid : s.users.name(d[b + P.uid]) !== sel.user)) continue
    if (sel.comm !== undefined) {
      const st = s.statics[i]
      if (!st || !(st.comm.includes(sel.comm) || st.command.includes(sel.comm))) continue
    }
    out.push(i)
  }
  const key = sortValue(s, sel.sort ?? 'cpu')
  const pid = (i: number) => d[i * PROC_STRIDE + P.pid]
  const ascending = (sel.sort ?? 'cpu') === 'pid'
  out.sort((a, b) => (ascending ? 0 : key(b) - key(a)) || pid(a) - pid(b))
  return sel.limit !== undefined ? out.slice(0, sel.limit) : out
}

function sortValue(s: ProcSnapshot, key: SortKey): (i: number) => number {
  const d = s.reading.data
  switch (key) {
    case 'cpu':
      return (i) => s.cpuPercent[i]
    case 'mem':
      return (i) => d[i * PROC_STRIDE + P.resident]
    case 'time':
      return (i) => d[i * PROC_STRIDE + P.utime] + d[i * PROC_STRIDE + P.stime]
    case 'pid':
      return (i) => d[i * PROC_STRIDE + P.pid]
  }
}
