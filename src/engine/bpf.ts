/** Typed facade over one embedded BPF object: open → configure → load → attach → stream/read → close. */
import {MonitorError} from '../errors.js'
import {applyConfig, type ConfigValue, ringSizeFor, wakeupBytesFor} from './config.js'
import {explainNativeError, MapError} from './errors.js'
import type {Histogram} from './histogram.js'
import {preflight} from './host.js'
import {LOSS_SLOTS, LossSlot} from './layout.js'
import {BpfMap, StackTraceMap, type ReadOptions} from './map.js'
import {loadNative, type NativeBpfObject, type NativeMap, type NativeProgInfo} from './native.js'
import {RECORD_HEADER_BYTES} from './records.js'
import {RingBufferStream, type StreamOptions, type StreamStats} from './stream.js'

export {ConfigError, explainNativeError, MapError, StreamError} from './errors.js'
export {RingBufferStream} from './stream.js'
export type {ConfigValue} from './config.js'
export type {StopOptions, StreamOptions, StreamStats} from './stream.js'

export interface OpenOptions {
  /** Values for `const volatile` globals (.rodata), set before load and checked against their BTF
   * types (ConfigError). `wakeup_bytes` defaults to wakeupBytesFor(the `events` ring's size). */
  config?: Readonly<Record<string, ConfigValue | undefined>>
  /** Map sizes (ring buffer bytes, hash entries), set before load. */
  maxEntries?: Readonly<Record<string, number>>
  /** Load only these programs (default: all). */
  programs?: readonly string[]
  /** Programs that send no record: their recursion misses are not counted as losses. */
  bookkeeping?: readonly string[]
  /** Programs loaded but never attached: run() runs them when asked. */
  onDemand?: readonly string[]
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
  /** Program runs the kernel skipped because a BPF program was already running on that CPU; for
   * trace tcp also records found missing later (a socket destroyed, its address reused or gone when
   * tracing stops before any program saw its close; in states a change that does not start where the
   * last one ended): the kernel ran no program for them. */
  recursion_misses: number
}

export interface PerfEventOptions {
  /** Samples per second per CPU (cpu-clock: a fixed period of 1e9 / frequency ns of CPU time). */
  frequency?: number
  /** Nanoseconds of CPU clock between samples. Give frequency or period, not both. */
  period?: number
  /** Only this process (default -1: every process). */
  pid?: number
  /** CPUs to sample (default: every CPU in /sys/devices/system/cpu/online). */
  cpus?: readonly number[]
}

const PERF_TYPE_SOFTWARE = 1
const PERF_COUNT_SW_CPU_CLOCK = 0

function checkInteger(what: string, value: unknown, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(`${what} must be an integer from ${min} to ${max}, not ${String(value)}`)
  }
  return value
}

export class BpfObject {
  readonly name: string
  private native: NativeBpfObject | undefined
  private readonly streams = new Set<RingBufferStream>()
  private readonly maps = new Map<string, BpfMap>()
  private readonly programs: string[]
  private readonly bookkeeping: ReadonlySet<string>
  private readonly onDemand: ReadonlySet<string>
  private queueDrops = 0

  private constructor(name: string, native: NativeBpfObject, programs: string[], options: OpenOptions) {
    this.name = name
    this.native = native
    this.programs = programs
    this.bookkeeping = new Set(options.bookkeeping)
    this.onDemand = new Set(options.onDemand)
  }

