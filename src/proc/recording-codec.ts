/** How `top --record` stores a TopFrame in a trace-file sample frame (src/trace/file/format.ts, kind
 * sample): a delta against the sample before, with a keyframe (everything) every K samples so a
 * replay can seek and a cut file still reads.
 *
 * Payload (before the container's deflate): a 16-byte prefix — u8 format (1), u8 flags (bit 0:
 * keyframe), u16 reserved, u32 sample index, f64 the frame's epoch ms — so a replay indexes a file
 * without decoding it; then one JSON document (SampleBody).
 *
 * Processes are keyed by (pid, start_ts): a pid reused by a new process is a gone one and a new one.
 * start_ts is matched within START_SLACK_MS: a live frame's start times move by a millisecond or two
 * between refreshes (the boot time they are counted from is re-derived from each refresh's uptime),
 * and such a move is recorded as a change like any other. Which processes count as the same only
 * decides how small a sample is, never what it replays: every value that differs is sent.
 * A process is kept as its values and its shape (the names of its fields, in order — fields a frame
 * does not have, such as eBPF columns of a process the programs did not see, are not in its shape).
 * A new process is sent whole; a kept one only with the fields whose value changed (and its shape
 * when that changed); a gone one as its position. Nothing here knows the field names but pid and
 * start_ts: a field added to FrameProcess or TopFrame is recorded and replayed with no format change.
 * Values go through JSON, which gives every finite number back exactly. */
import {ExitCode, MonitorError} from '../errors.js'
import type {FrameProcess, TopFrame} from './frame.js'

export const SAMPLE_FORMAT = 1
export const SAMPLE_PREFIX_BYTES = 16
const KEYFRAME = 1
/** Start times closer than this are the same process's: far more than they move between refreshes,
 * far less than the time a pid takes to come round again on any real system. */
export const START_SLACK_MS = 1000

/** A column of values: as they are, or integers as differences from the one before ({d}), or ISO
 * timestamps as differences of their epoch ms ({t}), which deflate far better (pids ascend; the
 * processes of a service start together). In a change list, {p}: integers as differences from the
 * process's previous value, {q}: timestamps as differences from the previous one in ms. */
type Column = unknown[] | {d: number[]} | {t: number[]} | {p: number[]} | {q: number[]}

interface SampleBody {
  /** The frame with `processes: null` (its place among the keys kept). */
  frame: Record<string, unknown>
  /** Shapes this sample adds to the dictionary (emptied at a keyframe); ids count on from there. */
  shapes?: string[][]
  /** Positions (in the previous sample's order, as differences) of the processes gone. */
  gone?: number[]
  /** The new processes: positions in this sample's order (differences), shape ids, and per field
   * the values of the new processes that have it, in order. */
  add?: {at: number[]; shape: Column; cols: Record<string, Column>}
  /** Kept processes whose shape changed: positions among the kept (differences), new shape ids. */
  reshape?: [number[], Column]
  /** Per field, kept processes whose value changed: positions among the kept (differences), values. */
  set?: Record<string, [number[], Column]>
}

/** What the prefix says, readable without decoding the body. */
export interface SampleHead {
  keyframe: boolean
  index: number
  epochMs: number
}

type Row = Record<string, unknown>

const rowOf = (p: FrameProcess) => p as unknown as Row

function shapeOf(row: Row): string[] {
  const keys: string[] = []
  for (const k in row) if (row[k] !== undefined) keys.push(k)
  return keys
}

function sameStart(a: unknown, b: unknown): boolean {
  return a === b || Math.abs(isoMs(a) - isoMs(b)) < START_SLACK_MS
}

/** Whether the row's fields are `keys`, in that order (without making the list). */
function hasShape(row: Row, keys: readonly string[]): boolean {
  let i = 0
  for (const k in row) if (row[k] !== undefined && keys[i++] !== k) return false
  return i === keys.length
}

/** Values as JSON prints them: primitives by value, anything else by its JSON. */
function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false
  return JSON.stringify(a) === JSON.stringify(b)
}

function differences(values: readonly number[], from = 0): number[] {
  const out = new Array<number>(values.length)
  let prev = from
  for (let i = 0; i < values.length; i++) {
    out[i] = values[i] - prev
    prev = values[i]
  }
  return out
}

