/** Map reads into reusable buffers: batch lookup (and lookup-and-delete), the key-iteration
 * fallback, per-CPU values summed natively, and no growth over repeated reads. */
import {afterEach, beforeEach, expect, it} from 'vitest'

import {BpfObject} from '../../src/engine/bpf.js'
import {MapError} from '../../src/engine/errors.js'
import {BpfMap} from '../../src/engine/map.js'
import {loadNative} from '../../src/engine/native.js'
import {describeEbpf} from '../support/ebpf.js'

const u32 = (n: number) => {
  const b = Buffer.alloc(4)
  b.writeUInt32LE(n)
  return b
}
const u64 = (n: number | bigint) => {
  const b = Buffer.alloc(8)
  b.writeBigUInt64LE(BigInt(n))
  return b
}

function entriesOf(map: BpfMap, options: {delete?: boolean} = {}): Map<number, Buffer> {
  const e = map.read(options)
  const out = new Map<number, Buffer>()
  for (let i = 0; i < e.count; i++) out.set(e.key(i).readUInt32LE(0), Buffer.from(e.value(i)))
  return out
}

describeEbpf('engine maps', () => {
  let obj: BpfObject
  const cpus = loadNative().possibleCpus()
  beforeEach(() => {
    obj = BpfObject.open('enginetest', {programs: []})
    obj.load()
  })
  afterEach(() => obj.closeNow())

  for (const iterate of [false, true]) {
    const how = iterate ? 'walking keys (the fallback without batch ops)' : 'in batches'
    it(`reads a hash map ${how}, and empties it with delete`, () => {
      const map = iterate ? new BpfMap(obj.handle.mapFd('test_hash'), obj.map('test_hash').info, {iterate}) : obj.map('test_hash')
      try {
        expect(map.readerInfo().batch).toBe(!iterate)
        for (let i = 1; i <= 3000; i++) map.update(u32(i), u64(i * 10 + 2 ** 40))
        const all = entriesOf(map)
        expect(all.size).toBe(3000)
        for (let i = 1; i <= 3000; i++) expect(all.get(i)!.readBigUInt64LE(0)).toBe(BigInt(i * 10 + 2 ** 40))
        expect(entriesOf(map).size).toBe(3000) // a read without delete leaves it
        expect(entriesOf(map, {delete: true}).size).toBe(3000)
        expect(map.read().count).toBe(0)
        expect(map.lookup(u32(5))).toBeUndefined()
      } finally {
        if (iterate) map.close()
      }
    })
  }

  it('looks up, updates with flags and deletes single keys', () => {
    const map = obj.map('test_hash')
    map.update(u32(7), u64(70))
    expect(map.lookup(u32(7))!.readBigUInt64LE(0)).toBe(70n)
    expect(() => map.update(u32(7), u64(71), 'noexist')).toThrow(/update test_hash: File exists/)
    map.update(u32(7), u64(72), 'exist')
    expect(map.lookup(u32(7))!.readBigUInt64LE(0)).toBe(72n)
    expect(map.delete(u32(7))).toBe(true)
    expect(map.delete(u32(7))).toBe(false)
    expect(() => map.lookup(Buffer.alloc(8))).toThrow(MapError)
    expect(() => map.update(u32(1), Buffer.alloc(4))).toThrow(/takes 8-byte values, not 4/)
  })

  it('sums per-CPU hash values over CPUs natively, lane by lane', () => {
    const map = obj.map('test_percpu_hash')
    expect(map.info.perCpu).toBe(true)
    const stride = 16
    for (let key = 0; key < 100; key++) {
      const perCpu = Buffer.alloc(stride * cpus)
      for (let c = 0; c < cpus; c++) {
        perCpu.writeBigUInt64LE(BigInt(key * 1000 + c + 1), c * stride)
        perCpu.writeBigUInt64LE(2n ** 40n * BigInt(c + 1), c * stride + 8)
      }
      map.update(u32(key), perCpu)
    }
    const all = entriesOf(map)
    expect(all.size).toBe(100)
    const cpuSum = (cpus * (cpus + 1)) / 2
    for (let key = 0; key < 100; key++) {
      const v = all.get(key)!
      expect(v.byteLength).toBe(16) // value_size, not value_size × CPUs
      expect(v.readBigUInt64LE(0)).toBe(BigInt(key * 1000 * cpus + cpuSum))
      expect(v.readBigUInt64LE(8)).toBe(2n ** 40n * BigInt(cpuSum))
    }
    expect(map.lookup(u32(3))!.readBigUInt64LE(0)).toBe(BigInt(3000 * cpus + cpuSum))
    // value_size bytes alone: CPU 0 gets them, the others zero.
    map.update(u32(500), Buffer.concat([u64(5), u64(6)]))
    expect([...map.lookup(u32(500))!]).toEqual([...Buffer.concat([u64(5), u64(6)])])
    expect(entriesOf(map, {delete: true}).size).toBe(101)
    expect(map.read().count).toBe(0)
  })

  it('sums per-CPU arrays, and refuses to delete from arrays', () => {
    const map = obj.map('test_percpu_array')
    for (let i = 0; i < 16; i++) {
      const perCpu = Buffer.alloc(8 * cpus)
      for (let c = 0; c < cpus; c++) perCpu.writeBigUInt64LE(BigInt(i * 100 + c), c * 8)
      map.update(u32(i), perCpu)
    }
    const all = entriesOf(map)
    expect(all.size).toBe(16) // arrays always hold every index
    for (let i = 0; i < 16; i++) expect(all.get(i)!.readBigUInt64LE(0)).toBe(BigInt(i * 100 * cpus + (cpus * (cpus - 1)) / 2))
    expect(() => map.read({delete: true})).toThrow(MapError)
    expect(() => map.delete(u32(1))).toThrow(/array map test_percpu_array cannot delete entries/)
  })

  it('refuses per-CPU values that are not u64 lanes, with a typed error', () => {
    expect(() => obj.map('test_odd')).toThrow(MapError)
    expect(() => obj.map('test_odd')).toThrow(/4-byte values.*multiple of 8/)
    expect(() => obj.map('nope')).toThrow(/has no map nope/)
  })

  it('keeps the losses counters working on the reader', () => {
    expect(obj.losses()).toEqual({ringbuf_reserve: 0, map_full: 0, read_fault: 0, queue: 0, recursion_misses: 0})
  })

  it('reuses its buffers: 1,000 reads of a 64k-entry map do not grow memory', () => {
    const map = obj.map('test_hash')
    for (let i = 0; i < 65536; i++) map.update(u32(i), u64(i))
    const read = () => {
      const e = map.read()
      expect(e.count).toBe(65536)
      return e.values
    }
    const first = read()
    for (let i = 0; i < 50; i++) read() // warm up: JIT, lazy buffers
    globalThis.gc?.()
    const before = process.memoryUsage()
    let sum = 0
    for (let i = 0; i < 1000; i++) sum += read().readUInt32LE(8)
    const after = process.memoryUsage()
    expect(sum).toBe(1000 * first.readUInt32LE(8))
    // One read's output is 64k × (4 + 8) = 768 KiB: 1,000 fresh copies would be 750 MB.
    expect(after.external + after.arrayBuffers - (before.external + before.arrayBuffers)).toBeLessThan(4 << 20)
    expect(after.rss - before.rss).toBeLessThan(16 << 20)
    expect(read().buffer).toBe(first.buffer) // the very same memory every time
  }, 180_000) // the kernel's batch walk of 64k buckets takes ~20 ms here
})
