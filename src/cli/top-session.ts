/** The non-interactive `monitor top`: snapshots of every process, each measured over --interval
 * between two readings, printed as JSON documents (NDJSON when several), CSV or top -b style text.
 * --once is one snapshot. Without --once and without a terminal it is batch mode like `top -b`:
 * a snapshot every interval until --count, --duration, Ctrl-C or a closed pipe. */
import {setFlagsFromString} from 'node:v8'

import {ExitCode, MonitorError} from '../errors.js'
import {LineWriter} from '../output/line-writer.js'
import {openTopBpf, type TopBpf} from '../proc/bpf-columns.js'
import {csvHeader, frameCsv, frameJson, frameText} from '../proc/document.js'
import {type FrameBpfStatus, frameOf, FrameRows, type TopFrame} from '../proc/frame.js'
import {LiveFrameSource, recordedFrames, replayFrames} from '../proc/frame-source.js'
import {pickFrameRows} from '../proc/frame-rows.js'
import {cutNotice, TopRecorder} from '../proc/recording.js'
import {ReplayFrameSource} from '../proc/recording-source.js'
import type {RowSelection} from '../proc/rows.js'
import {type CpuMode, ProcSampler} from '../proc/sampler.js'
import {prepareInk} from './ink-env.js'
import {insisted, type StopSignal, stopSignal} from './stop-signal.js'

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
  /** Also record every frame shown into this trace file. */
  record?: string
  /** Print the frames of this recording instead of reading /proc. */
  replay?: string
  /** The eBPF columns (default on; off without root or a capable kernel, with a note). */
  bpf?: boolean
}

/** The eBPF side if it can run, else why not: never an error for plain `top`. */
function startBpf(o: TopOptions): {bpf?: TopBpf; off: FrameBpfStatus} {
  if (o.bpf === false) return {off: {state: 'off', note: 'turned off (--no-bpf)', lost: 0}}
  try {
    return {bpf: openTopBpf(), off: {state: 'off', note: null, lost: 0}}
  } catch (error) {
    if (!(error instanceof MonitorError)) throw error
    return {off: {state: 'off', note: error.message, lost: 0}}
  }
}

/** The mode the flags and the terminal ask for: a batch of snapshots, or (a terminal with nothing
 * non-interactive asked for) the live view. */
export function topPlan(o: TopOptions, isTTY: boolean): {output: TopOutput | 'live'; count?: number} {
  if (o.once && o.count !== undefined && o.count !== 1) throw new MonitorError('--once takes one snapshot: drop --count, or drop --once', {exitCode: ExitCode.usage})
  const count = o.once ? 1 : o.count
  if (o.replay !== undefined && o.record !== undefined) throw new MonitorError('--replay reads a recording, --record writes one: drop one of them', {exitCode: ExitCode.usage})
  if (isTTY && !o.once && o.output === undefined && count === undefined) return {output: 'live'}
  return {output: o.output ?? 'columns', count}
}

export async function runTop(o: TopOptions, isTTY = Boolean(process.stdout.isTTY)): Promise<void> {
  const plan = topPlan(o, isTTY)
  // A frame holds every process for a refresh (and a batch its text), so each scavenge finds it
  // alive and V8 keeps doubling the young generation up to 32 MB (+20 MB RSS at ~1,000 processes,
  // bench/top). Frozen at the size startup left it, monitor stays under 100 MB; scavenges stay cheap.
  setFlagsFromString('--semi-space-growth-factor=1')
  if (plan.output === 'live') return runView(o)
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
  const print = (frame: TopFrame, n: number) => {
    const {rows, depth} = pickFrameRows(frame, o.selection, o.tree)
    if (plan.output === 'json') writer.line(JSON.stringify(frameJson(frame, rows)))
    else if (plan.output === 'csv') for (const line of frameCsv(frame, rows)) writer.line(line)
    else {
      if (n > 1) writer.line('')
      for (const line of frameText(frame, rows, depth)) writer.line(line)
    }
  }
  if (plan.output === 'csv') writer.line(csvHeader())
  /** Waits for a reader that is behind; false when the session ended meanwhile. */
  const paced = async () => !drained || (await Promise.race([stop.done, drained])) === undefined
  try {
    if (o.replay !== undefined) await replayTop(o.replay, plan.count, stop, paced, print)
    else await sampleTop(o, plan.count, stop, paced, print)
    await Promise.race([writer.end(), insisted(stop)])
  } finally {
    stop.dispose()
  }
}