function sums(diffs: readonly number[]): number[] {
  const out = new Array<number>(diffs.length)
  let acc = 0
  for (let i = 0; i < diffs.length; i++) out[i] = acc += diffs[i]
  return out
}

const ISO_MS = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/

/** isoMs of the timestamps seen lately: every process's start_ts is looked at every sample, and each
 * takes only a few values (it moves by a millisecond or two). Emptied when it grows past MEMO_MAX. */
const memo = new Map<string, number>()
const MEMO_MAX = 1 << 16

/** Epoch ms of an ISO timestamp that toISOString() gives back exactly, else NaN. */
function isoMs(v: unknown): number {
  if (typeof v !== 'string' || v.length !== 24) return NaN // (not a 4-digit year's toISOString(): no memo of commands)
  let ms = memo.get(v)
  if (ms === undefined) {
    ms = ISO_MS.test(v) ? Date.parse(v) : NaN
    if (!Number.isNaN(ms) && new Date(ms).toISOString() !== v) ms = NaN
    if (memo.size >= MEMO_MAX) memo.clear()
    memo.set(v, ms)
  }
  return ms
}

/** Only when every difference is an exact integer: a column that is not stays as it is. */
function encodeColumn(values: readonly unknown[]): Column {
  if (values.length > 1) {
    if (values.every((v) => Number.isSafeInteger(v))) {
      const d = differences(values as number[])
      if (d.every(Number.isSafeInteger)) return {d}
    } else {
      const ms = values.map(isoMs)
      if (ms.every(Number.isFinite)) return {t: differences(ms)}
    }
  }
  return values as unknown[]
}

function decodeColumn(c: Column, previous?: readonly unknown[]): unknown[] {
  if (Array.isArray(c)) return c
  if ('d' in c) return sums(c.d)
  if ('t' in c) return sums(c.t).map((ms) => new Date(ms).toISOString())
  if (!previous) throw new Error('a change column relative to values it does not have')
  if ('p' in c) return c.p.map((d, i) => (previous[i] as number) + d)
  return c.q.map((d, i) => new Date(isoMs(previous[i]) + d).toISOString())
}

/** Changed values of kept processes: as differences from their previous value when all are integers. */
function encodeChanges(values: readonly unknown[], previous: readonly unknown[]): Column {
  if (values.every((v, i) => Number.isSafeInteger(v) && Number.isSafeInteger(previous[i]))) {
    const p = values.map((v, i) => (v as number) - (previous[i] as number))
    if (p.every(Number.isSafeInteger)) return {p}
  } else {
    const q = values.map((v, i) => isoMs(v) - isoMs(previous[i]))
    if (q.every(Number.isFinite)) return {q}
  }
  return encodeColumn(values)
}

interface Kept {
  row: Row
  shape: number
  keys: string[]
  /** Position in the previous sample. */
  at: number
  /** The sample that last matched it (a pid listed twice in one frame matches once). */
  seen: number
}

/** Shape dictionary shared by encoder and decoder logic: ids in order of first use since a keyframe. */
class Shapes {
  list: string[][] = []
  private readonly ids = new Map<string, number>()

  reset(): void {
    this.list = []
    this.ids.clear()
  }

  /** The id of `keys`, adding it (and pushing it to `added`) when new. */
  id(keys: string[], added: string[][]): number {
    const name = keys.join('\0')
    let id = this.ids.get(name)
    if (id === undefined) {
      id = this.list.length
      this.ids.set(name, id)
      this.list.push(keys)
      added.push(keys)
    }
    return id
  }
}

export class TopSampleEncoder {
  /** Samples encoded so far (the next one's index). */
  count = 0
  keyframes = 0
  private byPid = new Map<number, Kept>()
  private readonly shapes = new Shapes()
  /** A frame listed a pid twice: only the first is tracked, so the next sample starts afresh. */
  private forceKeyframe = false

  /** @param keyframeEvery a keyframe every this many samples (the first is one) */
  constructor(readonly keyframeEvery = 30) {
    if (!(keyframeEvery >= 1)) throw new RangeError('keyframeEvery must be at least 1')
  }

