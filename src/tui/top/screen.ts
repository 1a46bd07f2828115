/** The top view as lines of text, a pure function of the frame, the rows and the view state: the
 * header (CPU bars, memory, tasks, load, pressure, monitor itself), the column header, the window of
 * rows on screen, the short-lived panel and a status line — every line cut to the width, nothing
 * wraps, and one line fewer than the terminal (a frame as tall as the terminal makes Ink clear it). */
import chalk from 'chalk'

import {cell, fittedCells} from '../../output/columns.js'
import {formatBytes, formatDuration} from '../../output/format.js'
import {type CellRow, topColumns} from './columns.js'
import {KEY_HELP, SIGNALS, signalTargets, type TopState} from './keys.js'
import {sortChoices, sortSpec, type ViewRow} from './model.js'
import type {ViewFrame} from './types.js'

export interface SourceInfo {
  live: boolean
  /** Replay: where in the recording the frame is ("12/300"). */
  position?: string
}

export interface Chrome {
  header: string[]
  panel: string[]
  /** Process rows that fit. */
  page: number
}

/** Process rows a terminal keeps, however short. */
const MIN_ROWS = 2
/** Short-lived rows shown at most (the panel says how many more there were). */
const PANEL_ROWS = 6

const fit = (text: string, width: number) => cell(text, width)

export function screenChrome(frame: ViewFrame | null, s: TopState, width: number, height: number, source: SourceInfo): Chrome {
  // A short terminal keeps a few process rows: the header's last lines, then the panel, give way.
  const room = Math.max(0, height - 3 - MIN_ROWS)
  const header = (frame ? headerLines(frame, s, width, source) : [fit(source.live ? 'monitor top: first reading…' : 'monitor top: no frame', width)]).slice(0, room)
  const panel = (frame && s.shortLived && frame.shortLived ? shortLivedLines(frame.shortLived, width) : []).slice(0, room - header.length)
  // Column header and status line, plus the spare line.
  const page = Math.max(1, height - header.length - panel.length - 3)
  return {header, panel, page}
}

/** Every line of one screen. */
export function screenLines(frame: ViewFrame | null, rows: readonly ViewRow[], s: TopState, width: number, chrome: Chrome, source: SourceInfo): string[] {
  const bpf = frame?.bpf.state === 'on'
  const cols = topColumns(width, bpf)
  const out = [...chrome.header]
  if (s.help) out.push(...helpLines(width, chrome.page + 1 + chrome.panel.length))
  else {
    const sortHeader = sortSpec(s.sort).label
    const cells = fittedCells(cols, (c) => c.header)
    const sortAt = cols.findIndex((f) => f.column.header === sortHeader)
    const plainHeader = cells.join(' ')
    // Columns that cannot go make a line wider than a very narrow terminal: cut, uncoloured.
    if (plainHeader.length > width) out.push(chalk.inverse(plainHeader.slice(0, width)))
    else {
      if (sortAt >= 0) cells[sortAt] = chalk.bgCyan.black(cells[sortAt])
      out.push(chalk.inverse(cells.join(' ')))
    }
    const body = s.sortMenu !== null ? sortMenuLines(s, bpf, width) : s.killMenu !== null ? killLines(s, rows, width) : []
    const scale = cpuScale(frame, s)
    const row: CellRow = {p: undefined as never, prefix: '', cpuScale: scale}
    for (let k = 0; k < chrome.page; k++) {
      if (k < body.length) {
        out.push(body[k])
        continue
      }
      const i = s.top + k
      const r = rows[i]
      if (!r) break
      out.push(rowLine(r, i === s.cursor, s, cols, row, width))
    }
    out.push(...chrome.panel)
  }
  out.push(statusLine(frame, s, width, rows.length, source))
  return out
}

function cpuScale(frame: ViewFrame | null, s: TopState): number {
  if (!frame || frame.mode === s.cpuView) return 1
  const cpus = Math.max(1, frame.system.perCpuPercent.length)
  return s.cpuView === 'machine' ? 1 / cpus : cpus
}

function rowLine(r: ViewRow, selected: boolean, s: TopState, cols: ReturnType<typeof topColumns>, row: CellRow, width: number): string {
  let text: string
  if (r.kind === 'group') text = fit(`${r.name}  (${r.count} ${r.count === 1 ? 'process' : 'processes'}, CPU ${(r.cpuPercent * row.cpuScale).toFixed(1)}%, RES ${formatBytes(r.rssBytes)})`, width)
  else {
    row.p = r.p
    row.prefix = s.layout === 'tree' && r.depth ? `${'  '.repeat(r.depth - 1)} \\_ ` : s.layout === 'group' ? '  ' : ''
    text = fittedCells(cols, (c) => c.value(row, {utc: true, nowNs: 0})).join(' ').slice(0, width)
  }
  if (selected) return chalk.inverse(text.padEnd(width))
  if (r.kind === 'group') return chalk.bold.cyan(text)
  if (s.tagged.has(r.p.pid)) return chalk.yellow(text)
  return text
}

