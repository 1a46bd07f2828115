/** Typed facade over one embedded BPF object: open → configure → load → attach → stream/read → close. */
import {ExitCode, MonitorError} from '../errors.js'
import {missingCapabilities, preflight} from './host.js'
import {LOSS_SLOTS, LossSlot} from './layout.js'
import {loadNative, type NativeBpfObject, type NativeError, type NativeProgInfo, type NativeRingStats} from './native.js'
import {RECORD_HEADER_BYTES} from './records.js'

export type ConfigValue = number | bigint | boolean | string

export interface OpenOptions {
  /** Values for `const volatile` globals (.rodata), set before load. */
  config?: Record<string, ConfigValue>
  /** Map sizes (ring buffer bytes, hash entries), set before load. */
  maxEntries?: Record<string, number>
  /** Load only these programs (default: all). */
  programs?: string[]
}

export interface Losses {
  /** Records the BPF side could not reserve in the ring (it was full). */
  ringbuf_reserve: number
  /** State-map updates that failed because the map was full. */
  map_full: number
  /** Memory reads in BPF that faulted; the record was sent incomplete. */
  read_fault: number
  /** Records read from the ring at stop that found JS still holding every batch slot. */
  queue: number
  /** Program runs the kernel skipped because a BPF program was already running on that CPU. */
  recursion_misses: number
}

export interface StreamOptions {
  map?: string
  /** Called once per batch with packed records (see records.ts). The batch's memory is reused once
   * this returns: decode it here, and copy what must outlive the call. */
  onBatch: (batch: Buffer, count: number) => void
  /** Bytes per batch handed to JS. */
  batchBytes?: number
  /** A partly filled batch is handed over after this long. */
  flushMs?: number
  /** Batches that may wait for the JS thread. While JS holds them all, the drain thread waits and
   * records stay in the kernel ring (where an overflow is counted as `ringbuf_reserve`). */
  queueDepth?: number
  /** Called once, on the JS thread, when the stream fails while running (onBatch threw, or the
   * drain thread ended on an error). */
  onError?: (error: unknown) => void
}

export interface StreamStats {
  records: number
  batches: number
  queue_drop_records: number
  thread_cpu_ns: number
}

/** A native drain of one ring buffer. stop() resolves after the last batch reached onBatch. */
export class RingBufferStream {
  private readonly native
  private readonly ended: Promise<StreamStats>
  private final: StreamStats | undefined
  private failure: unknown
  private drained: (() => void) | undefined
  private stopping: Promise<StreamStats> | undefined

  constructor(fd: number, options: StreamOptions) {
    const batchBytes = options.batchBytes ?? 1 << 20
    if (batchBytes < 64 * 1024) throw new RangeError('batchBytes must be at least 64 KiB')
    let resolve!: (s: StreamStats) => void
    let reject!: (e: unknown) => void
    this.ended = new Promise((res, rej) => {
      resolve = res
      reject = rej
    })
    const onBatch = (slot: Buffer, byteLength: number, count: number) => {
      if (this.failure) return
      try {
        options.onBatch(slot.subarray(0, byteLength), count)
      } catch (error) {
        this.failure = error // surfaces from stop(); the drain keeps the kernel side healthy meanwhile
      }
    }
    const onEnd = (stats: NativeRingStats, errno: number) => {
      this.final = toStreamStats(stats)
      if (this.failure) reject(this.failure)
      else if (errno) reject(new MonitorError(`ring buffer drain failed with errno ${errno}`))
      else resolve(this.final)
    }
    const onDrained = () => this.drained?.()
    this.native = new (loadNative().RingStream)(fd, onBatch, onEnd, onDrained, {
      batchBytes,
      flushMs: options.flushMs ?? 50,
      queueDepth: options.queueDepth ?? 8,
    })
  }

  stats(): StreamStats {
    const live = this.native.stats()
    return live ? toStreamStats(live) : this.final!
  }

  /** Output backpressure (stub until the native side lands). */
  pause(): void {}
  resume(): void {}

