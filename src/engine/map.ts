/** Typed access to one BPF map: lookups, updates, deletes and whole-map reads into buffers the
 * native reader makes once (batch ops where the kernel has them, key iteration where not). Per-CPU
 * values arrive summed over CPUs (as u64 lanes), value_size bytes per entry. */
import {MapError} from './errors.js'
import {Histogram, HIST_BYTES} from './histogram.js'
import {loadNative, type NativeMap, type NativeMapReader} from './native.js'

/** enum bpf_map_type values the facade tells apart. */
export const MapType = {
  hash: 1,
  array: 2,
  percpu_hash: 5,
  percpu_array: 6,
  stack_trace: 7,
  lru_hash: 9,
  lru_percpu_hash: 10,
  ringbuf: 27,
} as const

const PER_CPU = new Set<number>([MapType.percpu_hash, MapType.percpu_array, MapType.lru_percpu_hash, 15 /* percpu_cgroup_storage */])
const ARRAYS = new Set<number>([MapType.array, MapType.percpu_array])

export const UpdateFlags = {any: 0, noexist: 1, exist: 2} as const
export type UpdateFlag = keyof typeof UpdateFlags

export interface MapInfo extends NativeMap {
  perCpu: boolean
}

/** What read() found: `count` entries, keys and values packed at keySize / valueSize strides.
 * Views of the reader's own buffers: valid until the next read() of the same map. */
export interface MapEntries {
  count: number
  keySize: number
  valueSize: number
  keys: Buffer
  values: Buffer
  key(i: number): Buffer
  value(i: number): Buffer
}

export interface ReadOptions {
  /** Empty the map while reading it (hash maps: atomically per batch where the kernel can). */
  delete?: boolean
}

export class BpfMap {
  readonly info: MapInfo
  private native: NativeMapReader | undefined
  private out: {keys: Buffer; values: Buffer} | undefined
  private scratch: Buffer | undefined
  private readonly entries: MapEntries

  /** Use BpfObject.map(name). `iterate` forces key iteration (tests of the fallback). */
  constructor(fd: number, info: NativeMap, options: {iterate?: boolean} = {}) {
    const perCpu = PER_CPU.has(info.typeId)
    this.info = {...info, perCpu}
    if (info.typeId === MapType.ringbuf) throw new MapError(info.name, `map ${info.name} is a ring buffer: read it with stream()`)
    if (perCpu && info.valueSize % 8 !== 0) {
      throw new MapError(
        info.name,
        `per-CPU map ${info.name} has ${info.valueSize}-byte values: the engine sums per-CPU values as u64 lanes, so the size must be a multiple of 8`,
      )
    }
    this.native = new (loadNative().MapReader)(fd, {
      name: info.name,
      type: info.typeId,
      keySize: info.keySize,
      valueSize: info.valueSize,
      maxEntries: info.maxEntries,
      cpus: loadNative().possibleCpus(),
      iterate: options.iterate,
    })
    const self = this
    this.entries = {
      count: 0,
      keySize: info.keySize,
      valueSize: info.valueSize,
      get keys() {
        return self.buffers().keys.subarray(0, this.count * info.keySize)
      },
      get values() {
        return self.buffers().values.subarray(0, this.count * info.valueSize)
      },
      key: (i) => self.buffers().keys.subarray(i * info.keySize, (i + 1) * info.keySize),
      value: (i) => self.buffers().values.subarray(i * info.valueSize, (i + 1) * info.valueSize),
    }
  }

  get name(): string {
    return this.info.name
  }

  private get raw(): NativeMapReader {
    if (!this.native) throw new MapError(this.name, `map ${this.name} is closed`)
    return this.native
  }

  private buffers(): {keys: Buffer; values: Buffer} {
    this.out ??= this.raw.buffers()
    return this.out
  }

  private checkKey(key: Uint8Array): Buffer {
    if (key.byteLength !== this.info.keySize) {
      throw new MapError(this.name, `map ${this.name} takes ${this.info.keySize}-byte keys, not ${key.byteLength}`)
    }
    return Buffer.isBuffer(key) ? key : Buffer.from(key.buffer, key.byteOffset, key.byteLength)
  }

