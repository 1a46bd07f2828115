/** Event layouts as TS sees them. Each mirrors a struct in addon/bpf/<tool>.h; test/unit/layout.test.ts
 * compares every field offset and size against the BTF compiled into the embedded object, so a change
 * on one side without the other fails the suite. */
export interface FieldSpec {
  offset: number
  size: number
}

export interface StructLayout<F extends string = string> {
  /** BPF object that carries the struct in its BTF. */
  object: string
  struct: string
  size: number
  fields: Record<F, FieldSpec>
}

export function defineStruct<F extends string>(
  object: string,
  struct: string,
  size: number,
  fields: Record<F, [offset: number, size: number]>,
): StructLayout<F> {
  const out = {} as Record<F, FieldSpec>
  for (const name of Object.keys(fields) as F[]) out[name] = {offset: fields[name][0], size: fields[name][1]}
  return {object, struct, size, fields: out}
}

/** enum loss_slot in addon/bpf/loss.h: per-CPU `losses` array index in every object. */
export const LossSlot = {
  ringbuf_reserve: 0,
  map_full: 1,
  read_fault: 2,
} as const
export const LOSS_SLOTS = 3
export const LOSS_SLOT_ENUM = {
  LOSS_RINGBUF_RESERVE: LossSlot.ringbuf_reserve,
  LOSS_MAP_FULL: LossSlot.map_full,
  LOSS_READ_FAULT: LossSlot.read_fault,
  LOSS_SLOTS,
}
