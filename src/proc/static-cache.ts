/** What a process keeps for life (command line, name, cgroup), read once per (pid, start time,
 * comm) — an exec keeps pid and start time but changes comm — and dropped when the process is gone.
 * Like btop, a refresh then reads only each process's stat and statm. */
import {readFileSync} from 'node:fs'

import {P, PF_KTHREAD, PROC_STRIDE, type ProcReading, type ProcStatic} from '../engine/proc.js'
import {parseCgroup, parsePasswd} from './parse.js'

export interface StaticInfo {
  starttime: number
  commhash: number
  comm: string
  /** The command line joined by spaces; `[comm]` for kernel threads and processes without one
   * (zombies), as ps shows them. */
  command: string
  cgroup: string | null
  container: string | null
  kernelThread: boolean
  /** The refresh that last saw it (for pruning). */
  seen: number
}

/** Where static data comes from: ProcReader.static in monitor, a table in tests. */
export type StaticSource = (pid: number) => ProcStatic | null

export function staticInfo(s: ProcStatic, seen: number): StaticInfo {
  const kernelThread = (s.flags & PF_KTHREAD) !== 0
  const cg = s.cgroup === null ? null : parseCgroup(s.cgroup)
  return {
    starttime: s.starttime,
    commhash: s.commhash,
    comm: s.comm,
    command: kernelThread || s.cmdline === '' ? `[${s.comm}]` : s.cmdline,
    cgroup: cg?.path ?? null,
    container: cg?.container ?? null,
    kernelThread,
    seen,
  }
}

export class StaticCache {
  private byPid = new Map<number, StaticInfo>()
  private generation = 0
  /** Static reads done so far (tests and the benchmark check that a steady state does none). */
  reads = 0

  constructor(private readonly source: StaticSource) {}

  get size(): number {
    return this.byPid.size
  }

  /** Fills out[i] with the static data of record i of `reading`, reading only new keys; undefined
   * where the process went away before its static data could be read (or its pid was reused in
   * between: it is tried again next refresh). */
  resolve(reading: ProcReading, out: (StaticInfo | undefined)[]): void {
    const gen = ++this.generation
    const d = reading.data
    out.length = reading.count
    for (let i = 0; i < reading.count; i++) {
      const base = i * PROC_STRIDE
      const pid = d[base + P.pid]
      let info = this.byPid.get(pid)
      if (!info || info.starttime !== d[base + P.starttime] || info.commhash !== d[base + P.commhash]) {
        this.reads++
        const s = this.source(pid)
        if (s && s.starttime === d[base + P.starttime]) {
          info = staticInfo(s, gen)
          this.byPid.set(pid, info)
        } else {
          info = undefined
          this.byPid.delete(pid)
        }
      }
      if (info) info.seen = gen
      out[i] = info
    }
    // Prune what was not seen this refresh, only once gone processes add up (not every tick).
    if (this.byPid.size > reading.count + 256) {
      for (const [pid, info] of this.byPid) if (info.seen !== gen) this.byPid.delete(pid)
    }
  }
}

/** User names by uid, from /etc/passwd read once (ids it lacks — LDAP, containers — print as numbers). */
export class UserNames {
  private names: Map<number, string> | undefined

  constructor(private readonly passwd = '/etc/passwd') {}

  name(uid: number): string {
    if (!this.names) {
      try {
        this.names = parsePasswd(readFileSync(this.passwd, 'utf8'))
      } catch {
        this.names = new Map()
      }
    }
    return this.names.get(uid) ?? String(uid)
  }
}
