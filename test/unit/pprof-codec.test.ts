/** The profile.proto codec, the StackProfile bridges and go's number formatting, without go. */
import {gzipSync} from 'node:zlib'
import {describe, expect, it} from 'vitest'

import {syntheticProfile} from '../../bench/pprof/synthetic.mjs'
import {MonitorError} from '../../src/errors.js'
import {goFixed, goG2, percentage, scaledLabel} from '../../src/output/pprof-units.js'
import {decodeProfile} from '../../src/pprof/decode.js'
import {encodeProfile, encodeProfileRaw} from '../../src/pprof/encode.js'
import {fromStacks} from '../../src/pprof/from-stacks.js'
import {functionName} from '../../src/pprof/profile.js'
import {topReport} from '../../src/pprof/report.js'
import {stackSource} from '../../src/pprof/stack-source.js'
import type {StackProfile} from '../../src/pprof/stacks.js'

const stacks: StackProfile = {
  sampleTypes: [
    {type: 'alloc_space', unit: 'bytes'},
    {type: 'inuse_space', unit: 'bytes'},
  ],
  defaultSampleType: 'alloc_space',
  periodType: {type: 'space', unit: 'bytes'},
  period: 524288,
  timeNanos: 1_700_000_000_000_000_000,
  frames: [
    {name: 'leafInlined', file: 'a.go', line: 3, inlined: true},
    {name: 'caller', file: 'a.go', line: 10},
    {name: 'main', file: 'main.go', line: 1},
    {name: 'caller', file: 'a.go', line: 12}, // same function, other line
  ],
  samples: [
    {stack: [0, 1, 2], values: [2 ** 40, -5]},
    {stack: [3, 2], values: [-(2 ** 52), 7], labels: {thread: 'w1', bytes: 64}},
    {stack: [2], values: [0, 0]},
  ],
}

/** All stacks of a source as frame-name strings (leaf first) with their values. */
function expand(p: ReturnType<typeof fromStacks>): string[] {
  const src = stackSource(p)
  const out: string[] = []
  src.forEachSample((stack, n, values) => {
    const names = Array.from({length: n}, (_, k) => {
      const f = src.frame(stack[k])
      return `${f.name}:${f.line}${f.inlined ? '(i)' : ''}`
    })
    out.push(`${names.join(' ')} = ${Array.from(values).join(',')}`)
  })
  return out
}

