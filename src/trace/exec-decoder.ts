/** Decodes `struct exec_event` (addon/bpf/exec.h) records. */
import {EXEC_EVENT, EXEC_EVENT_FLAGS, EXEC_EVENT_KIND} from './exec/layout.js'

export {EXEC_EVENT}
export const ExecEventKind = {exec: EXEC_EVENT_KIND.values.EXEC_EVENT_EXEC, exit: EXEC_EVENT_KIND.values.EXEC_EVENT_EXIT} as const
export const ExecFlag = {argsTruncated: EXEC_EVENT_FLAGS.values.EXEC_FLAG_ARGS_TRUNCATED, argsFault: EXEC_EVENT_FLAGS.values.EXEC_FLAG_ARGS_FAULT} as const
export const EXEC_ENUMS = {
  exec_event_kind: EXEC_EVENT_KIND.values,
  exec_event_flags: EXEC_EVENT_FLAGS.values,
}

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

export function decodeExecRecord(view: DataView, offset: number, length: number): ExecRecord {
  if (length < EXEC_EVENT.size) throw new RangeError(`exec record of ${length} bytes is shorter than its header`)
  const r = EXEC_EVENT.decode(view, offset)
  const argsLen = Math.min(r.args_len, length - EXEC_EVENT.size)
  const args = new Uint8Array(view.buffer, view.byteOffset + offset + EXEC_EVENT.size, argsLen)
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
    argv: argsLen ? splitArgs(args) : [],
  }
}
