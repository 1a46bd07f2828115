/** go tool pprof's -tree / -peek text: callers above each function, callees below. */
import type {TreeReport} from '../pprof/report.js'
import {formatValue, topHeader} from './pprof-top.js'
import {percentage} from './pprof-units.js'

const SEPARATOR = '----------------------------------------------------------+-------------'
const LEGEND = '      flat  flat%   sum%        cum   cum%   calls calls% + context 	 	 '

export function formatTree(report: TreeReport): string {
  const out = [...topHeader(report), SEPARATOR, LEGEND]
  let sum = 0
  const edge = (e: {name: string; weight: number; inline: boolean}, cum: number) =>
    `${formatValue(report, e.weight).padStart(50)} ${percentage(e.weight, cum)} |   ${e.name}${e.inline ? ' (inline)' : ''}`
  for (const n of report.entries) {
    out.push(SEPARATOR)
    for (const e of n.callers) out.push(edge(e, n.cum))
    sum += n.flat
    out.push(
      `${formatValue(report, n.flat).padStart(10)} ${percentage(n.flat, report.total)} ${percentage(sum, report.total)} ${formatValue(report, n.cum).padStart(10)} ${percentage(n.cum, report.total)}                | ${n.name}`,
    )
    for (const e of n.callees) out.push(edge(e, n.cum))
  }
  if (report.rows.length > 0) out.push(SEPARATOR)
  return out.join('\n') + '\n'
}
