/** `monitor top --record FILE`: the frames top shows, into the project's trace-file container
 * (src/trace/file/format.ts) as sample frames (recording-codec.ts), under a header whose command is
 * "top". The file reads up to its last whole sample whatever happens to the recorder; close() ends
 * it properly (an end frame, synced). Both the batch printer and the live view record through
 * TopRecorder. */
import {hostname, release} from 'node:os'

import {epochUsWithOffset, monotonicNowNs, monoToRealOffsetUs} from '../engine/clock.js'
import {ExitCode, MonitorError} from '../errors.js'
import {isoFromEpochUs} from '../output/format.js'
import {FrameKind, type TraceEnd, type TraceHeader} from '../trace/file/format.js'
import {type TraceCut, TraceFileReader} from '../trace/file/reader.js'
import {monitorVersion} from '../trace/file/record.js'
import {TraceFileWriter} from '../trace/file/writer.js'
import type {TopFrame} from './frame.js'
import {sampleHead, TopSampleEncoder, undecodable} from './recording-codec.js'
import type {CpuMode} from './sampler.js'

/** The header's command: how a reader tells a top recording from a tracer's. */
export const TOP_COMMAND = 'top'

/** A keyframe every this many samples (30 s at the default interval): a seek decodes at most this
 * many samples, and keyframes are most of a file's size (bench/README.md, "top --record"). */
export const KEYFRAME_EVERY = 30

/** Samples are a few large frames a second at most: deflate's default effort pays (about a third
 * smaller than the batches' level 1 with its 4 KiB window, for well under 1 ms a sample). */
const SAMPLE_DEFLATE = {level: 6}

export interface TopRecordingOptions {
  intervalS: number
  mode: CpuMode
  keyframeEvery?: number
}

/** What the header's options say of a top recording. */
export interface TopRecordedOptions {
  interval_s: number
  cpu_mode: CpuMode
  keyframe_every: number
  sample_format: number
}

export class TopRecorder {
  /** Rejects (with a MonitorError) the moment a write fails; never resolves. */
  readonly failed: Promise<never>
  private readonly writer: TraceFileWriter
  private readonly encoder: TopSampleEncoder
  private readonly startNs = monotonicNowNs()
  private first: number | undefined
  private last: number | undefined
  private ended = false

  /** Creates the file and writes its header now: a path that cannot be written fails before the
   * first refresh, and from here on the file is a valid (empty) recording. */
  constructor(
    readonly path: string,
    options: TopRecordingOptions,
  ) {
    let fail!: (error: MonitorError) => void
    this.failed = new Promise<never>((_, reject) => (fail = reject))
    this.failed.catch(() => undefined) // observed by the session
    this.encoder = new TopSampleEncoder(options.keyframeEvery ?? KEYFRAME_EVERY)
    this.writer = new TraceFileWriter(path, {onError: (error) => fail(error)})
    const offsetUs = monoToRealOffsetUs()
    const recorded: TopRecordedOptions = {interval_s: options.intervalS, cpu_mode: options.mode, keyframe_every: this.encoder.keyframeEvery, sample_format: 1}
    const header: TraceHeader = {
      command: TOP_COMMAND,
      options: recorded,
      programs: [],
      layouts: {},
      host: hostname(),
      kernel: release(),
      monitor_version: monitorVersion(),
      mono_to_real_offset_us: offsetUs,
      start_ns: this.startNs,
      start_ts: isoFromEpochUs(epochUsWithOffset(this.startNs, offsetUs)),
      pid: process.pid,
    }
    this.writer.begin(header)
  }

  /** Samples written so far. */
  get samples(): number {
    return this.encoder.count
  }

  /** File bytes so far, written or queued. */
  get bytes(): number {
    return this.writer.written + this.writer.pending
  }

  /** One frame, as shown. */
  write(frame: TopFrame): void {
    if (this.ended) throw new Error('TopRecorder: a frame after close')
    this.writer.frame(FrameKind.sample, this.encoder.encode(frame), SAMPLE_DEFLATE)
    this.first ??= frame.epochMs
    this.last = frame.epochMs
  }

