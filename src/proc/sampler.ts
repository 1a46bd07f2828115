/** The process sampler of `monitor top`: each sample() is one native read of every process plus the
 * system files, turned into CPU% over the interval since the previous sample (never a lifetime
 * average). The per-process numbers stay in typed arrays; row objects are made only for what is
 * printed (rows.ts). */
import {P, procConstants, ProcReader, PROC_STRIDE, type ProcReading} from '../engine/proc.js'
import {type CpuMode, cpuPercents, findPid, ReadingCopy} from './cpu.js'
import {
  cpuBusyPercent,
  type Loadavg,
  type Meminfo,
  parseLoadavg,
  parseMeminfo,
  parsePressure,
  parseStat,
  parseUptime,
  type PressureLine,
  type StatFile,
} from './parse.js'
import {StaticCache, type StaticInfo, UserNames} from './static-cache.js'

export type {CpuMode} from './cpu.js'

export interface TaskCounts {
  total: number
  running: number
  sleeping: number
  stopped: number
  zombie: number
  /** Threads of all processes. */
  threads: number
  kernelThreads: number
}

export interface SystemSample {
  cpuPercent: number
  /** Busy % of each online CPU over the interval. */
  perCpuPercent: number[]
  memory: Meminfo
  load: Loadavg
  uptimeS: number
  pressure: Record<'cpu' | 'memory' | 'io', {some: PressureLine | null; full: PressureLine | null} | null>
  tasks: TaskCounts
}

export interface ProcSnapshot {
  /** Wall clock of the reading, epoch ms. */
  epochMs: number
  /** The interval the CPU% are measured over, seconds. */
  intervalS: number
  mode: CpuMode
  /** Records of this sample: valid until the next sample(). */
  reading: ProcReading
  /** CPU% of record i (cpuPercent.length may exceed reading.count). */
  cpuPercent: Float64Array
  /** Static data of record i (undefined: the process went away before it could be read). */
  statics: readonly (StaticInfo | undefined)[]
  system: SystemSample
  /** Boot time, epoch seconds (from uptime, to 10 ms): a start time is bootS + starttime / clockTicks. */
  bootS: number
  clockTicks: number
  pageSize: number
  /** Record index of monitor itself (-1 if not found). */
  selfIndex: number
  users: UserNames
}

export interface SamplerOptions {
  root?: string
  mode?: CpuMode
  /** uid → name (default: /etc/passwd). */
  users?: UserNames
}

export class ProcSampler {
  private readonly reader: ProcReader
  private readonly statics: StaticCache
  private readonly prev = new ReadingCopy()
  private prevStat: StatFile | undefined
  private cpu = new Float64Array(1024)
  private rows: (StaticInfo | undefined)[] = []
  private readonly constants = procConstants()
  private readonly users: UserNames
  /** Boot time, epoch seconds: taken once, so a process's start_ts is the same in every sample (each
   * reading of uptime against the wall clock moves it by a millisecond or two). */
  private bootS = 0
  readonly mode: CpuMode

  constructor(options: SamplerOptions = {}) {
    this.reader = new ProcReader(options.root)
    this.statics = new StaticCache((pid) => this.reader.static(pid))
    this.mode = options.mode ?? 'core'
    this.users = options.users ?? new UserNames()
  }

  /** Static reads so far (a steady state makes none). */
  get staticReads(): number {
    return this.statics.reads
  }

  /** Takes the first reading, the start of the first interval. */
  start(): void {
    this.prev.copyFrom(this.reader.read())
    const texts = this.reader.system()
    this.bootS = Date.now() / 1000 - parseUptime(texts.uptime)
    this.prevStat = parseStat(texts.stat)
  }

  /** Records the last sample copied from the one before (processes that slept throughout). */
  get skipped(): number {
    return this.reader.skipped
  }

  /** A reading, measured against the previous one (start() must have run). `ran`: see
   * ProcReader.read (the eBPF side knows which processes ran; without it every process is read). */
  sample(ran?: Int32Array): ProcSnapshot {
    if (!this.prevStat) this.start()
    const cur = this.reader.read(ran)
    const epochMs = Date.now()
    const texts = this.reader.system()
    const stat = parseStat(texts.stat)
    if (this.cpu.length < cur.count) this.cpu = new Float64Array(cur.count * 2)
    cpuPercents(this.prev, cur, this.constants.clockTicks, this.mode, stat.cpus.length, this.cpu)
    this.statics.resolve(cur, this.rows)
    const prevStat = this.prevStat!
    const uptimeS = parseUptime(texts.uptime)
    const snapshot: ProcSnapshot = {
      epochMs,
      intervalS: (cur.atNs - this.prev.atNs) / 1e9,
      mode: this.mode,
      reading: cur,
      cpuPercent: this.cpu,
      statics: this.rows,
      system: {
        cpuPercent: cpuBusyPercent(prevStat.all, stat.all),
        perCpuPercent: stat.cpus.map((c, i) => (prevStat.cpus[i] ? cpuBusyPercent(prevStat.cpus[i], c) : 0)),
        memory: parseMeminfo(texts.meminfo),
        load: parseLoadavg(texts.loadavg),
        uptimeS,
        pressure: {
          cpu: texts.pressure.cpu === null ? null : parsePressure(texts.pressure.cpu),
          memory: texts.pressure.memory === null ? null : parsePressure(texts.pressure.memory),
          io: texts.pressure.io === null ? null : parsePressure(texts.pressure.io),
        },
        tasks: countTasks(cur, this.rows),
      },
      bootS: this.bootS,
      clockTicks: this.constants.clockTicks,
      pageSize: this.constants.pageSize,
      selfIndex: findPid(cur, process.pid),
      users: this.users,
    }
    this.prev.copyFrom(cur)
    this.prevStat = stat
    return snapshot
  }

  close(): void {
    this.reader.close()
  }
}

const R = 'R'.charCodeAt(0)
const Z = 'Z'.charCodeAt(0)
const T = 'T'.charCodeAt(0)
const t = 't'.charCodeAt(0)

/** Task counts by state, as top's "Tasks:" line (S, D, I and the rest count as sleeping). */
export function countTasks(reading: ProcReading, statics: readonly (StaticInfo | undefined)[]): TaskCounts {
  const c: TaskCounts = {total: reading.count, running: 0, sleeping: 0, stopped: 0, zombie: 0, threads: 0, kernelThreads: 0}
  const d = reading.data
  for (let i = 0; i < reading.count; i++) {
    const state = d[i * PROC_STRIDE + P.state]
    if (state === R) c.running++
    else if (state === Z) c.zombie++
    else if (state === T || state === t) c.stopped++
    else c.sleeping++
    c.threads += d[i * PROC_STRIDE + P.threads]
    if (statics[i]?.kernelThread) c.kernelThreads++
  }
  return c
}

/** Two readings `intervalS` apart: one snapshot, CPU% over exactly that interval. */
export async function sampleOnce(intervalS: number, options: SamplerOptions = {}): Promise<ProcSnapshot> {
  const sampler = new ProcSampler(options)
  try {
    sampler.start()
    await new Promise((r) => setTimeout(r, intervalS * 1000))
    return sampler.sample()
  } finally {
    sampler.close()
  }
}
