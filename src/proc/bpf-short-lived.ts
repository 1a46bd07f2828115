/** Short-lived processes of `monitor top`: those that started and ended between two refreshes, so
 * no /proc reading ever saw them. They come from `trace exec`'s tracer with all exits on (its
 * reducer joins EXEC and EXIT records; fork-without-exec children arrive as untracked exits), so
 * top needs no program of its own for them. */
import {constants} from 'node:os'

import type {ExecRow} from '../trace/exec/reducer.js'
import type {ShortLivedProcess} from './frame.js'

const SIGNALS = constants.signals as Record<string, number>

/** 128 + signal for a signalled exit, as shells report it. */
function exitCode(row: ExecRow): number {
  if (row.exit_code !== null) return row.exit_code
  return 128 + (row.signal ? (SIGNALS[row.signal] ?? 0) : 0)
}

/**
 * A process is short-lived when no refresh fell within its life. Rows reach JS up to a ring flush
 * after the exit, so one whose exit came just before a refresh may arrive after it: it is then
 * reported with the next refresh (late, rather than lost), judged against the boundary before.
 */
export class ShortLivedCollector {
  /** CLOCK_MONOTONIC ns of the last two refreshes (boundary: the latest). */
  private prevBoundary: number
  private boundary: number
  private pending: ShortLivedProcess[] = []

  constructor(
    startNs: number,
    private readonly toEpochUs: (monoNs: number) => number,
    /** At most this many per refresh (a fork storm must not grow memory without bound). */
    private readonly max = 10_000,
    private dropped = 0,
  ) {
    this.prevBoundary = startNs
    this.boundary = startNs
  }

  /** A run the exec tracer ended. */
  onRow(row: ExecRow): void {
    if (row.end !== 'exit' || row.duration_ns === null || row.origin === 'before') return
    const exitNs = row.start_ns + row.duration_ns
    const after = exitNs > this.boundary ? this.boundary : this.prevBoundary
    if (row.start_ns <= after) return // a refresh saw it alive
    if (this.pending.length >= this.max) {
      this.dropped++
      return
    }
    this.pending.push({
      pid: row.pid,
      ppid: row.ppid,
      comm: row.comm,
      command: row.origin === 'exec' && row.argv.length ? row.argv.join(' ') : null,
      uid: row.uid,
      exit_code: exitCode(row),
      start_ts: new Date(Math.round(this.toEpochUs(row.start_ns) / 1000)).toISOString(),
      duration_ns: row.duration_ns,
    })
  }

  /** The refresh at `nowNs`: the short-lived processes of the interval that ends now, and how many
   * did not fit. */
  take(nowNs: number): {processes: ShortLivedProcess[]; dropped: number} {
    const out = {processes: this.pending, dropped: this.dropped}
    this.pending = []
    this.dropped = 0
    this.prevBoundary = this.boundary
    this.boundary = nowNs
    return out
  }

  /** The first refresh's start: what came before is older than every interval. */
  begin(nowNs: number): void {
    this.pending = []
    this.dropped = 0
    this.prevBoundary = this.boundary = nowNs
  }
}