describe('codec', () => {
  it('round-trips a profile: negative and 2^52 values, labels, inlined lines, metadata', () => {
    const p = fromStacks(stacks)
    // The inlined frame and its caller share one location with two lines, innermost first.
    expect(p.locStart[1] - p.locStart[0]).toBe(2)
    const loc = p.locs[0]
    expect(p.lineStart[loc + 1] - p.lineStart[loc]).toBe(2)
    expect(functionName(p, p.lineFunction[p.lineStart[loc]])).toBe('leafInlined')
    // Functions are deduplicated by name and file: caller:10 and caller:12 are one function.
    expect(p.functionCount).toBe(3)

    for (const bytes of [encodeProfile(p), encodeProfileRaw(p)]) {
      const q = decodeProfile(bytes)
      expect(q.sampleCount).toBe(3)
      expect(Array.from(q.values)).toEqual([2 ** 40, -5, -(2 ** 52), 7, 0, 0])
      expect(q.sampleTypes).toEqual(stacks.sampleTypes)
      expect(q.defaultSampleType).toBe('alloc_space')
      expect(q.period).toBe(524288)
      expect(q.timeNanos).toBe(1_700_000_000_000_000_000)
      expect(q.labels?.[1]).toEqual([{key: 'thread', str: 'w1'}, {key: 'bytes', num: 64}])
      expect(expand(q)).toEqual(expand(p))
    }
    expect(expand(p)).toEqual([
      'leafInlined:3(i) caller:10 main:1 = 1099511627776,-5',
      'caller:12 main:1 = -4503599627370496,7',
      'main:1 = 0,0',
    ])
  })

  it('decodes the synthetic profile the bench uses (written by its own protobuf writer)', () => {
    const p = decodeProfile(syntheticProfile({samples: 2000, functions: 500, seed: 3}))
    expect(p.sampleCount).toBe(2000)
    expect(p.functionCount).toBe(500)
    let depthOk = true
    for (let i = 0; i < p.sampleCount; i++) {
      const d = p.locStart[i + 1] - p.locStart[i]
      if (d < 8 || d > 32) depthOk = false
    }
    expect(depthOk).toBe(true)
    // Re-encoding keeps every stack and value.
    expect(expand(decodeProfile(encodeProfile(p)))).toEqual(expand(p))
  })

  it('reads negative int64 written as 10-byte two\'s complement (diff profiles)', () => {
    // Hand-made: string table ["", "x", "y"], sample types x/y twice, one sample with values -1 and -300.
    const neg = (v: bigint) => {
      let u = BigInt.asUintN(64, v)
      const out: number[] = []
      while (u >= 0x80n) {
        out.push(Number(u & 0x7fn) | 0x80)
        u >>= 7n
      }
      out.push(Number(u))
      return out
    }
    const values = [...neg(-1n), ...neg(-300n)]
    const bytes = Uint8Array.from([
      0x0a, 0x04, 0x08, 0x01, 0x10, 0x02, // sample_type {type: 1, unit: 2}
      0x0a, 0x04, 0x08, 0x01, 0x10, 0x02,
      0x12, values.length + 2, 0x12, values.length, ...values, // sample {value: [-1, -300]}
      0x32, 0x00, 0x32, 0x01, 0x78, 0x32, 0x01, 0x79, // string_table
    ])
    expect(Array.from(decodeProfile(bytes).values)).toEqual([-1, -300])
  })

  it.each([
    ['empty', new Uint8Array(0), /empty/],
    ['truncated gzip', encodeProfile(fromStacks(stacks)).subarray(0, 40), /corrupt or truncated gzip/],
    ['gzip of nothing', gzipSync(new Uint8Array(0)), /empty/],
    ['truncated protobuf', encodeProfileRaw(fromStacks(stacks)).subarray(0, 25), /not a valid pprof profile/],
    ['text', new TextEncoder().encode('hello world, not a profile\n'), /not a valid pprof profile/],
  ])('%s → one MonitorError line', (_name, bytes, message) => {
    let error: unknown
    try {
      decodeProfile(bytes)
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(MonitorError)
    expect((error as Error).message).toMatch(message)
    expect((error as Error).message).not.toContain('\n')
  })
})

describe("go's number formatting", () => {
  it('rounds half to even on the exact binary value, as Go fmt does', () => {
    expect(goFixed(3.125, 2)).toBe('3.12') // an exact tie: even
    expect(goFixed(3.375, 2)).toBe('3.38')
    expect(goFixed(2.675, 2)).toBe('2.67') // 2.67499999… in binary
    expect(goFixed(0.5, 0)).toBe('0')
    expect(goFixed(99.999, 2)).toBe('100.00')
    expect(goFixed(-1.005, 2)).toBe('-1.00')
  })
  it('%.2g like Go', () => {
    expect(goG2(0.5)).toBe('0.5')
    expect(goG2(0.0123)).toBe('0.012')
    expect(goG2(0.00012)).toBe('0.00012')
    expect(goG2(0.000012)).toBe('1.2e-05')
    expect(goG2(0.996)).toBe('1')
  })
  it('percentages and scaled labels', () => {
    expect(percentage(1350, 1350)).toBe('  100%')
    expect(percentage(1170, 1350)).toBe('86.67%')
    expect(percentage(6, 1350)).toBe(' 0.44%')
    expect(percentage(0, 1350)).toBe('    0%')
    expect(percentage(-50, 1000)).toBe(' 5.00%')
    expect(scaledLabel(1_500_000, 'nanoseconds', 'minimum')).toBe('1.50ms')
    expect(scaledLabel(10_000_000, 'nanoseconds', 'ms')).toBe('10ms')
    expect(scaledLabel(1_572_864, 'bytes', 'MB')).toBe('1.50MB')
    expect(scaledLabel(-1_572_864, 'bytes', 'MB')).toBe('-1.50MB')
    expect(scaledLabel(0, 'bytes', 'MB')).toBe('0')
    expect(scaledLabel(12345, 'count', '')).toBe('12345')
  })
})

describe('top report', () => {
  it('flat, cum (once per sample under recursion), order, dropped nodes and inline labels', () => {
    const p = fromStacks({
      sampleTypes: [{type: 'samples', unit: 'count'}],
      frames: [
        {name: 'rec', file: '', line: 1},
        {name: 'main', file: '', line: 1},
        {name: 'tiny', file: '', line: 1},
        {name: 'inl', file: '', line: 1, inlined: true},
      ],
      samples: [
        {stack: [0, 0, 0, 1], values: [50]}, // rec recursing: cum counts it once
        {stack: [3, 1], values: [30]}, // inl inlined into main
        {stack: [1], values: [19]},
        {stack: [2, 1], values: [1]}, // below 0.5% of 100? no: cutoff is 0 (trunc(0.5)) — kept
      ],
    })
    const r = topReport(p)
    expect(r.total).toBe(100)
    expect(r.rows.map((x) => [x.name, x.flat, x.cum, x.inline])).toEqual([
      ['rec', 50, 50, ''],
      ['inl', 30, 30, '(inline)'],
      ['main', 19, 100, ''],
      ['tiny', 1, 1, ''],
    ])
    expect(topReport(p, {nodeFraction: 0.05}).droppedNodes).toBe(1)
    expect(topReport(p, {focus: '^rec$'}).rows.map((x) => x.name)).toEqual(['rec', 'main'])
    expect(topReport(p, {ignore: 'inl'}).shownFlat).toBe(70)
  })
})