  /** Ends the file: the end frame (how many samples, over how long), synced and closed. Rejects
   * with the write error, if any. */
  async close(): Promise<void> {
    if (this.ended) return
    this.ended = true
    const end: TraceEnd = {
      ns: monotonicNowNs(),
      duration_s: this.first === undefined ? 0 : Math.round(this.last! - this.first) / 1000,
      counts: {samples: this.encoder.count, keyframes: this.encoder.keyframes},
      lost: {},
      lost_total: 0,
    }
    this.writer.json(FrameKind.end, end)
    await this.writer.close()
  }

  /** Ends at once (a forced exit): what was written reads as a recording cut there. */
  closeNow(): void {
    this.ended = true
    this.writer.closeNow()
  }
}

/** Where a sample is, found by reading the file once. */
export interface SampleEntry {
  offset: number
  keyframe: boolean
  epochMs: number
}

/** A top recording opened for reading: its header and an index of its samples. */
export interface TopRecordingFile {
  path: string
  reader: TraceFileReader
  header: TraceHeader
  options: TopRecordedOptions
  samples: SampleEntry[]
  /** Set when the file has no end frame: the samples are those before the cut. */
  cut: TraceCut | undefined
}

/** Opens a trace file; null when it is a recording, but not top's (a tracer's: `trace report` reads it). */
export function openIfTopRecording(path: string): TopRecordingFile | null {
  const reader = TraceFileReader.open(path)
  try {
    if (reader.header.command !== TOP_COMMAND) {
      reader.close()
      return null
    }
    const samples: SampleEntry[] = []
    for (const f of reader.frames()) {
      if (f.kind !== 'sample') continue
      let head
      try {
        head = sampleHead(f.payload)
      } catch (error) {
        throw undecodable(path, f.offset, error)
      }
      // Deltas name the sample before them by its index: the indices must count up from a keyframe.
      if (head.index !== samples.length) throw undecodable(path, f.offset, new Error(`it is numbered ${head.index}, after ${samples.length} samples`))
      if (samples.length === 0 && !head.keyframe) throw undecodable(path, f.offset, new Error('the first sample is not a keyframe'))
      samples.push({offset: f.offset, keyframe: head.keyframe, epochMs: head.epochMs})
    }
    return {path, reader, header: reader.header, options: reader.header.options as TopRecordedOptions, samples, cut: reader.cut}
  } catch (error) {
    reader.close()
    throw error
  }
}

/** Opens a top recording; anything else is one error line (exit 65). */
export function openTopRecording(path: string): TopRecordingFile {
  const file = openIfTopRecording(path)
  if (file) return file
  const reader = TraceFileReader.open(path)
  const command = reader.header.command
  reader.close()
  throw new MonitorError(`${path}: a \`monitor ${command}\` recording, not a top recording: read it with \`monitor trace report ${path}\``, {exitCode: ExitCode.dataError})
}

/** The one line that says what a top recording holds: "top recording, N samples, from .. to ..". */
export function describeTopRecording(file: TopRecordingFile): string {
  const n = file.samples.length
  const span = n ? `, from ${new Date(file.samples[0].epochMs).toISOString()} to ${new Date(file.samples[n - 1].epochMs).toISOString()}` : ''
  const cut = file.cut ? ` (cut: ${file.cut.reason})` : ''
  return `top recording, ${n} sample${n === 1 ? '' : 's'} every ${file.options.interval_s} s${span}${cut}: replay it with \`monitor top --replay ${file.path}\``
}

/** What to tell the user once a cut recording has been read to its cut (undefined: it was not cut). */
export function cutNotice(file: TopRecordingFile): string | undefined {
  const {cut, samples} = file
  return cut && `monitor: ${file.path}: ${cut.reason}: read the ${samples.length} whole samples before byte ${cut.offset}`
}
