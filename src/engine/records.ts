/** Walks a batch handed over by the native ring drain: records packed as
 * [u32 length][u32 reserved][payload][pad to 8]. One DataView per batch, none per record. */
export const RECORD_HEADER_BYTES = 8

export type RecordVisitor = (view: DataView, offset: number, length: number) => void

export function batchView(batch: Uint8Array): DataView {
  return new DataView(batch.buffer, batch.byteOffset, batch.byteLength)
}

/** Calls visit(view, payloadOffset, payloadLength) for each record; returns the record count. */
export function forEachRecord(batch: Uint8Array, visit: RecordVisitor): number {
  const view = batchView(batch)
  const end = batch.byteLength
  let offset = 0
  let count = 0
  while (offset + RECORD_HEADER_BYTES <= end) {
    const length = view.getUint32(offset, true)
    const payload = offset + RECORD_HEADER_BYTES
    if (payload + length > end) throw new RangeError(`truncated record at byte ${offset} of a ${end}-byte batch`)
    visit(view, payload, length)
    offset = payload + ((length + 7) & ~7)
    count++
  }
  return count
}

/** Packs payloads the way the native drain does (tests and fixtures). */
export function packRecords(payloads: Uint8Array[]): Buffer {
  const size = payloads.reduce((n, p) => n + RECORD_HEADER_BYTES + ((p.byteLength + 7) & ~7), 0)
  const out = Buffer.alloc(size)
  let offset = 0
  for (const p of payloads) {
    out.writeUInt32LE(p.byteLength, offset)
    out.set(p, offset + RECORD_HEADER_BYTES)
    offset += RECORD_HEADER_BYTES + ((p.byteLength + 7) & ~7)
  }
  return out
}

/** Reads a u64 as a JS number without allocating a BigInt (exact below 2^53). */
export function readU64(view: DataView, offset: number): number {
  return view.getUint32(offset, true) + view.getUint32(offset + 4, true) * 0x1_0000_0000
}
