/** The Markdown report (a pull-request comment): a GitHub-flavoured table per section. */
import type {BenchReport} from '../bench/report.js'
import {ARM_HEADERS, COMPARISON_HEADERS, armRow, comparisonRow, ruleLine, verdictLine} from './bench-format.js'

/** A table cell: pipes escaped, no line breaks, code for commands. */
function cell(text: string): string {
  return text.replaceAll('\\', '\\\\').replaceAll('|', '\\|').replaceAll('\n', ' ')
}

function table(headers: string[], rows: string[][]): string {
  return [headers, headers.map(() => '---'), ...rows].map((r) => `| ${r.map(cell).join(' | ')} |`).join('\n')
}

const ICON = {pass: '✅', regression: '❌', inconclusive: '⚠️'} as const

export function benchMarkdown(report: BenchReport): string {
  const out: string[] = []
  if (report.mode === 'run') {
    out.push('### monitor bench', '', table(ARM_HEADERS, report.arms.map((a) => armRow(report, a))))
  } else {
    out.push(`### monitor bench compare: ${ICON[report.verdict!]} ${verdictLine(report).replace(/^verdict: /, '')}`, '')
    out.push(table(COMPARISON_HEADERS, report.comparisons.map((c) => comparisonRow(report, c))))
    out.push('', '<details><summary>arms</summary>', '', table(ARM_HEADERS, report.comparisons.flatMap((c) => [armRow(report, c.baseline), armRow(report, c.candidate)])), '', '</details>')
    out.push('', `_${ruleLine(report)}_`)
  }
  const e = report.environment
  out.push('', `_${e.cpuModel}, ${e.cores} cores, ${e.kernel}, load ${e.loadavg.join(' ')}${e.governor ? `, governor ${e.governor}` : ''}_`)
  for (const note of report.notes) out.push('', `> ${note}`)
  return `${out.join('\n')}\n`
}