  /** Reads the ring empty (JS keeps consuming meanwhile), then ends the drain thread. */
  stop(): Promise<StreamStats> {
    this.stopping ??= new Promise<void>((resolve) => {
      this.drained = resolve
      if (!this.native.drain()) resolve()
    }).then(() => {
      this.native.stop()
      return this.ended
    })
    return this.stopping
  }
}

function toStreamStats(s: NativeRingStats): StreamStats {
  return {
    records: s.records,
    batches: s.batches,
    queue_drop_records: s.queueDropRecords,
    thread_cpu_ns: s.threadCpuNs,
  }
}

/** Turns an addon error into the one line a user can act on. */
export function explainNativeError(error: unknown, context: string): MonitorError {
  const e = error as NativeError
  const detail = e.libbpfLog?.trim() || undefined
  switch (e.code) {
    case 'EPERM':
    case 'EACCES':
      // With the capabilities in hand, the verifier or kernel lockdown said no, not the user's rights.
      if (missingCapabilities().length === 0) {
        return new MonitorError(`${context}: the kernel refused it (${e.message}); --debug shows libbpf's log`, {
          exitCode: ExitCode.unavailable,
          detail,
          cause: error,
        })
      }
      return new MonitorError(`${context}: permission denied: run monitor as root`, {
        exitCode: ExitCode.noPermission,
        detail,
        cause: error,
      })
    case 'ENOENT':
    case 'EOPNOTSUPP':
    case 'ENOTSUP':
      return new MonitorError(`${context}: this kernel lacks the hook (${e.message})`, {
        exitCode: ExitCode.unavailable,
        detail,
        cause: error,
      })
    default:
      return new MonitorError(`${context}: ${e.message}`, {detail, cause: error})
  }
}

export class BpfObject {
  readonly name: string
  private native: NativeBpfObject | undefined
  private readonly streams = new Set<RingBufferStream>()
  private readonly programs: string[]
  private queueDrops = 0

  private constructor(name: string, native: NativeBpfObject, programs: string[]) {
    this.name = name
    this.native = native
    this.programs = programs
  }

  /** Opens an embedded object and applies options; needs no privileges (load does). */
  static open(name: string, options: OpenOptions = {}): BpfObject {
    const native = new (loadNative().BpfObject)(name)
    try {
      const all = native.programs().map((p) => p.name)
      const wanted = options.programs ?? all
      for (const p of all) native.setAutoload(p, wanted.includes(p))
      for (const [map, n] of Object.entries(options.maxEntries ?? {})) native.setMaxEntries(map, n)
      if (options.config) applyConfig(native, options.config)
      return new BpfObject(name, native, wanted)
    } catch (error) {
      native.close()
      throw error
    }
  }

  /** Opens, loads and attaches every selected program by its section name. */
  static start(name: string, options: OpenOptions = {}): BpfObject {
    const obj = BpfObject.open(name, options)
    try {
      obj.load()
      for (const p of obj.programs) obj.attach(p)
      return obj
    } catch (error) {
      obj.closeNow()
      throw error
    }
  }

  private get raw(): NativeBpfObject {
    if (!this.native) throw new Error(`BPF object ${this.name} is closed`)
    return this.native
  }

  /** The programs this object loads and attaches. */
  get programNames(): string[] {
    return [...this.programs]
  }

  /** Raw access for layout checks and tools with needs the facade does not cover. */
  get handle(): NativeBpfObject {
    return this.raw
  }

  load(): void {
    preflight()
    try {
      this.raw.load()
    } catch (error) {
      throw explainNativeError(error, `loading the ${this.name} BPF programs`)
    }
  }

  attach(program: string): number {
    const section = this.raw.programs().find((p) => p.name === program)?.section ?? program
    try {
      return this.raw.attach(program)
    } catch (error) {
      throw explainNativeError(error, `attaching ${section}`)
    }
  }

  attachPerfEvent(program: string, perfFd: number): number {
    try {
      return this.raw.attachPerfEvent(program, perfFd)
    } catch (error) {
      throw explainNativeError(error, 'attaching a perf_event program')
    }
  }

