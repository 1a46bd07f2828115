/** Shared pieces of the `monitor bench` reports: values in the report's unit, ratios, verdict words,
 * and the rows every format (text table, Markdown, JUnit) shows. */
import type {ArmReport, BenchReport, ComparisonReport} from '../bench/report.js'
import {formatDuration} from './format.js'

export function formatValue(report: Pick<BenchReport, 'unit'>, v: number): string {
  if (report.unit === 'ns') return formatDuration(v)
  // Instruction counts: four significant figures, so a 0.5% difference is visible.
  if (v >= 1e9) return `${(v / 1e9).toFixed(3)}G`
  if (v >= 1e6) return `${(v / 1e6).toFixed(3)}M`
  if (v >= 1e3) return `${(v / 1e3).toFixed(3)}k`
  return String(Math.round(v))
}

export function formatRatio(r: number): string {
  return r.toFixed(3)
}

export function formatP(p: number): string {
  return p < 0.001 ? '<0.001' : p.toFixed(3)
}

export function formatPercent(fraction: number): string {
  return `${(fraction * 100).toFixed(1)}%`
}

export const VERDICT_WORD = {pass: 'pass', regression: 'REGRESSION', inconclusive: 'inconclusive'} as const

/** "±x" the relative spread of an arm. */
export function armCell(report: BenchReport, arm: ArmReport): string {
  const s = arm.summary
  return `${formatValue(report, s.median)} ±${formatPercent(s.cv)} (n=${s.n})`
}

export function armStats(report: BenchReport, arm: ArmReport): string[] {
  const s = arm.summary
  const outliers = s.outliers.low + s.outliers.high
  return [
    formatValue(report, s.min),
    formatValue(report, s.median),
    formatValue(report, s.mean),
    formatValue(report, s.stddev),
    formatPercent(s.cv),
    outliers === 0 ? '0' : `${outliers} (${s.outliers.low} low, ${s.outliers.high} high)`,
  ]
}

export const ARM_HEADERS = ['command', 'n', 'min', 'median', 'mean', 'stddev', 'CV', 'outliers', 'CPU/run']

export function armRow(report: BenchReport, arm: ArmReport): string[] {
  const label = arm.label.startsWith('#') ? arm.command : `${arm.label}: ${arm.command}`
  return [label, String(arm.summary.n), ...armStats(report, arm), arm.cpuMeanNs === undefined ? '-' : formatDuration(arm.cpuMeanNs)]
}

export const COMPARISON_HEADERS = ['benchmark', 'baseline', 'candidate', 'ratio', '95% CI', 'p (Holm)', 'verdict']

export function comparisonRow(report: BenchReport, c: ComparisonReport): string[] {
  return [
    c.name,
    `${c.baseline.ref ?? c.baseline.label}: ${armCell(report, c.baseline)}`,
    `${c.candidate.label}: ${armCell(report, c.candidate)}`,
    formatRatio(c.ratio),
    `[${formatRatio(c.ratioCi[0])}, ${formatRatio(c.ratioCi[1])}]`,
    formatP(c.pAdjusted),
    VERDICT_WORD[c.verdict],
  ]
}

/** The verdict rule in one sentence, with this run's settings. */
export function ruleLine(report: BenchReport): string {
  const s = report.settings
  const test = {welch: 'one-sided Welch t on log counts', rank: 'one-sided Mann-Whitney', paired: 'one-sided Wilcoxon signed-rank over adjacent A/B pairs'}[s.test]
  const looks = s.looks > 1 ? `, ${s.looks} looks at alpha/${s.looks}` : ''
  return `regression: ratio > ${formatRatio(1 + s.threshold)} and B slower at alpha ${s.alpha} (${test}, Holm${looks}); pass: ${Math.round(s.passConfidence * 100)}% upper bound < ${formatRatio(1 + s.threshold)}; else inconclusive`
}

export function verdictLine(report: BenchReport): string {
  if (!report.verdict) return ''
  const counts = {regression: 0, inconclusive: 0, pass: 0}
  for (const c of report.comparisons) counts[c.verdict]++
  const parts = Object.entries(counts)
    .filter(([, n]) => n > 0)
    .map(([v, n]) => `${n} ${v}`)
  return `verdict: ${VERDICT_WORD[report.verdict]} (${parts.join(', ')})`
}

/** Rows of aligned text columns. */
export function alignColumns(rows: string[][]): string {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)))
  return rows.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]))).join('  ')).join('\n')
}
