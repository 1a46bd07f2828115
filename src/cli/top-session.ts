/** The non-interactive `monitor top`: snapshots of every process, each measured over --interval
 * between two readings, printed as JSON documents (NDJSON when several), CSV or top -b style text.
 * --once is one snapshot. Without --once and without a terminal it is batch mode like `top -b`:
 * a snapshot every interval until --count, --duration, Ctrl-C or a closed pipe. */
import {ExitCode, MonitorError} from '../errors.js'
import {LineWriter} from '../output/line-writer.js'
import {csvHeader, snapshotCsv, snapshotJson, snapshotText} from '../proc/document.js'
import {type RowSelection, selectRows} from '../proc/rows.js'
import {type CpuMode, ProcSampler, type ProcSnapshot} from '../proc/sampler.js'
import {treeOrder} from '../proc/tree.js'
import {insisted, stopSignal} from './stop-signal.js'

export type TopOutput = 'json' | 'csv' | 'columns'

export interface TopOptions {
  once: boolean
  output?: TopOutput
  intervalS: number
  count?: number
  durationS?: number
  mode: CpuMode
  selection: RowSelection
  /** Rows as the process tree (each after its parent; siblings by the sort). */
  tree?: boolean
}

/** The mode the flags and the terminal ask for: a batch of snapshots, or the live view (not built yet). */
export function topPlan(o: TopOptions, isTTY: boolean): {output: TopOutput; count?: number} {
  if (o.once && o.count !== undefined && o.count !== 1) throw new MonitorError('--once takes one snapshot: drop --count, or drop --once', {exitCode: ExitCode.usage})
  const count = o.once ? 1 : o.count
  // A terminal with nothing non-interactive asked for is the live view: not built yet (issue 8).
  if (isTTY && !o.once && o.output === undefined && count === undefined)
    throw new MonitorError('the interactive `monitor top` view is not built yet: use `monitor top --once` (or -o json|csv|columns, --count N)', {
      exitCode: ExitCode.unavailable,
    })
  return {output: o.output ?? 'columns', count}
}

export async function runTop(o: TopOptions, isTTY = Boolean(process.stdout.isTTY)): Promise<void> {
  const plan = topPlan(o, isTTY)
  const stop = stopSignal(o.durationS)
  // A reader that is behind holds the next snapshot back (as top -b blocks in write), so memory
  // never fills with snapshots nobody has read yet.
  let drained: Promise<void> | undefined
  let resume = () => {}
  const writer = new LineWriter(process.stdout, {
    onCongested: () => (drained = new Promise((r) => (resume = r))),
    onDrained: () => {
      drained = undefined
      resume()
    },
    onClosed: () => stop.stop('pipe closed'),
  })
  const sampler = new ProcSampler({mode: o.mode})
  try {
    sampler.start()
    if (plan.output === 'csv') writer.line(csvHeader())
    const t0 = performance.now()
    for (let n = 1; plan.count === undefined || n <= plan.count; n++) {
      // On a schedule from the start, so a slow refresh does not push every later one back.
      const wait = t0 + n * o.intervalS * 1000 - performance.now()
      const reason = await Promise.race([stop.done, new Promise<undefined>((r) => setTimeout(r, Math.max(0, wait)))])
      if (reason !== undefined) break
      if (drained && (await Promise.race([stop.done, drained])) !== undefined) break
      const snap = sampler.sample()
      const {rows, depth} = pickRows(snap, o)
      if (plan.output === 'json') writer.line(JSON.stringify(snapshotJson(snap, rows)))
      else if (plan.output === 'csv') for (const line of snapshotCsv(snap, rows)) writer.line(line)
      else {
        if (n > 1) writer.line('')
        for (const line of snapshotText(snap, rows, depth)) writer.line(line)
      }
    }
    await Promise.race([writer.end(), insisted(stop)])
  } finally {
    stop.dispose()
    sampler.close()
  }
}

/** The rows to print, in order; with --tree in tree order, --limit applied after so a limited tree
 * still starts at its roots. */
function pickRows(snap: ProcSnapshot, o: TopOptions): {rows: number[]; depth?: number[]} {
  if (!o.tree) return {rows: selectRows(snap, o.selection)}
  const {limit, ...selection} = o.selection
  const {order, depth} = treeOrder(snap, selectRows(snap, selection))
  return limit === undefined ? {rows: order, depth} : {rows: order.slice(0, limit), depth: depth.slice(0, limit)}
}
