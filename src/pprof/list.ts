/**
 * A `list REGEX` view like go's: for each function whose name matches, flat and cum per source
 * line (cum counted once per sample; flat at the innermost frame), with the file's text when it
 * can be read (reading is the caller's: this module only says which lines it needs).
 */
import {ExitCode, MonitorError} from '../errors.js'
import type {Profile} from './profile.js'
import type {ReportOptions} from './report.js'
import {buildGraph} from './report.js'

export interface ListedLine {
  line: number
  flat: number
  cum: number
}

export interface ListedFunction {
  name: string
  file: string
  /** The function's first line when the profile says (Go's start_line), else 0. */
  startLine: number
  flat: number
  cum: number
  lines: ListedLine[]
}

export interface ListReport {
  total: number
  sampleType: {type: string; unit: string}
  functions: ListedFunction[]
}

export function listReport(profile: Profile, pattern: string, options: ReportOptions = {}): ListReport {
  let re: RegExp
  try {
    re = new RegExp(pattern)
  } catch (error) {
    throw new MonitorError(`list: ${(error as Error).message}`, {exitCode: ExitCode.usage})
  }
  const g = buildGraph(profile, options)
  const p = g.profile // with drop_frames applied
  // Functions (by name and file) that match, and a per-line table for each.
  const key = (fn: number) => `${p.strings.get(p.functionName[fn])}\0${p.strings.get(p.functionFile[fn])}`
  const target = new Int32Array(p.functionCount).fill(-1)
  const listed: {name: string; file: string; startLine: number; flat: number; cum: number; lines: Map<number, ListedLine>; seen: number}[] = []
  const byKey = new Map<string, number>()
  for (let f = 0; f < p.functionCount; f++) {
    const name = p.strings.get(p.functionName[f])
    if (!re.test(name)) continue
    const k = key(f)
    let t = byKey.get(k)
    if (t === undefined) {
      t = listed.length
      byKey.set(k, t)
      listed.push({name, file: p.strings.get(p.functionFile[f]), startLine: p.functionStartLine[f], flat: 0, cum: 0, lines: new Map(), seen: 0})
    }
    target[f] = t
  }
  if (listed.length === 0) throw new MonitorError(`no function matches ${pattern}`, {exitCode: ExitCode.dataError})

  const nTypes = p.sampleTypes.length
  const lineSeen = new Map<string, number>()
  for (let i = 0; i < p.sampleCount; i++) {
    if (!g.keep[i]) continue
    const w = p.values[i * nTypes + g.sampleIndex]
    if (w === 0) continue
    const mark = i + 1
    let leaf = true
    for (let k = p.locStart[i]; k < p.locStart[i + 1]; k++) {
      const l = p.locs[k]
      for (let j = p.lineStart[l]; j < p.lineStart[l + 1]; j++, leaf = false) {
        const fn = p.lineFunction[j]
        const t = fn >= 0 ? target[fn] : -1
        if (t < 0) continue
        const f = listed[t]
        const line = p.lineNumber[j]
        let row = f.lines.get(line)
        if (!row) f.lines.set(line, (row = {line, flat: 0, cum: 0}))
        const lk = `${t}:${line}`
        if (lineSeen.get(lk) !== mark) {
          lineSeen.set(lk, mark)
          row.cum += w
        }
        if (f.seen !== mark) {
          f.seen = mark
          f.cum += w
        }
        if (leaf) {
          row.flat += w
          f.flat += w
        }
      }
      if (p.lineStart[l + 1] === p.lineStart[l]) leaf = false
    }
  }
  return {
    total: g.total,
    sampleType: g.sampleType,
    functions: listed
      .filter((f) => f.cum !== 0 || f.flat !== 0)
      .map((f) => ({name: f.name, file: f.file, startLine: f.startLine, flat: f.flat, cum: f.cum, lines: [...f.lines.values()].sort((a, b) => a.line - b.line)}))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.file < b.file ? -1 : 1)),
  }
}
