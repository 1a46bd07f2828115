/**
 * The function graph behind `top` (and `tree`/`peek`), computed as `go tool pprof` computes it
 * (internal/graph and internal/report, functions granularity), so our numbers equal go's:
 *   - one node per function name; cum counts a node once per sample (recursion), flat goes to
 *     the innermost frame;
 *   - total = the sum of |value| of the samples (of the base samples only, for a diff profile);
 *   - nodes with |cum| below 0.5% of the flat sum are dropped ("Dropped N nodes (cum <= X)");
 *   - rows sorted by |flat|, then name; a node entered only through inlined calls is "(inline)".
 * One pass over the samples without per-sample allocation; call edges are tracked only into
 * functions that are ever inlined (all the "(inline)" label needs).
 */
import {ExitCode, MonitorError} from '../errors.js'
import {scale} from '../output/pprof-units.js'
import {locationSlots, type Profile} from './profile.js'
import {removeUninteresting} from './prune.js'
import type {ValueType} from './stacks.js'

export interface ReportOptions {
  /** Sample type by name or number (go's -sample_index); default_sample_type or the last by default. */
  sampleIndex?: string
  focus?: string
  ignore?: string
  /** Show at most this many nodes (0: all, go's default for -top). */
  nodeCount?: number
  nodeFraction?: number
  edgeFraction?: number
}

export type InlineLabel = '' | '(inline)' | '(partial-inline)'

/** The per-function graph, before trimming: what top, tree and peek read. */
export interface FunctionGraph {
  profile: Profile
  sampleIndex: number
  sampleType: ValueType
  names: string[]
  flat: Float64Array
  cum: Float64Array
  /** go's report total (|values|, base samples only in a diff). */
  total: number
  /** Samples kept by --focus/--ignore. */
  keep: Uint8Array
  /** Node of each location line ("slot"): slots of location l are slotStart[l] .. slotStart[l+1]. */
  slotStart: Uint32Array
  slotNode: Int32Array
  filters: string[]
}

export interface TopRow {
  name: string
  flat: number
  cum: number
  inline: InlineLabel
}

export interface TopReport {
  sampleType: ValueType
  total: number
  rows: TopRow[]
  /** Sum of the shown rows' flat values. */
  shownFlat: number
  droppedNodes: number
  /** The cum cutoff of the dropped nodes, as go words it (total × node fraction). */
  droppedCutoff: number
  /** Nodes left after dropping, before --nodecount. */
  origCount: number
  filters: string[]
  /** go's chosen output unit for the values ("ms", "MB", …; '' for counts). */
  outputUnit: string
  sampleUnit: string
  /** What go's header says about the profile: first mapping's file and build id, comments, time. */
  meta: {file: string; buildId: string; comments: string[]; timeNanos: number; durationNanos: number}
}

export function sampleIndexOf(p: Profile, index: string | undefined): number {
  const types = p.sampleTypes
  if (types.length === 0) throw new MonitorError('the profile has no sample types', {exitCode: ExitCode.dataError})
  if (index === undefined || index === '') {
    const d = p.defaultSampleType ? types.findIndex((t) => t.type === p.defaultSampleType) : -1
    return d >= 0 ? d : types.length - 1
  }
  if (/^-?\d+$/.test(index)) {
    const i = Number(index)
    if (i < 0 || i >= types.length) throw new MonitorError(`--sample-index ${index} is outside the range [0..${types.length - 1}]`, {exitCode: ExitCode.usage})
    return i
  }
  const noInuse = index.replace(/^inuse_/, '')
  const i = types.findIndex((t) => t.type === index || t.type === noInuse)
  if (i < 0) throw new MonitorError(`--sample-index "${index}" must be one of: ${types.map((t) => t.type).join(', ')}`, {exitCode: ExitCode.usage})
  return i
}

function regex(flag: string, source: string | undefined): RegExp | undefined {
  if (!source) return undefined
  try {
    return new RegExp(source)
  } catch (error) {
    throw new MonitorError(`--${flag}: ${(error as Error).message}`, {exitCode: ExitCode.usage})
  }
}

/** go's node name at functions granularity (NodeInfo.PrintableName with address and file dropped). */
function slotName(p: Profile, loc: number, fn: number): string {
  const name = fn >= 0 ? p.strings.get(p.functionName[fn]) : ''
  if (name) return name
  const m = p.locationMapping[loc]
  const file = m >= 0 ? p.mappings[m].file : ''
  return file ? `[${file.slice(file.lastIndexOf('/') + 1)}]` : '<unknown>'
}