  encode(frame: TopFrame): Buffer {
    const index = this.count++
    let body = index % this.keyframeEvery === 0 || this.forceKeyframe ? undefined : this.delta(frame, index)
    const keyframe = body === undefined
    if (keyframe) {
      // From nothing: every process is new.
      this.forceKeyframe = false
      this.byPid = new Map()
      this.shapes.reset()
      body = this.delta(frame, index)!
      this.keyframes++
    }
    const json = Buffer.from(JSON.stringify(body), 'utf8')
    const out = Buffer.allocUnsafe(SAMPLE_PREFIX_BYTES + json.length)
    out.writeUInt8(SAMPLE_FORMAT, 0)
    out.writeUInt8(keyframe ? KEYFRAME : 0, 1)
    out.writeUInt16LE(0, 2)
    out.writeUInt32LE(index >>> 0, 4)
    out.writeDoubleLE(frame.epochMs, 8)
    json.copy(out, SAMPLE_PREFIX_BYTES)
    return out
  }

  /** The body against the previous sample (nothing before: a keyframe); undefined when the kept
   * processes changed order (a delta keeps their order), and only a keyframe can say it. */
  private delta(frame: TopFrame, index: number): SampleBody | undefined {
    const added: string[][] = []
    const addAt: number[] = []
    const addShape: number[] = []
    const addCols = new Map<string, unknown[]>()
    const reshapeAt: number[] = []
    const reshapeTo: number[] = []
    const sets = new Map<string, {at: number[]; values: unknown[]; previous: unknown[]}>()
    const next = new Map<number, Kept>()
    let kept = 0
    let lastAt = -1
    for (let j = 0; j < frame.processes.length; j++) {
      const row = rowOf(frame.processes[j])
      const pid = row.pid as number
      const old = this.byPid.get(pid)
      if (old && old.seen !== index && sameStart(old.row.start_ts, row.start_ts)) {
        if (old.at < lastAt) return undefined
        lastAt = old.at
        old.seen = index
        const same = hasShape(row, old.keys)
        const keys = same ? old.keys : shapeOf(row)
        const shape = same ? old.shape : this.shapes.id(keys, added)
        if (shape !== old.shape) {
          reshapeAt.push(kept)
          reshapeTo.push(shape)
        }
        for (const k of keys) {
          if (sameValue(old.row[k], row[k])) continue
          let s = sets.get(k)
          if (!s) sets.set(k, (s = {at: [], values: [], previous: []}))
          s.at.push(kept)
          s.values.push(row[k])
          s.previous.push(old.row[k])
        }
        kept++
        if (!next.has(pid)) next.set(pid, {row, shape, keys, at: j, seen: -1})
        continue
      }
      const keys = shapeOf(row)
      addAt.push(j)
      addShape.push(this.shapes.id(keys, added))
      for (const k of keys) {
        let col = addCols.get(k)
        if (!col) addCols.set(k, (col = []))
        col.push(row[k])
      }
      if (next.has(pid)) this.forceKeyframe = true
      else next.set(pid, {row, shape: addShape[addShape.length - 1], keys, at: j, seen: -1})
    }
    const gone: number[] = []
    for (const old of this.byPid.values()) if (old.seen !== index) gone.push(old.at)
    gone.sort((a, b) => a - b)
    this.byPid = next

    // The frame's own key order, processes (null) in its place.
    const body: SampleBody = {frame: {...(frame as unknown as Row), processes: null}}
    if (added.length) body.shapes = added
    if (gone.length) body.gone = differences(gone)
    if (addAt.length) body.add = {at: differences(addAt), shape: encodeColumn(addShape), cols: Object.fromEntries([...addCols].map(([k, v]) => [k, encodeColumn(v)]))}
    if (reshapeAt.length) body.reshape = [differences(reshapeAt), encodeColumn(reshapeTo)]
    if (sets.size) body.set = Object.fromEntries([...sets].map(([k, s]) => [k, [differences(s.at), encodeChanges(s.values, s.previous)]]))
    return body
  }
}