  /** Opens an embedded object and applies options; needs no privileges (load does). */
  static open(name: string, options: OpenOptions = {}): BpfObject {
    const embedded = loadNative().embeddedObjects()
    if (!embedded.includes(name)) throw new MonitorError(`no embedded BPF object ${name} (have: ${embedded.join(', ')})`)
    const native = new (loadNative().BpfObject)(name)
    try {
      const all = native.programs().map((p) => p.name)
      const onDemand = options.onDemand ?? []
      const wanted = (options.programs ? [...options.programs] : all).filter((p) => !onDemand.includes(p))
      for (const p of [...wanted, ...onDemand]) if (!all.includes(p)) throw new MonitorError(`BPF object ${name} has no program ${p}`)
      for (const p of all) native.setAutoload(p, wanted.includes(p) || onDemand.includes(p))
      const maps = native.maps()
      for (const [map, n] of Object.entries(options.maxEntries ?? {})) {
        if (!maps.some((m) => m.name === map)) throw new MapError(map, `BPF object ${name} has no map ${map}`)
        native.setMaxEntries(map, checkInteger(`maxEntries.${map}`, n, 1, 2 ** 32 - 1))
      }
      applyConfig(native, {...defaultConfig(native), ...options.config})
      return new BpfObject(name, native, wanted, options)
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
    if (!this.native) throw new MonitorError(`BPF object ${this.name} is closed`)
    return this.native
  }

  /** The programs this object loads and attaches (not the on-demand ones). */
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

  /** The program's section name; a MonitorError (not a kernel error) for a name the object lacks. */
  private section(program: string): string {
    const found = this.raw.programs().find((p) => p.name === program)
    if (!found) throw new MonitorError(`BPF object ${this.name} has no program ${program}`)
    return found.section
  }

  attach(program: string): number {
    const section = this.section(program)
    try {
      return this.raw.attach(program)
    } catch (error) {
      throw explainNativeError(error, `attaching ${section}`)
    }
  }

  /** Runs an on-demand program once now, on this CPU, and returns its return value. */
  run(program: string): number {
    if (!this.onDemand.has(program)) throw new MonitorError(`BPF object ${this.name}: ${program} is not an on-demand program`)
    try {
      return this.raw.run(program)
    } catch (error) {
      throw explainNativeError(error, `running ${program}`)
    }
  }

  /** Samples with a software cpu-clock perf event on every online CPU (or `cpus`), running
   * `program` at each sample. Returns one link id per CPU; all or nothing. */
  attachPerfEvent(program: string, options: PerfEventOptions): number[] {
    const {frequency, period} = options
    if ((frequency === undefined) === (period === undefined)) throw new RangeError('attachPerfEvent: give frequency or period')
    if (frequency !== undefined) checkInteger('frequency', frequency, 1, 100_000)
    if (period !== undefined) checkInteger('period', period, 1)
    const pid = checkInteger('pid', options.pid ?? -1, -1, 2 ** 31 - 1)
    const cpus = options.cpus?.map((c) => checkInteger('cpu', c, 0, 65535))
    this.section(program)
    try {
      return this.raw.attachPerfEvents(program, {type: PERF_TYPE_SOFTWARE, config: PERF_COUNT_SW_CPU_CLOCK, frequency, period, pid, cpus})
    } catch (error) {
      throw explainNativeError(error, 'attaching a perf_event program')
    }
  }

  attachUprobe(program: string, binary: string, func: string, options: {pid?: number; retprobe?: boolean} = {}): number {
    this.section(program)
    if (typeof binary !== 'string' || !binary.startsWith('/')) throw new TypeError(`attachUprobe: binary must be an absolute path, not ${String(binary)}`)
    if (typeof func !== 'string' || func === '') throw new TypeError('attachUprobe: func must be a symbol name')
    const pid = checkInteger('pid', options.pid ?? -1, -1, 2 ** 31 - 1)
    try {
      return this.raw.attachUprobe(program, pid, binary, func, options.retprobe ?? false)
    } catch (error) {
      throw explainNativeError(error, `attaching a uprobe on ${binary}:${func}`)
    }
  }

  detach(link: number): void {
    this.raw.detach(link)
  }

  private mapInfo(name: string): NativeMap {
    const info = this.raw.maps().find((m) => m.name === name)
    if (!info) throw new MapError(name, `BPF object ${this.name} has no map ${name}`)
    return info
  }

  /** A map of the loaded object. One BpfMap per name, kept until close(). */
  map(name: string): BpfMap {
    let map = this.maps.get(name)
    if (!map) {
      const info = this.mapInfo(name)
      let fd: number
      try {
        fd = this.raw.mapFd(name)
      } catch (error) {
        throw new MapError(name, `map ${name} of ${this.name} does not exist yet: load the object first`, {cause: error})
      }
      map = new BpfMap(fd, info)
      this.maps.set(name, map)
    }
    return map
  }

  /** Each key's histogram in a map of `struct hist` (hist.h), CPUs summed. */
  histograms(map: string, options: ReadOptions = {}): {key: Buffer; histogram: Histogram}[] {
    return this.map(map).histograms(options)
  }

  /** A stack trace map (BPF_MAP_TYPE_STACK_TRACE) with a reusable reader. */
  stackTraces(map = 'stacks'): StackTraceMap {
    return new StackTraceMap(this.map(map))
  }

  stream(options: StreamOptions): RingBufferStream {
    const map = options.map ?? 'events'
    const info = this.mapInfo(map)
    if (info.type !== 'ringbuf') throw new MapError(map, `map ${map} is not a ring buffer`)
    const stream = new RingBufferStream(this.raw.mapFd(map), options)
    this.streams.add(stream)
    return stream
  }

  /** Stops a stream and folds its queue drops into this object's loss counters. */
  async stopStream(stream: RingBufferStream, options: {drain?: boolean} = {}): Promise<StreamStats> {
    try {
      return await stream.stop(options)
    } finally {
      if (this.streams.delete(stream)) this.queueDrops += stream.stats().queue_drop_records
    }
  }

  losses(): Losses {
    const e = this.map('losses').read()
    const s = new Array<number>(LOSS_SLOTS).fill(0)
    for (let i = 0; i < e.count; i++) {
      const slot = e.keys.readUInt32LE(i * 4)
      if (slot < LOSS_SLOTS) s[slot] = e.values.readUInt32LE(i * 8) + e.values.readUInt32LE(i * 8 + 4) * 2 ** 32
    }
    let queue = this.queueDrops
    for (const stream of this.streams) queue += stream.stats().queue_drop_records
    // Recursion misses another program of the object made good are not losses (tcp.bpf.c: two
    // programs take each state change, <p> then <p>_backup, and one event cannot interrupt both):
    // a backup counts its rescues of <p> in `recursion_covered`, and what the kernel skips in a
    // backup, its <p> took.
    let recursion = 0
    // A bookkeeping program's skipped run loses no record (OpenOptions.bookkeeping).
    for (const p of this.programs) {
      if (this.bookkeeping.has(p) || (p.endsWith('_backup') && this.programs.includes(p.slice(0, -'_backup'.length)))) continue
      recursion += this.raw.progInfo(p).recursionMisses
    }
    if (this.hasMap('recursion_covered')) recursion = Math.max(0, recursion - this.mapTotal('recursion_covered'))
    // tcp.bpf.c's cross-check: records found missing (a close no program handled, found when the
    // socket is destroyed, its address reused or tracing stops; in states mode also a change that
    // does not start where the last one ended). A rescue counted twice would hide a miss from the
    // subtraction above; this cannot, and it also finds changes the kernel skipped uncounted.
    if (this.hasMap('missed')) recursion = Math.max(recursion, this.mapTotal('missed'))
    return {
      ringbuf_reserve: s[LossSlot.ringbuf_reserve],
      map_full: s[LossSlot.map_full],
      read_fault: s[LossSlot.read_fault],
      queue,
      recursion_misses: recursion,
    }
  }

  private hasMap(name: string): boolean {
    return this.raw.maps().some((m) => m.name === name)
  }

  /** The sum of a per-CPU array's u64 values (summed over CPUs by the reader). */
  private mapTotal(name: string): number {
    const e = this.map(name).read()
    let n = 0
    for (let i = 0; i < e.count; i++) n += e.values.readUInt32LE(i * 8) + e.values.readUInt32LE(i * 8 + 4) * 2 ** 32
    return n
  }

  /** Per-program kernel run time (needs kernel.bpf_stats_enabled=1) — BPF work is cost too. */
  programStats(): ({name: string} & NativeProgInfo)[] {
    return this.programs.map((name) => ({name, ...this.raw.progInfo(name)}))
  }

  /** Stops every stream (draining it; a paused stream is resumed first), then closes. */
  async close(): Promise<void> {
    for (const s of [...this.streams]) {
      s.resume()
      await this.stopStream(s).catch(() => undefined)
    }
    this.closeNow()
  }

  /** Synchronous close for error and exit paths: streams end without draining (their threads are
   * joined before this returns), then links and maps go with their fds. */
  closeNow(): void {
    for (const s of this.streams) {
      s.stopNow()
      this.queueDrops += s.stats().queue_drop_records
    }
    this.streams.clear()
    for (const m of this.maps.values()) m.close()
    this.maps.clear()
    this.native?.close()
    this.native = undefined
  }
}

/** wakeup_bytes from the final size of the `events` ring, for objects that have both. */
function defaultConfig(native: NativeBpfObject): Record<string, ConfigValue> {
  const ring = native.maps().find((m) => m.name === 'events' && m.type === 'ringbuf')
  if (!ring || !native.datasec('.rodata').some((v) => v.name === 'wakeup_bytes')) return {}
  return {wakeup_bytes: wakeupBytesFor(ringSizeFor(ring.maxEntries))}
}

export function totalLosses(l: Losses): number {
  return l.ringbuf_reserve + l.map_full + l.read_fault + l.queue + l.recursion_misses
}

/** Bytes a ring buffer needs for `records` records of `payload` bytes (kernel header is 8 bytes). */
export function ringBytesFor(records: number, payload: number): number {
  return ringSizeFor(records * (RECORD_HEADER_BYTES + ((payload + 7) & ~7)))
}
