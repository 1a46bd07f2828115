/** The running tracer as a live view sees it: a frame may be drawn while the tracer stops or after
 * it closed, when its maps are gone, so snapshot() and losses() must still answer. */
import {expect, it} from 'vitest'

import {execSpec} from '../../src/trace/exec/spec.js'
import {openTracer} from '../../src/trace/open.js'
import {describeEbpf} from '../support/ebpf.js'

describeEbpf('tracer lifetime', () => {
  it('answers snapshot() and losses() during and after stop, and after a forced close', async () => {
    const tracer = openTracer(execSpec, {comm: 'no-such-comm'}, () => undefined)
    const stopping = tracer.stop()
    expect(() => tracer.snapshot()).not.toThrow()
    const summary = await stopping
    expect(tracer.losses()).toEqual(summary.lost)
    expect(tracer.snapshot().lost).toEqual(summary.lost)
    tracer.close()

    const forced = openTracer(execSpec, {comm: 'no-such-comm'}, () => undefined)
    forced.close()
    expect(forced.snapshot().lost).toEqual({ringbuf_reserve: 0, map_full: 0, read_fault: 0, queue: 0, recursion_misses: 0})
  })
})
