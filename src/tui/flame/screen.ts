/** The flame view as lines of text with ANSI colours: a title, the graph (one line of cells per
 * depth: a flame grows up from the root at the bottom, an icicle down from the top), the selected
 * frame's status and a key line. Only the rows on screen are laid out. */
import {diffLevel, type FlameTree, formatFlameValue, frameName, frameWhere, percent} from '../../output/flame-model.js'
import {EMPTY, type FlameLayout, layoutFlame, MERGED} from './layout.js'
import {type FlameViewState, searchMatches, zoomRoot} from './state.js'

const RESET = '\x1b[0m'
// 256-colour backgrounds. Warm hues for frames, as flame graphs are drawn.
const WARM = [208, 209, 214, 215, 172, 173, 178, 179, 202, 203, 166, 167]
const RED = [224, 217, 210, 203, 196] // grew, by how much
const GREEN = [194, 157, 120, 83, 46] // shrank
const SAME = 252
const MATCH = 201
const MERGED_BG = 240

export interface FlameScreenInput {
  title: string
  tree: FlameTree
  state: FlameViewState
  width: number
  height: number
  sampleTypes: readonly {type: string; unit: string}[]
}

export interface FlameScreen {
  lines: string[]
  layout: FlameLayout
  /** Depth below the zoom root → drawn nodes (what the keys step through). */
  rowsByDepth: (depth: number) => readonly number[]
}

const CHROME = 3 // title, status, key line

export function flameScreen(input: FlameScreenInput): FlameScreen {
  const {tree, state, title} = input
  const width = Math.max(20, input.width)
  const height = Math.max(CHROME + 1, input.height)
  const graphRows = height - CHROME
  const root = zoomRoot(state)
  const selDepth = tree.depth[state.selected] - tree.depth[root]
  // Scroll so the selected row is on screen: the root row first while it fits.
  const firstDepth = Math.max(0, selDepth - graphRows + 1)
  const layout = layoutFlame(tree, root, width, firstDepth, graphRows)
  const matches = searchMatches(tree, state.search)
  const lines: string[] = [titleLine(input, root, width)]
  const graph: string[] = []
  for (let r = 0; r < graphRows; r++) graph.push(rowLine(tree, layout.cells[r], state.selected, matches?.nodes))
  if (state.help) graph.splice(0, graph.length, ...helpLines(width, graphRows))
  // A flame has its root at the bottom.
  if (!tree.inverted && !state.help) graph.reverse()
  lines.push(...graph, statusLine(tree, state.selected, root, width), keyLine(state, tree, matches?.total, root, width))
  const rowsByDepth = (d: number) => (d >= firstDepth && d < firstDepth + graphRows ? layout.rows[d - firstDepth] : d === selDepth ? [state.selected] : [])
  return {lines, layout, rowsByDepth}
}

function titleLine(input: FlameScreenInput, root: number, width: number): string {
  const {tree, state} = input
  const t = input.sampleTypes[state.sampleIndex] ?? tree.sampleType
  const parts = [input.title, `${t.type} (${t.unit})`, `total ${formatFlameValue(tree.total[0], t.unit)}`, tree.inverted ? 'inverted (icicle)' : 'flame']
  if (tree.base) parts.push(`diff: base ${formatFlameValue(tree.base[0], t.unit)}`)
  if (root !== 0) parts.push(`zoom: ${frameName(tree, root)}`)
  return `\x1b[1m${fit(parts.join(' · '), width)}${RESET}`
}

function rowLine(tree: FlameTree, cells: Int32Array, selected: number, matches: Uint8Array | undefined): string {
  let out = ''
  let x = 0
  const width = cells.length
  while (x < width) {
    const n = cells[x]
    let e = x + 1
    while (e < width && cells[e] === n) e++
    if (n === EMPTY) out += RESET + ' '.repeat(e - x)
    else if (n === MERGED) out += `\x1b[48;5;${MERGED_BG}m\x1b[38;5;250m${'·'.repeat(e - x)}`
    else out += cell(tree, n, e - x, n === selected, matches?.[n] === 1)
    x = e
  }
  return out + RESET
}