function bar(label: string, fraction: number, text: string, width: number, color: (s: string) => string): string {
  const inner = Math.max(0, width - label.length - 2)
  const shown = text.length < inner ? text : ''
  const fill = Math.round(Math.max(0, Math.min(1, fraction)) * inner)
  const bars = '|'.repeat(Math.min(fill, inner - shown.length))
  return `${label}[${color(bars)}${' '.repeat(inner - bars.length - shown.length)}${shown}]`
}

function barRows(items: {label: string; fraction: number; text: string; color: (s: string) => string}[], perLine: number, width: number): string[] {
  const w = Math.floor((width - (perLine - 1)) / perLine)
  const out: string[] = []
  for (let i = 0; i < items.length; i += perLine)
    out.push(items.slice(i, i + perLine).map((b) => bar(b.label, b.fraction, b.text, w, b.color)).join(' '))
  return out
}

/** CPU bars on at most this many lines: more CPUs go side by side. */
const MAX_CPU_LINES = 8

function headerLines(f: ViewFrame, s: TopState, width: number, source: SourceInfo): string[] {
  const sys = f.system
  const cpus = sys.perCpuPercent
  const digits = String(Math.max(0, cpus.length - 1)).length
  const perLine = Math.min(cpus.length, Math.max(Math.floor(width / 36), Math.ceil(cpus.length / MAX_CPU_LINES), 1))
  const cpuBars = cpus.map((p, i) => ({label: String(i).padStart(digits), fraction: p / 100, text: `${p.toFixed(1)}%`, color: chalk.green}))
  const mem = sys.memory
  const used = mem.totalBytes - mem.availableBytes
  const swapUsed = mem.swapTotalBytes - mem.swapFreeBytes
  const memBars = [
    {label: 'Mem', fraction: mem.totalBytes ? used / mem.totalBytes : 0, text: `${formatBytes(used)}/${formatBytes(mem.totalBytes)}`, color: chalk.green},
    {label: 'Swp', fraction: mem.swapTotalBytes ? swapUsed / mem.swapTotalBytes : 0, text: `${formatBytes(swapUsed)}/${formatBytes(mem.swapTotalBytes)}`, color: chalk.red},
  ]
  const t = sys.tasks
  const psi = (k: 'cpu' | 'memory' | 'io', which: 'some' | 'full') => sys.pressure[k]?.[which]?.avg10.toFixed(2) ?? '-'
  const full = (['memory', 'io'] as const).some((k) => sys.pressure[k]?.full)
  const parts = [
    ...(source.live ? [] : [`REPLAY ${new Date(f.epochMs).toISOString().replace('T', ' ').slice(0, 23)}${source.position ? ` (${source.position})` : ''}${s.paused ? '' : ' playing'}`]),
    `Tasks: ${t.total}, ${t.threads} thr; ${t.running} running, ${t.sleeping} sleeping, ${t.stopped} stopped, ${t.zombie} zombie`,
    `Load average: ${sys.load.load1.toFixed(2)} ${sys.load.load5.toFixed(2)} ${sys.load.load15.toFixed(2)}`,
    `Uptime: ${uptime(sys.uptimeS)}`,
    `PSI some cpu ${psi('cpu', 'some')} mem ${psi('memory', 'some')} io ${psi('io', 'some')}${full ? ` full mem ${psi('memory', 'full')} io ${psi('io', 'full')}` : ''}`,
    ...(f.self ? [`monitor: ${f.self.cpu_percent.toFixed(1)}% CPU, ${formatBytes(f.self.rss_bytes)} RSS`] : []),
    `Refresh: ${s.intervalS.toFixed(1)}s`,
    `CPU%: 100 = ${s.cpuView === 'core' ? 'one core' : 'all CPUs'}`,
    ...(f.shortLived ? [`Short-lived: ${f.shortLived.length}`] : []),
    ...(f.bpf.state === 'on' || f.bpf.lost ? [`eBPF lost: ${f.bpf.lost}`] : []),
  ]
  return [...barRows(cpuBars, perLine, width), ...barRows(memBars, width >= 60 ? 2 : 1, width), ...pack(parts, width)]
}

/** Parts joined on lines of `width`, a part never split unless it alone is wider. */
function pack(parts: string[], width: number): string[] {
  const out: string[] = []
  let line = ''
  for (const p of parts) {
    if (line && line.length + 3 + p.length > width) {
      out.push(line)
      line = ''
    }
    line = line ? `${line}   ${p}` : p
  }
  if (line) out.push(line)
  return out.map((l) => fit(l, width))
}

