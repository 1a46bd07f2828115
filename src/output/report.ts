/** `monitor trace report` as text and as one JSON document: the recording's header, its counts and
 * losses, then each section (key/value tables, histograms) the way every tracer's report reads. */
import type {Histogram} from '../engine/index.js'
import type {TraceReport} from '../trace/file/report.js'
import type {HistogramSection, ReportSection, ReportUnit, ReportValue, TableSection} from '../trace/sections.js'
import {cell} from './columns.js'
import {formatBytes, formatDuration, formatLosses} from './format.js'

export interface ReportTextOptions {
  utc: boolean
}

const PERCENTILES = [50, 90, 99] as const
/** Widest histogram bar in text. */
const BAR = 40

function formatValue(v: ReportValue, unit: ReportUnit | undefined): string {
  if (v === null) return '-'
  if (typeof v === 'string' || unit === undefined || unit === 'count') return String(v)
  return unit === 'ns' ? formatDuration(v) : formatBytes(v)
}

/** `--comm true --all-exits`: a tracer's recorded options as the flags that would give them. */
export function formatOptions(options: unknown): string {
  const parts: string[] = []
  for (const [k, v] of Object.entries((options ?? {}) as Record<string, unknown>)) {
    if (v === undefined || v === false || v === null) continue
    const flag = `--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`
    parts.push(v === true ? flag : `${flag} ${JSON.stringify(v)}`)
  }
  return parts.join(' ') || '(none)'
}

/** 2026-12-03 08:12:01.123 in local time (or UTC, marked Z). */
export function formatDateTime(iso: string, utc: boolean): string {
  const d = new Date(iso)
  if (Number.isNaN(d.getTime())) return iso
  const pad = (n: number, w = 2) => String(n).padStart(w, '0')
  return utc
    ? `${iso.slice(0, 10)} ${iso.slice(11, 23)}Z`
    : `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`
}

function formatTable(s: TableSection): string[] {
  const text = s.rows.map((r) => s.columns.map((c) => formatValue(r[c.key] ?? null, c.unit)))
  const widths = s.columns.map((c, i) => Math.max(c.header.length, ...text.map((t) => t[i].length)))
  const line = (cells: string[]) =>
    cells
      .map((v, i) => (i === cells.length - 1 && !s.columns[i].unit ? v : cell(v, widths[i], s.columns[i].unit ? 'right' : 'left')))
      .join('  ')
      .trimEnd()
  if (!text.length) return [s.title, '  (none)']
  return [s.title, '  ' + line(s.columns.map((c) => c.header)), ...text.map((t) => '  ' + line(t))]
}

/** Buckets merged to powers of two for reading (the JSON keeps every bucket). */
function powerOfTwoRows(h: Histogram): {lower: number; upper: number; count: number}[] {
  const rows: {lower: number; upper: number; count: number}[] = []
  for (const b of h.buckets()) {
    const lower = b.lower < 1 ? 0 : 2 ** Math.floor(Math.log2(b.lower))
    const last = rows.at(-1)
    if (last && last.lower === lower) last.count += b.count
    else rows.push({lower, upper: lower === 0 ? 1 : lower * 2, count: b.count})
  }
  return rows
}

function formatHistogram(s: HistogramSection): string[] {
  const h = s.histogram
  if (!h.count) return [s.title, '  (none)']
  const v = (n: number) => formatValue(n, s.unit)
  const out = [s.title, `  count ${h.count}, mean ${v(Math.round(h.mean))}, ${PERCENTILES.map((p) => `p${p} ${v(Math.round(h.percentile(p)))}`).join(', ')}`]
  const rows = powerOfTwoRows(h)
  const most = Math.max(...rows.map((r) => r.count))
  const ranges = rows.map((r) => `[${v(r.lower)}, ${v(r.upper)})`)
  const width = Math.max(...ranges.map((r) => r.length))
  const countWidth = String(most).length
  rows.forEach((r, i) => out.push(`  ${ranges[i].padEnd(width)} ${String(r.count).padStart(countWidth)} |${'@'.repeat(Math.max(1, Math.round((r.count / most) * BAR)))}`))
  return out
}

export function formatSection(s: ReportSection): string {
  return (s.kind === 'table' ? formatTable(s) : formatHistogram(s)).join('\n')
}

export function formatReport(r: TraceReport, o: ReportTextOptions): string {
  const h = r.header
  const s = r.summary
  const lines = [
    `${h.command} recorded on ${h.host} (kernel ${h.kernel}, monitor ${h.monitor_version})`,
    `  started   ${formatDateTime(h.start_ts, o.utc)}, traced ${s.duration_s}s`,
    `  options   ${formatOptions(h.options)}`,
    `  holds     ${s.batches} batches, ${s.records} records${s.cut ? ` — cut at byte ${s.cut.offset}: ${s.cut.reason}` : ''}`,
    '',
    `${r.countsText}, ${formatLosses(s.lost)}${s.cut ? ' (as last recorded before the cut)' : ''}`,
  ]
  for (const section of r.sections) lines.push('', formatSection(section))
  return lines.join('\n') + '\n'
}

function histogramJson(h: Histogram, unit: ReportUnit) {
  const pct = (p: number) => (h.count ? h.percentile(p) : null)
  return {
    unit,
    count: h.count,
    sum: h.sum,
    mean: h.count ? h.mean : null,
    p50: pct(50),
    p90: pct(90),
    p99: pct(99),
    buckets: h.buckets(),
  }
}

/** The report as one JSON document; sections keyed by name (`.sections.top_by_runs.rows`). */
export function reportJson(r: TraceReport): string {
  const s = r.summary
  const sections: Record<string, unknown> = {}
  for (const x of r.sections) {
    sections[x.name] = x.kind === 'table' ? {type: 'table', title: x.title, columns: x.columns, rows: x.rows} : {type: 'histogram', title: x.title, ...histogramJson(x.histogram, x.unit)}
  }
  const {command, options, programs, host, kernel, monitor_version, start_ts} = r.header
  return (
    JSON.stringify(
      {
        type: 'report',
        file: r.file,
        command,
        host,
        kernel,
        monitor_version,
        start_ts,
        options,
        programs,
        duration_s: s.duration_s,
        batches: s.batches,
        records: s.records,
        cut: s.cut ?? null,
        counts: s.counts,
        lost: s.lost,
        lost_total: s.lost_total,
        sections,
      },
      null,
      2,
    ) + '\n'
  )
}
