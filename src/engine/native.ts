/** The only module that loads the .node file. Types of the raw binding live here too. */
import {existsSync} from 'node:fs'
import {createRequire} from 'node:module'
import {basename, dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'

import {ExitCode, MonitorError} from '../errors.js'

export interface NativeProgram {
  name: string
  section: string
  autoload: boolean
}

export interface NativeMap {
  name: string
  /** libbpf's name of the map type: 'hash', 'percpu_array', 'ringbuf', 'stack_trace'… */
  type: string
  /** enum bpf_map_type value. */
  typeId: number
  keySize: number
  valueSize: number
  /** Bytes one raw lookup returns: value size × possible CPUs for per-CPU maps. */
  lookupValueSize: number
  maxEntries: number
}

/** A BTF type, resolved (typedef / const / volatile stripped). */
export type BtfType =
  | {kind: 'int'; name: string; size: number; signed: boolean; char?: boolean; bool?: boolean}
  | {kind: 'array'; len: number; elem: BtfType}
  | BtfComposite
  | BtfEnum
  | {kind: 'ptr'; size: number; to: string}
  | {kind: 'float'; size: number}
  | {kind: 'void' | 'opaque' | 'other'; name?: string; btfKind?: number}

export interface BtfMember {
  name: string
  /** Bytes from the start of the struct (a bitfield: the byte holding its first bit). */
  offset: number
  size: number
  /** Only for bitfields. */
  bitOffset?: number
  bitSize?: number
  type: BtfType
}

export interface BtfComposite {
  kind: 'struct' | 'union'
  name: string
  size: number
  members: BtfMember[]
}

export interface BtfEnum {
  kind: 'enum'
  name: string
  size: number
  signed: boolean
  values: Record<string, number | bigint>
}

export type BtfNamedType = BtfComposite | BtfEnum

export interface NativeDatasecVar {
  name: string
  offset: number
  size: number
  type: BtfType
}

export interface NativeProgInfo {
  id: number
  runTimeNs: number
  runCount: number
  recursionMisses: number
}

export interface NativeRingStats {
  records: number
  batches: number
  queueDropRecords: number
  threadCpuNs: number
}

export interface NativePerfEventSpec {
  /** PERF_TYPE_* (1 = software). */
  type: number
  /** PERF_COUNT_* (0 = cpu-clock for software events). */
  config: number
  frequency?: number
  period?: number
  /** -1: every process. */
  pid: number
  /** Default: every CPU in /sys/devices/system/cpu/online. */
  cpus?: number[]
}

export interface NativeBpfObject {
  programs(): NativeProgram[]
  maps(): NativeMap[]
  setAutoload(prog: string, on: boolean): void
  setMaxEntries(map: string, entries: number): void
  datasec(section: string): NativeDatasecVar[]
  getData(section: string): Buffer
  setData(section: string, data: Buffer): void
  /** A named struct, union or enum of the object's BTF; kind narrows the search. */
  describeType(name: string, kind?: 'struct' | 'union' | 'enum'): BtfNamedType
  /** Every type the object marks with MONITOR_EXPORT (addon/bpf/common.bpf.h). */
  exportedTypes(): {kind: 'struct' | 'union' | 'enum'; name: string}[]
  load(): void
  attach(prog: string): number
  attachTracepoint(prog: string, category: string, name: string): number
  attachRawTracepoint(prog: string, name: string): number
  attachKprobe(prog: string, func: string, retprobe: boolean): number
  /** Attaches to an open perf event fd; the fd is closed on failure and owned by the link after. */
  attachPerfEvent(prog: string, perfFd: number): number
  /** Opens one perf event per CPU and attaches to each; returns the link ids. All or nothing. */
  attachPerfEvents(prog: string, spec: NativePerfEventSpec): number[]
  attachUprobe(prog: string, pid: number, binary: string, func: string, retprobe: boolean): number
  detach(link: number): void
  progInfo(prog: string): NativeProgInfo
  /** One run of a loaded program now, on this CPU (BPF_PROG_TEST_RUN); its return value. */
  run(prog: string): number
  mapFd(map: string): number
  /** Raw lookup (per-CPU maps: one 8-byte-aligned value per possible CPU). */
  lookup(map: string, key: Buffer): Buffer | null
  update(map: string, key: Buffer, value: Buffer): void
  close(): void
}

export interface NativeMapReaderOptions {
  name: string
  type: number
  keySize: number
  valueSize: number
  maxEntries: number
  /** Possible CPUs: the number of values a per-CPU lookup returns. */
  cpus: number
  /** Test hook: walk keys with get_next_key even where batch ops exist. */
  iterate?: boolean
}

export interface NativeMapReader {
  /** The reader's two output buffers (max_entries × key / value size), the same every call. */
  buffers(): {keys: Buffer; values: Buffer}
  /** Reads every entry into buffers(); per-CPU values summed. Returns the entry count. */
  read(deleteEntries: boolean): number
  lookup(key: Buffer, out: Buffer): boolean
  update(key: Buffer, value: Buffer, flags: number): void
  delete(key: Buffer): boolean
  close(): void
  info(): {chunk: number; batch: boolean}
}

export interface NativeRingStream {
  /** true: onDrained follows once everything now in the ring reached onBatch (after resume() if paused). */
  drain(): boolean
  /** abandon: skip the last read of the ring (forced exit). */
  stop(abandon?: boolean): void
  pause(): void
  resume(): void
  stats(): NativeRingStats | null
}

/** Reads /proc for `monitor top`: every process's stat + statm into one packed Buffer (records of
 * procFields().length doubles, pid ascending), grown only when the process count does. */
export interface NativeProcReader {
  /** Reads every process; returns the record count. Processes that vanish mid-read are skipped.
   * `ran`: sorted tgids switched in since the read before last; a sleeping process outside it
   * keeps its last record (see addon/src/proc_reader.h). */
  read(ran?: Int32Array): number
  /** Records the last read copied instead of reading. */
  skipped(): number
  /** The records of the last read (the same Buffer until a read needs more room). */
  buffer(): Buffer
  /** CLOCK_MONOTONIC (ns) when the last read started. */
  readAtNs(): number
  close(): void
}

/** What does not change while a process lives (short of an exec): read once per (pid, starttime). */
export interface NativeProcStatic {
  starttime: number
  flags: number
  comm: string
  /** FNV-1a of comm, as the records carry it. */
  commhash: number
  /** argv joined by spaces (empty for kernel threads and zombies). */
  cmdline: string
  /** /proc/PID/cgroup as text; null when unreadable. */
  cgroup: string | null
}

export interface NativeBinding {
  BpfObject: new (name: string) => NativeBpfObject
  RingStream: new (
    mapFd: number,
    onBatch: (slot: Buffer, byteLength: number, count: number) => void,
    onEnd: (stats: NativeRingStats, errno: number) => void,
    onDrained: () => void,
    onError: (errno: number) => void,
    options: {batchBytes: number; flushMs: number; queueDepth: number; fault?: 'drain'},
  ) => NativeRingStream
  MapReader: new (fd: number, options: NativeMapReaderOptions) => NativeMapReader
  embeddedObjects(): string[]
  clocks(): [monotonicNs: bigint, realtimeNs: bigint]
  perfEventOpen(attr: {type: number; config: number; pid: number; cpu: number; frequency?: number; period?: number}): number
  closeFd(fd: number): void
  possibleCpus(): number
  onlineCpus(): number[]
  mountKernelFs(type: 'tracefs' | 'securityfs', target: string): void
  probeRingbuf(): boolean
  callUprobeProbe(x: number): number
  libbpfVersion(): string
  ProcReader: new (root?: string) => NativeProcReader
  /** The record layout of ProcReader: field names in order. */
  procFields(): string[]
  procStatic(root: string, pid: number): NativeProcStatic | null
  /** Texts of stat, meminfo, loadavg, uptime, pressure/{cpu,memory,io} under root; null where absent. */
  procSystem(root: string): (string | null)[]
  procConstants(): {clockTicks: number; pageSize: number}
}

/** Error thrown by the addon: errno, its name, and libbpf's log lines. */
export interface NativeError extends Error {
  errno?: number
  code?: string
  libbpfLog?: string
}

let binding: NativeBinding | undefined
let bindingPath: string | undefined

function candidatePaths(): string[] {
  if (process.env.MONITOR_ADDON) return [process.env.MONITOR_ADDON]
  const out: string[] = []
  let dir = dirname(fileURLToPath(import.meta.url))
  for (let i = 0; i < 5; i++) {
    out.push(join(dir, 'build', 'Release', 'monitor_engine.node'))
    dir = dirname(dir)
  }
  return out
}

/** The command that builds the addon for this copy of monitor: a checkout, or an npm-installed package. */
function buildCommand(): string {
  const packageDir = join(dirname(fileURLToPath(import.meta.url)), '..', '..')
  const parent = dirname(packageDir)
  if (basename(parent) !== 'node_modules') return 'npm run build:addon'
  return basename(dirname(parent)) === 'lib' ? 'npm rebuild -g monitor' : 'npm rebuild monitor'
}

export function loadNative(): NativeBinding {
  if (binding) return binding
  const tried = candidatePaths()
  const found = tried.find((p) => existsSync(p))
  if (!found) {
    throw new MonitorError(`the native engine is not built: run \`${buildCommand()}\``, {
      exitCode: ExitCode.unavailable,
      detail: `looked for monitor_engine.node at:\n  ${tried.join('\n  ')}`,
    })
  }
  try {
    binding = createRequire(import.meta.url)(found) as NativeBinding
  } catch (error) {
    const message = (error as Error).message
    const hint = /libbpf\.so/.test(message) ? ' (install the libbpf1 package)' : ''
    throw new MonitorError(`cannot load the native engine ${found}: ${message.split('\n')[0]}${hint}`, {
      exitCode: ExitCode.unavailable,
      cause: error,
    })
  }
  bindingPath = found
  return binding
}

/** Path of the loaded .node file (doctor attaches a uprobe to a function inside it). */
export function nativePath(): string {
  loadNative()
  return bindingPath!
}
