/** `monitor trace report`: what a recording holds — what was traced (its header), the counts and
 * losses, and the recorded tracer's own sections (TracerSpec.report) over the replayed rows. */
import type {ReportSection} from '../sections.js'
import type {TraceHeader} from './format.js'
import {openReplay, type ReplaySummary} from './replay.js'

export interface TraceReport {
  file: string
  header: TraceHeader
  summary: ReplaySummary
  /** The tracer's line for its counts, as after a live run ("58 runs, 1 running"). */
  countsText: string
  sections: ReportSection[]
}

export function buildReport(path: string): TraceReport {
  const replay = openReplay(path)
  try {
    const builder = replay.spec.report?.(replay.options)
    for (const rows of replay.rows()) if (builder) for (const row of rows) builder.add(row)
    const summary = replay.summary()
    return {file: path, header: replay.header, summary, countsText: replay.spec.describeCounts(summary.counts), sections: builder?.sections() ?? []}
  } finally {
    replay.close()
  }
}