/** The prefix of a sample payload; throws when it is not one this monitor reads. */
export function sampleHead(payload: Buffer): SampleHead {
  if (payload.length < SAMPLE_PREFIX_BYTES) throw new Error(`${payload.length} bytes, shorter than a sample's prefix`)
  const format = payload.readUInt8(0)
  if (format !== SAMPLE_FORMAT) throw new Error(`sample format ${format} is not one this monitor reads (it reads ${SAMPLE_FORMAT})`)
  return {keyframe: (payload.readUInt8(1) & KEYFRAME) !== 0, index: payload.readUInt32LE(4), epochMs: payload.readDoubleLE(8)}
}

interface Held {
  values: Row
  shape: number
}

export class TopSampleDecoder {
  private rows: Held[] = []
  private readonly shapes = new Shapes()
  /** Index of the sample decoded last (-1: none since the last reset). */
  last = -1

  /** Forgets everything: the next sample must be a keyframe. */
  reset(): void {
    this.rows = []
    this.shapes.reset()
    this.last = -1
  }

  /** The frame of one sample payload. A delta must follow the sample before it; throws (a plain
   * Error saying why) on anything that does not decode. */
  decode(payload: Buffer): TopFrame {
    const head = sampleHead(payload)
    if (!head.keyframe && head.index !== this.last + 1) {
      throw new Error(`sample ${head.index} is a delta and the sample before it (${head.index - 1}) was not decoded`)
    }
    const body = JSON.parse(payload.toString('utf8', SAMPLE_PREFIX_BYTES)) as SampleBody
    if (head.keyframe) {
      this.rows = []
      this.shapes.reset()
    }
    const ignore: string[][] = []
    for (const keys of body.shapes ?? []) this.shapes.id(keys, ignore)

    let kept = this.rows
    if (body.gone) {
      const gone = new Set(sums(body.gone))
      kept = kept.filter((_, i) => !gone.has(i))
    }
    if (body.reshape) {
      const ids = decodeColumn(body.reshape[1]) as number[]
      sums(body.reshape[0]).forEach((at, i) => (this.held(kept, at).shape = this.shapeId(ids[i])))
    }
    for (const [field, [atDiffs, column]] of Object.entries(body.set ?? {})) {
      const at = sums(atDiffs)
      const relative = 'p' in column || 'q' in column
      const values = decodeColumn(column, relative ? at.map((i) => this.held(kept, i).values[field]) : undefined)
      for (let i = 0; i < at.length; i++) this.held(kept, at[i]).values[field] = values[i]
    }
    let rows = kept
    if (body.add) {
      const at = sums(body.add.at)
      const shapeIds = decodeColumn(body.add.shape) as number[]
      const cols = new Map(Object.entries(body.add.cols).map(([k, c]) => [k, {values: decodeColumn(c), next: 0}]))
      rows = new Array<Held>(kept.length + at.length)
      for (let i = 0; i < at.length; i++) {
        if (at[i] >= rows.length || rows[at[i]]) throw new Error(`a new process at position ${at[i]} of ${rows.length}`)
        const shape = this.shapeId(shapeIds[i])
        const values: Row = {}
        for (const k of this.shapes.list[shape]) {
          const col = cols.get(k)
          if (!col || col.next >= col.values.length) throw new Error(`no value of ${k} for a new process`)
          values[k] = col.values[col.next++]
        }
        rows[at[i]] = {values, shape}
      }
      let k = 0
      for (let i = 0; i < rows.length; i++) if (!rows[i]) rows[i] = kept[k++]
    }
    this.rows = rows
    this.last = head.index

    const processes = rows.map((r) => {
      const out: Row = {}
      for (const k of this.shapes.list[r.shape]) out[k] = r.values[k]
      return out as unknown as FrameProcess
    })
    const frame = {...body.frame} as Record<string, unknown>
    frame.processes = processes
    return frame as unknown as TopFrame
  }

  private held(rows: Held[], at: number): Held {
    const h = rows[at]
    if (!h) throw new Error(`a change to process position ${at} of ${rows.length}`)
    return h
  }

  private shapeId(id: number): number {
    if (!Number.isInteger(id) || id < 0 || id >= this.shapes.list.length) throw new Error(`unknown field set ${id}`)
    return id
  }
}

/** A sample that does not decode, as the one line a user sees. */
export function undecodable(path: string, offset: number, error: unknown): MonitorError {
  return new MonitorError(`${path}: the top sample at byte ${offset} does not decode: ${(error as Error).message}`, {exitCode: ExitCode.dataError, cause: error})
}
