/** The eBPF columns of `monitor top`, as a service the session asks once per refresh: TCP bytes per
 * second per process (the `top tcp` object), run-queue latency per process (topsched.bpf.c) and the
 * short-lived processes of the interval (the `trace exec` tracer with all exits). Every figure is
 * over the interval since the previous sample(), measured on the monotonic clock. Links are owned
 * by this process's fds (nothing is pinned): however monitor ends, even by SIGKILL, the kernel
 * detaches them. */
import {BpfObject, epochUsFromMonotonicNs, forEachRecord, monotonicNowNs, type RingBufferStream, totalLosses} from '../engine/index.js'
import {missingCapabilities, preflight, readTrimmed} from '../engine/host.js'
import {ExitCode, MonitorError} from '../errors.js'
import {execSpec} from '../trace/exec/spec.js'
import {ExecReducer} from '../trace/exec/reducer.js'
import {liveContext, loadAndAttach} from '../trace/open.js'
import {connectionRows, InodeOwners, processRows, topTcpSpec} from '../trace/tcptop/top.js'
import type {BpfSample, ProcBpfColumns} from './frame.js'
import {merge, RunqReader} from './bpf-runq.js'
import {ShortLivedCollector} from './bpf-short-lived.js'

export interface TopBpfOptions {
  /** Processes with a run-queue histogram at once (topsched's runq_hist). */
  maxProcesses?: number
  /** Connections (socket × process) active within one refresh (tcptop's conn_bytes). */
  maxConnections?: number
  /** Refreshes without a wait after which a process's histogram leaves the map (default 5). */
  idleRefreshes?: number
}

export interface TopBpf {
  /** Starts the first interval (call with the first /proc reading). */
  begin(): void
  /** The interval since the previous sample() (or begin()). */
  sample(): BpfSample
  /** Detaches everything. Idempotent. */
  close(): void
}

const RUNQ_COLUMNS = ['runq_avg_ns', 'runq_p99_ns', 'runq_count'] as const
const TCP_COLUMNS = ['tx_bytes_per_s', 'rx_bytes_per_s'] as const

function firstLine(error: unknown): string {
  return String((error as Error)?.message ?? error).split('\n')[0]
}

/** Loads and attaches the programs, or throws a MonitorError whose message is the one-line reason
 * the columns are off ("needs root …"). The TCP bytes are `top tcp`'s, however it counts them on this
 * kernel (before Linux 6.3 from tcp:tcp_probe: sample().note says so); if its programs cannot run,
 * only the TCP columns are missing, and the note says why. */
export function openTopBpf(options: TopBpfOptions = {}): TopBpf {
  const missing = missingCapabilities()
  if (missing.length) throw new MonitorError(`needs root (or ${missing.join(' + ')})`, {exitCode: ExitCode.noPermission})
  preflight() // no BTF, no tracefs: its own words, not a part's
  const opened: {close(): void}[] = []
  try {
    const sched = part('run-queue latency', () => BpfObject.start('topsched', {maxEntries: {runq_hist: options.maxProcesses ?? 4096}}))
    opened.push({close: () => sched.closeNow()})
    let tcp: BpfObject | undefined
    let note: string | null = null
    try {
      const tcpOptions = {maxConnections: options.maxConnections ?? 16384}
      tcp = part('TCP bytes', () => loadAndAttach(topTcpSpec, tcpOptions, (obj) => obj))
      opened.push({close: () => tcp!.closeNow()})
      note = topTcpSpec.notices?.(tcpOptions).join('; ') || null
    } catch (error) {
      note = `no TCP columns: ${firstLine(error)}`
    }
    const exec = part('short-lived processes', () => new ExecFeed())
    opened.push(exec)
    return new RunningTopBpf(sched, tcp, exec, note, options.idleRefreshes)
  } catch (error) {
    for (const o of opened.reverse()) o.close()
    throw error
  }
}

/** Runs one part's set-up; its failure is one line naming the part. */
function part<T>(what: string, open: () => T): T {
  try {
    return open()
  } catch (error) {
    throw new MonitorError(`${what}: ${firstLine(error)}`, {exitCode: ExitCode.unavailable, cause: error})
  }
}

/** `trace exec`'s object (all exits on) and its reducer, feeding the short-lived list. Not through
 * openTracer: top needs the object itself, for its programs' run time. */
class ExecFeed {
  readonly obj: BpfObject
  readonly shortLived: ShortLivedCollector
  private readonly reducer: ExecReducer
  private readonly stream: RingBufferStream
  private failure: Error | undefined