  attachUprobe(program: string, binary: string, func: string, options: {pid?: number; retprobe?: boolean} = {}): number {
    try {
      return this.raw.attachUprobe(program, options.pid ?? -1, binary, func, options.retprobe ?? false)
    } catch (error) {
      throw explainNativeError(error, `attaching a uprobe on ${binary}:${func}`)
    }
  }

  detach(link: number): void {
    this.raw.detach(link)
  }

  stream(options: StreamOptions): RingBufferStream {
    const stream = new RingBufferStream(this.raw.mapFd(options.map ?? 'events'), options)
    this.streams.add(stream)
    return stream
  }

  /** Stops a stream and folds its queue drops into this object's loss counters. */
  async stopStream(stream: RingBufferStream): Promise<StreamStats> {
    const stats = await stream.stop()
    if (this.streams.delete(stream)) this.queueDrops += stats.queue_drop_records
    return stats
  }

  /** Sums a per-CPU array of u64 counters into one number per index. */
  sumPerCpu(map: string, slots: number): number[] {
    const dump = this.raw.dump(map, false)
    const sums = new Array<number>(slots).fill(0)
    const valueBytes = dump.count ? dump.values.byteLength / dump.count : 0
    for (let i = 0; i < dump.count; i++) {
      const key = dump.keys.readUInt32LE(i * 4)
      if (key >= slots) continue
      for (let off = i * valueBytes; off < (i + 1) * valueBytes; off += 8) {
        sums[key] += Number(dump.values.readBigUInt64LE(off))
      }
    }
    return sums
  }

  losses(): Losses {
    const s = this.sumPerCpu('losses', LOSS_SLOTS)
    let queue = this.queueDrops
    for (const stream of this.streams) queue += stream.stats().queue_drop_records
    let recursion = 0
    for (const p of this.programs) recursion += this.raw.progInfo(p).recursionMisses
    return {
      ringbuf_reserve: s[LossSlot.ringbuf_reserve],
      map_full: s[LossSlot.map_full],
      read_fault: s[LossSlot.read_fault],
      queue,
      recursion_misses: recursion,
    }
  }

  /** Per-program kernel run time (needs kernel.bpf_stats_enabled=1) — BPF work is cost too. */
  programStats(): ({name: string} & NativeProgInfo)[] {
    return this.programs.map((name) => ({name, ...this.raw.progInfo(name)}))
  }

  async close(): Promise<void> {
    for (const s of [...this.streams]) await this.stopStream(s).catch(() => undefined)
    this.native?.close()
    this.native = undefined
  }

  /** Synchronous close for error and exit paths: links and maps go with their fds. A stream still
   * running keeps its own copy of the ring until stopped, so stop streams first when not exiting. */
  closeNow(): void {
    this.native?.close()
    this.native = undefined
  }
}

export function totalLosses(l: Losses): number {
  return l.ringbuf_reserve + l.map_full + l.read_fault + l.queue + l.recursion_misses
}

function applyConfig(native: NativeBpfObject, config: Record<string, ConfigValue>): void {
  const vars = native.datasec('.rodata')
  const data = native.getData('.rodata')
  for (const [name, value] of Object.entries(config)) {
    const v = vars.find((x) => x.name === name)
    if (!v) throw new Error(`BPF object has no config variable ${name}`)
    const at = v.offset
    if (typeof value === 'string') {
      const bytes = Buffer.from(value, 'latin1')
      if (bytes.length >= v.size) throw new RangeError(`${name} is limited to ${v.size - 1} bytes`)
      data.fill(0, at, at + v.size)
      bytes.copy(data, at)
      continue
    }
    const n = typeof value === 'boolean' ? (value ? 1n : 0n) : BigInt(value)
    const mask = (1n << BigInt(v.size * 8)) - 1n
    let u = n & mask
    for (let i = 0; i < v.size; i++) {
      data[at + i] = Number(u & 0xffn)
      u >>= 8n
    }
  }
  native.setData('.rodata', data)
}

/** Bytes a ring buffer needs for `records` records of `payload` bytes (kernel header is 8 bytes). */
export function ringBytesFor(records: number, payload: number): number {
  const bytes = records * (RECORD_HEADER_BYTES + ((payload + 7) & ~7))
  let size = 4096
  while (size < bytes) size *= 2
  return size
}
