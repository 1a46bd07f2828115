/**
 * profile.proto writer: what `go tool pprof` accepts (string_table[0] = "", non-zero unique ids,
 * one value per sample type, gzip). Negative values are written as two's-complement int64.
 */
import {gzipSync} from 'node:zlib'

import type {Profile} from './profile.js'
import {StringTable} from './profile.js'

const TWO32 = 4294967296

class Writer {
  buf = new Uint8Array(1 << 16)
  pos = 0

  ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return
    let size = this.buf.length * 2
    while (size < this.pos + n) size *= 2
    const next = new Uint8Array(size)
    next.set(this.buf.subarray(0, this.pos))
    this.buf = next
  }

  /** Unsigned varint of a non-negative integer below 2^64 (exact below 2^53). */
  varint(v: number): void {
    this.ensure(10)
    const buf = this.buf
    if (v < 0x80) {
      buf[this.pos++] = v
      return
    }
    if (v < TWO32) {
      let x = v >>> 0
      while (x >= 0x80) {
        buf[this.pos++] = (x & 0x7f) | 0x80
        x >>>= 7
      }
      buf[this.pos++] = x
      return
    }
    let lo = v % TWO32 >>> 0
    let hi = Math.floor(v / TWO32) >>> 0
    this.#varint64(lo, hi)
  }

  #varint64(lo: number, hi: number): void {
    const buf = this.buf
    while (hi !== 0 || lo >= 0x80) {
      buf[this.pos++] = (lo & 0x7f) | 0x80
      lo = ((lo >>> 7) | (hi << 25)) >>> 0
      hi >>>= 7
    }
    buf[this.pos++] = lo
  }

  /** int64 varint: negative values as their 64-bit two's complement (10 bytes). */
  int64(v: number): void {
    if (v >= 0) {
      this.varint(v)
      return
    }
    this.ensure(10)
    const m = -v
    const lo = m % TWO32 >>> 0
    const hi = Math.floor(m / TWO32) >>> 0
    const nlo = (~lo + 1) >>> 0
    const nhi = (~hi + (nlo === 0 ? 1 : 0)) >>> 0
    this.#varint64(nlo, nhi)
  }

  tag(field: number, wire: number): void {
    this.varint((field << 3) | wire)
  }

  /** Writes a length-delimited field whose body `body` writes. */
  message(field: number, body: () => void): void {
    this.tag(field, 2)
    // Reserve room for a length of up to 5 bytes, then move the body if it took fewer.
    this.ensure(5)
    const lenPos = this.pos
    this.pos += 5
    body()
    const len = this.pos - lenPos - 5
    const lenBytes = len < 0x80 ? 1 : len < 0x4000 ? 2 : len < 0x200000 ? 3 : len < 0x10000000 ? 4 : 5
    if (lenBytes < 5) this.buf.copyWithin(lenPos + lenBytes, lenPos + 5, this.pos)
    const end = this.pos - (5 - lenBytes)
    this.pos = lenPos
    this.varint(len)
    this.pos = end
  }

  field(field: number, v: number): void {
    if (v === 0) return
    this.tag(field, 0)
    this.int64(v)
  }

  bytes(field: number, b: Uint8Array): void {
    this.tag(field, 2)
    this.varint(b.length)
    this.ensure(b.length)
    this.buf.set(b, this.pos)
    this.pos += b.length
  }
}

/** The gzipped profile.proto of `p`. */
export function encodeProfile(p: Profile): Uint8Array {
  return gzipSync(encodeProfileRaw(p))
}

export function encodeProfileRaw(p: Profile): Uint8Array {
  // Strings are re-interned: only those used are written, and string_table[0] is "".
  const table = new StringTable()
  const s = (x: string | undefined) => (x ? table.intern(x) : 0)
  const w = new Writer()
  const nTypes = p.sampleTypes.length

  for (const t of p.sampleTypes) w.message(1, () => (w.field(1, s(t.type)), w.field(2, s(t.unit))))

  for (let i = 0; i < p.sampleCount; i++) {
    w.message(2, () => {
      const a = p.locStart[i]
      const b = p.locStart[i + 1]
      if (b > a)
        w.message(1, () => {
          for (let j = a; j < b; j++) w.varint(p.locationId[p.locs[j]])
        })
      w.message(2, () => {
        for (let k = 0; k < nTypes; k++) w.int64(Math.trunc(p.values[i * nTypes + k]))
      })
      for (const l of p.labels?.[i] ?? []) {
        w.message(3, () => {
          w.field(1, s(l.key))
          if (l.str !== undefined) w.field(2, s(l.str))
          else if (l.num !== undefined) w.field(3, l.num)
          if (l.numUnit) w.field(4, s(l.numUnit))
        })
      }
    })
  }

  for (const m of p.mappings) {
    w.message(3, () => {
      w.field(1, m.id)
      w.field(2, m.memoryStart)
      w.field(3, m.memoryLimit)
      w.field(4, m.fileOffset)
      w.field(5, s(m.file))
      w.field(6, s(m.buildId))
      w.field(7, m.hasFunctions ? 1 : 0)
      w.field(8, m.hasFilenames ? 1 : 0)
      w.field(9, m.hasLineNumbers ? 1 : 0)
      w.field(10, m.hasInlineFrames ? 1 : 0)
    })
  }

  for (let i = 0; i < p.locationCount; i++) {
    w.message(4, () => {
      w.field(1, p.locationId[i])
      const m = p.locationMapping[i]
      if (m >= 0) w.field(2, p.mappings[m].id)
      w.field(3, p.locationAddress[i])
      for (let j = p.lineStart[i]; j < p.lineStart[i + 1]; j++) {
        w.message(4, () => {
          const f = p.lineFunction[j]
          if (f >= 0) w.field(1, p.functionId[f])
          w.field(2, p.lineNumber[j])
        })
      }
      w.field(5, p.locationFolded[i])
    })
  }

  for (let i = 0; i < p.functionCount; i++) {
    w.message(5, () => {
      w.field(1, p.functionId[i])
      w.field(2, s(p.strings.get(p.functionName[i])))
      w.field(3, s(p.strings.get(p.functionSystemName[i])))
      w.field(4, s(p.strings.get(p.functionFile[i])))
      w.field(5, p.functionStartLine[i])
    })
  }

  const dropFrames = s(p.dropFrames)
  const keepFrames = s(p.keepFrames)
  const periodType = p.periodType && [s(p.periodType.type), s(p.periodType.unit)]
  const comments = p.comments.map(s)
  const defaultType = s(p.defaultSampleType)

  // The string table is complete only now; it goes after the other fields (order is free in proto).
  const encoder = new TextEncoder()
  for (const str of table.list) w.bytes(6, encoder.encode(str))
  w.field(7, dropFrames)
  w.field(8, keepFrames)
  w.field(9, p.timeNanos)
  w.field(10, p.durationNanos)
  if (periodType) w.message(11, () => (w.field(1, periodType[0]), w.field(2, periodType[1])))
  w.field(12, p.period)
  for (const c of comments) {
    w.tag(13, 0)
    w.varint(c)
  }
  w.field(14, defaultType)
  return w.buf.subarray(0, w.pos)
}
