/** Decodes `struct exec_event` (addon/bpf/exec.h) records. Offsets are checked against BTF in tests. */
import {defineStruct} from '../engine/layout.js'
import {readCString, readU64} from '../engine/records.js'

export const EXEC_EVENT = defineStruct('exec', 'exec_event', 64, {
  ts_ns: [0, 8],
  start_ns: [8, 8],
  kind: [16, 4],
  pid: [20, 4],
  ppid: [24, 4],
  uid: [28, 4],
  exit_code: [32, 4],
  flags: [36, 4],
  args_len: [40, 4],
  pad: [44, 4],
  comm: [48, 16],
})

export const ExecEventKind = {exec: 1, exit: 2} as const
export const ExecFlag = {argsTruncated: 1, argsFault: 2} as const
export const EXEC_ENUMS = {
  exec_event_kind: {EXEC_EVENT_EXEC: ExecEventKind.exec, EXEC_EVENT_EXIT: ExecEventKind.exit},
  exec_event_flags: {EXEC_FLAG_ARGS_TRUNCATED: ExecFlag.argsTruncated, EXEC_FLAG_ARGS_FAULT: ExecFlag.argsFault},
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

const F = EXEC_EVENT.fields
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
  const argsLen = Math.min(view.getUint32(offset + F.args_len.offset, true), length - EXEC_EVENT.size)
  const args = new Uint8Array(view.buffer, view.byteOffset + offset + EXEC_EVENT.size, argsLen)
  return {
    kind: view.getUint32(offset + F.kind.offset, true),
    ts_ns: readU64(view, offset + F.ts_ns.offset),
    start_ns: readU64(view, offset + F.start_ns.offset),
    pid: view.getUint32(offset + F.pid.offset, true),
    ppid: view.getUint32(offset + F.ppid.offset, true),
    uid: view.getUint32(offset + F.uid.offset, true),
    status: view.getInt32(offset + F.exit_code.offset, true),
    flags: view.getUint32(offset + F.flags.offset, true),
    comm: readCString(view, offset + F.comm.offset, F.comm.size),
    argv: argsLen ? splitArgs(args) : [],
  }
}

