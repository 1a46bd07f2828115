/** The terminal report of `monitor bench`: aligned columns, the verdict, and the notes. */
import type {BenchReport} from '../bench/report.js'
import {ARM_HEADERS, COMPARISON_HEADERS, alignColumns, armRow, comparisonRow, ruleLine, verdictLine} from './bench-format.js'

export function benchTable(report: BenchReport): string {
  const lines: string[] = []
  if (report.mode === 'run') {
    lines.push(alignColumns([ARM_HEADERS, ...report.arms.map((a) => armRow(report, a))]))
  } else {
    lines.push(alignColumns([COMPARISON_HEADERS, ...report.comparisons.map((c) => comparisonRow(report, c))]))
    lines.push('', alignColumns([ARM_HEADERS, ...report.comparisons.flatMap((c) => [armRow(report, c.baseline), armRow(report, c.candidate)])]))
    lines.push('', verdictLine(report), ruleLine(report))
  }
  for (const note of report.notes) lines.push(`note: ${note}`)
  return `${lines.join('\n')}\n`
}
