/** Chrome trace-event JSON (the "JSON Object Format" chrome://tracing and ui.perfetto.dev load): a
 * span is a complete event ("ph":"X"), an instant "ph":"i"; ts and dur in µs; process names as
 * metadata events. Written as a stream: start, events (comma-led after the first), end. */
import type {TimelineEvent} from '../trace/sections.js'

/** Opens the document; `meta` goes to otherData (what was traced, where, when). */
export function chromeTraceStart(meta: Record<string, unknown>): string {
  return `{"displayTimeUnit":"ms","otherData":${JSON.stringify(meta)},"traceEvents":[`
}

export const CHROME_TRACE_END = ']}'

/** A duration in µs to ns precision (Chrome takes fractional µs). Epoch timestamps stay as they are:
 * ×1000 would pass 2^53. */
const us = (v: number) => Math.round(v * 1000) / 1000

export function chromeEvent(e: TimelineEvent): string {
  const common = {name: e.name, cat: e.category, ts: e.startUs, pid: e.pid, tid: e.tid}
  return JSON.stringify(
    e.durationUs === null ? {...common, ph: 'i', s: 't', args: e.args ?? {}} : {...common, ph: 'X', dur: us(e.durationUs), args: e.args ?? {}},
  )
}

export function chromeProcessName(pid: number, name: string): string {
  return JSON.stringify({name: 'process_name', ph: 'M', pid, tid: pid, args: {name}})
}
