/** Layouts of the engine-level types BPF objects hand to user space (checked against BTF by
 * test/unit/layout.test.ts). Tool records live with their tools (src/trace/layouts.ts). */
import {array, LOSS_SLOT_ENUM, s32, struct, u32, u64, u8, type EnumLayout, type StructLayout} from './layout.js'
import {HIST_SLOTS} from './histogram.js'

/** `struct hist` (addon/bpf/hist.h), in every object that exports it. */
export const HIST = struct('*', 'hist', {count: u64, sum: u64, slots: array(u64, HIST_SLOTS)})

/** Key of the sampler's `counts` map (addon/bpf/sampler.h). */
export const SAMPLE_KEY = struct('sampler', 'sample_key', {tgid: u32, user_stack_id: s32, kernel_stack_id: s32})

/** Record of bench/ringbuf (addon/bpf/ringbench.h): exactly 64 bytes. */
export const RINGBENCH_EVENT = struct('ringbench', 'ringbench_event', {
  seq: u64,
  ts_ns: u64,
  cpu: u32,
  burst_index: u32,
  payload: array(u8, 40),
})

/** Record of bench/toptcp's streaming reference (addon/bpf/tcpstream.h). */
export const TCPSTREAM_EVENT = struct('tcpstream', 'tcpstream_event', {sk: u64, pid: u32, len: u32, tx: u32, pad: u32})

export {LOSS_SLOT_ENUM}

export const ENGINE_LAYOUTS: (StructLayout | EnumLayout)[] = [LOSS_SLOT_ENUM, HIST, SAMPLE_KEY, RINGBENCH_EVENT, TCPSTREAM_EVENT]
