/** Layouts of the engine's test object (addon/bpf/enginetest.h). */
import {addr, array, char, s16, s32, s64, s8, struct, u16, u32, u64, u64n, u8} from '../../src/engine/layout.js'

export const ENGINE_PROBE_RECORD = struct('enginetest', 'engine_probe_record', {
  u8v: u8,
  s8v: s8,
  u16v: u16,
  s16v: s16,
  family: u16,
  u32v: u32,
  s32v: s32,
  u64v: u64,
  s64v: s64,
  cookie: u64n,
  comm: char(16),
  ids: array(u32, 3),
  port: u16,
  pad: array(u8, 2),
  saddr: addr('family'),
  daddr: addr('family'),
  deltas: array(s16, 2),
  tail: u32,
})

export const ENGINE_TEST_LAYOUTS = [ENGINE_PROBE_RECORD]
