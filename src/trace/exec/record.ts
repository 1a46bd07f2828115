/** Decodes `struct exec_event` (addon/bpf/exec.h) records: the header, then argv, then filename. */
import {EXEC_EVENT, EXEC_EVENT_FLAGS, EXEC_EVENT_KIND, EXEC_FILENAME_MAX} from './layout.js'

export const ExecEventKind = {
  exec: EXEC_EVENT_KIND.values.EXEC_EVENT_EXEC,
  exit: EXEC_EVENT_KIND.values.EXEC_EVENT_EXIT,
  execFailed: EXEC_EVENT_KIND.values.EXEC_EVENT_EXEC_FAILED,
} as const
export const ExecFlag = {
  argsTruncated: EXEC_EVENT_FLAGS.values.EXEC_FLAG_ARGS_TRUNCATED,
  argsFault: EXEC_EVENT_FLAGS.values.EXEC_FLAG_ARGS_FAULT,
  filenameTruncated: EXEC_EVENT_FLAGS.values.EXEC_FLAG_FILENAME_TRUNCATED,
  filenameFault: EXEC_EVENT_FLAGS.values.EXEC_FLAG_FILENAME_FAULT,
  untracked: EXEC_EVENT_FLAGS.values.EXEC_FLAG_UNTRACKED,
} as const
export interface ExecRecord {
  kind: number
  ts_ns: number
  start_ns: number
  pid: number
  ppid: number
  uid: number
  /** Raw wait status as the kernel keeps it: (code << 8) | signal. */
  status: number
  flags: number
  comm: string
  argv: string[]
  /** exec: the executable's real path (see resolvedPath); exec failed: the filename as passed; exit: ''. */
  filename: string
  /** exec failed: the errno (positive, e.g. 2 for ENOENT); else 0. */
  error: number
}

/* Records are decoded in place: one Buffer over the batch's memory (which the drain reuses from
 * batch to batch) serves every record, so no typed-array view is made per record or per string. */
let batchBuffer: ArrayBufferLike | undefined
let batchBytes: Buffer = Buffer.alloc(0)

function bytesOf(view: DataView): Buffer {
  if (view.buffer !== batchBuffer) {
    batchBuffer = view.buffer
    batchBytes = Buffer.from(view.buffer as ArrayBuffer)
  }
  return batchBytes
}

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
}

/** NUL-separated strings in bytes [start, end); a tail without its NUL stays as the last element. */
function splitRange(bytes: Buffer, start: number, end: number): string[] {
  const out: string[] = []
  let from = start
  for (let i = start; i < end; i++) {
    if (bytes[i] === 0) {
      out.push(bytes.toString('utf8', from, i))
      from = i + 1
    }
  }
  if (from < end) out.push(bytes.toString('utf8', from, end))
  return out
}

/** argv as the kernel keeps it: NUL-separated strings. A truncated tail stays as the last element. */
export function splitArgs(bytes: Uint8Array): string[] {
  return splitRange(asBuffer(bytes), 0, bytes.byteLength)
}

let pathScratch = Buffer.alloc(EXEC_FILENAME_MAX + 1)

/** Path of bytes [start, end), leaf first (see resolvedPath). The components are copied in path
 * order into one reused buffer and decoded once (UTF-8 sequences never span a NUL, so reordering
 * whole components keeps them intact). */
function pathRange(bytes: Buffer, start: number, end: number, truncated: boolean): string {
  if (pathScratch.length < end - start + 1) pathScratch = Buffer.alloc(end - start + 1)
  const out = pathScratch
  let n = 0
  if (end > start && bytes[end - 1] === 0) end--
  for (let i = end - 1; i >= start - 1; i--) {
    if (i >= start && bytes[i] !== 0) continue
    out[n++] = 0x2f // '/'
    for (let j = i + 1; j < end; j++) out[n++] = bytes[j]
    end = i
  }
  const path = out.toString('utf8', 0, n)
  return truncated ? `...${path}` : path
}

/** An exec's path as the kernel walked it, leaf first ("true\0bin\0usr\0"), as a path. When the walk
 * was cut short (too deep or too long) its outer components are missing: shown as a leading "...". */
export function resolvedPath(bytes: Uint8Array, truncated: boolean): string {
  return pathRange(asBuffer(bytes), 0, bytes.byteLength, truncated)
}

/** A C string in bytes [start, end). */
function cString(bytes: Buffer, start: number, end: number): string {
  const nul = bytes.indexOf(0, start)
  return bytes.toString('utf8', start, nul < 0 || nul > end ? end : nul)
}

export function decodeExecRecord(view: DataView, offset: number, length: number): ExecRecord {
  if (length < EXEC_EVENT.size) throw new RangeError(`exec record of ${length} bytes is shorter than its header`)
  const r = EXEC_EVENT.decode(view, offset)
  // The lengths come from the kernel, but a record never reaches past its own end.
  const room = length - EXEC_EVENT.size
  const argsLen = Math.min(r.args_len, room)
  const filenameLen = Math.min(r.filename_len, room - argsLen)
  const bytes = bytesOf(view)
  const at = view.byteOffset + offset + EXEC_EVENT.size
  const nameAt = at + argsLen
  let filename = ''
  if (filenameLen) {
    filename =
      r.kind === ExecEventKind.exec
        ? pathRange(bytes, nameAt, nameAt + filenameLen, (r.flags & ExecFlag.filenameTruncated) !== 0)
        : cString(bytes, nameAt, nameAt + filenameLen)
  }
  return {
    kind: r.kind,
    ts_ns: r.ts_ns,
    start_ns: r.start_ns,
    pid: r.pid,
    ppid: r.ppid,
    uid: r.uid,
    status: r.exit_code,
    flags: r.flags,
    comm: r.comm,
    argv: argsLen ? splitRange(bytes, at, nameAt) : [],
    filename,
    error: r.error,
  }
}
