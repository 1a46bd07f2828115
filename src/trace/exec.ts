/** `trace exec`: joins the EXEC and EXIT records of each process into one run (execsnoop + exitsnoop). */
import {BpfObject, type Losses, type RingBufferStream, forEachRecord, isoFromMonotonicNs} from '../engine/index.js'
import {decodeExecRecord, ExecEventKind, ExecFlag, type ExecRecord} from './exec-decoder.js'
import {decodeWaitStatus} from './signals.js'

export interface ExecTraceOptions {
  /** Only this process and its direct children. */
  pid?: number
  uid?: number
  /** Exact command name (the kernel keeps 15 characters). */
  comm?: string
  /** Ring buffer size in bytes (power of two). */
  ringBytes?: number
}

/** What is known from the exec. Field names are the documented JSON output. */
export interface ProcessStart {
  /** Time of the exec, ISO 8601 UTC with µs. */
  ts: string
  pid: number
  ppid: number
  uid: number
  comm: string
  argv: string[]
  argv_truncated: boolean
}

export interface RunningProcess extends ProcessStart {
  /** CLOCK_MONOTONIC ns of the exec. */
  start_ns: number
}

/** One process run, from exec to exit. */
export interface ProcessRun extends ProcessStart {
  exit_code: number | null
  signal: string | null
  core_dumped: boolean
  duration_ns: number | null
  /** How the run ended: `exit`, `exec` (the process replaced its image again) or `running` (still alive when tracing stopped). */
  end: 'exit' | 'exec' | 'running'
}

export interface ExecSummary {
  runs: number
  still_running: number
  execs: number
  exits: number
  /** Exits whose exec record never arrived (it was lost). */
  exits_without_exec: number
  lost: Losses
}

export interface ExecHandlers {
  onStart?: (proc: RunningProcess) => void
  onRun: (run: ProcessRun) => void
}

const COMM_MAX = 15
const NOT_EXITED = {exit_code: null, signal: null, core_dumped: false}

function processFrom(r: ExecRecord): RunningProcess {
  return {
    start_ns: r.start_ns,
    ts: isoFromMonotonicNs(r.start_ns),
    pid: r.pid,
    ppid: r.ppid,
    uid: r.uid,
    comm: r.comm,
    argv: r.argv,
    argv_truncated: (r.flags & ExecFlag.argsTruncated) !== 0,
  }
}

export function validateComm(comm: string): string {
  return comm.length > COMM_MAX ? comm.slice(0, COMM_MAX) : comm
}

export class ExecTracer {
  private readonly obj: BpfObject
  private readonly stream: RingBufferStream
  private readonly live = new Map<number, RunningProcess>()
  private execs = 0
  private exits = 0
  private exitsWithoutExec = 0
  private runs = 0
  private stopped: ExecSummary | undefined

  private constructor(obj: BpfObject, private readonly handlers: ExecHandlers) {
    this.obj = obj
    this.stream = obj.stream({onBatch: (batch) => this.onBatch(batch), flushMs: 50, batchBytes: 256 * 1024})
  }

  static start(options: ExecTraceOptions, handlers: ExecHandlers): ExecTracer {
    const config: Record<string, number | string> = {}
    if (options.pid !== undefined) config.targ_pid = options.pid
    if (options.uid !== undefined) config.targ_uid = options.uid
    if (options.comm) config.targ_comm = validateComm(options.comm)
    const obj = BpfObject.start('exec', {config, maxEntries: {events: options.ringBytes ?? 8 << 20}})
    try {
      return new ExecTracer(obj, handlers)
    } catch (error) {
      obj.closeNow()
      throw error
    }
  }

  private onBatch(batch: Buffer): void {
    forEachRecord(batch, (view, offset, length) => this.onRecord(decodeExecRecord(view, offset, length)))
  }

  private onRecord(r: ExecRecord): void {
    if (r.kind === ExecEventKind.exec) {
      this.execs++
      const previous = this.live.get(r.pid)
      if (previous) this.report(previous, 'exec', r.ts_ns)
      const proc = processFrom(r)
      this.live.set(r.pid, proc)
      this.handlers.onStart?.(proc)
    } else if (r.kind === ExecEventKind.exit) {
      this.exits++
      let proc = this.live.get(r.pid)
      if (!proc) {
        this.exitsWithoutExec++ // its exec record was lost: argv is unknown
        proc = processFrom(r)
      }
      this.report(proc, 'exit', r.ts_ns, r.status)
    }
  }

  /** Ends a run: `status` is the wait status for `exit`; no end time means still running. */
  private report(proc: RunningProcess, end: ProcessRun['end'], endNs: number | null, status?: number): void {
    this.live.delete(proc.pid)
    if (end !== 'running') this.runs++
    const wait = status === undefined ? NOT_EXITED : decodeWaitStatus(status)
    // Built field by field (no spreads): this runs for every process on the machine.
    this.handlers.onRun({
      ts: proc.ts,
      pid: proc.pid,
      ppid: proc.ppid,
      uid: proc.uid,
      comm: proc.comm,
      argv: proc.argv,
      argv_truncated: proc.argv_truncated,
      exit_code: wait.exit_code,
      signal: wait.signal,
      core_dumped: wait.core_dumped,
      duration_ns: endNs === null ? null : endNs - proc.start_ns,
      end,
    })
  }

  running(): RunningProcess[] {
    return [...this.live.values()]
  }

  losses(): Losses {
    return this.obj.losses()
  }

  /** Drains what is left, reports still-running processes as runs with end `running`, detaches. */
  async stop(): Promise<ExecSummary> {
    if (this.stopped) return this.stopped
    await this.obj.stopStream(this.stream)
    const lost = this.obj.losses()
    await this.obj.close()
    const stillRunning = this.running()
    for (const proc of stillRunning) this.report(proc, 'running', null)
    this.stopped = {
      runs: this.runs,
      still_running: stillRunning.length,
      execs: this.execs,
      exits: this.exits,
      exits_without_exec: this.exitsWithoutExec,
      lost,
    }
    return this.stopped
  }
}
