import {describe, expect, it} from 'vitest'

import {readCString} from '../../src/engine/layout.js'
import {batchView, forEachRecord, packRecords, readU64} from '../../src/engine/records.js'

describe('packed record batches', () => {
  it('walks records of different lengths with 8-byte padding', () => {
    const a = Uint8Array.from([1, 2, 3])
    const b = new Uint8Array(16).fill(7)
    const c = new Uint8Array(0)
    const batch = packRecords([a, b, c])
    expect(batch.byteLength).toBe(8 + 8 + 8 + 16 + 8)
    const seen: [number, number, number][] = []
    const n = forEachRecord(batch, (view, off, len) => seen.push([off, len, len ? view.getUint8(off) : -1]))
    expect(n).toBe(3)
    expect(seen).toEqual([
      [8, 3, 1],
      [24, 16, 7],
      [48, 0, -1],
    ])
  })

  it('rejects a batch whose last record is cut short', () => {
    const batch = packRecords([new Uint8Array(32)]).subarray(0, 20)
    expect(() => forEachRecord(batch, () => undefined)).toThrow(/truncated record/)
  })

  it('reads u64 without BigInt and C strings up to the NUL', () => {
    const buf = Buffer.alloc(24)
    buf.writeBigUInt64LE(2n ** 40n + 12345n, 0)
    buf.write('bash\0junk', 8, 'latin1')
    const view = batchView(buf)
    expect(readU64(view, 0)).toBe(2 ** 40 + 12345)
    expect(readCString(view, 8, 16)).toBe('bash')
    buf.write('0123456789abcdef', 8, 'latin1')
    expect(readCString(view, 8, 16)).toBe('0123456789abcdef')
  })

  it('works on a batch that is a view into a larger buffer', () => {
    const big = Buffer.alloc(64 + 16)
    const inner = big.subarray(64)
    inner.writeUInt32LE(4, 0)
    inner.writeUInt32LE(0xdeadbeef, 8)
    const got: number[] = []
    forEachRecord(inner, (view, off) => got.push(view.getUint32(off, true)))
    expect(got).toEqual([0xdeadbeef])
  })
})