function cell(tree: FlameTree, n: number, w: number, selected: boolean, matched: boolean): string {
  let bg: number
  const level = diffLevel(tree, n)
  if (matched) bg = MATCH
  else if (level === undefined) bg = WARM[hash(frameName(tree, n)) % WARM.length]
  else if (level === 0) bg = SAME
  else bg = level > 0 ? RED[level - 1] : GREEN[-level - 1]
  // A frame of two cells or more ends in a thin edge, so neighbours of one colour stay apart.
  const label = n === 0 ? 'all' : frameName(tree, n)
  const text = w >= 3 ? fit(label, w - 1) + '▏' : fit(label, w)
  return `${selected ? '\x1b[7m' : '\x1b[27m'}\x1b[48;5;${bg}m\x1b[38;5;16m${text}`
}

function statusLine(tree: FlameTree, n: number, root: number, width: number): string {
  const unit = tree.sampleType.unit
  const v = (x: number) => formatFlameValue(x, unit)
  const whole = tree.total[0]
  const where = frameWhere(tree, n)
  // The place goes last: on a narrow terminal the numbers matter more than a long path.
  const parts = [frameName(tree, n), `self ${v(tree.self[n])} (${percent(tree.self[n], whole)})`, `total ${v(tree.total[n])} (${percent(tree.total[n], whole)})`]
  if (root !== 0) parts.push(`${percent(tree.total[n], tree.total[root])} of zoom`)
  if (tree.base) {
    const d = tree.total[n] - tree.base[n]
    parts.push(`base ${v(tree.base[n])}, ${d >= 0 ? '+' : ''}${v(d)}${tree.base[n] !== 0 ? ` (${d >= 0 ? '+' : ''}${percent(d, tree.base[n])})` : ''}`)
  }
  if (where) parts.push(where)
  return fit(parts.join('  '), width)
}

function keyLine(state: FlameViewState, tree: FlameTree, matched: number | undefined, root: number, width: number): string {
  if (state.typing !== undefined) return fit(`/${state.typing}▏  (Enter search, Esc cancel)`, width)
  if (state.message) return `\x1b[31m${fit(state.message, width)}${RESET}`
  if (state.search && matched !== undefined) {
    return fit(`search /${state.search}/ matched ${formatFlameValue(matched, tree.sampleType.unit)} (${percent(matched, tree.total[0])} of all${root !== 0 ? `, ${percent(matched, tree.total[root])} of zoom` : ''})  Esc clears`, width)
  }
  return fit('←→↑↓ select  Enter zoom  Esc back  / search  s type  i invert  ? help  q quit', width)
}

const HELP = [
  'Flame graph keys',
  '',
  '  ← → ↑ ↓ (h l k j)  select a frame: ↑ goes deeper in a flame, ↓ in an icicle',
  '  Enter / z          zoom into the selected frame',
  '  Esc / Backspace    zoom back out (clears the search at the top)',
  '  Home               back to the whole profile',
  '  /                  search by regular expression (frame name or file:line)',
  '  s / Tab, S         next / previous sample type',
  '  i                  invert: callers of where samples landed (icicle)',
  '  ?                  this help (any key closes it)',
  '  q / Ctrl-C         quit',
  '',
  'A cell of · holds frames narrower than one cell; they count in their parents\' totals.',
  'Diff colours: red grew, green shrank, deeper for a larger change; grey unchanged.',
]

function helpLines(width: number, rows: number): string[] {
  const out = HELP.slice(0, rows).map((l) => fit(l, width))
  while (out.length < rows) out.push('')
  return out
}

/** Exactly w columns: cut with … when longer, padded when shorter. (Frame names are ASCII-like;
 * wide characters are rare in symbols.) */
function fit(text: string, w: number): string {
  if (w <= 0) return ''
  const chars = [...text]
  if (chars.length <= w) return text + ' '.repeat(w - chars.length)
  return w === 1 ? chars[0] : chars.slice(0, w - 1).join('') + '…'
}

function hash(s: string): number {
  let h = 2166136261
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619)
  return h >>> 0
}
