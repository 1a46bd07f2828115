/** `monitor trace exec`: every process run, exec to exit. */

import {ExitCode, MonitorError} from '../../errors.js'
import {plural} from '../../output/format.js'
import {checkCgroupDir, fillCgroupFilter} from '../cgroup.js'
import type {TracerSpec} from '../spec.js'
import {EXEC_COLUMNS, execJson} from './columns.js'
import {EXEC_EVENT, EXEC_EVENT_FLAGS, EXEC_EVENT_KIND} from './layout.js'
import {type ExecFilter, ExecReducer, type ExecRow} from './reducer.js'
import {ExecReportBuilder, execTimeline} from './report.js'

export interface ExecOptions {
  /** That process and its direct children. */
  pid?: number
  uid?: number
  /** Command name contains this (or matches it, with `regex`). */
  comm?: string
  /** Command line contains this (or matches it, with `regex`). */
  args?: string
  regex?: boolean
  /** Only processes in this cgroup v2 directory (or below it). */
  cgroup?: string
  /** Also the exits of processes that never exec'd while tracing (exitsnoop). */
  allExits?: boolean
  /** Streaming output: a row at exec time too, so a hung process shows before it ends. */
  starts?: boolean
  /** Ring buffer bytes (a power of two). */
  ringBytes?: number
}

/** The kernel keeps 15 characters of a command name. */
export const COMM_MAX = 15

function compile(pattern: string, flag: string): (text: string) => boolean {
  try {
    const re = new RegExp(pattern)
    return (text) => re.test(text)
  } catch (error) {
    throw new MonitorError(`${flag}: not a regular expression: ${(error as Error).message}`, {exitCode: ExitCode.usage})
  }
}

export function execFilter(o: ExecOptions): ExecFilter {
  const filter: ExecFilter = {}
  if (o.comm !== undefined && o.regex) filter.comm = compile(o.comm, '--comm')
  if (o.args !== undefined) filter.args = o.regex ? compile(o.args, '--args') : (line) => line.includes(o.args!)
  return filter
}

export const execSpec: TracerSpec<ExecOptions, ExecRow> = {
  command: 'trace exec',
  object: 'exec',
  notices: (o) =>
    o.comm && !o.regex && o.comm.length > COMM_MAX
      ? [`--comm: the kernel keeps ${COMM_MAX} characters of a command name: matching "${o.comm.slice(0, COMM_MAX)}"`]
      : [],
  layouts: [EXEC_EVENT, EXEC_EVENT_KIND, EXEC_EVENT_FLAGS],
  config(o) {
    const config: Record<string, number | string | boolean> = {}
    if (o.pid !== undefined) config.targ_pid = o.pid
    if (o.uid !== undefined) config.targ_uid = o.uid
    if (o.comm && !o.regex) config.targ_comm = o.comm.slice(0, COMM_MAX)
    if (o.cgroup !== undefined) config.targ_cgroup = Boolean(checkCgroupDir(o.cgroup))
    if (o.allExits) config.all_exits = true
    return config
  },
  maxEntries: (o) => ({events: o.ringBytes ?? 8 << 20}),
  setup(obj, o) {
    if (o.cgroup !== undefined) fillCgroupFilter(obj, o.cgroup)
  },
  reducer: (o, emit, ctx) => new ExecReducer(emit, ctx, execFilter(o), o.starts),
  columns: EXEC_COLUMNS,
  json: execJson,
  key: (r) => `${r.pid}:${r.start_ns}`,
  order: (r) => r.start_ns,
  describeCounts: (c) =>
    `${plural(c.runs, 'run')}, ${c.still_running} running${c.exec_failures ? `, ${plural(c.exec_failures, 'failed exec')}` : ''}`,
  report: () => new ExecReportBuilder(),
  timeline: execTimeline,
}
