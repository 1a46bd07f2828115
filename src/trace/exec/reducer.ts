/** Joins the EXEC and EXIT records of each process into one run (execsnoop + exitsnoop); failed
 * execs and (with --all-exits) exits of processes that never exec'd are runs of their own. */
import {constants} from 'node:os'

import type {Counts, Reducer, ReducerContext} from '../spec.js'
import {decodeWaitStatus} from '../wait-status.js'
import {decodeExecRecord, ExecEventKind, ExecFlag, type ExecRecord} from './record.js'

/** One process run. Field names are the documented JSON output (`ts` is derived from start_us). */
export interface ExecRow {
  /** `start`: the exec itself (streaming with --starts); `run`: the run as it ended or stands. */
  phase: 'start' | 'run'
  /** Wall-clock µs since the epoch of the exec (of the process's start, for an untracked exit). */
  start_us: number
  /** CLOCK_MONOTONIC ns of the same. */
  start_ns: number
  pid: number
  ppid: number
  uid: number
  comm: string
  /** The executable's resolved path; for a failed exec the path as passed; null when unknown. */
  filename: string | null
  argv: string[]
  argv_truncated: boolean
  /** A failed exec's errno name (ENOENT, EACCES…); null when the exec succeeded. */
  exec_errno: string | null
  exit_code: number | null
  signal: string | null
  core_dumped: boolean
  duration_ns: number | null
  /** How the run ended: `exit`; `exec` (the process replaced its image again); `running` (alive
   * when tracing stopped); `failed` (the exec itself failed, the caller ran on). */
  end: 'exit' | 'exec' | 'running' | 'failed'
  /** How the run began: `exec` while tracing; with --all-exits also `fork` (started while tracing,
   * never exec'd) or `before` (already running when tracing started). */
  origin: 'exec' | 'fork' | 'before'
}

export interface ExecFilter {
  /** Matched against comm in user space (a regex, or what the kernel cannot do). */
  comm?: (comm: string) => boolean
  /** Matched against the command line (argv joined by spaces). */
  args?: (commandLine: string) => boolean
}

const ERRNO_NAMES = new Map<number, string>()
for (const [name, n] of Object.entries(constants.errno)) if (!ERRNO_NAMES.has(n)) ERRNO_NAMES.set(n, name)

/** ENOENT for 2; E123 for a number without a name. */
export function errnoName(n: number): string {
  return ERRNO_NAMES.get(n) ?? `E${n}`
}

const HOLD_FAILED_NS = 300e6

function sameArgs(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i])
}

export class ExecReducer implements Reducer<ExecRow> {
  private readonly live = new Map<number, ExecRow>()
  /** Failed execs held back a moment: execvp() tries each PATH entry in turn, and the ENOENTs of a
   * search that goes on (same pid, same argv) are not failures worth a row each. */
  private readonly failing = new Map<number, ExecRow>()
  /** Pids the user-space filter turned away: their exits are not reports either. */
  private readonly ignored = new Set<number>()
  private execs = 0
  private execFailures = 0
  private pathMisses = 0
  private exits = 0
  private exitsWithoutExec = 0
  private untrackedExits = 0
  private runs = 0
  private stillRunning = 0

  /** `ctx.startNs`: CLOCK_MONOTONIC start of tracing, to tell `fork` from `before`. */
  constructor(
    private readonly emit: (row: ExecRow) => void,
    private readonly ctx: ReducerContext,
    private readonly filter: ExecFilter = {},
    private readonly starts = false,
  ) {}

  record(view: DataView, offset: number, length: number): void {
    const r = decodeExecRecord(view, offset, length)
    switch (r.kind) {
      case ExecEventKind.exec:
        return this.onExec(r)
      case ExecEventKind.execFailed:
        return this.onExecFailed(r)
      case ExecEventKind.exit:
        return this.onExit(r)
    }
  }

  private onExec(r: ExecRecord): void {
    this.execs++
    this.settleFailure(r.pid, r.argv)
    const previous = this.live.get(r.pid)
    if (previous) this.end(previous, 'exec', r.ts_ns)
    this.ignored.delete(r.pid)
    if (!this.wanted(r.comm, r.argv)) {
      this.ignored.add(r.pid)
      return
    }
    const row = this.row(r, 'exec')
    this.live.set(r.pid, row)
    if (this.starts) this.emit({...row, phase: 'start'})
  }

