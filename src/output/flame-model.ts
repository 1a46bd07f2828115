/**
 * A flame graph's tree as parallel typed arrays: node i has a frame, a parent, its children as a
 * linked list, and its total (the samples whose stack passes through it) and self values. Node 0 is
 * the root (all samples, no frame). A million-node tree is a few typed arrays, not a million objects.
 *
 * Children with the same frame are merged (one node per call path); siblings are ordered by total,
 * largest first, so the heaviest path is at the left. A diff tree also carries the base profile's
 * totals per node (`base`, `baseSelf`): value is the new profile's.
 */

export interface FlameFrame {
  name: string
  file: string
  line: number
}

export interface FlameTree {
  readonly sampleType: {type: string; unit: string}
  /** Rooted at the leaves (bottom-up: who calls the functions where time is spent). */
  readonly inverted: boolean
  readonly size: number
  readonly frames: readonly FlameFrame[]
  /** Index into frames; -1 for the root. */
  readonly frame: Int32Array
  readonly parent: Int32Array
  readonly firstChild: Int32Array
  readonly nextSibling: Int32Array
  /** 0 for the root, 1 for its children … */
  readonly depth: Int32Array
  readonly total: Float64Array
  readonly self: Float64Array
  readonly base?: Float64Array
  readonly baseSelf?: Float64Array
  readonly maxDepth: number
}

export function isDiff(tree: FlameTree): tree is FlameTree & {base: Float64Array; baseSelf: Float64Array} {
  return tree.base !== undefined
}

/** The children of node n, in their order (largest first). */
export function children(tree: FlameTree, n: number): number[] {
  const out: number[] = []
  for (let c = tree.firstChild[n]; c !== -1; c = tree.nextSibling[c]) out.push(c)
  return out
}

/** Node n's path from the root's child down to n, as frame names. */
export function pathOf(tree: FlameTree, n: number): number[] {
  const out: number[] = []
  for (let p = n; p > 0; p = tree.parent[p]) out.push(p)
  return out.reverse()
}

export function frameName(tree: FlameTree, n: number): string {
  if (n === 0) return 'all'
  const f = tree.frames[tree.frame[n]]
  return f.name || '(unknown)'
}

export function frameWhere(tree: FlameTree, n: number): string {
  if (n === 0) return ''
  const f = tree.frames[tree.frame[n]]
  return f.file ? (f.line > 0 ? `${f.file}:${f.line}` : f.file) : ''
}

/** The total of the nodes matching `match` that have no matching ancestor (so nested matches, e.g.
 * recursion, count once), and the matching nodes. */
export function matchTotal(tree: FlameTree, match: (n: number) => boolean): {total: number; nodes: Uint8Array} {
  const nodes = new Uint8Array(tree.size)
  const covered = new Uint8Array(tree.size)
  let total = 0
  // Parents come before children in node order (built by appending), so one forward pass does.
  for (let n = 1; n < tree.size; n++) {
    const under = covered[tree.parent[n]] === 1
    if (match(n)) {
      nodes[n] = 1
      if (!under) total += tree.total[n]
      covered[n] = 1
    } else covered[n] = under ? 1 : 0
  }
  return {total, nodes}
}

/** Builds a FlameTree by inserting paths, root first. Frames are merged by (name, file). */
export class FlameTreeBuilder {
  private cap = 1024
  private n = 1
  private frameA = new Int32Array(this.cap).fill(-1)
  private parentA = new Int32Array(this.cap).fill(-1)
  private totalA = new Float64Array(this.cap)
  private selfA = new Float64Array(this.cap)
  private baseA: Float64Array | undefined
  private baseSelfA: Float64Array | undefined
  private depthA = new Int32Array(this.cap)
  // (parent, frame) → child: open addressing over typed arrays (a Map keyed by numbers past 2^31
  // hashes them as doubles: ~5x slower on a 200k-sample profile).
  private slots = new Int32Array(4096).fill(-1)
  private mask = 4095
  readonly frames: FlameFrame[] = []
  private readonly frameIds = new Map<string, number>()
  private maxDepth = 0

  constructor(diff = false) {
    if (diff) {
      this.baseA = new Float64Array(this.cap)
      this.baseSelfA = new Float64Array(this.cap)
    }
  }

  /** The merged frame id of a frame (same name and file → same id). */
  frameId(f: FlameFrame): number {
    const key = `${f.name}\0${f.file}`
    let id = this.frameIds.get(key)
    if (id === undefined) {
      id = this.frames.length
      this.frames.push({name: f.name, file: f.file, line: f.line})
      this.frameIds.set(key, id)
    }
    return id
  }

  /** The child of `parent` for frame id f, created when missing. */
  child(parent: number, f: number): number {
    const frame = this.frameA
    const par = this.parentA
    let i = (Math.imul(parent, 0x9e3779b1) ^ Math.imul(f, 0x85ebca77)) & this.mask
    for (;;) {
      const c = this.slots[i]
      if (c === -1) break
      if (par[c] === parent && frame[c] === f) return c
      i = (i + 1) & this.mask
    }
    const c = this.n++
    if (c >= this.cap) this.grow()
    this.frameA[c] = f
    this.parentA[c] = parent
    const d = this.depthA[parent] + 1
    this.depthA[c] = d
    if (d > this.maxDepth) this.maxDepth = d
    this.slots[i] = c
    if (this.n * 2 > this.slots.length) this.rehash()
    return c
  }

