/** The session of an interval tool (`top tcp`, `trace tcp rtt`): its programs aggregate in BPF maps,
 * and every --interval this reads the maps once (in batches, lookup-and-delete) and hands the sample
 * to the output — the live view on a terminal, one NDJSON line (or more) per interval, or aligned
 * columns per interval. It owns the stop signal (--duration, --count, Ctrl-C, q, a closed pipe) and
 * prints the summary as every session does. */
import {type FormatContext, formatHeader, formatRow} from '../output/columns.js'
import {formatClock, formatDuration} from '../output/format.js'
import {LineWriter} from '../output/line-writer.js'
import {resolveOutput} from '../output/mode.js'
import {type IntervalSample, type IntervalSpec, type IntervalTracer, openInterval} from '../trace/interval.js'
import {type IntervalSessionOptions, sampleEvery} from './interval-sampling.js'
export type {IntervalSessionOptions} from './interval-sampling.js'
import {sortRows} from './interval-model.js'
import {prepareInk} from './ink-env.js'
import {insisted, stopSignal} from './stop-signal.js'
import {readyJson, summaryJson, summaryText} from './summary.js'

/** The session options out of a command's parsed flags (intervalFlags), and the rest: the tool's own. */
export function splitIntervalFlags<F extends {output?: string; interval?: number; count?: number; duration?: number; utc?: boolean}>(
  flags: F,
): {session: IntervalSessionOptions; options: Omit<F, 'output' | 'interval' | 'count' | 'duration' | 'utc'>} {
  const {output, interval, count, duration, utc, ...options} = flags
  return {session: {output: resolveOutput(output), intervalS: interval ?? 1, count, durationS: duration, utc}, options}
}

export async function runInterval<O, S extends IntervalSample>(spec: IntervalSpec<O, S>, options: O, session: IntervalSessionOptions): Promise<void> {
  for (const notice of spec.notices?.(options) ?? []) process.stderr.write(`monitor: ${notice}\n`)
  if (session.output === 'table') {
    prepareInk()
    const {runIntervalTable} = await import('./interval-table.js')
    return runIntervalTable(spec, options, session)
  }
  return runIntervalStream(spec, options, session)
}

/** -o columns: per interval and table, a title line, the header and the rows in the table's
 * default order. */
export function columnsText<O, S extends IntervalSample>(spec: IntervalSpec<O, S>, sample: S, utc: boolean): string[] {
  const ctx: FormatContext = {utc, nowNs: sample.nowNs}
  const when = `${formatClock(sample.epochUs, utc)} (${formatDuration(sample.intervalNs)}${sample.final ? ', final' : ''})`
  const lines: string[] = []
  for (const table of spec.tables) {
    lines.push(`${when} ${table.title}`, formatHeader(table.columns))
    for (const row of sortRows(table.rows(sample), table.sorts[0], table.key)) lines.push(formatRow(table.columns, row, ctx))
  }
  return lines
}

async function runIntervalStream<O, S extends IntervalSample>(spec: IntervalSpec<O, S>, options: O, session: IntervalSessionOptions): Promise<void> {
  const json = session.output === 'json'
  const stop = stopSignal(session.durationS)
  const started = performance.now()
  let congested = false
  const writer = new LineWriter(process.stdout, {
    onCongested: () => (congested = true),
    onDrained: () => (congested = false),
    onClosed: () => stop.stop('pipe closed'),
  })
  let tracer: IntervalTracer<S> | undefined
  try {
    tracer = openInterval(spec, options)
    if (json) writer.line(readyJson(spec, tracer))
    const emit = (sample: S) => {
      for (const line of json ? spec.json(sample) : columnsText(spec, sample, session.utc ?? false)) writer.line(line)
    }
    const summary = await sampleEvery(tracer, session, stop, emit, () => congested)
    const elapsed = (performance.now() - started) / 1000
    if (json) writer.line(summaryJson(summary, elapsed))
    else process.stderr.write(summaryText(spec, summary, elapsed) + '\n')
    await Promise.race([writer.end(), insisted(stop)])
  } finally {
    stop.dispose()
    tracer?.close()
  }
}