/** Nodes of every location line, and which samples pass --focus/--ignore (go's FilterSamplesByName). */
export function buildGraph(profile: Profile, options: ReportOptions = {}): FunctionGraph {
  const p = removeUninteresting(profile)
  const sampleIndex = sampleIndexOf(p, options.sampleIndex)
  const focus = regex('focus', options.focus)
  const ignore = regex('ignore', options.ignore)

  const names: string[] = []
  const nodeOf = new Map<string, number>()
  const slotStart = locationSlots(p)
  const slotNode = new Int32Array(slotStart[p.locationCount])
  // Per function, its node (names repeat rarely; the Map lookup is per function, not per line).
  const fnNode = new Int32Array(p.functionCount).fill(-1)
  for (let l = 0; l < p.locationCount; l++) {
    const a = p.lineStart[l]
    const b = p.lineStart[l + 1]
    for (let s = slotStart[l], j = a; s < slotStart[l + 1]; s++, j++) {
      const fn = j < b ? p.lineFunction[j] : -1
      let node = fn >= 0 ? fnNode[fn] : -1
      if (node < 0) {
        const name = slotName(p, l, fn)
        node = nodeOf.get(name) ?? -1
        if (node < 0) {
          node = names.length
          names.push(name)
          nodeOf.set(name, node)
        }
        if (fn >= 0 && p.strings.get(p.functionName[fn])) fnNode[fn] = node
      }
      slotNode[s] = node
    }
  }

  const keep = new Uint8Array(p.sampleCount).fill(1)
  const filters: string[] = []
  if (options.focus) filters.push(`focus=${options.focus}`)
  if (options.ignore) filters.push(`ignore=${options.ignore}`)
  if (focus || ignore) {
    // Per location: 1 focused, 2 ignored, 0 neither.
    const state = new Uint8Array(p.locationCount)
    const matches = (re: RegExp, l: number): boolean => {
      for (let j = p.lineStart[l]; j < p.lineStart[l + 1]; j++) {
        const fn = p.lineFunction[j]
        if (fn >= 0 && (re.test(p.strings.get(p.functionName[fn])) || re.test(p.strings.get(p.functionFile[fn])))) return true
      }
      const m = p.locationMapping[l]
      return m >= 0 && re.test(p.mappings[m].file)
    }
    for (let l = 0; l < p.locationCount; l++) {
      if (ignore && matches(ignore, l)) state[l] = 2
      else if (!focus || matches(focus, l)) state[l] = 1
    }
    for (let i = 0; i < p.sampleCount; i++) {
      let f = false
      let ignored = false
      for (let k = p.locStart[i]; k < p.locStart[i + 1]; k++) {
        const st = state[p.locs[k]]
        if (st === 2) {
          ignored = true
          break
        }
        if (st === 1) f = true
      }
      keep[i] = f && !ignored ? 1 : 0
    }
  }

  // go's computeTotal runs before focus filtering: all samples count.
  const nTypes = p.sampleTypes.length
  const base = p.labels ? baseSamples(p) : undefined
  let total = 0
  let diffTotal = 0
  for (let i = 0; i < p.sampleCount; i++) {
    const v = Math.abs(p.values[i * nTypes + sampleIndex])
    total += v
    if (base?.[i]) diffTotal += v
  }
  if (diffTotal > 0) total = diffTotal

  const g: FunctionGraph = {
    profile: p,
    sampleIndex,
    sampleType: p.sampleTypes[sampleIndex],
    names,
    flat: new Float64Array(names.length),
    cum: new Float64Array(names.length),
    total,
    keep,
    slotStart,
    slotNode,
    filters,
  }
  accumulateAll(g)
  return g
}

