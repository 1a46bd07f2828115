/** The layout DSL's compiled decoder reads what C wrote: bytes are placed at the offsets the C
 * compiler chose (from BTF, not from the TS layout), then decoded. */
import {afterAll, describe, expect, it} from 'vitest'

import {BpfObject} from '../../src/engine/bpf.js'
import {AF_INET, AF_INET6, readAddress} from '../../src/engine/layout.js'
import type {BtfComposite} from '../../src/engine/native.js'
import {ENGINE_PROBE_RECORD} from '../support/layouts.js'

const obj = BpfObject.open('enginetest')
const btf = obj.handle.describeType('engine_probe_record', 'struct') as BtfComposite
afterAll(() => obj.closeNow())

const at = (field: string) => {
  const m = btf.members.find((x) => x.name === field)
  if (!m) throw new Error(`no field ${field} in BTF`)
  return m.offset
}

function ipv6(text: string): number[] {
  const [head, tail] = text.split('::')
  const words = (s: string | undefined) => (s ? s.split(':').map((w) => parseInt(w, 16)) : [])
  const h = words(head)
  const t = tail === undefined ? [] : words(tail)
  const all = tail === undefined ? h : [...h, ...new Array(8 - h.length - t.length).fill(0), ...t]
  return all.flatMap((w) => [w >> 8, w & 0xff])
}

/** A record written field by field at the C offsets. */
function record(family: number, saddr: number[], daddr: number[]): DataView {
  const view = new DataView(new ArrayBuffer(btf.size + 16), 8) // not at offset 0 of its buffer
  view.setUint8(at('u8v'), 250)
  view.setInt8(at('s8v'), -5)
  view.setUint16(at('u16v'), 65000, true)
  view.setInt16(at('s16v'), -30000, true)
  view.setUint16(at('family'), family, true)
  view.setUint32(at('u32v'), 4_000_000_000, true)
  view.setInt32(at('s32v'), -2_000_000_000, true)
  view.setBigUint64(at('u64v'), 2n ** 40n + 123n, true)
  view.setBigInt64(at('s64v'), -(2n ** 40n) - 5n, true)
  view.setBigUint64(at('cookie'), 2n ** 63n + 7n, true)
  'sshd: worker'.split('').forEach((c, i) => view.setUint8(at('comm') + i, c.charCodeAt(0)))
  ;[1, 0xffffffff, 7].forEach((v, i) => view.setUint32(at('ids') + i * 4, v, true))
  view.setUint16(at('port'), 443, true)
  saddr.forEach((b, i) => view.setUint8(at('saddr') + i, b))
  daddr.forEach((b, i) => view.setUint8(at('daddr') + i, b))
  ;[-1, 32767].forEach((v, i) => view.setInt16(at('deltas') + i * 2, v, true))
  view.setUint32(at('tail'), 0xdeadbeef, true)
  return view
}

describe('layout decoder', () => {
  it('decodes every integer kind, char[N], arrays and IPv4 addresses at the C offsets', () => {
    const r = ENGINE_PROBE_RECORD.decode(record(AF_INET, [10, 0, 0, 1], [192, 168, 255, 254]), 0)
    expect(r).toEqual({
      u8v: 250,
      s8v: -5,
      u16v: 65000,
      s16v: -30000,
      family: AF_INET,
      u32v: 4_000_000_000,
      s32v: -2_000_000_000,
      u64v: 2 ** 40 + 123,
      s64v: -(2 ** 40) - 5,
      cookie: 2n ** 63n + 7n,
      comm: 'sshd: worker',
      ids: [1, 0xffffffff, 7],
      port: 443,
      pad: [0, 0],
      saddr: '10.0.0.1',
      daddr: '192.168.255.254',
      deltas: [-1, 32767],
      tail: 0xdeadbeef,
    })
  })

  it('decodes IPv6 addresses: compression, IPv4-mapped, all zero', () => {
    const r = ENGINE_PROBE_RECORD.decode(record(AF_INET6, ipv6('2001:db8::1'), ipv6('::ffff:c000:201')), 0)
    expect(r.saddr).toBe('2001:db8::1')
    expect(r.daddr).toBe('::ffff:192.0.2.1')
    const z = ENGINE_PROBE_RECORD.decode(record(AF_INET6, ipv6('::'), ipv6('fe80::1')), 0)
    expect(z.saddr).toBe('::')
    expect(z.daddr).toBe('fe80::1')
  })

  it('formats IPv6 as RFC 5952 says: the longest zero run compressed, a single zero word kept', () => {
    const view = (text: string) => new DataView(Uint8Array.from(ipv6(text)).buffer)
    expect(readAddress(view('1:0:0:2:0:0:0:3'), 0, AF_INET6)).toBe('1:0:0:2::3')
    expect(readAddress(view('1:0:2:3:4:5:6:7'), 0, AF_INET6)).toBe('1:0:2:3:4:5:6:7')
    expect(readAddress(view('0:0:0:0:0:0:0:1'), 0, AF_INET6)).toBe('::1')
    expect(readAddress(view('1::'), 0, AF_INET6)).toBe('1::')
    expect(readAddress(view('::'), 0, 0)).toBe('') // neither family
  })

  it('reads a full char[N] without NUL, and stops at the first NUL', () => {
    const v = record(AF_INET, [], [])
    for (let i = 0; i < 16; i++) v.setUint8(at('comm') + i, 0x61 + i)
    expect(ENGINE_PROBE_RECORD.decode(v, 0).comm).toBe('abcdefghijklmnop')
    v.setUint8(at('comm') + 3, 0)
    expect(ENGINE_PROBE_RECORD.decode(v, 0).comm).toBe('abc')
  })

  it('reads u64 past 2^32 exactly as numbers up to 2^53, and u64n as BigInt', () => {
    const v = record(AF_INET, [], [])
    v.setBigUint64(at('u64v'), 2n ** 53n - 1n, true)
    v.setBigInt64(at('s64v'), -(2n ** 53n) + 1n, true)
    v.setBigUint64(at('cookie'), 2n ** 64n - 1n, true)
    const r = ENGINE_PROBE_RECORD.decode(v, 0)
    expect(r.u64v).toBe(Number.MAX_SAFE_INTEGER)
    expect(r.s64v).toBe(-Number.MAX_SAFE_INTEGER)
    expect(r.cookie).toBe(2n ** 64n - 1n)
  })

  it('decodes at an offset inside a larger view', () => {
    const rec = record(AF_INET, [127, 0, 0, 1], [1, 2, 3, 4])
    const big = new Uint8Array(btf.size + 40)
    big.set(new Uint8Array(rec.buffer, rec.byteOffset, btf.size), 40)
    expect(ENGINE_PROBE_RECORD.decode(new DataView(big.buffer), 40).daddr).toBe('1.2.3.4')
  })
})