  constructor() {
    const ctx = liveContext()
    this.shortLived = new ShortLivedCollector(ctx.startNs, epochUsFromMonotonicNs)
    this.reducer = new ExecReducer((row) => this.shortLived.onRow(row), ctx)
    // 512 KiB (trace exec takes 8 MiB): drained every 50 ms it still holds ~2,500 records, and its
    // whole mapping (twice, for the wrap-around) counts in monitor's RSS, which top keeps under 100 MB.
    this.obj = loadAndAttach(execSpec, {allExits: true, ringBytes: 1 << 19}, (obj) => obj)
    try {
      this.stream = this.obj.stream({
        // Flushed every 50 ms: a row that reaches JS after the refresh its exit preceded is
        // reported with the next one (ShortLivedCollector).
        // Small batches: a batch is handed over when full, so this bounds memory, not throughput.
        batchBytes: 64 * 1024,
        flushMs: 50,
        queueDepth: 4,
        onBatch: (batch) => forEachRecord(batch, (view, offset, length) => this.reducer.record(view, offset, length)),
        onError: (error) => (this.failure ??= error),
      })
    } catch (error) {
      this.obj.closeNow()
      throw error
    }
  }

  take(nowNs: number) {
    if (this.failure) throw new MonitorError(`short-lived processes: ${firstLine(this.failure)}`, {cause: this.failure})
    this.reducer.tick(nowNs) // lets go of failed execs no retry followed
    return this.shortLived.take(nowNs)
  }

  close(): void {
    this.obj.closeNow()
  }
}

const STATS_SYSCTL = '/proc/sys/kernel/bpf_stats_enabled'

class RunningTopBpf implements TopBpf {
  private readonly runq: RunqReader
  private readonly owners = new InodeOwners()
  private lastNs = monotonicNowNs()
  private lastLost = 0
  private lastRunNs = 0
  private closed = false
  private readonly columns: readonly (keyof ProcBpfColumns)[]

  constructor(
    private readonly sched: BpfObject,
    private readonly tcp: BpfObject | undefined,
    private readonly exec: ExecFeed,
    private readonly note: string | null,
    idleRefreshes?: number,
  ) {
    this.runq = new RunqReader(sched.map('runq_hist'), idleRefreshes)
    this.columns = tcp ? [...TCP_COLUMNS, ...RUNQ_COLUMNS] : [...RUNQ_COLUMNS]
  }

  begin(): void {
    // What the maps hold so far is older than the first interval.
    this.runq.read(new Map())
    this.tcp?.map('conn_bytes').read({delete: true})
    this.lastLost = this.losses()
    this.lastRunNs = this.runNs()
    this.lastNs = monotonicNowNs()
    this.exec.shortLived.begin(this.lastNs)
  }

  sample(): BpfSample {
    const nowNs = monotonicNowNs()
    const seconds = (nowNs - this.lastNs) / 1e9
    this.lastNs = nowNs
    const byPid = new Map<number, ProcBpfColumns>()
    if (this.tcp) {
      const entries = this.tcp.map('conn_bytes').read({delete: true})
      this.owners.next()
      for (const p of processRows(connectionRows(entries, seconds, this.owners), seconds)) {
        merge(byPid, p.pid, {tx_bytes_per_s: Math.round(p.tx_rate), rx_bytes_per_s: Math.round(p.rx_rate)})
      }
    }
    this.runq.read(byPid)
    const {processes, dropped} = this.exec.take(nowNs)
    const lost = this.losses()
    const runNs = this.runNs()
    const sample: BpfSample = {
      byPid,
      shortLived: processes,
      lost: lost - this.lastLost + dropped,
      bpfRunNs: runNs - this.lastRunNs,
      note: this.noteNow(),
      columns: this.columns,
      ran: this.runq.ran(),
    }
    this.lastLost = lost
    this.lastRunNs = runNs
    return sample
  }

  private noteNow(): string | null {
    const stats = readTrimmed(STATS_SYSCTL) === '1' ? null : "monitor's BPF run time is not in its CPU% (kernel.bpf_stats_enabled is 0)"
    return [this.note, stats].filter(Boolean).join('; ') || null
  }

  private objects(): BpfObject[] {
    return this.tcp ? [this.sched, this.exec.obj, this.tcp] : [this.sched, this.exec.obj]
  }

  private losses(): number {
    let n = 0
    for (const o of this.objects()) n += totalLosses(o.losses())
    return n
  }

  /** Run time of every program of ours (stays put while kernel.bpf_stats_enabled is 0). */
  private runNs(): number {
    let n = 0
    for (const o of this.objects()) for (const p of o.programStats()) n += p.runTimeNs
    return n
  }

  close(): void {
    if (this.closed) return
    this.closed = true
    this.exec.close()
    this.tcp?.closeNow()
    this.sched.closeNow()
  }
}
