/** Event layouts as TS sees them, and the decoders built from them.
 *
 * A layout mirrors one struct of an `addon/bpf/<tool>.h` header: field names and types in C order.
 * Offsets and the size follow C's natural alignment, so no offset is written by hand; the layout
 * test compares every field (offset, size, kind, signedness, array length) with the BTF the C
 * compiler wrote for the struct, and fails for any struct an object exports without a TS layout.
 *
 * Each layout compiles (once, with `new Function`) to a decoder that reads one record from a
 * DataView into a plain object: no per-field closures or lookups on the hot path. */

/** An integer field: __u8 … __u64, __s8 … __s64. */
export interface IntType {
  kind: 'int'
  size: 1 | 2 | 4 | 8
  signed: boolean
  /** Decode as a BigInt (u64 values that may pass 2^53: addresses, cookies). */
  bigint?: boolean
}
export interface CharType {
  kind: 'char'
  len: number
}
export interface ArrayType<E extends IntType = IntType> {
  kind: 'array'
  of: E
  len: number
}
export interface AddrType {
  kind: 'addr'
  family: string
}
/** A scalar, fixed array, C string or address field. */
export type FieldType = IntType | CharType | ArrayType | AddrType

export const u8 = {kind: 'int', size: 1, signed: false} as const satisfies IntType
export const u16 = {kind: 'int', size: 2, signed: false} as const satisfies IntType
export const u32 = {kind: 'int', size: 4, signed: false} as const satisfies IntType
export const u64 = {kind: 'int', size: 8, signed: false} as const satisfies IntType
export const s8 = {kind: 'int', size: 1, signed: true} as const satisfies IntType
export const s16 = {kind: 'int', size: 2, signed: true} as const satisfies IntType
export const s32 = {kind: 'int', size: 4, signed: true} as const satisfies IntType
export const s64 = {kind: 'int', size: 8, signed: true} as const satisfies IntType
/** A u64 decoded as a BigInt. */
export const u64n = {kind: 'int', size: 8, signed: false, bigint: true} as const satisfies IntType

/** `char name[len]`: decoded as a latin1 string up to the first NUL. */
export function char(len: number): CharType {
  return {kind: 'char', len}
}

/** `T name[len]` of integers: decoded as number[] (or bigint[] for u64n). */
export function array<E extends IntType>(of: E, len: number): ArrayType<E> {
  return {kind: 'array', of, len}
}

/** `union monitor_addr` (addon/bpf/addr.h): 16 bytes holding an IPv4 address in its first 4 or an
 * IPv6 address, told apart by the AF_INET / AF_INET6 value of the sibling field `family` (which
 * must come earlier in the struct). Decoded as the usual text form. */
export function addr(family: string): AddrType {
  return {kind: 'addr', family}
}

export const AF_INET = 2
export const AF_INET6 = 10

export interface Field {
  name: string
  type: FieldType
  offset: number
  size: number
}

type IntValue<T> = T extends {bigint: true} ? bigint : number
type FieldValue<T> = T extends IntType
  ? IntValue<T>
  : T extends CharType
    ? string
    : T extends ArrayType<infer E>
      ? IntValue<E>[]
      : T extends AddrType
        ? string
        : never

/** The object a layout's decoder returns. */
export type Decoded<L> = L extends StructLayout<infer S> ? {[K in keyof S]: FieldValue<S[K]>} : never

export interface StructLayout<S extends Record<string, FieldType> = Record<string, FieldType>> {
  /** BPF object that carries the struct in its BTF. */
  object: string
  struct: string
  size: number
  fields: {[K in keyof S]: Field}
  /** Reads one record at `offset` of `view` (little-endian, as the BPF side wrote it). */
  decode(view: DataView, offset: number): {[K in keyof S]: FieldValue<S[K]>}
}

function sizeOf(t: FieldType): number {
  switch (t.kind) {
    case 'int':
      return t.size
    case 'char':
      return t.len
    case 'array':
      return t.of.size * t.len
    case 'addr':
      return 16
  }
}

function alignOf(t: FieldType): number {
  switch (t.kind) {
    case 'int':
      return t.size
    case 'char':
      return 1
    case 'array':
      return t.of.size
    case 'addr':
      return 4
  }
}

function intRead(t: IntType, at: string): string {
  switch (t.size) {
    case 1:
      return t.signed ? `v.getInt8(${at})` : `v.getUint8(${at})`
    case 2:
      return `v.get${t.signed ? 'Int' : 'Uint'}16(${at}, true)`
    case 4:
      return `v.get${t.signed ? 'Int' : 'Uint'}32(${at}, true)`
    case 8:
      if (t.bigint) return `v.get${t.signed ? 'BigInt' : 'BigUint'}64(${at}, true)`
      // Two 32-bit reads and double arithmetic: exact below 2^53, and no BigInt allocated.
      return `(v.getUint32(${at}, true) + v.get${t.signed ? 'Int' : 'Uint'}32(${at} + 4, true) * 4294967296)`
  }
}