/** flat and cum over every node: the hot loop, kept apart from the edge-tracking pass so it stays monomorphic. */
function accumulateAll(g: FunctionGraph): void {
  const p = g.profile
  const flat = g.flat
  const cum = g.cum
  const slotStart = g.slotStart
  const slotNode = g.slotNode
  const keep = g.keep
  const nTypes = p.sampleTypes.length
  const values = p.values
  const locStart = p.locStart
  const locs = p.locs
  const si = g.sampleIndex
  const seen = new Int32Array(g.names.length)
  const count = p.sampleCount
  for (let i = 0; i < count; i++) {
    if (keep[i] === 0) continue
    const w = values[i * nTypes + si]
    if (w === 0) continue
    const mark = i + 1
    const first = locStart[i]
    for (let k = locStart[i + 1] - 1; k >= first; k--) {
      const l = locs[k]
      for (let s = slotStart[l + 1] - 1, a = slotStart[l]; s >= a; s--) {
        const n = slotNode[s]
        if (seen[n] !== mark) {
          seen[n] = mark
          cum[n] += w
        }
      }
    }
    if (locStart[i + 1] > first) flat[slotNode[slotStart[locs[first]]]] += w
  }
}

/** Samples labelled pprof::base=true (the negated base of a diff). */
function baseSamples(p: Profile): Uint8Array {
  const out = new Uint8Array(p.sampleCount)
  p.labels?.forEach((ls, i) => {
    if (ls.some((l) => l.key === 'pprof::base' && l.str === 'true')) out[i] = 1
  })
  return out
}

/**
 * Call edges into the target nodes (`into[node]` = target index, or -1), keyed target × caller.
 * Dense typed arrays when that table is small (the usual case), a Map otherwise.
 */
class EdgeTable {
  readonly nodes: number
  readonly dense: boolean
  /** Dense: weights in a typed array, "used" and "used by a direct call" as bitmaps (they stay in
   * cache; only the weight write misses). Sparse: Maps. */
  readonly weight: Float64Array | Map<number, number>
  readonly used: Uint32Array | null
  readonly direct: Uint32Array | Set<number>

  constructor(targets: number, nodes: number) {
    this.nodes = nodes
    this.dense = targets * nodes <= 1 << 22
    const size = this.dense ? targets * nodes : 0
    this.weight = this.dense ? new Float64Array(size) : new Map()
    this.used = this.dense ? new Uint32Array((size >>> 5) + 1) : null
    this.direct = this.dense ? new Uint32Array((size >>> 5) + 1) : new Set()
  }

  add(key: number, w: number, direct: boolean): void {
    if (this.dense) {
      ;(this.weight as Float64Array)[key] += w
      ;(this.used as Uint32Array)[key >>> 5] |= 1 << (key & 31)
      if (direct) (this.direct as Uint32Array)[key >>> 5] |= 1 << (key & 31)
    } else {
      const weight = this.weight as Map<number, number>
      weight.set(key, (weight.get(key) ?? 0) + w)
      if (direct) (this.direct as Set<number>).add(key)
    }
  }

  /** Calls fn for every edge used: its key, weight and whether a direct call used it. */
  forEach(fn: (key: number, weight: number, direct: boolean) => void): void {
    if (this.weight instanceof Map) {
      const d = this.direct as Set<number>
      for (const [key, weight] of this.weight) fn(key, weight, d.has(key))
      return
    }
    const used = this.used as Uint32Array
    const d = this.direct as Uint32Array
    for (let word = 0; word < used.length; word++) {
      if (used[word] === 0) continue
      for (let bit = 0; bit < 32; bit++) {
        if ((used[word] & (1 << bit)) === 0) continue
        const key = word * 32 + bit
        fn(key, this.weight[key], (d[word] & (1 << bit)) !== 0)
      }
    }
  }
}

/**
 * The call edges into the target nodes over the samples kept, with the nodes outside `kept`
 * skipped as go skips dropped nodes: a callee's edge then comes from its nearest kept caller.
 * Each edge counts once per sample; an edge is inline while every use of it was an inlined call.
 */
