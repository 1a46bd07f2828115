/** `monitor trace report` and `trace convert`: a recording replayed (src/trace/file) and written as
 * text, one JSON document, the NDJSON the live run printed, or Chrome trace-event JSON — to stdout or
 * a file, at the reader's pace. A cut recording is read up to its cut, and the user is told. */
import {createWriteStream, openSync} from 'node:fs'

import {ExitCode, MonitorError} from '../errors.js'
import {CHROME_TRACE_END, chromeEvent, chromeProcessName, chromeTraceStart} from '../output/chrome.js'
import {formatLosses} from '../output/format.js'
import {formatReport, reportJson} from '../output/report.js'
import {frameJson} from '../proc/document.js'
import {selectFrameRows} from '../proc/frame-rows.js'
import {cutNotice, describeTopRecording, openIfTopRecording, type TopRecordingFile} from '../proc/recording.js'
import {ReplayFrameSource} from '../proc/recording-source.js'
import {buildReport} from '../trace/file/report.js'
import {openReplay, type Replay, type ReplaySummary} from '../trace/file/replay.js'
import {summaryJson} from './summary.js'

export interface ReportOptions {
  json: boolean
  utc: boolean
  /** Write here instead of stdout. */
  outputFile?: string
}

export interface ConvertOptions {
  to: 'json' | 'chrome'
  outputFile?: string
}

/** Pending output written in one go once it reaches this. */
const CHUNK_BYTES = 256 * 1024

/** Text out, in chunks, waiting for the reader when it is behind; a reader that went away (EPIPE)
 * ends the output quietly, a file that cannot be written is one error. */
class Output {
  private readonly out: NodeJS.WritableStream
  private pending: string[] = []
  private bytes = 0
  private failure: Error | undefined
  closed = false

  constructor(private readonly file?: string) {
    if (file === undefined) this.out = process.stdout
    else {
      let fd: number
      try {
        fd = openSync(file, 'w', 0o644)
      } catch (error) {
        throw new MonitorError(`-O ${file}: cannot create it (${(error as NodeJS.ErrnoException).code})`, {exitCode: ExitCode.usage, cause: error})
      }
      this.out = createWriteStream('', {fd})
    }
    this.out.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EPIPE' && !file) this.closed = true
      else this.failure ??= new MonitorError(`writing ${file ?? 'stdout'} failed: ${error.code ?? error.message}`, {cause: error})
    })
  }

  async write(text: string): Promise<void> {
    this.pending.push(text)
    this.bytes += text.length
    if (this.bytes >= CHUNK_BYTES) await this.flush()
  }

  async flush(): Promise<void> {
    if (this.failure) throw this.failure
    if (this.closed || !this.pending.length) return
    const chunk = this.pending.join('')
    this.pending = []
    this.bytes = 0
    if (!this.out.write(chunk)) await this.either('drain')
    if (this.failure) throw this.failure
  }

  /** Resolves on `event` or on an error (which the error listener has recorded). */
  private either(event: string): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        this.out.off(event, done)
        this.out.off('error', done)
        resolve()
      }
      this.out.once(event, done)
      this.out.once('error', done)
    })
  }

  async end(): Promise<void> {
    await this.flush()
    if (this.closed) return
    if (this.file !== undefined) {
      const finished = this.either('finish')
      this.out.end()
      await finished
    } else await new Promise<void>((resolve) => this.out.write('', () => resolve()))
    if (this.failure) throw this.failure
  }
}

/** What the user should know about a recording before its output: it was cut; its replayed counts
 * differ from the ones the live run printed (a reducer that depends on more than its records). */
function notices(path: string, s: ReplaySummary): void {
  if (s.cut) process.stderr.write(`monitor: ${path}: ${s.cut.reason}: read up to byte ${s.cut.offset} (${s.batches} batches); losses as last recorded: ${formatLosses(s.lost)}\n`)
  if (s.recorded && JSON.stringify(s.recorded.counts) !== JSON.stringify(s.counts)) {
    process.stderr.write(`monitor: ${path}: the replay counts ${JSON.stringify(s.counts)}, the live run counted ${JSON.stringify(s.recorded.counts)}\n`)
  }
}

export async function runReport(path: string, o: ReportOptions): Promise<void> {
  const top = openIfTopRecording(path)
  if (top) return reportTop(top, o)
  const report = buildReport(path)
  notices(path, report.summary)
  const out = new Output(o.outputFile)
  await out.write(o.json ? reportJson(report) : formatReport(report, {utc: o.utc}))
  await out.end()
}