  /** The value of `key` (per-CPU: summed), or undefined. Written into `out` when given, else into
   * one buffer this map reuses: valid until the next lookup without `out`. */
  lookup(key: Uint8Array, out?: Buffer): Buffer | undefined {
    const k = this.checkKey(key)
    if (out && out.byteLength < this.info.valueSize) {
      throw new MapError(this.name, `map ${this.name} needs a ${this.info.valueSize}-byte output buffer`)
    }
    const target = out ?? (this.scratch ??= Buffer.alloc(Math.max(1, this.info.valueSize)))
    return this.raw.lookup(k, target) ? target.subarray(0, this.info.valueSize) : undefined
  }

  /** Per-CPU maps take either value_size bytes (set on CPU 0, zero on the others) or one 8-byte
   * aligned value per possible CPU. */
  update(key: Uint8Array, value: Uint8Array, flag: UpdateFlag = 'any'): void {
    const k = this.checkKey(key)
    const v = Buffer.isBuffer(value) ? value : Buffer.from(value.buffer, value.byteOffset, value.byteLength)
    const allowed = this.info.perCpu ? [this.info.valueSize, this.info.lookupValueSize] : [this.info.valueSize]
    if (!allowed.includes(v.byteLength)) {
      throw new MapError(this.name, `map ${this.name} takes ${allowed.join(' or ')}-byte values, not ${v.byteLength}`)
    }
    if (!(flag in UpdateFlags)) throw new MapError(this.name, `unknown update flag ${String(flag)}`)
    this.raw.update(k, v, UpdateFlags[flag])
  }

  /** false when the key was absent. */
  delete(key: Uint8Array): boolean {
    if (ARRAYS.has(this.info.typeId)) throw new MapError(this.name, `array map ${this.name} cannot delete entries`)
    return this.raw.delete(this.checkKey(key))
  }

  /** Every entry, into buffers made once per map (see MapEntries for how long they stay valid). */
  read(options: ReadOptions = {}): MapEntries {
    if (options.delete && ARRAYS.has(this.info.typeId)) {
      throw new MapError(this.name, `array map ${this.name} cannot delete entries: read without delete and take differences`)
    }
    this.entries.count = this.raw.read(options.delete ?? false)
    return this.entries
  }

  /** Each key's histogram (values are `struct hist`, hist.h), summed over CPUs. Keys are copied. */
  histograms(options: ReadOptions = {}): {key: Buffer; histogram: Histogram}[] {
    if (this.info.valueSize !== HIST_BYTES) {
      throw new MapError(this.name, `map ${this.name} holds ${this.info.valueSize}-byte values, not struct hist (${HIST_BYTES} bytes)`)
    }
    const e = this.read(options)
    const out: {key: Buffer; histogram: Histogram}[] = []
    for (let i = 0; i < e.count; i++) {
      out.push({key: Buffer.from(e.key(i)), histogram: Histogram.fromBytes(e.values, i * HIST_BYTES)})
    }
    return out
  }

  /** Test hook: whether reads use batch ops, and the entries per batch call. */
  readerInfo(): {chunk: number; batch: boolean} {
    return this.raw.info()
  }

  close(): void {
    this.native?.close()
    this.native = undefined
    this.out = undefined
  }
}

/** A BPF_MAP_TYPE_STACK_TRACE map: stack id → instruction addresses, innermost first. */
export class StackTraceMap {
  private readonly map: BpfMap
  private readonly key = Buffer.alloc(4)
  private readonly value: Buffer
  private readonly addresses: BigUint64Array

  constructor(map: BpfMap) {
    if (map.info.typeId !== MapType.stack_trace) throw new MapError(map.name, `map ${map.name} is not a stack trace map`)
    this.map = map
    this.value = Buffer.alloc(map.info.valueSize)
    this.addresses = new BigUint64Array(this.value.buffer, this.value.byteOffset, map.info.valueSize / 8)
  }

  /** Addresses of stack `id`, or undefined when absent (or id < 0: no stack was taken). A view of
   * one buffer this reader reuses: valid until the next read(). */
  read(id: number): BigUint64Array | undefined {
    if (!Number.isInteger(id)) throw new MapError(this.map.name, `stack id must be an integer, not ${id}`)
    if (id < 0) return undefined
    this.key.writeUInt32LE(id)
    if (!this.map.lookup(this.key, this.value)) return undefined
    let depth = 0
    while (depth < this.addresses.length && this.addresses[depth] !== 0n) depth++
    return this.addresses.subarray(0, depth)
  }

  delete(id: number): boolean {
    if (!Number.isInteger(id) || id < 0) return false
    this.key.writeUInt32LE(id)
    return this.map.delete(this.key)
  }
}
