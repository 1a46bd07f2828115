/**
 * A flame graph as a static SVG (for a ticket or a wiki that shows images, where HTML cannot be
 * attached): one rectangle per frame wide enough to see, each with a <title> tooltip (name,
 * file:line, total and self with %, and the base and delta in a diff), the terminal view's colours.
 * Frames narrower than half a pixel are not drawn; they stay in their parents' totals. For zoom and
 * search, use the HTML file.
 */
import {diffLevel, type FlameTree, formatFlameValue, frameName, frameWhere, percent} from './flame-model.js'

export interface FlameSvgOptions {
  title: string
  unit?: string
  /** Pixels (default 1200). */
  width?: number
}

const ROW = 16
const TOP = 28
const WARM = ['#e8702a', '#f08a3c', '#f0a040', '#e0b050', '#d86f3b', '#e5894f', '#f2b35a', '#e09a45', '#d9532c', '#e36a3d', '#cc5a25', '#dd7a30']
const RED = ['#ffd7d7', '#ffafaf', '#ff8787', '#ff5f5f', '#ff0000']
const GREEN = ['#d7ffd7', '#afffaf', '#87ff87', '#5fff5f', '#00ff00']
const CHAR_WIDTH = 6.6 // of 11px monospace

export function flameSvg(tree: FlameTree, options: FlameSvgOptions): string {
  const unit = options.unit ?? tree.sampleType.unit
  const width = options.width ?? 1200
  const weight = (n: number) => Math.max(Math.abs(tree.total[n]), tree.base ? Math.abs(tree.base[n]) : 0)
  const whole = tree.total[0]
  const rects: string[] = []
  let deepest = 0
  const place: [number, number, number][] = [[0, 0, width]]
  const v = (x: number) => formatFlameValue(x, unit)
  // Breadth of work is bounded by what is drawn: a frame below half a pixel ends its branch.
  while (place.length > 0) {
    const [n, x, w] = place.pop()!
    const depth = tree.depth[n]
    if (depth > deepest) deepest = depth
    rects.push(rect(tree, n, x, w, depth))
    const total = weight(n)
    let cx = x
    for (let c = tree.firstChild[n]; c !== -1; c = tree.nextSibling[c]) {
      const cw = total > 0 ? (w * weight(c)) / total : 0
      if (cw >= 0.5) place.push([c, cx, cw])
      cx += cw
    }
  }
  const height = TOP + (deepest + 1) * ROW + 8
  // A flame: the root at the bottom; an inverted tree hangs from the top.
  const y = (depth: number) => (tree.inverted ? TOP + depth * ROW : height - 8 - (depth + 1) * ROW)
  const body = rects.map((r) => r.replace(/Y_(\d+)/g, (_, d: string) => String(y(Number(d))))).join('\n')
  const info = `${tree.sampleType.type} (${unit}) · total ${v(whole)}${tree.base ? ` · diff: base ${v(tree.base[0])} (red grew, green shrank)` : ''}${tree.inverted ? ' · inverted' : ''}`
  return `<?xml version="1.0" encoding="UTF-8"?>
<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="ui-monospace,Menlo,Consolas,monospace" font-size="11">
<rect width="100%" height="100%" fill="#ffffff"/>
<text x="4" y="17" font-size="13"><tspan font-weight="bold">${xml(options.title)}</tspan> ${xml(info)}</text>
${body}
</svg>
`

  function rect(t: FlameTree, n: number, x: number, w: number, depth: number): string {
    const name = n === 0 ? 'all' : frameName(t, n)
    const where = frameWhere(t, n)
    let tip = `${name}${where ? `\n${where}` : ''}\ntotal ${v(t.total[n])} (${percent(t.total[n], whole)})\nself ${v(t.self[n])} (${percent(t.self[n], whole)})`
    if (t.base) {
      const d = t.total[n] - t.base[n]
      tip += `\nbase ${v(t.base[n])}, ${d >= 0 ? '+' : ''}${v(d)}`
    }
    const chars = Math.floor((w - 6) / CHAR_WIDTH)
    const label = chars >= 3 ? (name.length <= chars ? name : `${name.slice(0, chars - 1)}…`) : ''
    return `<g><title>${xml(tip)}</title><rect x="${x.toFixed(2)}" y="Y_${depth}" width="${Math.max(0.5, w - 0.5).toFixed(2)}" height="${ROW - 1}" fill="${colour(t, n)}"/>${
      label ? `<text x="${(x + 3).toFixed(2)}" y="Y_${depth}" dy="11">${xml(label)}</text>` : ''
    }</g>`
  }
}

function colour(tree: FlameTree, n: number): string {
  const level = diffLevel(tree, n)
  if (level === undefined) return WARM[hash(frameName(tree, n)) % WARM.length]
  if (level === 0) return '#d0d0d0'
  return level > 0 ? RED[level - 1] : GREEN[-level - 1]
}

function xml(s: string): string {
  // Characters XML 1.0 forbids (control characters in a mangled symbol) become U+FFFD.
  return s.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`).replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, '\ufffd')
}

function hash(s: string): number {
  let h = 2166136261
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619)
  return h >>> 0
}
