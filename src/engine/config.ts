/** `.rodata` config: values for `const volatile` globals, checked against each variable's BTF type
 * before anything is written, and the ring wakeup threshold derived from the ring's size. */
import {ConfigError} from './errors.js'
import type {BtfType, NativeBpfObject, NativeDatasecVar} from './native.js'

/** number / bigint for integers and enums, boolean for bool, string for char[N], number[] for
 * integer arrays (shorter arrays are zero-filled). */
export type ConfigValue = number | bigint | boolean | string | readonly (number | bigint)[]

/** Bytes that wait in a ring before the BPF side wakes the consumer (common.bpf.h ringbuf_flags).
 * A quarter of the ring, capped at 256 KiB: big rings get the batching the benchmark measured
 * (one wakeup per 256 KiB), and a small ring is woken while three quarters of it are still free,
 * instead of never (a threshold above the ring size can never be reached). */
export const MAX_WAKEUP_BYTES = 256 * 1024
export function wakeupBytesFor(ringBytes: number): number {
  return Math.min(MAX_WAKEUP_BYTES, Math.floor(ringBytes / 4))
}

/** The size the kernel gives a ring buffer asked for `maxEntries` bytes: a power of two, at
 * least one page (libbpf rounds up the same way). */
export function ringSizeFor(maxEntries: number, pageSize = 4096): number {
  let size = pageSize
  while (size < maxEntries) size *= 2
  return size
}

function intRange(size: number, signed: boolean): [bigint, bigint] {
  const bits = BigInt(size * 8)
  return signed ? [-(1n << (bits - 1n)), (1n << (bits - 1n)) - 1n] : [0n, (1n << bits) - 1n]
}

function describe(t: BtfType): string {
  switch (t.kind) {
    case 'int':
      return t.bool ? 'bool' : `${t.signed ? 's' : 'u'}${t.size * 8}`
    case 'array':
      return `${describe(t.elem)}[${t.len}]`
    case 'enum':
      return `enum ${t.name}`
    default:
      return t.kind
  }
}

/** The integer `value` as a BigInt within [min, max], or a ConfigError naming the variable. */
function integer(name: string, value: unknown, size: number, signed: boolean, what: string): bigint {
  const [min, max] = intRange(size, signed)
  let n: bigint
  if (typeof value === 'bigint') n = value
  else if (typeof value === 'number' && Number.isInteger(value)) n = BigInt(value)
  else throw new ConfigError(name, `config ${name} (${what}) must be an integer from ${min} to ${max}, not ${show(value)}`)
  if (n < min || n > max) throw new ConfigError(name, `config ${name} (${what}) must be from ${min} to ${max}, not ${n}`)
  return n
}

function show(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value)
  if (typeof value === 'bigint') return `${value}n`
  if (Array.isArray(value)) return `[${value.map(show).join(', ')}]`
  return String(value)
}

function writeInt(data: Buffer, at: number, size: number, n: bigint): void {
  let u = BigInt.asUintN(size * 8, n)
  for (let i = 0; i < size; i++) {
    data[at + i] = Number(u & 0xffn)
    u >>= 8n
  }
}

/** Encodes one value into `data` at the variable's offset, or throws ConfigError. */
export function encodeConfigValue(v: NativeDatasecVar, value: unknown, data: Buffer): void {
  const {name, type: t} = v
  const what = describe(t)
  if (t.kind === 'int' && t.bool) {
    if (typeof value !== 'boolean' && value !== 0 && value !== 1) {
      throw new ConfigError(name, `config ${name} (bool) must be true or false, not ${show(value)}`)
    }
    data[v.offset] = value === true || value === 1 ? 1 : 0
    return
  }
  if (t.kind === 'int' || t.kind === 'enum') {
    writeInt(data, v.offset, t.size, integer(name, value, t.size, t.signed, what))
    return
  }
  if (t.kind === 'array' && t.elem.kind === 'int' && t.elem.char) {
    if (typeof value !== 'string') throw new ConfigError(name, `config ${name} (char[${t.len}]) must be a string, not ${show(value)}`)
    const bytes = Buffer.from(value, 'latin1')
    if (/[^\x01-\xff]/.test(value)) {
      throw new ConfigError(name, `config ${name} (char[${t.len}]) takes Latin-1 text without NUL bytes`)
    }
    if (bytes.length > t.len - 1) {
      throw new ConfigError(name, `config ${name} (char[${t.len}]) is limited to ${t.len - 1} characters, not ${bytes.length}`)
    }
    data.fill(0, v.offset, v.offset + v.size)
    bytes.copy(data, v.offset)
    return
  }
  if (t.kind === 'array' && (t.elem.kind === 'int' || t.elem.kind === 'enum')) {
    const elem = t.elem
    if (!Array.isArray(value)) throw new ConfigError(name, `config ${name} (${what}) must be an array of up to ${t.len} integers, not ${show(value)}`)
    if (value.length > t.len) throw new ConfigError(name, `config ${name} (${what}) takes at most ${t.len} values, not ${value.length}`)
    const values = value.map((x, i) => integer(`${name}[${i}]`, x, elem.size, elem.signed, describe(elem)))
    data.fill(0, v.offset, v.offset + v.size)
    values.forEach((n, i) => writeInt(data, v.offset + i * elem.size, elem.size, n))
    return
  }
  throw new ConfigError(name, `config ${name} (${what}) cannot be set from monitor`)
}

/** Checks every value first, then writes `.rodata` once: a bad value changes nothing. */
export function applyConfig(native: NativeBpfObject, config: Readonly<Record<string, unknown>>): void {
  const entries = Object.entries(config).filter(([, value]) => value !== undefined)
  if (entries.length === 0) return
  const vars = native.datasec('.rodata')
  const data = native.getData('.rodata')
  for (const [name, value] of entries) {
    const v = vars.find((x) => x.name === name)
    if (!v) {
      const known = vars.map((x) => x.name).join(', ') || 'none'
      throw new ConfigError(name, `unknown config variable ${name} (this object has: ${known})`)
    }
    encodeConfigValue(v, value, data)
  }
  native.setData('.rodata', data)
}