function accumulateEdges(g: FunctionGraph, kept: Uint8Array | null, into: Int32Array, callerIndex: Int32Array, t: EdgeTable): void {
  const p = g.profile
  const slotStart = g.slotStart
  const slotNode = g.slotNode
  const keep = g.keep
  const nTypes = p.sampleTypes.length
  const values = p.values
  const locStart = p.locStart
  const locs = p.locs
  const si = g.sampleIndex
  const N = t.nodes
  const count = p.sampleCount
  // Per location: does it hold a target, and its innermost kept node (what a callee below sees
  // as its caller). Locations without a target are then one lookup, not a walk over their lines.
  const hasTarget = new Uint8Array(p.locationCount)
  const innerKept = new Int32Array(p.locationCount).fill(-1)
  for (let l = 0; l < p.locationCount; l++) {
    for (let s = slotStart[l + 1] - 1; s >= slotStart[l]; s--) {
      const n = slotNode[s]
      if (kept !== null && kept[n] === 0) continue
      innerKept[l] = n
      if (into[n] >= 0) hasTarget[l] = 1
    }
  }
  // Edges this sample already counted (go counts an edge once per sample): a short list, scanned;
  // a Set for the rare sample that touches more.
  const touched = new Float64Array(256)
  let overflow: Set<number> | null = null
  for (let i = 0; i < count; i++) {
    if (keep[i] === 0) continue
    const w = values[i * nTypes + si]
    if (w === 0) continue
    let nTouched = 0
    overflow = null
    let parent = -1
    const first = locStart[i]
    for (let k = locStart[i + 1] - 1; k >= first; k--) {
      const l = locs[k]
      if (hasTarget[l] === 0) {
        const inner = innerKept[l]
        if (inner >= 0) parent = inner
        continue
      }
      const a = slotStart[l]
      const last = slotStart[l + 1] - 1
      for (let s = last; s >= a; s--) {
        const n = slotNode[s]
        if (kept !== null && kept[n] === 0) continue
        const c = into[n]
        if (c >= 0 && parent >= 0 && n !== parent) {
          const key = c * N + callerIndex[parent]
          let dup = false
          for (let x = 0; x < nTouched; x++) {
            if (touched[x] === key) {
              dup = true
              break
            }
          }
          if (!dup && overflow !== null) dup = overflow.has(key)
          if (!dup) {
            if (nTouched < touched.length) touched[nTouched++] = key
            else (overflow ??= new Set()).add(key)
            t.add(key, w, s === last)
          }
          // (A repeat within the sample changes nothing, not even "direct": go updates an edge once per sample.)
        }
        parent = n
      }
    }
  }
}

/** Nodes that some location holds as an inlined (not outermost) line. */
function inlinedNodes(g: FunctionGraph): Uint8Array {
  const out = new Uint8Array(g.names.length)
  for (let l = 0; l + 1 < g.slotStart.length; l++) for (let s = g.slotStart[l]; s < g.slotStart[l + 1] - 1; s++) out[g.slotNode[s]] = 1
  return out
}

/** go's FlatNameOrder (or CumNameOrder with `byCum`). */
export function sortNodes(g: FunctionGraph, nodes: number[], byCum = false): number[] {
  const {flat, cum, names} = g
  return nodes.sort((a, b) => {
    const [x1, y1] = byCum ? [Math.abs(cum[a]), Math.abs(cum[b])] : [Math.abs(flat[a]), Math.abs(flat[b])]
    if (x1 !== y1) return y1 - x1
    if (names[a] !== names[b]) return names[a] < names[b] ? -1 : 1
    const [x2, y2] = byCum ? [Math.abs(flat[a]), Math.abs(flat[b])] : [Math.abs(cum[a]), Math.abs(cum[b])]
    return y2 - x2
  })
}

/** The trimmed graph as go's newTrimmedGraph leaves it: kept nodes in display order. */
export function trimGraph(g: FunctionGraph, options: ReportOptions = {}, byCum = false): {nodes: number[]; droppedNodes: number; origCount: number; nodeCutoff: number; edgeCutoff: number} {
  const nodeFraction = options.nodeFraction ?? 0.005
  const edgeFraction = options.edgeFraction ?? 0.001
  let totalValue = 0
  let nodes: number[] = []
  for (let n = 0; n < g.names.length; n++) {
    totalValue += g.flat[n]
    if (g.flat[n] !== 0 || g.cum[n] !== 0) nodes.push(n)
  }
  const nodeCutoff = Math.abs(Math.trunc(totalValue * nodeFraction))
  const edgeCutoff = Math.abs(Math.trunc(totalValue * edgeFraction))
  let droppedNodes = 0
  if (nodeCutoff > 0) {
    const kept = nodes.filter((n) => Math.abs(g.cum[n]) >= nodeCutoff)
    droppedNodes = nodes.length - kept.length
    nodes = kept
  }
  const origCount = nodes.length
  sortNodes(g, nodes, byCum)
  const nodeCount = options.nodeCount ?? 0
  if (nodeCount > 0 && nodeCount < nodes.length) nodes = nodes.slice(0, nodeCount)
  return {nodes, droppedNodes, origCount, nodeCutoff, edgeCutoff}
}

