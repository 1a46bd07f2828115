/** Records of `trace exec`: struct exec_event in addon/bpf/exec.h (checked against BTF by test/unit/layout.test.ts).
 * A record is this header, then `args_len` bytes of argv, then `filename_len` bytes of filename: exec.h
 * documents both encodings. */
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
  filename_len: u32,
  error: u32,
  pad: u32,
  comm: char(16),
})

export const EXEC_EVENT_KIND = enumeration('exec', 'exec_event_kind', {
  EXEC_EVENT_EXEC: 1,
  EXEC_EVENT_EXIT: 2,
  EXEC_EVENT_EXEC_FAILED: 3,
})
export const EXEC_EVENT_FLAGS = enumeration('exec', 'exec_event_flags', {
  EXEC_FLAG_ARGS_TRUNCATED: 1,
  EXEC_FLAG_ARGS_FAULT: 2,
  EXEC_FLAG_FILENAME_TRUNCATED: 4,
  EXEC_FLAG_FILENAME_FAULT: 8,
  EXEC_FLAG_UNTRACKED: 16,
})

/** Bytes of argv and of filename a record can carry (EXEC_ARGS_MAX, EXEC_FILENAME_MAX). */
export const EXEC_ARGS_MAX = 2048
export const EXEC_FILENAME_MAX = 2048
