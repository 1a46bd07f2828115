/** One refresh of `monitor top` as plain data: what the live view draws, what `--record` stores and
 * `--replay` gives back, and (as JSON) what `--once -o json` prints. Live frames are built from a
 * sampler snapshot plus, when the engine runs, the eBPF columns of the same interval; replayed frames
 * come from a file. The view never knows which. */
import {P, PROC_STRIDE} from '../engine/proc.js'
import type {ProcessRow} from './rows.js'
import {processRow} from './rows.js'
import type {ProcSnapshot, SystemSample} from './sampler.js'

/** The eBPF columns of one process over the frame's interval (absent: the engine is off, or the
 * process did nothing the programs saw). */
export interface ProcBpfColumns {
  /** TCP payload bytes sent / received per second (socket sends and receives of the process). */
  tx_bytes_per_s?: number
  rx_bytes_per_s?: number
  /** Run-queue latency (wakeup or preemption → running) of the process's threads: mean and p99 in
   * ns, from the project's log-linear histogram; null when it was never runnable in the interval. */
  runq_avg_ns?: number | null
  runq_p99_ns?: number | null
  /** How many times its threads waited in the run queue in the interval. */
  runq_count?: number
}

export type FrameProcess = ProcessRow & ProcBpfColumns

/** A process that started and ended between two refreshes (seen by fork/exec/exit tracepoints). */
export interface ShortLivedProcess {
  pid: number
  ppid: number
  comm: string
  /** The exec'd file's argv joined with spaces; null: it forked and exited without exec. */
  command: string | null
  uid: number
  /** Exit code, or 128+signal for a signalled exit. */
  exit_code: number
  start_ts: string
  duration_ns: number
}

/** What the eBPF side contributed, so the view can say why columns are missing. */
export interface FrameBpfStatus {
  /** on: columns present; off: not asked for (--no-bpf) or not possible (reason in `note`). */
  state: 'on' | 'off'
  note: string | null
  /** Records or samples the kernel side could not deliver this interval (counted, never silent). */
  lost: number
  /** on: the columns this frame's processes carry (a process without a value waited never / sent
   * nothing: 0 or null); absent when off. */
  columns?: readonly (keyof ProcBpfColumns)[]
}

export interface TopFrame {
  /** Wall clock of the reading, epoch ms. */
  epochMs: number
  intervalS: number
  mode: 'core' | 'machine'
  system: SystemSample
  /** monitor itself: its CPU% over the interval (including its BPF run time when on) and RSS. */
  self: {pid: number; cpu_percent: number; rss_bytes: number} | null
  /** Every process (the view filters, sorts and shows a window of them). */
  processes: FrameProcess[]
  /** null: the engine is off (no short-lived panel). */
  shortLived: ShortLivedProcess[] | null
  bpf: FrameBpfStatus
}

/** The eBPF columns and short-lived list of one interval (src/proc/bpf-columns.ts makes them). */
export interface BpfSample {
  byPid: ReadonlyMap<number, ProcBpfColumns>
  shortLived: ShortLivedProcess[]
  lost: number
  /** Run time of monitor's own BPF programs over the interval, ns: added to monitor's CPU%. */
  bpfRunNs: number
  /** What is missing although the engine runs (no TCP columns before Linux 6.3, BPF run time not
   * counted while kernel.bpf_stats_enabled is 0). */
  note?: string | null
  /** The columns the engine fills (default: all of ProcBpfColumns). */
  columns?: readonly (keyof ProcBpfColumns)[]
  /** Sorted tgids the scheduler switched in during this interval or the one before (the /proc read
   * after this sample may skip the others: ProcReader.read); absent when not known for every process. */
  ran?: Int32Array
}

const ALL_BPF_COLUMNS: readonly (keyof ProcBpfColumns)[] = ['tx_bytes_per_s', 'rx_bytes_per_s', 'runq_avg_ns', 'runq_p99_ns', 'runq_count']

const BPF_OFF: FrameBpfStatus = {state: 'off', note: null, lost: 0}

/** A live frame: every process of the snapshot as a row, with the interval's eBPF columns merged by
 * pid. `rows`: reuse the row objects of the previous frame where nothing changed (a live source
 * passes one FrameRows for all its frames). */