  private rehash(): void {
    const size = this.slots.length * 2
    this.slots = new Int32Array(size).fill(-1)
    this.mask = size - 1
    for (let c = 1; c < this.n; c++) {
      let i = (Math.imul(this.parentA[c], 0x9e3779b1) ^ Math.imul(this.frameA[c], 0x85ebca77)) & this.mask
      while (this.slots[i] !== -1) i = (i + 1) & this.mask
      this.slots[i] = c
    }
  }

  /** Adds value along the path nodes[0..length) (root's child first; the root gets it too); the
   * self value goes to the last node — or, for an inverted tree, to the first (the function the
   * sample landed in: its self time is the total of its top-level node). */
  add(path: ArrayLike<number>, length: number, value: number, base: boolean, selfAtFirst = false): void {
    const total = base ? this.baseA! : this.totalA
    const self = base ? this.baseSelfA! : this.selfA
    total[0] += value
    let node = 0
    for (let i = 0; i < length; i++) {
      node = path[i]
      total[node] += value
    }
    self[selfAtFirst && length > 0 ? path[0] : node] += value
  }

  build(sampleType: {type: string; unit: string}, inverted: boolean): FlameTree {
    const size = this.n
    const firstChild = new Int32Array(size).fill(-1)
    const nextSibling = new Int32Array(size).fill(-1)
    const total = this.totalA.subarray(0, size)
    const base = this.baseA?.subarray(0, size)
    // Siblings largest first (by the larger of new and base in a diff, so what vanished stays
    // visible). Linked in creation order, then each family of two or more sorted on its own: most
    // are small, so this is far cheaper than sorting all nodes at once.
    const weight = base ? (i: number) => Math.max(Math.abs(total[i]), Math.abs(base[i])) : (i: number) => Math.abs(total[i])
    for (let c = size - 1; c >= 1; c--) {
      const p = this.parentA[c]
      nextSibling[c] = firstChild[p]
      firstChild[p] = c
    }
    const family: number[] = []
    for (let p = 0; p < size; p++) {
      const first = firstChild[p]
      if (first === -1 || nextSibling[first] === -1) continue
      family.length = 0
      for (let c = first; c !== -1; c = nextSibling[c]) family.push(c)
      family.sort((a, b) => weight(b) - weight(a) || a - b)
      firstChild[p] = family[0]
      for (let k = 0; k < family.length; k++) nextSibling[family[k]] = k + 1 < family.length ? family[k + 1] : -1
    }
    return {
      sampleType,
      inverted,
      size,
      frames: this.frames,
      frame: this.frameA.subarray(0, size),
      parent: this.parentA.subarray(0, size),
      firstChild,
      nextSibling,
      depth: this.depthA.subarray(0, size),
      total,
      self: this.selfA.subarray(0, size),
      base,
      baseSelf: this.baseSelfA?.subarray(0, size),
      maxDepth: this.maxDepth,
    }
  }

  private grow(): void {
    this.cap *= 2
    const g = <T extends Int32Array | Float64Array>(a: T, fill = 0): T => {
      const b = new (a.constructor as new (n: number) => T)(this.cap)
      if (fill) b.fill(fill)
      b.set(a)
      return b
    }
    this.frameA = g(this.frameA, -1)
    this.parentA = g(this.parentA, -1)
    this.totalA = g(this.totalA)
    this.selfA = g(this.selfA)
    this.depthA = g(this.depthA)
    if (this.baseA) this.baseA = g(this.baseA)
    if (this.baseSelfA) this.baseSelfA = g(this.baseSelfA)
  }
}

/** A value in its sample unit, signed (diffs): 1.23s, 4.5MiB, 12.3k. */
export function formatFlameValue(v: number, unit: string): string {
  const sign = v < 0 ? '-' : ''
  const a = Math.abs(v)
  if (unit === 'nanoseconds') return sign + formatNs(a)
  if (unit === 'bytes') return sign + formatSize(a)
  if (a < 1000) return sign + String(Math.round(a * 100) / 100)
  const units = ['k', 'M', 'G', 'T']
  let x = a
  let i = -1
  while (x >= 1000 && i < units.length - 1) {
    x /= 1000
    i++
  }
  return `${sign}${x.toFixed(x >= 100 ? 0 : 1)}${units[i]}`
}

function formatNs(ns: number): string {
  if (ns >= 1e9) return `${(ns / 1e9).toFixed(ns >= 1e11 ? 0 : 2)}s`
  if (ns >= 1e6) return `${(ns / 1e6).toFixed(ns >= 1e8 ? 0 : 1)}ms`
  if (ns >= 1e3) return `${(ns / 1e3).toFixed(ns >= 1e5 ? 0 : 1)}us`
  return `${Math.round(ns)}ns`
}

function formatSize(b: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB']
  let v = b
  let i = 0
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024
    i++
  }
  return i === 0 ? `${Math.round(v)}B` : `${v.toFixed(v >= 100 ? 0 : 1)}${units[i]}`
}

export function percent(part: number, whole: number): string {
  if (whole === 0) return '0%'
  const p = (part / whole) * 100
  return `${Math.abs(p) >= 10 ? p.toFixed(1) : p.toFixed(2)}%`
}

/** Differential colour of a node: 0 unchanged, 1..5 how much it grew (+) or shrank (−) relative to
 * the larger of its two totals; undefined outside a diff tree. */
export function diffLevel(tree: FlameTree, n: number): number | undefined {
  if (!tree.base) return undefined
  const now = tree.total[n]
  const was = tree.base[n]
  const delta = now - was
  if (delta === 0) return 0
  const scale = Math.max(Math.abs(now), Math.abs(was))
  const level = Math.min(5, Math.max(1, Math.ceil((Math.abs(delta) / scale) * 5)))
  return delta > 0 ? level : -level
}
