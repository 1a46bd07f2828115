/** The lines that open and close a tracing session, the same in every output mode. */
import {formatLosses, isoFromEpochUs} from '../output/format.js'
import type {TraceSummary, Tracer} from '../trace/open.js'
import type {TracerSpec} from '../trace/spec.js'

/** NDJSON's first object: tracing runs from here on (scripts and tests wait for it). */
export function readyJson(spec: Pick<TracerSpec<unknown, unknown>, 'command'>, tracer: Pick<Tracer<unknown>, 'programs'>): string {
  return JSON.stringify({type: 'ready', ts: isoFromEpochUs(Date.now() * 1000), command: spec.command, programs: tracer.programs})
}

export function summaryJson(s: TraceSummary, elapsedS: number): string {
  return JSON.stringify({type: 'summary', duration_s: Math.round(elapsedS * 1000) / 1000, ...s.counts, lost: s.lost, lost_total: s.lost_total})
}

/** "200 runs, 0 running in 5.0s, lost 0": the same line after every mode. */
export function summaryText(spec: Pick<TracerSpec<unknown, unknown>, 'describeCounts'>, s: TraceSummary, elapsedS: number): string {
  return `${spec.describeCounts(s.counts)} in ${elapsedS.toFixed(1)}s, ${formatLosses(s.lost)}`
}
