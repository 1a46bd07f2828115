/** The TS view of every event struct must match the BTF the C compiler wrote for it. */
import {describe, expect, it} from 'vitest'

import {BpfObject} from '../../src/engine/bpf.js'
import {LOSS_SLOT_ENUM, type StructLayout} from '../../src/engine/layout.js'
import {loadNative} from '../../src/engine/native.js'
import {EXEC_EVENT, EXEC_EVENT_FLAGS, EXEC_EVENT_KIND} from '../../src/trace/exec/layout.js'

const EXEC_ENUMS = {[EXEC_EVENT_KIND.enum]: EXEC_EVENT_KIND.values, [EXEC_EVENT_FLAGS.enum]: EXEC_EVENT_FLAGS.values}

const STRUCTS: StructLayout[] = [EXEC_EVENT]

describe('event layouts match the C headers (via BTF)', () => {
  it('embeds every BPF object', () => {
    expect(loadNative().embeddedObjects().sort()).toEqual(['doctor', 'exec', 'ringbench', 'sampler'])
  })

  for (const layout of STRUCTS) {
    it(`${layout.object}: struct ${layout.struct}`, () => {
      const obj = BpfObject.open(layout.object)
      try {
        const btf = obj.handle.describeStruct(layout.struct)
        expect(btf.size).toBe(layout.size)
        const fromBtf = Object.fromEntries(btf.fields.map((f) => [f.name, {offset: f.offset, size: f.size}]))
        const fromTs = Object.fromEntries(Object.values(layout.fields).map((f) => [f.name, {offset: f.offset, size: f.size}]))
        expect(fromTs).toEqual(fromBtf)
      } finally {
        obj.closeNow()
      }
    })
  }

  it('exec enums and the shared loss slots', () => {
    const obj = BpfObject.open('exec')
    try {
      for (const [name, values] of Object.entries(EXEC_ENUMS)) expect(obj.handle.describeEnum(name)).toEqual(values)
      expect(obj.handle.describeEnum('loss_slot')).toEqual(LOSS_SLOT_ENUM.values)
    } finally {
      obj.closeNow()
    }
  })

  it('every object carries the loss counters and the wakeup setting', () => {
    for (const name of loadNative().embeddedObjects()) {
      const obj = BpfObject.open(name)
      try {
        expect(obj.handle.maps().map((m) => m.name)).toContain('losses')
        expect(obj.handle.datasec('.rodata').map((v) => v.name)).toContain('wakeup_bytes')
      } finally {
        obj.closeNow()
      }
    }
  })
})
