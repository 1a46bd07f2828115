/** A trace file header as the recorder writes it, for tests that write recordings by hand: a fixed
 * host, kernel and clock (realtime − monotonic = offsetUs, tracing started at monotonic startNs). */
import {epochUsWithOffset} from '../../src/engine/clock.js'
import {isoFromEpochUs} from '../../src/output/format.js'
import type {TraceHeader} from '../../src/trace/file/format.js'

export function testHeader(h: Pick<TraceHeader, 'command' | 'options' | 'programs' | 'layouts'>, offsetUs: number, startNs: number): TraceHeader {
  return {
    ...h,
    host: 'testhost',
    kernel: '6.1.0-test',
    monitor_version: '0.1.0',
    mono_to_real_offset_us: offsetUs,
    start_ns: startNs,
    start_ts: isoFromEpochUs(epochUsWithOffset(startNs, offsetUs)),
    pid: 1,
  }
}
