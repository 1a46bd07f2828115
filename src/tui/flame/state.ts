/** The flame view's state and its keys, as a pure reducer over the tree on screen. */
import {type FlameTree, frameName, frameWhere, matchTotal} from '../../output/flame-model.js'

export interface FlameViewState {
  /** Zoom roots entered with Enter, innermost last; the tree's root (0) when empty. */
  zooms: number[]
  selected: number
  /** The applied search (a regex source); '' for none. */
  search: string
  /** Typing a search: the text so far. */
  typing: string | undefined
  sampleIndex: number
  inverted: boolean
  help: boolean
  quit: boolean
  /** A one-line message (a bad regex). */
  message: string
}

export function initialFlameState(sampleIndex: number): FlameViewState {
  return {zooms: [], selected: 0, search: '', typing: undefined, sampleIndex, inverted: false, help: false, quit: false, message: ''}
}

export type FlameKey =
  | {type: 'char'; ch: string}
  | {type: 'up' | 'down' | 'left' | 'right' | 'enter' | 'escape' | 'backspace' | 'tab' | 'ctrlC' | 'home'}

export interface KeyContext {
  tree: FlameTree
  /** The drawn nodes of each depth below the zoom root (from the layout), left to right. */
  rowsByDepth: (depth: number) => readonly number[]
  sampleTypeCount: number
}

export function zoomRoot(s: FlameViewState): number {
  return s.zooms.at(-1) ?? 0
}

/** What a key does; switching sample type or orientation builds another tree, so the caller maps
 * the zoom and selection onto it by path (see reselect). */
export function applyFlameKey(s: FlameViewState, key: FlameKey, ctx: KeyContext): FlameViewState {
  const {tree} = ctx
  if (key.type === 'ctrlC') return {...s, quit: true}
  if (s.typing !== undefined) {
    if (key.type === 'enter') {
      const text = s.typing
      try {
        if (text) new RegExp(text)
        return {...s, typing: undefined, search: text, message: ''}
      } catch {
        return {...s, typing: undefined, message: `not a regular expression: ${text}`}
      }
    }
    if (key.type === 'escape') return {...s, typing: undefined}
    if (key.type === 'backspace') return {...s, typing: s.typing.slice(0, -1)}
    if (key.type === 'char') return {...s, typing: s.typing + key.ch}
    return s
  }
  if (s.help) return key.type === 'char' && key.ch === 'q' ? {...s, quit: true} : {...s, help: false}
  const up = tree.inverted ? 'down' : 'up' // one level deeper: up a flame, down an icicle
  const root = zoomRoot(s)
  const depth = (n: number) => tree.depth[n] - tree.depth[root]
  switch (key.type) {
    case 'enter':
      if (s.selected === root) return s
      return {...s, zooms: [...s.zooms, s.selected]}
    case 'escape':
    case 'backspace':
      if (s.zooms.length === 0) return s.search ? {...s, search: ''} : s
      return {...s, zooms: s.zooms.slice(0, -1), selected: s.zooms.at(-1)!}
    case 'home':
      return {...s, zooms: [], selected: 0}
    case 'tab':
      return nextSampleType(s, ctx)
    case 'up':
    case 'down':
      if (key.type === up) {
        const drawn = ctx.rowsByDepth(depth(s.selected) + 1)
        const child = drawn.find((n) => tree.parent[n] === s.selected)
        return child === undefined ? s : {...s, selected: child}
      }
      return s.selected === root ? s : {...s, selected: tree.parent[s.selected]}
    case 'left':
    case 'right': {
      const row = ctx.rowsByDepth(depth(s.selected))
      const i = row.indexOf(s.selected)
      const j = i + (key.type === 'left' ? -1 : 1)
      return i < 0 || j < 0 || j >= row.length ? s : {...s, selected: row[j]}
    }
    case 'char':
      switch (key.ch) {
        case 'q':
          return {...s, quit: true}
        case '/':
          return {...s, typing: ''}
        case 's':
          return nextSampleType(s, ctx)
        case 'S':
          return {...s, sampleIndex: (s.sampleIndex + ctx.sampleTypeCount - 1) % ctx.sampleTypeCount}
        case 'i':
          return {...s, inverted: !s.inverted}
        case '?':
          return {...s, help: true}
        case 'h':
          return applyFlameKey(s, {type: 'left'}, ctx)
        case 'l':
          return applyFlameKey(s, {type: 'right'}, ctx)
        case 'k':
          return applyFlameKey(s, {type: 'up'}, ctx)
        case 'j':
          return applyFlameKey(s, {type: 'down'}, ctx)
        case 'z':
          return applyFlameKey(s, {type: 'enter'}, ctx)
        default:
          return s
      }
    default:
      return s
  }
}

function nextSampleType(s: FlameViewState, ctx: KeyContext): FlameViewState {
  return {...s, sampleIndex: (s.sampleIndex + 1) % ctx.sampleTypeCount}
}

/** The frame names from the root down to n. */
export function namesTo(tree: FlameTree, n: number): string[] {
  const out: string[] = []
  for (let p = n; p > 0; p = tree.parent[p]) out.push(`${frameName(tree, p)}\0${frameWhere(tree, p)}`)
  return out.reverse()
}

/** The node of `tree` at the path of names, as deep as it exists (0 when nothing matches). */
export function nodeAt(tree: FlameTree, names: readonly string[]): number {
  let n = 0
  for (const name of names) {
    let next = -1
    for (let c = tree.firstChild[n]; c !== -1; c = tree.nextSibling[c]) {
      if (`${frameName(tree, c)}\0${frameWhere(tree, c)}` === name) {
        next = c
        break
      }
    }
    if (next < 0) break
    n = next
  }
  return n
}

/** Maps zooms and selection from one tree onto another (another sample type: same paths; the
 * other orientation: paths differ, so back to the root). */
export function reselect(s: FlameViewState, from: FlameTree, to: FlameTree): FlameViewState {
  if (from === to) return s
  if (from.inverted !== to.inverted) return {...s, zooms: [], selected: 0}
  const zooms = s.zooms.map((z) => nodeAt(to, namesTo(from, z))).filter((z) => z > 0)
  return {...s, zooms, selected: nodeAt(to, namesTo(from, s.selected))}
}

/** The nodes the applied search matches (by frame name or file:line) and their share. */
export function searchMatches(tree: FlameTree, search: string): {nodes: Uint8Array; total: number} | undefined {
  if (!search) return undefined
  // One pass over the whole tree: kept per tree for the keys that follow (moving, zooming).
  const cached = lastSearch.get(tree)
  if (cached?.search === search) return cached.result
  const result = findMatches(tree, search)
  lastSearch.set(tree, {search, result})
  return result
}

const lastSearch = new WeakMap<FlameTree, {search: string; result: {nodes: Uint8Array; total: number} | undefined}>()

function findMatches(tree: FlameTree, search: string): {nodes: Uint8Array; total: number} | undefined {
  let re: RegExp
  try {
    re = new RegExp(search)
  } catch {
    return undefined
  }
  const hit = new Int8Array(tree.frames.length).fill(-1)
  return matchTotal(tree, (n) => {
    const f = tree.frame[n]
    if (hit[f] < 0) hit[f] = re.test(frameName(tree, n)) || re.test(frameWhere(tree, n)) ? 1 : 0
    return hit[f] === 1
  })
}