type Printer = (frame: TopFrame, n: number) => void

/** The interactive view: live (recorded with --record), or a recording played at its pace. */
async function runView(o: TopOptions): Promise<void> {
  prepareInk()
  const {runTopLive} = await import('./top-live.js')
  const {sort, user, comm, pids} = o.selection
  const view = {intervalS: o.intervalS, durationS: o.durationS, mode: o.mode, sort, tree: o.tree, user, comm, pids}
  if (o.replay !== undefined) {
    const replay = ReplayFrameSource.open(o.replay, {paced: true})
    await runTopLive({...view, intervalS: replay.file.options.interval_s, mode: replay.file.options.cpu_mode}, replayFrames(replay))
    const cut = cutNotice(replay.file)
    if (cut) process.stderr.write(cut + '\n')
    return
  }
  const recorder = o.record === undefined ? undefined : new TopRecorder(o.record, {intervalS: o.intervalS, mode: o.mode})
  try {
    const started = startBpf(o)
    const live = new LiveFrameSource(new ProcSampler({mode: o.mode}), started.bpf ?? null, started.off)
    await runTopLive(view, recorder ? recordedFrames(live, (frame) => recorder.write(frame)) : live)
    await recorder?.close()
  } finally {
    recorder?.closeNow() // (already closed, unless the view failed)
  }
}

/** Live: a frame every interval, recorded (with --record) exactly as printed. */
async function sampleTop(o: TopOptions, count: number | undefined, stop: StopSignal, paced: () => Promise<boolean>, print: Printer): Promise<void> {
  const recorder = o.record === undefined ? undefined : new TopRecorder(o.record, {intervalS: o.intervalS, mode: o.mode})
  let sampler: ProcSampler | undefined
  let bpf: TopBpf | undefined
  try {
    sampler = new ProcSampler({mode: o.mode})
    const started = startBpf(o)
    bpf = started.bpf
    sampler.start()
    bpf?.begin()
    const t0 = performance.now()
    const rows = new FrameRows()
    for (let n = 1; count === undefined || n <= count; n++) {
      // On a schedule from the start, so a slow refresh does not push every later one back.
      const wait = t0 + n * o.intervalS * 1000 - performance.now()
      const ended = [stop.done, new Promise<undefined>((r) => setTimeout(r, Math.max(0, wait)))]
      const reason = await Promise.race(recorder ? [...ended, recorder.failed] : ended)
      if (reason !== undefined || !(await paced())) break
      // The eBPF side first: it says which processes ran, and the /proc read skips the others.
      const sample = bpf?.sample()
      const frame = frameOf(sampler.sample(sample?.ran), sample, started.off, rows)
      recorder?.write(frame)
      print(frame, n)
    }
    if (recorder) await Promise.race([recorder.close(), insisted(stop)])
  } finally {
    recorder?.closeNow() // (already closed, unless the session failed or was forced)
    bpf?.close()
    sampler?.close()
  }
}

/** A recording's frames, printed as the live run printed them; a cut file up to its cut, and said. */
async function replayTop(path: string, count: number | undefined, stop: StopSignal, paced: () => Promise<boolean>, print: Printer): Promise<void> {
  const source = ReplayFrameSource.open(path)
  try {
    let stopped: string | undefined
    void stop.done.then((reason) => (stopped = reason))
    for (let n = 1; count === undefined || n <= count; n++) {
      // A turn of the event loop per frame, so Ctrl-C and a closed pipe are seen.
      await new Promise((r) => setImmediate(r))
      if (stopped !== undefined || !(await paced())) break
      const frame = await source.next()
      if (!frame) break
      print(frame, n)
    }
    const cut = cutNotice(source.file)
    if (cut && source.atEnd) process.stderr.write(cut + '\n')
  } finally {
    source.close()
  }
}