export function frameOf(snap: ProcSnapshot, bpf?: BpfSample | null, off: FrameBpfStatus = BPF_OFF, rows?: FrameRows): TopFrame {
  const processes = rows ? rows.make(snap, bpf?.byPid) : freshRows(snap, bpf?.byPid)
  const selfRow = snap.selfIndex >= 0 ? processes[snap.selfIndex] : undefined
  const bpfShare = bpf && snap.intervalS > 0 ? (100 * bpf.bpfRunNs) / 1e9 / snap.intervalS / (snap.mode === 'machine' ? snap.system.perCpuPercent.length : 1) : 0
  return {
    epochMs: snap.epochMs,
    intervalS: snap.intervalS,
    mode: snap.mode,
    system: snap.system,
    self: selfRow ? {pid: selfRow.pid, cpu_percent: Math.round((selfRow.cpu_percent + bpfShare) * 100) / 100, rss_bytes: selfRow.rss_bytes} : null,
    processes,
    shortLived: bpf ? bpf.shortLived : null,
    bpf: bpf ? {state: 'on', note: bpf.note ?? null, lost: bpf.lost, columns: bpf.columns ?? ALL_BPF_COLUMNS} : off,
  }
}

function freshRows(snap: ProcSnapshot, byPid: ReadonlyMap<number, ProcBpfColumns> | undefined): FrameProcess[] {
  const processes: FrameProcess[] = new Array(snap.reading.count)
  for (let i = 0; i < snap.reading.count; i++) processes[i] = withColumns(processRow(snap, i), byPid)
  return processes
}

function withColumns(row: FrameProcess, byPid: ReadonlyMap<number, ProcBpfColumns> | undefined): FrameProcess {
  const cols = byPid?.get(row.pid)
  if (cols) Object.assign(row, cols)
  return row
}

/**
 * The rows of consecutive live frames. Most processes sleep through most refreshes: their record is
 * the same as in the previous reading (the /proc reader even copies it: ProcReader.read), so their
 * row would come out the same too. Such a row is handed out again instead of made anew: a frame of
 * ~1,000 processes then makes a few dozen objects instead of a thousand (and their start-time
 * strings), and the garbage collector finds little to do. Frames are never changed after they are
 * made, so sharing rows between them is safe.
 */
export class FrameRows {
  private prevData = new Float64Array(0)
  private prevCount = 0
  private prevRows: FrameProcess[] = []
  private prevStatics: readonly unknown[] = []
  private prevTotal = -1
  /** Rows handed out again by the last make() (tests, benchmarks). */
  reused = 0

  make(snap: ProcSnapshot, byPid: ReadonlyMap<number, ProcBpfColumns> | undefined): FrameProcess[] {
    const {count, data} = snap.reading
    const total = snap.system.memory.totalBytes
    const prev = this.prevData
    const out: FrameProcess[] = new Array(count)
    let j = 0
    this.reused = 0
    for (let i = 0; i < count; i++) {
      const b = i * PROC_STRIDE
      const pid = data[b + P.pid]
      while (j < this.prevCount && prev[j * PROC_STRIDE + P.pid] < pid) j++
      const old = j < this.prevCount && prev[j * PROC_STRIDE + P.pid] === pid ? this.prevRows[j] : undefined
      if (
        old &&
        total === this.prevTotal &&
        snap.statics[i] === this.prevStatics[j] &&
        !byPid?.has(pid) &&
        !hasColumns(old) &&
        old.cpu_percent === Math.round(snap.cpuPercent[i] * 100) / 100 &&
        sameRecord(data, b, prev, j * PROC_STRIDE)
      ) {
        out[i] = old
        this.reused++
      } else {
        out[i] = withColumns(processRow(snap, i), byPid)
      }
    }
    if (this.prevData.length < data.length) this.prevData = new Float64Array(data.length * 2)
    this.prevData.set(data.subarray(0, count * PROC_STRIDE))
    this.prevCount = count
    this.prevRows = out
    this.prevStatics = snap.statics.slice(0, count)
    this.prevTotal = total
    return out
  }
}

function sameRecord(a: Float64Array, ai: number, b: Float64Array, bi: number): boolean {
  for (let k = 0; k < PROC_STRIDE; k++) if (a[ai + k] !== b[bi + k]) return false
  return true
}

function hasColumns(row: FrameProcess): boolean {
  return row.runq_count !== undefined || row.tx_bytes_per_s !== undefined || row.rx_bytes_per_s !== undefined || row.runq_avg_ns !== undefined
}
