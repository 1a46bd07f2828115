/** A top recording as a source of frames, for `top --replay` and the live view alike: next() gives
 * the frames in order, seek() any one of them (decoding from the keyframe at or before it, so a step
 * back costs at most a keyframe interval of samples). The same shape as the live source
 * ({next, close, live}), so the view and the printers do not know which one they read. */
import type {TraceFrame} from '../trace/file/reader.js'
import type {TopFrame} from './frame.js'
import {TopSampleDecoder, undecodable} from './recording-codec.js'
import {openTopRecording, type TopRecordingFile} from './recording.js'

export interface ReplayOptions {
  /** next() waits as long as the recording did between two samples (a replay played at the
   * recorded pace); otherwise it returns at once (printing a recording). */
  paced?: boolean
}

export class ReplayFrameSource {
  readonly live = false
  /** The frame next() or seek() returned last: -1 before the first. */
  index = -1
  private readonly decoder = new TopSampleDecoder()
  /** The file's frames from the last keyframe decoded on, positioned after sample `decoder.last`. */
  private frames: Generator<TraceFrame> | undefined
  private closed = false
  /** The frame of sample `decoder.last`. */
  private current: TopFrame | undefined

  private constructor(
    readonly file: TopRecordingFile,
    private readonly options: ReplayOptions,
  ) {}

  /** Opens a top recording (anything else, or a file that is not whole up to its cut, is one
   * MonitorError). */
  static open(path: string, options: ReplayOptions = {}): ReplayFrameSource {
    return ReplayFrameSource.of(openTopRecording(path), options)
  }

  /** A source over a recording already opened (openIfTopRecording). */
  static of(file: TopRecordingFile, options: ReplayOptions = {}): ReplayFrameSource {
    return new ReplayFrameSource(file, options)
  }

  /** Samples in the file (up to its cut, when it was cut). */
  get length(): number {
    return this.file.samples.length
  }

  /** Whether next() has given the last sample. */
  get atEnd(): boolean {
    return this.index >= this.length - 1
  }

  /** The frame after the current one, null after the last. */
  async next(_intervalS?: number): Promise<TopFrame | null> {
    const i = this.index + 1
    if (i >= this.length || this.closed) return null
    if (this.options.paced && i > 0) {
      const gap = this.file.samples[i].epochMs - this.file.samples[i - 1].epochMs
      if (gap > 0) await new Promise((r) => setTimeout(r, gap))
      if (this.closed) return null
    }
    return this.seek(i)
  }

  /** The frame at `index` (clamped to the recording), which becomes the current one; null when the
   * recording has no sample. */
  seek(index: number): TopFrame | null {
    if (this.length === 0) return null
    const target = Math.max(0, Math.min(this.length - 1, Math.trunc(index)))
    if (target === this.decoder.last && this.current) return this.current
    const key = this.keyframeAtOrBefore(target)
    const last = this.decoder.last
    // Decoding on from where it is is the shortest way unless the target is behind it or a keyframe
    // lies between.
    if (!this.frames || last < key || target <= last) {
      this.decoder.reset()
      this.frames = this.file.reader.frames(this.file.samples[key].offset)
    }
    let frame: TopFrame | undefined
    while (this.decoder.last < target) {
      const f = this.frames.next()
      if (f.done) throw undecodable(this.file.path, this.file.samples[this.decoder.last + 1].offset, new Error('the file changed while it was read'))
      if (f.value.kind !== 'sample') continue
      try {
        frame = this.decoder.decode(f.value.payload)
      } catch (error) {
        throw undecodable(this.file.path, f.value.offset, error)
      }
    }
    this.index = target
    this.current = frame!
    return frame!
  }

  close(): void {
    this.closed = true
    this.frames = undefined
    this.file.reader.close()
  }

  private keyframeAtOrBefore(i: number): number {
    const samples = this.file.samples
    while (i > 0 && !samples[i].keyframe) i--
    return i
  }
}
