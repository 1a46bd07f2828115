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
  type: string
  keySize: number
  valueSize: number
  /** Bytes one lookup returns: value size × possible CPUs for per-CPU maps. */
  lookupValueSize: number
  maxEntries: number
}

export interface NativeStructLayout {
  size: number
  fields: {name: string; offset: number; size: number}[]
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

export interface NativeBpfObject {
  programs(): NativeProgram[]
  maps(): NativeMap[]
  setAutoload(prog: string, on: boolean): void
  setMaxEntries(map: string, entries: number): void
  datasec(section: string): {name: string; offset: number; size: number}[]
  getData(section: string): Buffer
  setData(section: string, data: Buffer): void
  describeStruct(name: string): NativeStructLayout
  describeEnum(name: string): Record<string, number>
  load(): void
  attach(prog: string): number
  attachTracepoint(prog: string, category: string, name: string): number
  attachRawTracepoint(prog: string, name: string): number
  attachKprobe(prog: string, func: string, retprobe: boolean): number
  attachPerfEvent(prog: string, perfFd: number): number
  attachUprobe(prog: string, pid: number, binary: string, func: string, retprobe: boolean): number
  detach(link: number): void
  progInfo(prog: string): NativeProgInfo
  mapFd(map: string): number
  lookup(map: string, key: Buffer): Buffer | null
  update(map: string, key: Buffer, value: Buffer): void
  dump(map: string, deleteAfter: boolean): {count: number; keys: Buffer; values: Buffer}
  close(): void
}

export interface NativeRingStream {
  /** true: onDrained follows once everything now in the ring reached onBatch. */
  drain(): boolean
  stop(): void
  stats(): NativeRingStats | null
}

export interface NativeBinding {
  BpfObject: new (name: string) => NativeBpfObject
  RingStream: new (
    mapFd: number,
    onBatch: (slot: Buffer, byteLength: number, count: number) => void,
    onEnd: (stats: NativeRingStats, errno: number) => void,
    onDrained: () => void,
    options: {batchBytes: number; flushMs: number; queueDepth: number},
  ) => NativeRingStream
  embeddedObjects(): string[]
  clocks(): [monotonicNs: bigint, realtimeNs: bigint]
  perfEventOpen(attr: {type: number; config: number; pid: number; cpu: number; frequency?: number; period?: number}): number
  closeFd(fd: number): void
  possibleCpus(): number
  mountKernelFs(type: 'tracefs' | 'securityfs', target: string): void
  probeRingbuf(): boolean
  callUprobeProbe(x: number): number
  libbpfVersion(): string
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