export async function runConvert(path: string, o: ConvertOptions): Promise<void> {
  const top = openIfTopRecording(path)
  if (top) return convertTop(top, o)
  const replay = openReplay(path)
  try {
    if (o.to === 'chrome' && !replay.spec.timeline) {
      throw new MonitorError(`${path}: ${replay.header.command} recordings have no timeline form: use --to json`, {exitCode: ExitCode.usage})
    }
    const out = new Output(o.outputFile)
    if (o.to === 'json') await convertJson(replay, out)
    else await convertChrome(replay, out)
    await out.end()
    if (!out.closed) notices(path, replay.summary()) // (a reader that went away stopped the replay early)
  } finally {
    replay.close()
  }
}

/** The NDJSON the live run printed: ready, the rows, the summary (with `cut` when it was cut). */
async function convertJson(replay: Replay<unknown>, out: Output): Promise<void> {
  const {header, spec} = replay
  await out.write(JSON.stringify({type: 'ready', ts: header.start_ts, command: header.command, programs: header.programs}) + '\n')
  for (const rows of replay.rows()) {
    for (const row of rows) await out.write(spec.json(row) + '\n')
    if (out.closed) return
  }
  const s = replay.summary()
  const line = summaryJson(s, s.duration_s)
  await out.write((s.cut ? `${line.slice(0, -1)},"cut":${JSON.stringify(s.cut)}}` : line) + '\n')
}

async function convertChrome(replay: Replay<unknown>, out: Output): Promise<void> {
  const {header, spec} = replay
  const startUs = replay.toEpochUs(header.start_ns)
  // Rows still open at the end run to the end of the trace (known once the frames are read, which
  // is when the replay's finish() reports them).
  const ctx = {
    startUs,
    get endUs() {
      return replay.toEpochUs(replay.endNs)
    },
  }
  const names = new Map<number, string>()
  let sep = ''
  await out.write(chromeTraceStart({command: header.command, host: header.host, kernel: header.kernel, monitor_version: header.monitor_version, start_ts: header.start_ts, options: header.options}) + '\n')
  for (const rows of replay.rows()) {
    for (const row of rows) {
      const e = spec.timeline!(row, ctx)
      if (!e) continue
      if (e.processName) names.set(e.pid, e.processName)
      await out.write(sep + chromeEvent(e) + '\n')
      sep = ','
    }
    if (out.closed) return
  }
  for (const [pid, name] of names) {
    await out.write(sep + chromeProcessName(pid, name) + '\n')
    sep = ','
  }
  await out.write(CHROME_TRACE_END + '\n')
}

/** A top recording holds snapshots, not a tracer's records: the report is what it holds, in a line. */
async function reportTop(file: TopRecordingFile, o: ReportOptions): Promise<void> {
  file.reader.close()
  const {samples, header, cut} = file
  const out = new Output(o.outputFile)
  const line = `${file.path}: ${describeTopRecording(file)}`
  if (!o.json) await out.write(line + '\n')
  else {
    const span = samples.length ? {start_ts: new Date(samples[0].epochMs).toISOString(), end_ts: new Date(samples.at(-1)!.epochMs).toISOString()} : {start_ts: null, end_ts: null}
    const doc = {file: file.path, command: header.command, host: header.host, kernel: header.kernel, monitor_version: header.monitor_version, options: header.options, samples: samples.length, ...span, cut: cut ?? null}
    await out.write(JSON.stringify(doc) + '\n')
  }
  await out.end()
}

/** --to json: every snapshot as `monitor top --replay FILE -o json` prints it (all processes). */
async function convertTop(file: TopRecordingFile, o: ConvertOptions): Promise<void> {
  if (o.to !== 'json') {
    file.reader.close()
    throw new MonitorError(`${file.path}: ${describeTopRecording(file)}; it has no timeline form: use --to json`, {exitCode: ExitCode.usage})
  }
  const source = ReplayFrameSource.of(file)
  try {
    const out = new Output(o.outputFile)
    for (let frame = await source.next(); frame && !out.closed; frame = await source.next()) await out.write(JSON.stringify(frameJson(frame, selectFrameRows(frame))) + '\n')
    await out.end()
    const cut = cutNotice(file)
    if (cut && !out.closed) process.stderr.write(cut + '\n')
  } finally {
    source.close()
  }
}
