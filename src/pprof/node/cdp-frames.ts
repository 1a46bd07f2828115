/** The frame table both DevTools converters fill: one Frame per distinct function (name, script,
 * position), however many call paths reach it. */
import {fileURLToPath} from 'node:url'

import type {Frame} from '../stacks.js'

/** Runtime.CallFrame as the Profiler and HeapProfiler report it (0-based line and column). */
export interface CdpCallFrame {
  functionName: string
  scriptId: string | number
  url: string
  lineNumber: number
  columnNumber: number
}

export class FrameTable {
  readonly frames: Frame[] = []
  private readonly index = new Map<string, number>()

  /** The frame of a call frame; pseudo-frames (program), (idle), (garbage collector) keep their
   * names, as Chrome DevTools and speedscope show them. */
  of(cf: CdpCallFrame): number {
    const key = `${cf.functionName}\0${cf.url}\0${cf.lineNumber}\0${cf.columnNumber}`
    let i = this.index.get(key)
    if (i === undefined) {
      const file = filePath(cf.url)
      i = this.frames.length
      this.frames.push({
        // V8 reports '' for anonymous functions; DevTools shows '(anonymous)', and so does pprof output.
        name: cf.functionName || (file ? '(anonymous)' : '(unknown)'),
        file,
        line: cf.lineNumber >= 0 ? cf.lineNumber + 1 : 0,
      })
      this.index.set(key, i)
    }
    return i
  }
}

/** file:///srv/app.mjs → /srv/app.mjs (what Go users see in pprof); node:fs and others stay. */
function filePath(url: string): string {
  if (!url.startsWith('file://')) return url
  try {
    return fileURLToPath(url)
  } catch {
    return url
  }
}
