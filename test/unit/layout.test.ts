/** Every type a BPF object marks for export (MONITOR_EXPORT) must have a TS layout, and every TS
 * layout must match the BTF the C compiler wrote: size, each field's name, offset, size, integer
 * size and signedness, char[N], integer arrays, the address union, enum values. */
import {describe, expect, it} from 'vitest'

import {BpfObject} from '../../src/engine/bpf.js'
import type {EnumLayout, StructLayout} from '../../src/engine/layout.js'
import {ENGINE_LAYOUTS} from '../../src/engine/layouts.js'
import {loadNative} from '../../src/engine/native.js'
import {TRACE_LAYOUTS} from '../../src/trace/layouts.js'
import {addrUnionMismatches, enumMismatches, structMismatches} from '../support/btf-compare.js'
import {ENGINE_TEST_LAYOUTS} from '../support/layouts.js'

type Layout = StructLayout | EnumLayout
const LAYOUTS: Layout[] = [...ENGINE_LAYOUTS, ...TRACE_LAYOUTS, ...ENGINE_TEST_LAYOUTS]

const kindOf = (l: Layout) => ('struct' in l ? 'struct' : 'enum')
const nameOf = (l: Layout) => ('struct' in l ? l.struct : l.enum)
const label = (l: Layout) => `${kindOf(l)} ${nameOf(l)}`

function withObject<T>(name: string, fn: (obj: BpfObject) => T): T {
  const obj = BpfObject.open(name)
  try {
    return fn(obj)
  } finally {
    obj.closeNow()
  }
}

function mismatches(layout: Layout, obj: BpfObject): string[] {
  const btf = obj.handle.describeType(nameOf(layout), kindOf(layout))
  return 'struct' in layout ? structMismatches(layout, btf) : enumMismatches(layout, btf)
}

const objects = loadNative().embeddedObjects()
const exported = new Map(objects.map((o) => [o, withObject(o, (obj) => obj.handle.exportedTypes())]))

describe('event layouts match the C headers (via BTF)', () => {
  it('embeds every BPF object', () => {
    expect([...objects].sort()).toEqual(['doctor', 'enginetest', 'exec', 'ringbench', 'sampler', 'tcp', 'tcpstream', 'tcptop', 'topsched'])
  })

  it('layouts are not defined twice', () => {
    const seen = LAYOUTS.map((l) => `${l.object}:${label(l)}`)
    expect(seen.length).toBe(new Set(seen).size)
  })

  for (const object of objects) {
    it(`${object}: every exported type has a TS layout that matches its BTF`, () => {
      const problems = withObject(object, (obj) =>
        exported.get(object)!.flatMap((t) => {
          if (t.kind === 'union') {
            // Unions reach TS only as addr() fields; the one union allowed is the address.
            return addrUnionMismatches(obj.handle.describeType(t.name, 'union'), `${object}: union ${t.name}`)
          }
          const layouts = LAYOUTS.filter((l) => kindOf(l) === t.kind && nameOf(l) === t.name && (l.object === object || l.object === '*'))
          if (layouts.length === 0) return [`${object} exports ${t.kind} ${t.name}, which has no TS layout`]
          return layouts.flatMap((l) => mismatches(l, obj).map((m) => `${object}: ${m}`))
        }),
      )
      expect(problems).toEqual([])
    })
  }

  for (const layout of LAYOUTS) {
    it(`${layout.object}: ${label(layout)} is exported where its layout says`, () => {
      const where = objects.filter((o) => exported.get(o)!.some((t) => t.kind === kindOf(layout) && t.name === nameOf(layout)))
      if (layout.object === '*') expect(where.length).toBeGreaterThan(0)
      else expect(where).toContain(layout.object)
    })
  }

  it('loss_slot is exported by every object (every object counts losses)', () => {
    for (const o of objects) expect(exported.get(o)).toContainEqual({kind: 'enum', name: 'loss_slot'})
  })

  it('every object carries the loss counters and the wakeup setting', () => {
    for (const name of objects) {
      withObject(name, (obj) => {
        expect(obj.handle.maps().map((m) => m.name)).toContain('losses')
        expect(obj.handle.datasec('.rodata').map((v) => v.name)).toContain('wakeup_bytes')
      })
    }
  })

  describe('the comparison catches mismatches', () => {
    const record = ENGINE_TEST_LAYOUTS[0]
    const btf = withObject('enginetest', (obj) => obj.handle.describeType('engine_probe_record', 'struct'))
    const fields = (spec: Record<string, unknown>) => ({...record, fields: {...record.fields, ...spec}}) as unknown as StructLayout

    it('accepts the right layout', () => expect(structMismatches(record, btf)).toEqual([]))
    it('signedness', () => {
      const wrong = fields({s32v: {...record.fields.s32v, type: {kind: 'int', size: 4, signed: false}}})
      expect(structMismatches(wrong, btf)).toEqual(['struct engine_probe_record.s32v: TS u32, C s32 (int)'])
    })
    it('offsets and sizes', () => {
      const wrong = fields({tail: {...record.fields.tail, offset: 104}})
      expect(structMismatches(wrong, btf)).toEqual(['struct engine_probe_record.tail: offset TS 104, C 108'])
      expect(structMismatches({...record, size: 120} as unknown as StructLayout, btf)).toEqual(['struct engine_probe_record: size TS 120, C 112'])
    })
    it('char arrays vs integer arrays, and array lengths', () => {
      const asChar = fields({ids: {...record.fields.ids, type: {kind: 'char', len: 12}}})
      expect(structMismatches(asChar, btf)).toEqual(['struct engine_probe_record.ids: TS char[12], C array of unsigned int'])
      const shorter = fields({ids: {...record.fields.ids, type: {kind: 'array', of: {kind: 'int', size: 4, signed: false}, len: 2}}})
      expect(structMismatches(shorter, btf)).toEqual(['struct engine_probe_record.ids: TS 2 elements, C 3'])
    })
    it('an address where C has another type', () => {
      const wrong = fields({comm: {...record.fields.comm, type: {kind: 'addr', family: 'family'}}})
      expect(structMismatches(wrong, btf)[0]).toMatch(/comm: an address must be union monitor_addr/)
    })
    it('enum values', () => {
      const loss = withObject('doctor', (obj) => obj.handle.describeType('loss_slot', 'enum'))
      expect(enumMismatches({object: '*', enum: 'loss_slot', values: {LOSS_RINGBUF_RESERVE: 0, LOSS_MAP_FULL: 2, LOSS_READ_FAULT: 2, LOSS_SLOTS: 3}}, loss)).toEqual([
        'enum loss_slot.LOSS_MAP_FULL: TS 2, C 1',
      ])
    })
  })
})
