import {PassThrough} from 'node:stream'
import {describe, expect, it} from 'vitest'

import {isoFromEpochNs, isoFromEpochUs} from '../../src/engine/clock.js'
import {MonitorError} from '../../src/errors.js'
import {formatDuration, formatHeader, formatRow, LineWriter, resolveOutput} from '../../src/trace/output.js'

describe('output conventions', () => {
  it('formats timestamps as ISO 8601 UTC with microseconds', () => {
    expect(isoFromEpochNs(1_795_604_720_400_523_071n)).toBe('2026-11-25T11:05:20.400523Z')
    expect(isoFromEpochNs(1_000_000_000_000_001_000n)).toBe('2001-09-09T01:46:40.000001Z')
  })

  it('picks table on a terminal, columns otherwise, and refuses table without one', () => {
    expect(resolveOutput(undefined, true)).toBe('table')
    expect(resolveOutput(undefined, false)).toBe('columns')
    expect(resolveOutput('json', true)).toBe('json')
    expect(() => resolveOutput('table', false)).toThrow(MonitorError)
  })

  it('formats durations with three significant figures', () => {
    expect(formatDuration(null)).toBe('-')
    expect(formatDuration(512)).toBe('512ns')
    expect(formatDuration(311_214)).toBe('311µs')
    expect(formatDuration(45_600_000)).toBe('45.6ms')
    expect(formatDuration(1_234_000_000)).toBe('1.23s')
  })

  it('aligns columns and leaves the last one free', () => {
    const cols = [
      {header: 'PID', width: 5, align: 'right' as const, value: (r: {pid: number; a: string}) => String(r.pid)},
      {header: 'ARGS', width: 0, value: (r: {pid: number; a: string}) => r.a},
    ]
    expect(formatHeader(cols)).toBe('  PID ARGS')
    expect(formatRow(cols, {pid: 42, a: 'x y'})).toBe('   42 x y')
  })

  it('batches lines into one write per tick', async () => {
    const sink = new PassThrough()
    const chunks: string[] = []
    sink.on('data', (c) => chunks.push(String(c)))
    const w = new LineWriter(sink)
    w.line('a')
    w.line('b')
    await w.end()
    expect(chunks).toEqual(['a\nb\n'])
  })
})

describe('monotonic to wall clock', () => {
  it('keeps microseconds exact, with leading zeros', () => {
    expect(isoFromEpochUs(1_795_604_720_400_007)).toBe('2026-11-25T11:05:20.400007Z')
    expect(isoFromEpochUs(1_795_604_720_000_000)).toBe('2026-11-25T11:05:20.000000Z')
    expect(isoFromEpochUs(1_795_604_720_999_999)).toBe('2026-11-25T11:05:20.999999Z')
  })
})
