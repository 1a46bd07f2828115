export {BpfObject, ringBytesFor, totalLosses} from './bpf.js'
export type {Losses, OpenOptions, PerfEventOptions} from './bpf.js'
export {ConfigError, explainNativeError, MapError, StreamError} from './errors.js'
export {applyConfig, MAX_WAKEUP_BYTES, ringSizeFor, wakeupBytesFor} from './config.js'
export type {ConfigValue} from './config.js'
export {RingBufferStream} from './stream.js'
export type {StopOptions, StreamOptions, StreamStats} from './stream.js'
export {BpfMap, MapType, StackTraceMap, UpdateFlags} from './map.js'
export type {MapEntries, MapInfo, ReadOptions, UpdateFlag} from './map.js'
export {bucketLower, bucketUpper, Histogram, HIST_BYTES, HIST_EXACT, HIST_SLOTS, histIndex, isBucketBoundary} from './histogram.js'
export type {Bucket, PrometheusBucket} from './histogram.js'
export {ENGINE_LAYOUTS, HIST, RINGBENCH_EVENT, SAMPLE_KEY} from './layouts.js'
export {epochUsFromMonotonicNs, epochUsWithOffset, monotonicNowNs, monoToRealOffsetUs} from './clock.js'
export {batchView, forEachRecord, packRecords, readU64} from './records.js'
export type {RecordVisitor} from './records.js'
export {
  addr,
  AF_INET,
  AF_INET6,
  array,
  char,
  enumeration,
  LOSS_SLOT_ENUM,
  LOSS_SLOTS,
  LossSlot,
  readAddress,
  readCString,
  s16,
  s32,
  s64,
  s8,
  struct,
  u16,
  u32,
  u64,
  u64n,
  u8,
} from './layout.js'
export type {AddrType, ArrayType, CharType, Decoded, EnumLayout, Field, FieldType, IntType, StructLayout} from './layout.js'
export {loadNative} from './native.js'
export {P, PF_KTHREAD, PROC_FIELDS, PROC_STRIDE, procConstants, ProcReader} from './proc.js'
export type {ProcField, ProcReading, ProcStatic, ProcSystemTexts} from './proc.js'
