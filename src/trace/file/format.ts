/** monitor's trace-file container: THE trace-file format of the project (`--record FILE` of every
 * streaming tracer; `top --record` and export triggers reuse it). It knows frames, not tracers: what a
 * batch's records mean is the recorded command's business (its spec and reducer).
 *
 * Layout (all integers little-endian):
 *
 *   preamble  16 bytes: magic 89 'M' 'T' 'R' 0D 0A 1A 0A (PNG-style: a text-mode transfer or a
 *             truncated ASCII copy shows as a wrong magic), u32 format version (1), u32 reserved (0)
 *   frames    one after another until the end of the file:
 *               u32 crc32    CRC-32 (zlib's, IEEE 802.3) of the 8 header bytes that follow plus the payload
 *               u32 length   payload bytes (as stored)
 *               u8  kind     1 header, 2 batch, 3 stats, 4 end, 5 state, 6 sample; readers skip kinds they
 *                            do not know
 *               u8  flags    bit 0: the payload is raw-deflated (RFC 1951)
 *               u16 reserved (0)
 *               payload
 *
 *   header (1, first frame, JSON): what was traced: host, kernel, monitor version, command ("trace
 *     exec"), the tracer's options, its programs, record layouts (struct → size), the clock base
 *     (`mono_to_real_offset_us`: realtime − monotonic, so a replay converts times exactly as the live
 *     run), `start_ns` (CLOCK_MONOTONIC when tracing started) and `start_ts`.
 *   batch (2): u64 CLOCK_MONOTONIC ns when the batch reached JS, then the ring's records exactly as
 *     the native drain delivered them ([u32 length][u32 reserved][payload][pad to 8], see
 *     src/engine/records.ts), so a replay feeds them through the same reducer as the live run.
 *   stats (3, JSON): {ns, lost} — the loss counters so far (written at most once a second), so a cut
 *     file still says what was lost.
 *   state (5, JSON, optional; added after version 1 shipped, so readers that predate it skip it and
 *     replay without it): what the tracer captured from the traced system when tracing started
 *     (TracerSpec.state: e.g. owners of connections older than tracing), opaque to the container.
 *     When present it is the frame right after the header, so a replay has it before the first
 *     batch and hands it to the reducer. Deflated when large.
 *   sample (6, optional; added after version 1 shipped): one sample of a command that records samples
 *     rather than ring batches (`top --record`: one refresh of every process, src/proc/recording.ts),
 *     in the recorded command's own encoding: opaque to the container, which only checksums,
 *     deflates and cuts it like any frame. Readers that predate it skip it.
 *   end (4, JSON): {ns, duration_s, counts, lost, lost_total} — the summary of the live run. A file
 *     without it was cut (the recorder was killed, the disk filled): readers read every whole frame
 *     before the cut and say it was cut. A bad checksum in the last frame is a cut too (a torn write);
 *     anywhere else it is corruption (exit 65).
 */
import * as zlib from 'node:zlib'

export const MAGIC = Buffer.from([0x89, 0x4d, 0x54, 0x52, 0x0d, 0x0a, 0x1a, 0x0a])
export const FORMAT_VERSION = 1
export const PREAMBLE_BYTES = 16
export const FRAME_HEADER_BYTES = 12
/** Bytes before a batch frame's records: the receipt time. */
export const BATCH_PREFIX_BYTES = 8

export const FrameKind = {header: 1, batch: 2, stats: 3, end: 4, state: 5, sample: 6} as const
export type FrameKind = (typeof FrameKind)[keyof typeof FrameKind]

export const FrameFlag = {deflated: 1} as const

/** A frame's payload never exceeds this (a batch is at most a few MiB): a larger length is garbage. */
export const MAX_FRAME_BYTES = 256 << 20

/** CRC-32 (IEEE), continuing from `crc`: node:zlib's where Node has it (20.15+, 22.2+), else a table. */
export const crc32: (data: Uint8Array, crc?: number) => number =
  typeof (zlib as {crc32?: unknown}).crc32 === 'function' ? (zlib as unknown as {crc32: (d: Uint8Array, c?: number) => number}).crc32 : tableCrc32

let table: Uint32Array | undefined

/** The classic byte-at-a-time CRC-32 (reflected polynomial 0xEDB88320), as zlib computes it. */
export function tableCrc32(data: Uint8Array, crc = 0): number {
  if (!table) {
    table = new Uint32Array(256)
    for (let n = 0; n < 256; n++) {
      let c = n
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
      table[n] = c >>> 0
    }
  }
  let c = ~crc >>> 0
  for (let i = 0; i < data.length; i++) c = table[(c ^ data[i]) & 0xff] ^ (c >>> 8)
  return ~c >>> 0
}

export function preamble(): Buffer {
  const b = Buffer.alloc(PREAMBLE_BYTES)
  MAGIC.copy(b, 0)
  b.writeUInt32LE(FORMAT_VERSION, 8)
  return b
}

/** Fills the 12 header bytes in front of a payload already in place at `frame[12..]`. */
export function sealFrame(frame: Buffer, kind: FrameKind, flags = 0): Buffer {
  frame.writeUInt32LE(frame.length - FRAME_HEADER_BYTES, 4)
  frame.writeUInt8(kind, 8)
  frame.writeUInt8(flags, 9)
  frame.writeUInt16LE(0, 10)
  frame.writeUInt32LE(crc32(frame.subarray(4)), 0)
  return frame
}

/** A whole frame around a copy of `payload`. */
export function encodeFrame(kind: FrameKind, payload: Uint8Array, flags = 0): Buffer {
  const frame = Buffer.allocUnsafe(FRAME_HEADER_BYTES + payload.byteLength)
  frame.set(payload, FRAME_HEADER_BYTES)
  return sealFrame(frame, kind, flags)
}

export function jsonFrame(kind: FrameKind, value: unknown): Buffer {
  return encodeFrame(kind, Buffer.from(JSON.stringify(value), 'utf8'))
}

/** What a trace file's header frame says. Fields are snake_case like every JSON monitor writes. */
export interface TraceHeader {
  /** The command that recorded it, as users type it ("trace exec"): a replay finds its tracer by it. */
  command: string
  /** The tracer's options (its flags) as it ran. */
  options: unknown
  /** BPF programs attached (the `ready` line lists them). */
  programs: string[]
  /** Record layouts the batches carry: struct name → size in bytes. */
  layouts: Record<string, number>
  host: string
  kernel: string
  monitor_version: string
  /** realtime − monotonic, µs. */
  mono_to_real_offset_us: number
  /** CLOCK_MONOTONIC ns when tracing started. */
  start_ns: number
  /** The same, ISO 8601 UTC. */
  start_ts: string
  /** The recording's pid (to tell recordings apart). */
  pid: number
}

export interface TraceEnd {
  ns: number
  duration_s: number
  counts: Record<string, number>
  lost: Record<string, number>
  lost_total: number
}

export interface TraceStats {
  ns: number
  lost: Record<string, number>
}
