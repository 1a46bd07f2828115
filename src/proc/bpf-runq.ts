/** Run-queue latency per process over one refresh, from topsched.bpf.c's `runq_hist` (tgid →
 * struct hist, cumulative since the process was first seen). The BPF side never empties the map
 * (that would make every active process insert a fresh 4 KB histogram on the sched_switch path each
 * refresh); user space keeps each process's previous histogram and takes the difference. */
import {HIST_BYTES, HIST_SLOTS, Histogram} from '../engine/index.js'
import type {BpfMap} from '../engine/index.js'
import type {ProcBpfColumns} from './frame.js'

type RunqColumns = Required<Pick<ProcBpfColumns, 'runq_avg_ns' | 'runq_p99_ns' | 'runq_count'>>

/** cur − prev, bucket by bucket, into `out` (both cumulative histograms of the same process, prev
 * read earlier). A bucket that went down means the entry was made anew in between: then cur alone
 * is the interval's. */
export function histogramDelta(cur: Histogram, prev: Histogram | undefined, out = new Histogram()): Histogram {
  if (!prev || cur.count < prev.count) {
    out.counts.set(cur.counts)
    out.count = cur.count
    out.sum = cur.sum
    return out
  }
  for (let i = 0; i < HIST_SLOTS; i++) out.counts[i] = cur.counts[i] - prev.counts[i]
  out.count = cur.count - prev.count
  out.sum = cur.sum - prev.sum
  return out
}

/** The columns of one interval's histogram: mean and p99 (bucket midpoint, within 6.25%) in ns,
 * rounded; null when the process never waited. */
export function runqColumns(delta: Histogram): RunqColumns {
  if (delta.count === 0) return {runq_avg_ns: null, runq_p99_ns: null, runq_count: 0}
  return {runq_avg_ns: Math.round(delta.mean), runq_p99_ns: Math.round(delta.percentile(99)), runq_count: delta.count}
}

const TWO32 = 2 ** 32

/** A process's histogram as last read, and for how many refreshes in a row it has not changed. */
interface Seen {
  hist: Histogram
  idle: number
}

/** Reads the map each refresh and hands back each active process's columns. */
export class RunqReader {
  private prev = new Map<number, Seen>()
  private ranBefore: number[] = []
  private ranNow: number[] = []
  private complete = false
  private readonly cur = new Histogram()
  private readonly delta = new Histogram()
  private readonly key = Buffer.alloc(4)

  /** `idleRefreshes`: a process's entry is deleted after this many refreshes without a wait, so
   * the map holds the processes active lately; a process that comes back costs the BPF side one
   * insert of a fresh histogram (a 4 KB copy per CPU) on the sched_switch path. */
  constructor(
    private readonly map: BpfMap,
    private readonly idleRefreshes = 5,
  ) {}

  /** Sorted tgids whose threads were switched in after a run-queue wait during the last two reads'
   * intervals; undefined when the map was full (a process could have run unseen). */
  ran(): Int32Array | undefined {
    if (!this.complete) return undefined
    const out = new Int32Array(this.ranBefore.length + this.ranNow.length)
    out.set(this.ranBefore)
    out.set(this.ranNow, this.ranBefore.length)
    return out.sort()
  }

  /** Columns of every process that waited since the last read, into `out` (merged by pid). */
  read(out: Map<number, ProcBpfColumns>): void {
    const e = this.map.read()
    const next = new Map<number, Seen>()
    const ran = this.ranBefore
    ran.length = 0
    this.ranBefore = this.ranNow
    this.ranNow = ran
    this.complete = e.count < this.map.info.maxEntries
    for (let i = 0; i < e.count; i++) {
      const tgid = e.keys.readUInt32LE(i * 4)
      const at = i * HIST_BYTES
      const count = e.values.readUInt32LE(at) + e.values.readUInt32LE(at + 4) * TWO32
      const prev = this.prev.get(tgid)
      if (prev && prev.hist.count === count) {
        if (++prev.idle >= this.idleRefreshes) {
          // A wait that lands between this read and the delete is lost: one at most.
          this.key.writeUInt32LE(tgid)
          this.map.delete(this.key)
        } else next.set(tgid, prev)
        continue
      }
      ran.push(tgid)
      Histogram.fromBytes(e.values, at, this.cur)
      merge(out, tgid, runqColumns(histogramDelta(this.cur, prev?.hist, this.delta)))
      // Keep this read as the process's previous: reuse its old histogram's memory.
      const keep = prev ?? {hist: new Histogram(), idle: 0}
      keep.hist.counts.set(this.cur.counts)
      keep.hist.count = this.cur.count
      keep.hist.sum = this.cur.sum
      keep.idle = 0
      next.set(tgid, keep)
    }
    this.prev = next
  }
}

export function merge(out: Map<number, ProcBpfColumns>, pid: number, cols: ProcBpfColumns): void {
  const have = out.get(pid)
  if (have) Object.assign(have, cols)
  else out.set(pid, cols)
}