/** The inline label of each node in `nodes` over the graph restricted to them. */
function inlineLabels(g: FunctionGraph, nodes: number[], all: boolean, edgeCutoff: number): Map<number, InlineLabel> {
  const labels = new Map<number, InlineLabel>()
  const inlined = inlinedNodes(g)
  const into = new Int32Array(g.names.length).fill(-1)
  const targets: number[] = []
  for (const n of nodes) if (inlined[n]) into[n] = targets.push(n) - 1
  if (targets.length === 0) return labels
  let kept: Uint8Array | null = null
  if (!all) {
    kept = new Uint8Array(g.names.length)
    for (const n of nodes) kept[n] = 1
  }
  // Callers numbered densely over the nodes shown: a small edge table stays in cache.
  const callerIndex = new Int32Array(g.names.length).fill(-1)
  let callers = 0
  if (kept) nodes.forEach((n) => (callerIndex[n] = callers++))
  else for (let n = 0; n < g.names.length; n++) callerIndex[n] = callers++
  const table = new EdgeTable(targets.length, callers)
  accumulateEdges(g, kept, into, callerIndex, table)
  const N = callers
  const inline = new Uint8Array(targets.length)
  const direct = new Uint8Array(targets.length)
  table.forEach((key, weight, isDirect) => {
    if (Math.abs(weight) < edgeCutoff) return
    const c = Math.floor(key / N)
    if (isDirect) direct[c] = 1
    else inline[c] = 1
  })
  targets.forEach((n, c) => {
    if (inline[c]) labels.set(n, direct[c] ? '(partial-inline)' : '(inline)')
  })
  return labels
}

/** go's selectOutputUnit: the unit of the smallest shown value, or one 100× larger. */
export function outputUnit(values: number[], total: number, sampleUnit: string): string {
  let minValue = 0
  for (const v of values) if (v > 0 && (minValue === 0 || v < minValue)) minValue = v
  const maxValue = total
  if (minValue === 0) minValue = maxValue
  const [, minUnit] = scale(minValue, sampleUnit, 'minimum')
  const [, maxUnit] = scale(maxValue, sampleUnit, 'minimum')
  let unit = minUnit
  if (minUnit !== maxUnit && minValue * 100 < maxValue) unit = scale(100 * minValue, sampleUnit, 'minimum')[1]
  return unit || sampleUnit
}

export function topReport(p: Profile, options: ReportOptions = {}): TopReport {
  const g = buildGraph(p, options)
  return topOfGraph(g, options)
}

export function topOfGraph(g: FunctionGraph, options: ReportOptions = {}): TopReport {
  const t = trimGraph(g, options)
  const all = t.droppedNodes === 0 && t.nodes.length === t.origCount
  const labels = inlineLabels(g, t.nodes, all, t.edgeCutoff)
  const rows: TopRow[] = t.nodes.map((n) => ({name: g.names[n], flat: g.flat[n], cum: g.cum[n], inline: labels.get(n) ?? ''}))
  let shownFlat = 0
  for (const r of rows) shownFlat += r.flat
  const sampleUnit = g.sampleType.unit.toLowerCase()
  const mins = rows.map((r) => Math.abs(r.flat) || Math.abs(r.cum))
  return {
    sampleType: g.sampleType,
    total: g.total,
    rows,
    shownFlat,
    droppedNodes: t.droppedNodes,
    droppedCutoff: Math.abs(Math.trunc(g.total * (options.nodeFraction ?? 0.005))),
    origCount: t.origCount,
    filters: g.filters,
    outputUnit: rows.length ? outputUnit(mins, g.total, sampleUnit) : sampleUnit,
    sampleUnit,
    meta: {
      file: g.profile.mappings[0]?.file ?? '',
      buildId: g.profile.mappings[0]?.buildId ?? '',
      comments: g.profile.comments,
      timeNanos: g.profile.timeNanos,
      durationNanos: g.profile.durationNanos,
    },
  }
}

export interface TreeEdge {
  name: string
  weight: number
  inline: boolean
}

export interface TreeEntry {
  name: string
  flat: number
  cum: number
  callers: TreeEdge[]
  callees: TreeEdge[]
}

