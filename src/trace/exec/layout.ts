/** Records of `trace exec`: struct exec_event in addon/bpf/exec.h (checked against BTF by test/unit/layout.test.ts). */
import {char, enumeration, s32, struct, u32, u64} from '../../engine/layout.js'

export const EXEC_EVENT = struct('exec', 'exec_event', {
  ts_ns: u64,
  start_ns: u64,
  kind: u32,
  pid: u32,
  ppid: u32,
  uid: u32,
  exit_code: s32,
  flags: u32,
  args_len: u32,
  pad: u32,
  comm: char(16),
})

export const EXEC_EVENT_KIND = enumeration('exec', 'exec_event_kind', {EXEC_EVENT_EXEC: 1, EXEC_EVENT_EXIT: 2})
export const EXEC_EVENT_FLAGS = enumeration('exec', 'exec_event_flags', {EXEC_FLAG_ARGS_TRUNCATED: 1, EXEC_FLAG_ARGS_FAULT: 2})
