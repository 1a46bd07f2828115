/** The `top` table as `go tool pprof -top` prints it, and its JSON rows. */
import type {TopReport} from '../pprof/report.js'
import {percentage, scale, scaledLabel} from './pprof-units.js'

export function formatValue(report: TopReport, v: number): string {
  return scaledLabel(v, report.sampleUnit, report.outputUnit)
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec']

/** Go's "Jan 2, 2006 at 3:04pm (MST)" in the local time zone. */
export function goTime(nanos: number): string {
  const d = new Date(nanos / 1e6)
  const h = d.getHours() % 12 || 12
  const zone = new Intl.DateTimeFormat('en-US', {timeZoneName: 'short'}).formatToParts(d).find((p) => p.type === 'timeZoneName')?.value ?? ''
  return `${MONTHS[d.getMonth()]} ${d.getDate()}, ${d.getFullYear()} at ${h}:${String(d.getMinutes()).padStart(2, '0')}${d.getHours() < 12 ? 'am' : 'pm'} (${zone})`
}

/** go's ProfileLabels: File, Build ID, comments, Type, Time, Duration. */
export function profileLabels(report: TopReport): string[] {
  const {meta} = report
  const lines: string[] = []
  if (meta.file) lines.push(`File: ${meta.file.slice(meta.file.lastIndexOf('/') + 1)}`)
  if (meta.buildId) lines.push(`Build ID: ${meta.buildId}`)
  for (const c of meta.comments) if (!c.startsWith('#')) lines.push(c)
  lines.push(`Type: ${report.sampleType.type}`)
  if (meta.timeNanos) lines.push(`Time: ${goTime(meta.timeNanos)}`)
  if (meta.durationNanos) {
    const [totalNanos, unit] = scale(report.total, report.sampleUnit, 'nanoseconds')
    const ratio = unit === 'ns' && Math.trunc(totalNanos) !== 0 ? `(${percentage(Math.trunc(totalNanos), meta.durationNanos)})` : ''
    lines.push(`Duration: ${scaledLabel(meta.durationNanos, 'nanoseconds', 'auto')}, Total samples = ${formatValue(report, report.total)} ${ratio}`)
  }
  return lines
}

/** go's report labels: the profile's, active filters, "Showing nodes accounting for …", dropped nodes. */
export function topHeader(report: TopReport, extra: string[] = []): string[] {
  const lines = [...extra, ...profileLabels(report)]
  if (report.filters.length) lines.push('Active filters:', ...report.filters.map((f) => `   ${f.length > 80 ? f.slice(0, 80) + '…' : f}`))
  lines.push(`Showing nodes accounting for ${formatValue(report, report.shownFlat)}, ${percentage(report.shownFlat, report.total).trim()} of ${formatValue(report, report.total)} total`)
  if (report.total !== 0) {
    if (report.droppedNodes > 0)
      lines.push(`Dropped ${report.droppedNodes} node${report.droppedNodes > 1 ? 's' : ''} (cum <= ${formatValue(report, report.droppedCutoff)})`)
    if (report.rows.length > 0 && report.rows.length < report.origCount) lines.push(`Showing top ${report.rows.length} nodes out of ${report.origCount}`)
  }
  return lines
}

export function formatTopTable(report: TopReport, extraHeader: string[] = []): string {
  const out = topHeader(report, extraHeader)
  out.push(`${'flat'.padStart(10)} ${'flat'.padStart(5)}% ${'sum'.padStart(5)}% ${'cum'.padStart(10)} ${'cum'.padStart(5)}%`)
  let sum = 0
  for (const r of report.rows) {
    sum += r.flat
    const inl = r.inline ? ' ' + r.inline : ''
    out.push(
      `${formatValue(report, r.flat).padStart(10)} ${percentage(r.flat, report.total)} ${percentage(sum, report.total)} ${formatValue(report, r.cum).padStart(10)} ${percentage(r.cum, report.total)}  ${r.name}${inl}`,
    )
  }
  return out.join('\n') + '\n'
}

const pct = (v: number, total: number) => (total === 0 ? 0 : Math.round((v / total) * 1e6) / 1e4)

/** JSON rows in the sample unit: name, flat, flat_pct, sum_pct, cum, cum_pct (+ inline when inlined). */
export function topJson(report: TopReport): object {
  let sum = 0
  return {
    type: report.sampleType.type,
    unit: report.sampleType.unit,
    total: report.total,
    shown_flat: report.shownFlat,
    dropped_nodes: report.droppedNodes,
    filters: report.filters,
    rows: report.rows.map((r) => {
      sum += r.flat
      return {
        name: r.name,
        flat: r.flat,
        flat_pct: pct(r.flat, report.total),
        sum_pct: pct(sum, report.total),
        cum: r.cum,
        cum_pct: pct(r.cum, report.total),
        ...(r.inline ? {inline: r.inline.slice(1, -1)} : {}),
      }
    }),
  }
}