export interface TreeReport extends TopReport {
  entries: TreeEntry[]
}

/**
 * go's -tree (and -peek REGEX: only the functions matching, and nothing trimmed): each function
 * with its callers above and callees below, edge weights counted once per sample.
 */
export function treeReport(p: Profile, options: ReportOptions & {peek?: string} = {}): TreeReport {
  const peek = options.peek !== undefined ? regex('peek', options.peek) : undefined
  const opts: ReportOptions = peek ? {...options, nodeCount: 0, nodeFraction: 0, edgeFraction: 0} : {...options, nodeCount: options.nodeCount ?? 80}
  const g = buildGraph(p, opts)
  const top = topOfGraph(g, opts)
  const t = trimGraph(g, opts)
  const all = t.droppedNodes === 0 && t.nodes.length === t.origCount
  let kept: Uint8Array | null = null
  if (!all) {
    kept = new Uint8Array(g.names.length)
    for (const n of t.nodes) kept[n] = 1
  }
  const N = g.names.length
  const edges = allEdges(g, kept)
  const callers = new Map<number, {src: number; e: {weight: number; inline: boolean}}[]>()
  const callees = new Map<number, {dst: number; e: {weight: number; inline: boolean}}[]>()
  for (const [key, e] of edges) {
    if (Math.abs(e.weight) < t.edgeCutoff) continue
    const src = Math.floor(key / N)
    const dst = key - src * N
    if (!callers.has(dst)) callers.set(dst, [])
    callers.get(dst)!.push({src, e})
    if (!callees.has(src)) callees.set(src, [])
    callees.get(src)!.push({dst, e})
  }
  const order = (a: {e: {weight: number}; name: string; other: string}, b: typeof a) => {
    if (a.e.weight !== b.e.weight) return Math.abs(b.e.weight) - Math.abs(a.e.weight)
    if (a.name !== b.name) return a.name < b.name ? -1 : 1
    return a.other < b.other ? -1 : a.other > b.other ? 1 : 0
  }
  const entries: TreeEntry[] = []
  for (const n of t.nodes) {
    if (peek && !peek.test(g.names[n])) continue
    const ins = (callers.get(n) ?? []).map(({src, e}) => ({e, name: g.names[src], other: g.names[n]})).sort(order)
    const outs = (callees.get(n) ?? []).map(({dst, e}) => ({e, name: g.names[n], other: g.names[dst]})).sort(order)
    entries.push({
      name: g.names[n],
      flat: g.flat[n],
      cum: g.cum[n],
      callers: ins.map((x) => ({name: x.name, weight: x.e.weight, inline: x.e.inline})),
      callees: outs.map((x) => ({name: x.other, weight: x.e.weight, inline: x.e.inline})),
    })
  }
  if (peek && entries.length === 0) throw new MonitorError(`no function matches ${options.peek}`, {exitCode: ExitCode.dataError})
  return {...top, entries}
}

/** Every call edge between kept nodes (src × N + dst), once per sample, inline while all uses were. */
function allEdges(g: FunctionGraph, kept: Uint8Array | null): Map<number, {weight: number; inline: boolean; seen: number}> {
  const p = g.profile
  const {slotStart, slotNode, keep} = g
  const nTypes = p.sampleTypes.length
  const N = g.names.length
  const edges = new Map<number, {weight: number; inline: boolean; seen: number}>()
  for (let i = 0; i < p.sampleCount; i++) {
    if (keep[i] === 0) continue
    const w = p.values[i * nTypes + g.sampleIndex]
    if (w === 0) continue
    const mark = i + 1
    let parent = -1
    for (let k = p.locStart[i + 1] - 1; k >= p.locStart[i]; k--) {
      const l = p.locs[k]
      const last = slotStart[l + 1] - 1
      for (let s = last; s >= slotStart[l]; s--) {
        const n = slotNode[s]
        if (kept !== null && kept[n] === 0) continue
        if (parent >= 0 && n !== parent) {
          const key = parent * N + n
          let e = edges.get(key)
          if (e === undefined) edges.set(key, (e = {weight: 0, inline: true, seen: 0}))
          if (e.seen !== mark) {
            e.seen = mark
            e.weight += w
            if (s === last) e.inline = false
          }
        }
        parent = n
      }
    }
  }
  return edges
}
