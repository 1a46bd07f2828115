/** Builds records byte by byte at a layout's offsets, the way the BPF side writes them. */
import {isIPv4} from 'node:net'

import type {StructLayout} from '../../src/engine/layout.js'

/** An address's 16 bytes as union monitor_addr holds it: IPv4 in the first 4. */
function addressBytes(text: string): Buffer {
  const out = Buffer.alloc(16)
  if (isIPv4(text)) {
    text.split('.').forEach((b, i) => (out[i] = Number(b)))
    return out
  }
  const [head, tail = ''] = text.split('::')
  const words = (s: string) => (s ? s.split(':').map((w) => parseInt(w, 16)) : [])
  const h = words(head)
  const t = text.includes('::') ? words(tail) : []
  const all = [...h, ...Array(8 - h.length - t.length).fill(0), ...t]
  all.forEach((w, i) => out.writeUInt16BE(w, i * 2))
  return out
}

export function encode(layout: StructLayout, values: Record<string, number | bigint | string>, tail: Uint8Array = new Uint8Array(0)): Uint8Array {
  const buf = Buffer.alloc(layout.size + tail.byteLength)
  for (const [name, value] of Object.entries(values)) {
    const field = (layout.fields as Record<string, {offset: number; size: number; type: {kind: string; signed?: boolean}}>)[name]
    if (!field) throw new Error(`${layout.struct} has no field ${name}`)
    const at = field.offset
    if (field.type.kind === 'addr') {
      buf.set(addressBytes(String(value)), at)
      continue
    }
    if (field.type.kind === 'char') {
      buf.write(String(value), at, field.size, 'latin1')
      continue
    }
    const signed = field.type.signed
    switch (field.size) {
      case 1:
        signed ? buf.writeInt8(Number(value), at) : buf.writeUInt8(Number(value), at)
        break
      case 2:
        signed ? buf.writeInt16LE(Number(value), at) : buf.writeUInt16LE(Number(value), at)
        break
      case 4:
        signed ? buf.writeInt32LE(Number(value), at) : buf.writeUInt32LE(Number(value), at)
        break
      case 8:
        signed ? buf.writeBigInt64LE(BigInt(value), at) : buf.writeBigUInt64LE(BigInt(value), at)
        break
    }
  }
  buf.set(tail, layout.size)
  return buf
}
