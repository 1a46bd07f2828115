/** StackSource → FlameTree (src/output/flame-model.ts): the data of the flame graph views, top-down
 * (root = all samples, children = callees) or inverted (children = callers of where the samples
 * landed), and the differential tree of two profiles. One pass over the samples, no object per
 * sample: a sample's path is looked up node by node in one Map keyed by (parent, frame). */
import {type FlameTree, FlameTreeBuilder} from '../output/flame-model.js'
import type {StackSource} from './stacks.js'

export interface FlameTreeOptions {
  inverted?: boolean
}

export function flameTree(src: StackSource, sampleIndex: number, options: FlameTreeOptions = {}): FlameTree {
  const b = new FlameTreeBuilder(false)
  insert(b, src, sampleIndex, options.inverted === true, false)
  return b.build(src.sampleTypes[sampleIndex], options.inverted === true)
}

/** One tree over both profiles: node values are `next`'s, `base`/`baseSelf` the base profile's on
 * the same call path (0 where a path exists in one only). The sample type is chosen in `next`; the
 * base uses its sample type of the same name (or the same index when none is named alike). */
export function diffFlameTree(base: StackSource, next: StackSource, sampleIndex: number, options: FlameTreeOptions = {}): FlameTree {
  const type = next.sampleTypes[sampleIndex]
  const byName = base.sampleTypes.findIndex((t) => t.type === type.type && t.unit === type.unit)
  const b = new FlameTreeBuilder(true)
  insert(b, base, byName >= 0 ? byName : sampleIndex, options.inverted === true, true)
  insert(b, next, sampleIndex, options.inverted === true, false)
  return b.build(type, options.inverted === true)
}

function insert(b: FlameTreeBuilder, src: StackSource, sampleIndex: number, inverted: boolean, base: boolean): void {
  if (sampleIndex < 0 || sampleIndex >= src.sampleTypes.length) throw new RangeError(`sample index ${sampleIndex} out of range (0..${src.sampleTypes.length - 1})`)
  const ids = new Int32Array(src.frameCount).fill(-1)
  let path = new Int32Array(256)
  src.forEachSample((stack, length, values) => {
    const value = values[sampleIndex]
    if (value === 0) return
    if (length > path.length) path = new Int32Array(length * 2)
    let node = 0
    for (let k = 0; k < length; k++) {
      // Top-down walks the stack from its root end (the stack is leaf first).
      const f = stack[inverted ? k : length - 1 - k]
      let id = ids[f]
      if (id < 0) id = ids[f] = b.frameId(src.frame(f))
      node = b.child(node, id)
      path[k] = node
    }
    b.add(path, length, value, base, inverted)
  })
}
