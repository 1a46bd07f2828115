/** `--record FILE` in a tracing session, the same in every output mode: the recording is created
 * before anything loads (a bad path fails first), sees every batch the tracer streams, ends the
 * session at once if the disk fails, and its end frame carries the summary the user sees. */
import {TraceRecording} from '../trace/file/record.js'
import {openTracer, type TraceSummary, type Tracer} from '../trace/open.js'
import type {TracerSpec} from '../trace/spec.js'
import type {SessionOptions} from './session-options.js'
import {finishTracing, type StopSignal} from './stop-signal.js'

/** Pauses the tracer while any consumer (the output, the recording) is behind, resumes it when
 * none is. */
export class Backpressure {
  private readonly behind = new Set<string>()

  constructor(private readonly target: () => Pick<Tracer<unknown>, 'pause' | 'resume'> | undefined) {}

  hold(who: string): void {
    this.behind.add(who)
    if (this.behind.size === 1) this.target()?.pause()
  }

  release(who: string): void {
    if (this.behind.delete(who) && this.behind.size === 0) this.target()?.resume()
  }
}

export interface RecordedTracer<O, R> {
  tracer: Tracer<R>
  recording: TraceRecording<O, R> | undefined
}

/** openTracer(), recorded into `session.record` when it is set. */
export function openRecorded<O, R>(spec: TracerSpec<O, R>, options: O, emit: (row: R) => void, session: SessionOptions, pace: Backpressure): RecordedTracer<O, R> {
  const recording = session.record
    ? new TraceRecording(session.record, spec, options, {onCongested: () => pace.hold('record'), onDrained: () => pace.release('record')})
    : undefined
  let tracer: Tracer<R> | undefined
  try {
    tracer = openTracer(spec, options, emit, recording?.tap)
    recording?.begin(tracer)
    return {tracer, recording}
  } catch (error) {
    tracer?.close()
    recording?.discard()
    throw error
  }
}

/** finishTracing(), ended at once by a failing recording too. */
export function finishRecorded<O, R>({tracer, recording}: RecordedTracer<O, R>, stop: StopSignal): Promise<TraceSummary> {
  const done = finishTracing(tracer, stop)
  return recording ? Promise.race([done, recording.failed]) : done
}
