/** Builds records byte by byte at a layout's offsets, the way the BPF side writes them. */
import type {StructLayout} from '../../src/engine/layout.js'

export function encode(layout: StructLayout, values: Record<string, number | bigint | string>, tail: Uint8Array = new Uint8Array(0)): Uint8Array {
  const buf = Buffer.alloc(layout.size + tail.byteLength)
  for (const [name, value] of Object.entries(values)) {
    const field = (layout.fields as Record<string, {offset: number; size: number; type: {kind: string; signed?: boolean}}>)[name]
    if (!field) throw new Error(`${layout.struct} has no field ${name}`)
    const at = field.offset
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
