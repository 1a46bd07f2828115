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

const utf8 = new TextDecoder('utf-8')

/** argv as the kernel keeps it: NUL-separated strings. A truncated tail stays as the last element. */
export function splitArgs(bytes: Uint8Array): string[] {
  const out: string[] = []
  let start = 0
  for (let i = 0; i < bytes.length; i++) {
    if (bytes[i] === 0) {
      out.push(utf8.decode(bytes.subarray(start, i)))
      start = i + 1
    }
  }
  if (start < bytes.length) out.push(utf8.decode(bytes.subarray(start)))
  return out
}

let pathScratch = Buffer.alloc(EXEC_FILENAME_MAX + 1)

/** An exec's path as the kernel walked it, leaf first ("true\0bin\0usr\0"), as a path. When the walk
 * was cut short (too deep or too long) its outer components are missing: shown as a leading "...".
 * Runs once per exec: the components are copied in path order into one reused buffer and decoded
 * once (UTF-8 sequences never span a NUL, so reordering whole components keeps them intact). */
export function resolvedPath(bytes: Uint8Array, truncated: boolean): string {
  if (pathScratch.length < bytes.length + 1) pathScratch = Buffer.alloc(bytes.length + 1)
  const out = pathScratch
  let n = 0
  let end = bytes.length
  if (end && bytes[end - 1] === 0) end--
  for (let i = end - 1; i >= -1; i--) {
    if (i >= 0 && bytes[i] !== 0) continue
    out[n++] = 0x2f // '/'
    for (let j = i + 1; j < end; j++) out[n++] = bytes[j]
    end = i
  }
  const path = n ? out.toString('utf8', 0, n) : '/'
  return truncated ? `...${path}` : path
}

/** A C string of at most `bytes.length` bytes. */
function cString(bytes: Uint8Array): string {
  const end = bytes.indexOf(0)
  return utf8.decode(end < 0 ? bytes : bytes.subarray(0, end))
}

export function decodeExecRecord(view: DataView, offset: number, length: number): ExecRecord {
  if (length < EXEC_EVENT.size) throw new RangeError(`exec record of ${length} bytes is shorter than its header`)
  const r = EXEC_EVENT.decode(view, offset)
  // The lengths come from the kernel, but a record never reaches past its own end.
  const room = length - EXEC_EVENT.size
  const argsLen = Math.min(r.args_len, room)
  const filenameLen = Math.min(r.filename_len, room - argsLen)
  const at = view.byteOffset + offset + EXEC_EVENT.size
  let filename = ''
  if (filenameLen) {
    const bytes = new Uint8Array(view.buffer, at + argsLen, filenameLen)
    filename = r.kind === ExecEventKind.exec ? resolvedPath(bytes, (r.flags & ExecFlag.filenameTruncated) !== 0) : cString(bytes)
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
    argv: argsLen ? splitArgs(new Uint8Array(view.buffer, at, argsLen)) : [],
    filename,
    error: r.error,
  }
}
