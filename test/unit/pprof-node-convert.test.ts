/** The DevTools → StackProfile converters on hand-built profiles (the shapes Profiler.stop and
 * HeapProfiler.getSamplingProfile return, and a Chrome .cpuprofile file holds). */
import {describe, expect, it} from 'vitest'

import {type CdpProfile, cpuProfileToStacks} from '../../src/pprof/node/cpu-profile.js'
import {type CdpHeapProfile, heapProfileToStacks, objectsIn} from '../../src/pprof/node/heap-profile.js'
import {catchesSigusr1, loopbackListeners} from '../../src/pprof/node/target.js'

const cf = (functionName: string, url: string, lineNumber: number) => ({functionName, scriptId: '1', url, lineNumber, columnNumber: 4})

const CPU: CdpProfile = {
  nodes: [
    {id: 1, callFrame: cf('(root)', '', -1), children: [2, 5, 6]},
    {id: 2, callFrame: cf('main', 'file:///srv/app.mjs', 9), children: [3]},
    {id: 3, callFrame: cf('hot', 'file:///srv/app.mjs', 19), children: [4]},
    {id: 4, callFrame: cf('', 'file:///srv/app.mjs', 29)},
    {id: 5, callFrame: cf('(garbage collector)', '', -1)},
    {id: 6, callFrame: cf('(idle)', '', -1)},
  ],
  startTime: 1000,
  endTime: 1000 + 7000,
  // Samples at 1000+1000, +2000, +3000, +3500, +5000, +6000; the last one stands until endTime.
  samples: [3, 3, 4, 5, 3, 6],
  timeDeltas: [1000, 1000, 1000, 500, 1500, 1000],
}

describe('cpuProfileToStacks', () => {
  it('counts samples and the time until the next sample; 1-based lines; paths; root dropped', () => {
    const p = cpuProfileToStacks(CPU, {intervalNanos: 1e6})
    expect(p.sampleTypes.map((t) => `${t.type}/${t.unit}`)).toEqual(['samples/count', 'cpu/nanoseconds'])
    expect(p.period).toBe(1e6)
    const byLeaf = new Map(p.samples.map((s) => [p.frames[s.stack[0]].name, s]))
    // hot: samples 0, 1 (1 ms each) and 4 (1 ms until sample 5).
    expect(byLeaf.get('hot')!.values).toEqual([3, 3e6])
    expect(byLeaf.get('(anonymous)')!.values).toEqual([1, 0.5e6])
    expect(byLeaf.get('(garbage collector)')!.values).toEqual([1, 1.5e6])
    // The last sample stands until endTime: 7000 − 6000 µs.
    expect(byLeaf.get('(idle)')!.values).toEqual([1, 1e6])
    const hot = byLeaf.get('hot')!
    expect(hot.stack.map((i) => p.frames[i])).toEqual([
      {name: 'hot', file: '/srv/app.mjs', line: 20},
      {name: 'main', file: '/srv/app.mjs', line: 10},
    ])
    expect(p.frames.map((f) => f.name)).not.toContain('(root)')
    expect(p.durationNanos).toBe(7e6)
  })

  it('a profile without samples (hitCount only) counts hits at the interval', () => {
    const nodes = CPU.nodes.map((n) => ({...n, hitCount: n.id === 3 ? 4 : 0}))
    const p = cpuProfileToStacks({nodes, startTime: 0, endTime: 4000}, {intervalNanos: 1e6})
    expect(p.samples).toHaveLength(1)
    expect(p.samples[0].values).toEqual([4, 4e6])
  })

  it('refuses what is not a CPU profile with one line', () => {
    expect(() => cpuProfileToStacks({} as CdpProfile)).toThrow(/^not a V8 CPU profile/)
  })
})

describe('heapProfileToStacks', () => {
  const interval = 512 * 1024
  // What V8 reports for objects of size s: s × round(1 / (1 − e^(−s/interval))).
  const reported = (s: number) => s * Math.floor(1 / (1 - Math.exp(-s / interval)) + 0.5)
  const HEAP: CdpHeapProfile = {
    head: {
      callFrame: cf('(root)', '', -1),
      selfSize: 0,
      id: 1,
      children: [
        {callFrame: cf('main', 'file:///srv/a.js', 0), selfSize: 0, id: 2, children: [{callFrame: cf('alloc', 'file:///srv/a.js', 4), selfSize: reported(1024) * 2, id: 3, children: []}]},
        {callFrame: cf('big', 'file:///srv/a.js', 8), selfSize: reported(4 << 20), id: 4, children: []},
      ],
    },
    samples: [
      {size: reported(1024), nodeId: 3, ordinal: 1},
      {size: reported(1024), nodeId: 3, ordinal: 2},
      {size: reported(4 << 20), nodeId: 4, ordinal: 3},
    ],
  }

  it('inuse_space per allocating stack, inuse_objects recovered from size × count', () => {
    const p = heapProfileToStacks(HEAP, {samplingIntervalBytes: interval})
    expect(p.sampleTypes.map((t) => `${t.type}/${t.unit}`)).toEqual(['inuse_objects/count', 'inuse_space/bytes'])
    const alloc = p.samples.find((s) => p.frames[s.stack[0]].name === 'alloc')!
    expect(alloc.values).toEqual([2 * (reported(1024) / 1024), 2 * reported(1024)])
    expect(alloc.stack.map((i) => `${p.frames[i].name}:${p.frames[i].line}`)).toEqual(['alloc:5', 'main:1'])
    const big = p.samples.find((s) => p.frames[s.stack[0]].name === 'big')!
    expect(big.values).toEqual([1, 4 << 20])
  })

  it('objectsIn inverts V8 scaling where it can, and stays consistent where sizes are ambiguous', () => {
    for (const s of [1024, 4096, 65536, 4 << 20]) expect(objectsIn(reported(s), interval)).toBe(reported(s) / s)
    // Elsewhere V8's product cannot tell sizes apart (16 × 32769 = 24 × 21846 = 48 × 10923; one
    // 600,000-byte object = eight of 75,000): the count returned is one V8 could have reported.
    for (const s of [16, 24, 32, 64, 128, 600_000]) {
      const n = objectsIn(reported(s), interval)
      expect(Number.isInteger(n) && n >= 1).toBe(true)
      expect(reported(reported(s) / n)).toBe(reported(s))
    }
    expect(objectsIn(0, interval)).toBe(0)
  })
})

describe('target checks', () => {
  it('SigCgt: SIGUSR1 is bit 9', () => {
    expect(catchesSigusr1('SigCgt:\t0000000100004602\n')).toBe(true)
    expect(catchesSigusr1('SigCgt:\t0000000000004002\n')).toBe(false)
  })

  it('loopback listeners from /proc/net/tcp text', () => {
    const text = [
      '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode',
      '   0: 0100007F:2405 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 111 1 0 100 0 0 10 0',
      '   1: 00000000:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 222 1 0 100 0 0 10 0',
      '   2: 0100007F:2405 0100007F:C350 01 00000000:00000000 00:00000000 00000000     0        0 333 1 0 100 0 0 10 0',
      '   3: 0A00020F:0016 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 444 1 0 100 0 0 10 0',
    ].join('\n')
    expect(loopbackListeners(text)).toEqual([
      {port: 9221, inode: 111},
      {port: 8080, inode: 222},
    ])
  })
})
