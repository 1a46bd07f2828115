/** The `list` view as go prints it: a ROUTINE block per function, flat and cum per source line. */
import type {ListReport} from '../pprof/list.js'
import {percentage, scaledLabel} from './pprof-units.js'

/** `sources` maps a file name to its lines (absent: the file could not be read). */
export function formatList(report: ListReport, sources: Map<string, string[] | undefined>): string {
  const sampleUnit = report.sampleType.unit.toLowerCase()
  // go's list scales each value on its own (no common output unit).
  const fmt = (v: number) => scaledLabel(v, sampleUnit, 'minimum')
  const dot = (v: number) => (v === 0 ? '.' : fmt(v))
  const out = [`Total: ${fmt(report.total)}`]
  for (const f of report.functions) {
    if (!f.file) {
      out.push(`No source information for ${f.name}`)
      continue
    }
    // go sums the per-line values here (a recursive function's cum can pass 100%).
    let flat = 0
    let cum = 0
    for (const l of f.lines) {
      flat += l.flat
      cum += l.cum
    }
    out.push(`ROUTINE ======================== ${f.name} in ${f.file}`)
    out.push(`${fmt(flat).padStart(10)} ${fmt(cum).padStart(10)} (flat, cum) ${percentage(cum, report.total)} of Total`)
    const text = sources.get(f.file)
    if (!text) {
      out.push(` Error: could not read ${f.file}`)
      for (const l of f.lines) out.push(`${dot(l.flat).padStart(10)} ${dot(l.cum).padStart(10)} ${String(l.line).padStart(6)}:`)
      continue
    }
    // go's window: from the function's start line (or 5 before the first sampled line) to 5 after the last.
    const margin = 5
    const lines = f.lines.map((l) => l.line)
    const first = Math.min(...lines)
    let start = f.startLine || first - margin
    let end = Math.max(...lines) + margin
    start = Math.max(1, Math.min(start, first - (f.startLine ? 0 : margin)))
    end = Math.min(end, text.length)
    const byLine = new Map(f.lines.map((l) => [l.line, l]))
    for (let n = start; n <= end; n++) {
      const l = byLine.get(n)
      out.push(`${dot(l?.flat ?? 0).padStart(10)} ${dot(l?.cum ?? 0).padStart(10)} ${String(n).padStart(6)}:${text[n - 1]}`)
    }
  }
  return out.join('\n') + '\n'
}
