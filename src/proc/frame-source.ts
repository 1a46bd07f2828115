/** Where the top view's frames come from. The live source samples /proc (and, when plugged in, the
 * eBPF columns) every interval; a replay (src/proc/recording*.ts) hands back recorded frames. The
 * view drives both through this one interface and never knows which it has. */
import {P, PROC_STRIDE} from '../engine/proc.js'
import {signalProcess, type SignalOutcome} from '../engine/signal.js'
import {findPid} from './cpu.js'
import {type BpfSample, type FrameBpfStatus, frameOf, FrameRows, type TopFrame} from './frame.js'
import type {ReplayFrameSource} from './recording-source.js'
import {processRow} from './rows.js'
import type {ProcSampler, ProcSnapshot} from './sampler.js'

export interface FrameSource {
  /** true: frames are read now (signals can be sent); false: a recording. */
  readonly live: boolean
  /** The next frame: live, one `intervalS` after the previous one; a replay, the next recorded frame
   * (at its own pace). null: no more frames (the recording ended, or close() was called). */
  next(intervalS: number): Promise<TopFrame | null>
  /** Replay only: the first, last, previous or next frame, at once (null: none there). */
  step?(to: 'first' | 'last' | -1 | 1): TopFrame | null
  /** Replay only: where the last frame handed out is ("12/300"). */
  position?(): string
  /** Live only: signals the process shown as (pid, start_ts), never a process that reuses its pid. */
  signal?(target: {pid: number; start_ts: string}, signal: NodeJS.Signals): SignalOutcome
  close(): void
}

/** The eBPF columns of each interval (src/proc/bpf-columns.ts): sampled right after /proc. */
export interface BpfColumnsProvider {
  /** The start of the first interval (what the maps held before is not counted). */
  begin(): void
  sample(): BpfSample
  close(): void
}

/** The first frame comes sooner than a long interval: a screen with no numbers is the worst wait. */
const FIRST_FRAME_S = 0.5
/** A start time in a row and in the latest reading are one process when this close (each frame
 * derives start times from its own reading of the boot time, to ~10 ms). */
const SAME_START_MS = 50

export class LiveFrameSource implements FrameSource {
  readonly live = true
  private last: ProcSnapshot | undefined
  private nextAt = 0
  private wake: (() => void) | undefined
  private timer: NodeJS.Timeout | undefined
  private closed = false
  private readonly rows = new FrameRows()

  /** `bpf`: the eBPF columns, or null (then `off` says why they are missing). */
  constructor(
    private readonly sampler: ProcSampler,
    private readonly bpf: BpfColumnsProvider | null = null,
    private readonly off: FrameBpfStatus = {state: 'off', note: null, lost: 0},
  ) {}

  async next(intervalS: number): Promise<TopFrame | null> {
    if (this.closed) return null
    const now = performance.now()
    if (!this.last) {
      this.sampler.start()
      this.bpf?.begin()
      this.nextAt = now + Math.min(intervalS, FIRST_FRAME_S) * 1000
    }
    // On a schedule, so a slow refresh does not push every later one back; an interval changed to
    // a shorter one takes effect at once.
    const wait = Math.max(0, Math.min(this.nextAt, now + intervalS * 1000) - now)
    await new Promise<void>((resolve) => {
      this.wake = resolve
      this.timer = setTimeout(resolve, wait)
    })
    this.wake = undefined
    if (this.closed) return null
    // The eBPF side first: it says which processes ran, and /proc is read only for those (and for
    // any that was running at its last reading).
    const bpf = this.bpf?.sample() ?? null
    const snap = this.sampler.sample(bpf?.ran)
    this.last = snap
    const at = performance.now()
    this.nextAt = Math.max(this.nextAt + intervalS * 1000, at)
    return frameOf(snap, bpf, this.off, this.rows)
  }

  signal(target: {pid: number; start_ts: string}, signal: NodeJS.Signals): SignalOutcome {
    const snap = this.last
    const i = snap ? findPid(snap.reading, target.pid) : -1
    if (!snap || i < 0) return 'gone'
    // The exact start time (ticks) comes from the latest reading; the addon checks it again after
    // it has the pidfd, so a pid reused since that reading is refused too.
    const row = processRow(snap, i)
    if (Math.abs(Date.parse(row.start_ts) - Date.parse(target.start_ts)) > SAME_START_MS) return 'reused'
    return signalProcess(target.pid, startTicks(snap, i), signal)
  }

  close(): void {
    this.closed = true
    clearTimeout(this.timer)
    this.wake?.()
    this.bpf?.close()
    this.sampler.close()
  }
}

function startTicks(snap: ProcSnapshot, i: number): number {
  return snap.reading.data[i * PROC_STRIDE + P.starttime]
}

/** A recording as the view's source (open it paced): ←/→ and Home/End step through its frames. */
export function replayFrames(replay: ReplayFrameSource): FrameSource {
  return {
    live: false,
    next: (intervalS) => replay.next(intervalS),
    step: (to) => replay.seek(to === 'first' ? 0 : to === 'last' ? replay.length - 1 : replay.index + to),
    position: () => `${replay.index + 1}/${replay.length}`,
    close: () => replay.close(),
  }
}

/** `source`, with every frame it hands out also given to `write` (--record in the view). */
export function recordedFrames(source: FrameSource, write: (frame: TopFrame) => void): FrameSource {
  return {
    live: source.live,
    next: async (intervalS) => {
      const frame = await source.next(intervalS)
      if (frame) write(frame)
      return frame
    },
    signal: source.signal?.bind(source),
    close: () => source.close(),
  }
}