function uptime(s: number): string {
  const d = Math.floor(s / 86400)
  const hms = [Math.floor((s % 86400) / 3600), Math.floor((s % 3600) / 60), Math.floor(s % 60)].map((x) => String(x).padStart(2, '0')).join(':')
  return d ? `${d} day${d === 1 ? '' : 's'}, ${hms}` : hms
}

function shortLivedLines(list: ViewFrame['shortLived'] & object, width: number): string[] {
  const shown = list.slice(-PANEL_ROWS)
  const title = `Short-lived since the last refresh: ${list.length}${list.length > shown.length ? ` (last ${shown.length} shown)` : ''}   s hides`
  return [
    chalk.inverse(fit(title, width)),
    ...shown.map((p) =>
      fit(`${String(p.pid).padStart(7)} ${String(p.ppid).padStart(7)} ${fit(p.comm, 15)} exit ${String(p.exit_code).padStart(3)} ${formatDuration(p.duration_ns).padStart(7)}  ${p.command ?? ''}`, width),
    ),
  ]
}

function helpLines(width: number, lines: number): string[] {
  const out = [chalk.inverse(fit('monitor top keys (any key closes this help)', width))]
  const room = Math.max(10, width - 25)
  for (const [keys, what] of KEY_HELP) {
    // Long explanations continue on the next line under themselves (a narrow terminal cuts nothing).
    for (let at = 0, first = true; at < what.length; first = false) {
      let end = what.length - at <= room ? what.length : what.lastIndexOf(' ', at + room)
      if (end <= at) end = at + room
      out.push(fit(`${(first ? keys : '').padEnd(24)} ${what.slice(at, end).trim()}`, width))
      at = end
    }
  }
  out.push(fit('eBPF columns (when eBPF runs): TX/s RX/s TCP bytes, RUNQ RQp99 run-queue wait mean, p99.', width))
  return out.slice(0, Math.max(1, lines))
}

function sortMenuLines(s: TopState, bpf: boolean, width: number): string[] {
  const out = [chalk.inverse(fit('Sort by (↑↓, Enter picks, Esc cancels)', width))]
  sortChoices(bpf).forEach((c, i) => out.push(i === s.sortMenu ? chalk.inverse(fit(`  ${c.label}`, width)) : fit(`  ${c.label}`, width)))
  return out
}

function killLines(s: TopState, rows: readonly ViewRow[], width: number): string[] {
  const targets = signalTargets(s)
  const first = targets[0]
  const command = rows.find((r) => r.kind === 'process' && r.p.pid === first?.pid)
  const what = targets.length === 1 ? `process ${first.pid}${command?.kind === 'process' ? ` (${command.p.comm})` : ''}` : `${targets.length} tagged processes`
  const out = [chalk.inverse(fit(`Send a signal to ${what}? ↑↓ or 1-${SIGNALS.length} choose, Enter sends, Esc cancels`, width))]
  SIGNALS.forEach((sig, i) => {
    const line = fit(`  ${i + 1} ${sig.slice(3)}`, width)
    out.push(i === s.killMenu ? chalk.inverse(line) : line)
  })
  return out
}

function statusLine(f: ViewFrame | null, s: TopState, width: number, total: number, source: SourceInfo): string {
  const parts: string[] = []
  if (s.paused) parts.push(chalk.yellow(source.live ? 'PAUSED (p resume)' : 'PAUSED (p play)'))
  if (s.message) parts.push(chalk.red(s.message))
  if (s.editing) parts.push(`filter: ${s.filter}_`)
  else if (s.filter) parts.push(`filter "${s.filter}" (Esc clears)`)
  parts.push(`sort ${sortSpec(s.sort).label}${s.invert ? ' inverted' : ''}`)
  if (s.layout !== 'list') parts.push(s.layout === 'tree' ? 'tree' : 'by cgroup')
  if (s.tagged.size) parts.push(`${s.tagged.size} tagged`)
  parts.push(`${total ? s.cursor + 1 : 0}/${total}`)
  if (f && f.bpf.state === 'off') parts.push(`eBPF columns off${f.bpf.note ? `: ${f.bpf.note}` : ''}`)
  parts.push('? help  q quit')
  // Plain text is measured before colour goes on, so the cut never lands inside an escape code.
  let line = ''
  let plainLength = 0
  for (const p of parts) {
    const plain = p.replace(/\x1b\[[0-9;]*m/g, '') // eslint-disable-line no-control-regex
    const sep = line ? ' | ' : ''
    if (plainLength + sep.length + plain.length > width) {
      const room = width - plainLength - sep.length
      if (room > 3) line += sep + fit(plain, room)
      break
    }
    line += sep + p
    plainLength += sep.length + plain.length
  }
  return line
}