  private onExecFailed(r: ExecRecord): void {
    this.settleFailure(r.pid, r.argv)
    if (!this.wanted(r.comm, r.argv)) return
    const row = this.row(r, 'exec')
    row.exec_errno = errnoName(r.error)
    row.end = 'failed'
    this.failing.set(r.pid, row)
  }

  /** Another exec attempt of `pid`: a held failure with the same argv was a step of a PATH search
   * (dropped); any other is reported. */
  private settleFailure(pid: number, argv: string[]): void {
    const held = this.failing.get(pid)
    if (!held) return
    this.failing.delete(pid)
    if (sameArgs(held.argv, argv)) this.pathMisses++
    else this.reportFailure(held)
  }

  private reportFailure(row: ExecRow): void {
    this.execFailures++
    this.runs++
    this.emit(row)
  }

  /** Reports the failures no further attempt followed within HOLD_FAILED_NS: a search's next attempt
   * comes microseconds later, and reaches JS within two ring flushes. */
  tick(nowNs: number): void {
    for (const [pid, row] of this.failing) {
      if (nowNs - row.start_ns < HOLD_FAILED_NS) continue
      this.failing.delete(pid)
      this.reportFailure(row)
    }
  }

  private onExit(r: ExecRecord): void {
    this.exits++
    if (this.ignored.delete(r.pid)) return
    let row = this.live.get(r.pid)
    if (!row) {
      if (r.flags & ExecFlag.untracked) {
        // --all-exits: a process that never exec'd while tracing. Its argv is not known.
        if (!this.wanted(r.comm, [])) return
        this.untrackedExits++
        row = this.row(r, r.start_ns >= this.ctx.startNs ? 'fork' : 'before')
      } else {
        this.exitsWithoutExec++ // its exec record was lost: argv is unknown
        row = this.row(r, 'exec')
      }
    }
    this.end(row, 'exit', r.ts_ns, r.status)
  }

  private wanted(comm: string, argv: string[]): boolean {
    if (this.filter.comm && !this.filter.comm(comm)) return false
    if (this.filter.args && !this.filter.args(argv.join(' '))) return false
    return true
  }

  private row(r: ExecRecord, origin: ExecRow['origin']): ExecRow {
    return {
      phase: 'run',
      start_us: this.ctx.toEpochUs(r.start_ns),
      start_ns: r.start_ns,
      pid: r.pid,
      ppid: r.ppid,
      uid: r.uid,
      comm: r.comm,
      filename: r.filename || null,
      argv: r.argv,
      argv_truncated: (r.flags & ExecFlag.argsTruncated) !== 0,
      exec_errno: null,
      exit_code: null,
      signal: null,
      core_dumped: false,
      duration_ns: null,
      end: 'running',
      origin,
    }
  }

  /** Ends a run. The open row becomes the finished one (no copy: this runs for every process). */
  private end(row: ExecRow, end: ExecRow['end'], endNs: number | null, status?: number): void {
    this.live.delete(row.pid)
    if (status !== undefined) {
      const wait = decodeWaitStatus(status)
      row.exit_code = wait.exit_code
      row.signal = wait.signal
      row.core_dumped = wait.core_dumped
    }
    row.duration_ns = endNs === null ? null : endNs - row.start_ns
    row.end = end
    if (end === 'running') this.stillRunning++
    else this.runs++
    this.emit(row)
  }

  open(nowNs: number): ExecRow[] {
    const out: ExecRow[] = []
    for (const row of this.live.values()) out.push({...row, duration_ns: nowNs - row.start_ns})
    return out
  }

  finish(): void {
    this.tick(Infinity)
    for (const row of [...this.live.values()]) this.end(row, 'running', null)
  }

  counts(): Counts {
    return {
      runs: this.runs,
      still_running: this.stillRunning || this.live.size,
      execs: this.execs,
      exec_failures: this.execFailures,
      path_misses: this.pathMisses,
      exits: this.exits,
      exits_without_exec: this.exitsWithoutExec,
      untracked_exits: this.untrackedExits,
    }
  }
}
