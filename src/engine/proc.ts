/** Typed facade over the addon's /proc reader. One read() walks /proc natively and packs every
 * process's stat + statm numbers into fixed records of doubles (the layout: PROC_FIELDS, checked
 * against the addon's own list at open); the records are read in place through a Float64Array,
 * so a refresh makes no JS object per process. Static data and the system files are separate calls. */
import {ExitCode, MonitorError} from '../errors.js'
import {loadNative, type NativeProcReader, type NativeProcStatic} from './native.js'

/** Field order of a record, as addon/src/proc_reader.h's MONITOR_PROC_FIELDS defines it. Units are
 * the kernel's: ticks for utime/stime/starttime, pages for resident/shared, bytes for vsize; state is
 * the state letter's char code; commhash a 32-bit FNV-1a of comm (an exec changes it, not the
 * (pid, starttime) key). */
export const PROC_FIELDS = [
  'pid', 'ppid', 'pgrp', 'session', 'tty', 'flags', 'minflt', 'majflt', 'utime', 'stime',
  'priority', 'nice', 'threads', 'starttime', 'vsize', 'processor', 'state', 'uid', 'resident', 'shared', 'commhash',
] as const
export type ProcField = (typeof PROC_FIELDS)[number]
/** Doubles per record. */
export const PROC_STRIDE = PROC_FIELDS.length
/** Index of each field within a record: `data[i * PROC_STRIDE + P.pid]`. */
export const P = Object.fromEntries(PROC_FIELDS.map((f, i) => [f, i])) as Record<ProcField, number>

/** PF_KTHREAD in stat's flags: a kernel thread (no command line, no memory of its own). */
export const PF_KTHREAD = 0x00200000

/** One reading: `count` records, pid ascending. `data` views the reader's buffer: valid until the
 * reader's next read(). */
export interface ProcReading {
  count: number
  data: Float64Array
  /** CLOCK_MONOTONIC ns when the read started. */
  atNs: number
}

export type ProcStatic = NativeProcStatic

/** The texts of the system-wide /proc files one refresh needs; null where the kernel has none. */
export interface ProcSystemTexts {
  stat: string
  meminfo: string
  loadavg: string
  uptime: string
  pressure: {cpu: string | null; memory: string | null; io: string | null}
}

export class ProcReader {
  private native: NativeProcReader | undefined
  readonly root: string

  /** `root`: where /proc is (tests point it at a fixture tree). */
  constructor(root = '/proc') {
    const fields = loadNative().procFields()
    if (fields.join() !== PROC_FIELDS.join())
      throw new MonitorError(`the native engine's /proc record layout differs from this monitor's: run \`npm run build:addon\``, {exitCode: ExitCode.unavailable})
    this.root = root
    try {
      this.native = new (loadNative().ProcReader)(root)
    } catch (error) {
      throw new MonitorError(`cannot read ${root}: ${(error as Error).message}`, {exitCode: ExitCode.unavailable, cause: error})
    }
  }

  /** Every process. `ran` (sorted tgids whose threads were switched in since the read before last,
   * from the scheduler tracepoints): a process outside it that slept and used no CPU time at its
   * last reads keeps its last record instead of being read again (each is still read every 10th
   * read). Without `ran`, every process is read. */
  read(ran?: Int32Array): ProcReading {
    if (!this.native) throw new MonitorError('the /proc reader is closed')
    const count = ran ? this.native.read(ran) : this.native.read()
    const buf = this.native.buffer()
    return {count, data: new Float64Array(buf.buffer, buf.byteOffset, count * PROC_STRIDE), atNs: this.native.readAtNs()}
  }

  /** Records the last read() copied from the one before instead of reading them. */
  get skipped(): number {
    return this.native?.skipped() ?? 0
  }

  /** comm, cmdline and cgroup of one process; null when it is gone. */
  static(pid: number): ProcStatic | null {
    return loadNative().procStatic(this.root, pid)
  }

  system(): ProcSystemTexts {
    const [stat, meminfo, loadavg, uptime, cpu, memory, io] = loadNative().procSystem(this.root)
    if (stat === null || meminfo === null || loadavg === null || uptime === null)
      throw new MonitorError(`cannot read ${this.root}/stat, meminfo, loadavg or uptime: is /proc mounted?`, {exitCode: ExitCode.unavailable})
    return {stat, meminfo, loadavg, uptime, pressure: {cpu, memory, io}}
  }

  close(): void {
    this.native?.close()
    this.native = undefined
  }
}

/** USER_HZ (stat's tick unit) and the page size (statm's unit). */
export function procConstants(): {clockTicks: number; pageSize: number} {
  return loadNative().procConstants()
}
