/** Joins the EXEC and EXIT records of each process into one run (execsnoop + exitsnoop). */
import {epochUsFromMonotonicNs} from '../../engine/index.js'
import type {Counts, Reducer} from '../spec.js'
import {decodeWaitStatus} from '../wait-status.js'
import {EXEC_EVENT, EXEC_EVENT_FLAGS, EXEC_EVENT_KIND} from './layout.js'

/** One process run. Field names are the documented JSON output (`ts` is derived from start_us). */
export interface ExecRow {
  /** `start`: the exec itself (streaming with --starts); `run`: the run as it ended or stands. */
  phase: 'start' | 'run'
  /** Wall-clock µs since the epoch of the exec. */
  start_us: number
  /** CLOCK_MONOTONIC ns of the exec. */
  start_ns: number
  pid: number
  ppid: number
  uid: number
  comm: string
  argv: string[]
  argv_truncated: boolean
  exit_code: number | null
  signal: string | null
  core_dumped: boolean
  duration_ns: number | null
  /** How the run ended: `exit`; `exec` (the process replaced its image again); `running` (alive
   * when tracing stopped). */
  end: 'exit' | 'exec' | 'running'
}

export interface ExecFilter {
  /** Matched against comm in user space (a regex, or what the kernel cannot do). */
  comm?: (comm: string) => boolean
  /** Matched against the command line (argv joined by spaces). */
  args?: (commandLine: string) => boolean
}

const Kind = {exec: EXEC_EVENT_KIND.values.EXEC_EVENT_EXEC, exit: EXEC_EVENT_KIND.values.EXEC_EVENT_EXIT}
const Flag = {argsTruncated: EXEC_EVENT_FLAGS.values.EXEC_FLAG_ARGS_TRUNCATED}
const HEADER = EXEC_EVENT.size
const NOT_ENDED = {exit_code: null, signal: null, core_dumped: false}

const utf8 = new TextDecoder('utf-8')

/** argv as the kernel keeps it: NUL-separated strings. A truncated tail stays as the last element. */
export function splitArgs(bytes: Uint8Array): string[] {
  const out: string[] = []
  let start = 0
  for (let i = 0; i < bytes.length; i++) {
    if (bytes[i] === 0) {
      out.push(utf8.decode(bytes.subarray(start, i)))
      start = i + 1
    }
  }
  if (start < bytes.length) out.push(utf8.decode(bytes.subarray(start)))
  return out
}

export class ExecReducer implements Reducer<ExecRow> {
  private readonly live = new Map<number, ExecRow>()
  /** Pids the user-space filter turned away: their exits are not reports either. */
  private readonly ignored = new Set<number>()
  private execs = 0
  private exits = 0
  private exitsWithoutExec = 0
  private runs = 0
  private stillRunning = 0

  constructor(
    private readonly emit: (row: ExecRow) => void,
    private readonly filter: ExecFilter = {},
    private readonly starts = false,
  ) {}

  record(view: DataView, offset: number, length: number): void {
    if (length < HEADER) throw new RangeError(`exec record of ${length} bytes is shorter than its ${HEADER}-byte header`)
    const r = EXEC_EVENT.decode(view, offset)
    if (r.kind === Kind.exec) {
      this.execs++
      const previous = this.live.get(r.pid)
      if (previous) this.end(previous, 'exec', r.ts_ns)
      this.ignored.delete(r.pid)
      const argsLen = Math.min(r.args_len, length - HEADER)
      const argv = argsLen ? splitArgs(new Uint8Array(view.buffer, view.byteOffset + offset + HEADER, argsLen)) : []
      if (!this.wanted(r.comm, argv)) {
        this.ignored.add(r.pid)
        return
      }
      const row = this.row(r.pid, r.ppid, r.uid, r.comm, argv, (r.flags & Flag.argsTruncated) !== 0, r.start_ns)
      this.live.set(r.pid, row)
      if (this.starts) this.emit({...row, phase: 'start'})
    } else if (r.kind === Kind.exit) {
      this.exits++
      if (this.ignored.delete(r.pid)) return
      let row = this.live.get(r.pid)
      if (!row) {
        this.exitsWithoutExec++ // its exec record was lost: argv is unknown
        row = this.row(r.pid, r.ppid, r.uid, r.comm, [], false, r.start_ns)
      }
      this.end(row, 'exit', r.ts_ns, r.exit_code)
    }
  }

  private wanted(comm: string, argv: string[]): boolean {
    if (this.filter.comm && !this.filter.comm(comm)) return false
    if (this.filter.args && !this.filter.args(argv.join(' '))) return false
    return true
  }

  private row(pid: number, ppid: number, uid: number, comm: string, argv: string[], truncated: boolean, startNs: number): ExecRow {
    return {
      phase: 'run',
      start_us: epochUsFromMonotonicNs(startNs),
      start_ns: startNs,
      pid,
      ppid,
      uid,
      comm,
      argv,
      argv_truncated: truncated,
      ...NOT_ENDED,
      duration_ns: null,
      end: 'running',
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
    for (const row of [...this.live.values()]) this.end(row, 'running', null)
  }

  counts(): Counts {
    return {
      runs: this.runs,
      still_running: this.stillRunning || this.live.size,
      execs: this.execs,
      exits: this.exits,
      exits_without_exec: this.exitsWithoutExec,
    }
  }
}
