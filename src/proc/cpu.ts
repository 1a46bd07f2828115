/** CPU% of every process over one interval: a pure function of two readings. Both are pid
 * ascending, so they are merged in one pass with no lookup table; a pid is the same process only
 * when its start time matches too (a reused pid is a new process). */
import {P, PROC_STRIDE, type ProcReading} from '../engine/proc.js'

/** `core`: 100% is one core fully busy, like htop and top (a process may show 200% on 2 cores);
 * `machine`: 100% is every CPU busy (top's Irix mode off). */
export type CpuMode = 'core' | 'machine'

/**
 * Writes into out[i] the CPU% of record i of `cur` over the interval since `prev` (ticks of
 * utime + stime per second of wall time). A process absent from `prev` (started since, or a pid
 * reused) used all its ticks inside the interval, so they all count. `cpus` scales `machine` mode.
 */
export function cpuPercents(prev: ProcReading, cur: ProcReading, clockTicks: number, mode: CpuMode, cpus: number, out: Float64Array): void {
  const seconds = (cur.atNs - prev.atNs) / 1e9
  const scale = seconds > 0 ? 100 / (clockTicks * seconds * (mode === 'machine' ? Math.max(1, cpus) : 1)) : 0
  const a = prev.data
  const b = cur.data
  let j = 0
  for (let i = 0; i < cur.count; i++) {
    const bi = i * PROC_STRIDE
    const pid = b[bi + P.pid]
    while (j < prev.count && a[j * PROC_STRIDE + P.pid] < pid) j++
    let ticks = b[bi + P.utime] + b[bi + P.stime]
    if (j < prev.count) {
      const aj = j * PROC_STRIDE
      if (a[aj + P.pid] === pid && a[aj + P.starttime] === b[bi + P.starttime]) ticks -= a[aj + P.utime] + a[aj + P.stime]
    }
    // A negative delta cannot happen for one process; clamp in case the kernel's accounting steps back.
    out[i] = ticks > 0 ? ticks * scale : 0
  }
}

/** The index of `pid` in a reading (binary search; -1 when absent). */
export function findPid(reading: ProcReading, pid: number): number {
  let lo = 0
  let hi = reading.count - 1
  while (lo <= hi) {
    const mid = (lo + hi) >> 1
    const v = reading.data[mid * PROC_STRIDE + P.pid]
    if (v === pid) return mid
    if (v < pid) lo = mid + 1
    else hi = mid - 1
  }
  return -1
}

/** A reading that outlives the reader's next read: its records copied into storage kept between
 * refreshes (grown, never shrunk), so holding the previous reading allocates nothing per tick. */
export class ReadingCopy implements ProcReading {
  count = 0
  atNs = 0
  private store = new Float64Array(0)

  get data(): Float64Array {
    return this.store.subarray(0, this.count * PROC_STRIDE)
  }

  copyFrom(r: ProcReading): this {
    const n = r.count * PROC_STRIDE
    if (this.store.length < n) this.store = new Float64Array(Math.max(n, this.store.length * 2))
    this.store.set(r.data.subarray(0, n))
    this.count = r.count
    this.atNs = r.atNs
    return this
  }
}