function fieldRead(f: Field, all: Map<string, Field>): string {
  const at = `o + ${f.offset}`
  const t = f.type
  switch (t.kind) {
    case 'int':
      return intRead(t, at)
    case 'char':
      return `h.cString(v, ${at}, ${t.len})`
    case 'array': {
      const items = Array.from({length: t.len}, (_, i) => intRead(t.of, `${at} + ${i * t.of.size}`))
      return `[${items.join(', ')}]`
    }
    case 'addr':
      if (!all.has(t.family)) throw new Error(`address field ${f.name}: no family field ${t.family}`)
      return `h.address(v, ${at}, f_${t.family})`
  }
}

/** Defines a struct layout. Fields are listed in C order; padding the C compiler adds must be
 * named fields in the header (`__u32 pad;`), so the record has no uninitialised bytes. */
export function struct<S extends Record<string, FieldType>>(object: string, name: string, spec: S): StructLayout<S> {
  const fields = {} as {[K in keyof S]: Field}
  const all = new Map<string, Field>()
  let offset = 0
  let align = 1
  for (const [fieldName, type] of Object.entries(spec)) {
    const a = alignOf(type)
    align = Math.max(align, a)
    offset = Math.ceil(offset / a) * a
    const field: Field = {name: fieldName, type, offset, size: sizeOf(type)}
    fields[fieldName as keyof S] = field
    all.set(fieldName, field)
    offset += field.size
  }
  const size = Math.ceil(offset / align) * align
  // Locals first (an address needs its family), then one object literal: one hidden class per layout.
  const names = [...all.keys()]
  const body =
    names.map((n) => `const f_${n} = ${fieldRead(all.get(n)!, all)};`).join('\n') +
    `\nreturn {${names.map((n) => `${JSON.stringify(n)}: f_${n}`).join(', ')}};`
  const compiled = new Function('h', 'v', 'o', body) as (h: typeof helpers, v: DataView, o: number) => never
  return {
    object,
    struct: name,
    size,
    fields,
    decode: (view, at) => compiled(helpers, view, at),
  }
}

/** An enum of a header, checked against BTF by name and value. */
export interface EnumLayout<V extends Record<string, number> = Record<string, number>> {
  object: string
  enum: string
  values: V
}

export function enumeration<V extends Record<string, number>>(object: string, name: string, values: V): EnumLayout<V> {
  return {object, enum: name, values}
}

/** Reads a NUL-terminated fixed-size char array (comm etc.) as latin1. */
export function readCString(view: DataView, offset: number, size: number): string {
  let end = offset
  const limit = offset + size
  while (end < limit && view.getUint8(end) !== 0) end++
  if (end === offset) return ''
  // Short names (comm is ≤ 15): fromCharCode over a few bytes beats a TextDecoder call.
  let s = ''
  for (let i = offset; i < end; i++) s += String.fromCharCode(view.getUint8(i))
  return s
}

const V4_TEXTS = 4096
const v4Text = new Map<number, string>()

/** Text form of an IPv4 / IPv6 address held in a 16-byte union. */
export function readAddress(view: DataView, offset: number, family: number): string {
  if (family === AF_INET) {
    // Traffic has few distinct addresses and a tracer decodes two per record: reuse their text.
    const key = view.getUint32(offset, false)
    let text = v4Text.get(key)
    if (text === undefined) {
      if (v4Text.size >= V4_TEXTS) v4Text.clear()
      text = `${view.getUint8(offset)}.${view.getUint8(offset + 1)}.${view.getUint8(offset + 2)}.${view.getUint8(offset + 3)}`
      v4Text.set(key, text)
    }
    return text
  }
  if (family !== AF_INET6) return ''
  const words: number[] = []
  for (let i = 0; i < 16; i += 2) words.push(view.getUint16(offset + i, false))
  // ::ffff:a.b.c.d (IPv4-mapped) reads better as it is usually written.
  if (words.slice(0, 5).every((w) => w === 0) && words[5] === 0xffff) {
    return `::ffff:${view.getUint8(offset + 12)}.${view.getUint8(offset + 13)}.${view.getUint8(offset + 14)}.${view.getUint8(offset + 15)}`
  }
  // RFC 5952: the longest run (≥ 2) of zero words becomes "::".
  let bestStart = -1
  let bestLen = 1
  for (let i = 0; i < 8; ) {
    if (words[i] !== 0) {
      i++
      continue
    }
    let j = i
    while (j < 8 && words[j] === 0) j++
    if (j - i > bestLen) {
      bestStart = i
      bestLen = j - i
    }
    i = j
  }
  const hex = words.map((w) => w.toString(16))
  if (bestStart < 0) return hex.join(':')
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`
}

const helpers = {cString: readCString, address: readAddress}

/** enum loss_slot in addon/bpf/loss.h: per-CPU `losses` array index in every object. */
export const LossSlot = {
  ringbuf_reserve: 0,
  map_full: 1,
  read_fault: 2,
} as const
export const LOSS_SLOTS = 3
export const LOSS_SLOT_ENUM = enumeration('*', 'loss_slot', {
  LOSS_RINGBUF_RESERVE: LossSlot.ringbuf_reserve,
  LOSS_MAP_FULL: LossSlot.map_full,
  LOSS_READ_FAULT: LossSlot.read_fault,
  LOSS_SLOTS,
})
