/** Two costs Ink pays on every frame, cut for the live tables:
 *
 * - Its caches (styled characters and widths of each line) belong to one frame's Output object, so
 *   every frame measures and tokenizes every line again. A table redraws mostly the same lines (a
 *   few durations tick, a row or two arrives): the caches are kept across frames here, bounded.
 * - Output.get() lays every frame out as a grid of one object per character cell and turns each grid
 *   row back into a string. A table frame is one full-width line per row written at x = 0, nothing
 *   overlapping, nothing clipped: for such a frame the lines are the written texts themselves. Any
 *   other frame goes through Ink's own get().
 *
 * Measured on a 120×40 table (bench/tui/README.md) these take most of a frame's CPU. Ink keeps
 * Output internal, so it is reached by file; if a future Ink moves or reshapes it the patch is
 * skipped (frames only get slower), and test/unit/live-table.test.tsx — which also checks that
 * frames come out identical with and without it — fails to say so. */

/** Lines kept; a table frame has ~50, and a few change per frame. */
const MAX_ENTRIES = 4096

interface Caches {
  getStyledChars(line: string): unknown
  getStringWidth(text: string): number
  getWidestLine(text: string): number
}

interface WriteOp {
  type: 'write' | 'clip' | 'unclip'
  x: number
  y: number
  text: string
  transformers: ((line: string, index: number) => string)[]
}

interface OutputInstance {
  width: number
  height: number
  operations: WriteOp[]
  caches: Caches
  get(): {output: string; height: number}
}

type OutputClass = (new (o: {width: number; height: number}) => OutputInstance) & {prototype: OutputInstance}

let patched: Promise<boolean> | undefined

/** Applies the patch once; resolves true when it is in effect. */
export function speedUpInkOutput(): Promise<boolean> {
  patched ??= loadOutput()
    .then(patch)
    .catch(() => false)
  return patched
}

/** Ink's Output class (also for the test that compares frames with and without the patch). In the
 * bundled views scripts/build.mjs points this import at the bundle's own copy of Ink's output.js:
 * patching the one in node_modules would leave the bundle's Ink unpatched. */
export async function loadOutput(): Promise<OutputClass> {
  const url = new URL('./output.js', import.meta.resolve('ink'))
  return ((await import(/* ink-output */ url.href)) as {default: OutputClass}).default
}

function patch(Output: OutputClass): boolean {
  const proto = Object.getPrototypeOf(new Output({width: 0, height: 0}).caches) as Caches
  const names = ['getStyledChars', 'getStringWidth', 'getWidestLine'] as const
  if (!names.every((n) => typeof proto[n] === 'function') || typeof Output.prototype.get !== 'function') return false
  for (const name of names) {
    const original = proto[name] as (this: Caches, key: string) => unknown
    const shared = new Map<string, unknown>()
    ;(proto as unknown as Record<string, unknown>)[name] = function (this: Caches, key: string) {
      let value = shared.get(key)
      if (value === undefined) {
        value = original.call(this, key)
        if (shared.size >= MAX_ENTRIES) shared.clear()
        shared.set(key, value)
      }
      return value
    }
  }
  const gridGet = Output.prototype.get
  Output.prototype.get = function (this: OutputInstance) {
    return lineGet(this) ?? gridGet.call(this)
  }
  return true
}

/** A frame of whole lines, or undefined when it is anything more (then Ink's grid handles it). */
function lineGet(out: OutputInstance): {output: string; height: number} | undefined {
  const lines = new Array<string | undefined>(out.height)
  for (const op of out.operations) {
    if (op.type !== 'write' || op.x !== 0 || !Number.isInteger(op.y) || op.y < 0) return undefined
    if (op.y >= out.height) continue // Ink drops what falls below the frame too
    if (lines[op.y] !== undefined || op.text.includes('\n')) return undefined
    let line = op.text
    for (const transform of op.transformers) line = transform(line, 0)
    lines[op.y] = line
  }
  return {output: lines.map((l) => (l === undefined ? '' : l.trimEnd())).join('\n'), height: out.height}
}
