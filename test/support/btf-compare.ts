/** Compares a TS layout (src/engine/layout.ts) with the BTF the C compiler wrote for the same type;
 * returns every difference as a line (empty: they match). */
import type {EnumLayout, FieldType, StructLayout} from '../../src/engine/layout.js'
import type {BtfMember, BtfNamedType, BtfType} from '../../src/engine/native.js'

/** `union monitor_addr` (addon/bpf/addr.h), what an addr() field must be in C. */
export function addrUnionMismatches(t: BtfType, where: string): string[] {
  if (t.kind !== 'union' || t.name !== 'monitor_addr') return [`${where}: an address must be union monitor_addr, BTF has ${t.kind} ${'name' in t ? t.name : ''}`]
  const out: string[] = []
  if (t.size !== 16) out.push(`${where}: union monitor_addr is ${t.size} bytes, not 16`)
  const v4 = t.members.find((m) => m.name === 'v4')
  const v6 = t.members.find((m) => m.name === 'v6')
  if (!v4 || v4.offset !== 0 || v4.type.kind !== 'int' || v4.type.size !== 4 || v4.type.signed) out.push(`${where}: union monitor_addr needs __u32 v4 at 0`)
  if (!v6 || v6.offset !== 0 || v6.type.kind !== 'array' || v6.type.len !== 16 || v6.type.elem.kind !== 'int' || v6.type.elem.size !== 1 || v6.type.elem.signed) {
    out.push(`${where}: union monitor_addr needs __u8 v6[16] at 0`)
  }
  if (t.members.length !== 2) out.push(`${where}: union monitor_addr has ${t.members.length} members, not 2`)
  return out
}

function intName(size: number, signed: boolean): string {
  return `${signed ? 's' : 'u'}${size * 8}`
}

function typeMismatches(ts: FieldType, btf: BtfType, where: string): string[] {
  switch (ts.kind) {
    case 'int':
      if (btf.kind === 'enum') {
        return btf.size === ts.size ? [] : [`${where}: TS ${intName(ts.size, ts.signed)}, C enum of ${btf.size} bytes`]
      }
      if (btf.kind !== 'int') return [`${where}: TS ${intName(ts.size, ts.signed)}, C ${btf.kind}`]
      if (btf.size !== ts.size || btf.signed !== ts.signed) return [`${where}: TS ${intName(ts.size, ts.signed)}, C ${intName(btf.size, btf.signed)} (${btf.name})`]
      return []
    case 'char':
      if (btf.kind !== 'array' || btf.elem.kind !== 'int' || !btf.elem.char) return [`${where}: TS char[${ts.len}], C ${btf.kind === 'array' ? `array of ${btf.elem.kind === 'int' ? btf.elem.name : btf.elem.kind}` : btf.kind}`]
      return btf.len === ts.len ? [] : [`${where}: TS char[${ts.len}], C char[${btf.len}]`]
    case 'array': {
      if (btf.kind !== 'array') return [`${where}: TS array, C ${btf.kind}`]
      const out = typeMismatches(ts.of, btf.elem, `${where}[]`)
      if (btf.len !== ts.len) out.push(`${where}: TS ${ts.len} elements, C ${btf.len}`)
      return out
    }
    case 'addr':
      return addrUnionMismatches(btf, where)
  }
}

export function structMismatches(layout: StructLayout, btf: BtfNamedType): string[] {
  const name = `struct ${layout.struct}`
  if (btf.kind !== 'struct') return [`${name}: BTF has a ${btf.kind}`]
  const out: string[] = []
  if (btf.size !== layout.size) out.push(`${name}: size TS ${layout.size}, C ${btf.size}`)
  const tsFields = Object.values(layout.fields)
  const tsNames = tsFields.map((f) => f.name)
  const cNames = btf.members.map((m) => m.name)
  if (tsNames.join(',') !== cNames.join(',')) out.push(`${name}: fields TS [${tsNames.join(', ')}], C [${cNames.join(', ')}]`)
  const byName = new Map<string, BtfMember>(btf.members.map((m) => [m.name, m]))
  for (const f of tsFields) {
    const m = byName.get(f.name)
    if (!m) continue
    const where = `${name}.${f.name}`
    if (m.bitSize !== undefined) out.push(`${where}: a bitfield in C; layouts have none`)
    if (m.offset !== f.offset) out.push(`${where}: offset TS ${f.offset}, C ${m.offset}`)
    if (m.size !== f.size) out.push(`${where}: size TS ${f.size}, C ${m.size}`)
    out.push(...typeMismatches(f.type, m.type, where))
  }
  return out
}

export function enumMismatches(layout: EnumLayout, btf: BtfNamedType): string[] {
  const name = `enum ${layout.enum}`
  if (btf.kind !== 'enum') return [`${name}: BTF has a ${btf.kind}`]
  const c = Object.fromEntries(Object.entries(btf.values).map(([k, v]) => [k, Number(v)]))
  const ts = layout.values
  const keys = [...new Set([...Object.keys(c), ...Object.keys(ts)])].sort()
  return keys.filter((k) => c[k] !== ts[k]).map((k) => `${name}.${k}: TS ${ts[k] ?? 'missing'}, C ${c[k] ?? 'missing'}`)
}
