import {PassThrough, Writable} from 'node:stream'
import {describe, expect, it} from 'vitest'

import {MonitorError} from '../../src/errors.js'
import {type Column, cell, fitColumns, formatHeader, formatRow} from '../../src/output/columns.js'
import {formatBytes, formatClock, formatDuration, formatEndpoint, formatLosses, isoFromEpochUs} from '../../src/output/format.js'
import {LineWriter} from '../../src/output/line-writer.js'
import {resolveOutput} from '../../src/output/mode.js'
import {EXEC_COLUMNS} from '../../src/trace/exec/columns.js'

const ctx = {utc: true, nowNs: 0}

describe('output conventions', () => {
  it('formats timestamps as ISO 8601 UTC with microseconds, leading zeros kept', () => {
    expect(isoFromEpochUs(1_795_604_720_400_523)).toBe('2026-11-25T11:05:20.400523Z')
    expect(isoFromEpochUs(1_795_604_720_400_007)).toBe('2026-11-25T11:05:20.400007Z')
    expect(isoFromEpochUs(1_795_604_720_000_000)).toBe('2026-11-25T11:05:20.000000Z')
    expect(isoFromEpochUs(1_000_000_000_000_001)).toBe('2001-09-09T01:46:40.000001Z')
  })

  it('shows clock times in local time unless asked for UTC', () => {
    const us = 1_795_604_720_400_523
    expect(formatClock(us, true)).toBe('11:05:20.400')
    const d = new Date(us / 1000)
    const local = `${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}:20.400`
    expect(formatClock(us, false)).toBe(local)
  })

  it('picks table on a terminal, columns otherwise, and refuses table without one', () => {
    expect(resolveOutput(undefined, true)).toBe('table')
    expect(resolveOutput(undefined, false)).toBe('columns')
    expect(resolveOutput('json', true)).toBe('json')
    expect(() => resolveOutput('table', false)).toThrow(MonitorError)
  })

  it('formats durations, bytes, endpoints and losses', () => {
    expect(formatDuration(null)).toBe('-')
    expect(formatDuration(512)).toBe('512ns')
    expect(formatDuration(1_500)).toBe('1.50us')
    expect(formatDuration(311_214)).toBe('311us')
    expect(formatDuration(45_600_000)).toBe('45.6ms')
    expect(formatDuration(1_234_000_000)).toBe('1.23s')
    expect(formatDuration(125e9)).toBe('2m05s')
    expect(formatDuration(3 * 3600e9 + 7 * 60e9)).toBe('3h07m')
    expect(formatBytes(512)).toBe('512B')
    expect(formatBytes(1536)).toBe('1.50KiB')
    expect(formatBytes(23.4 * 1024 * 1024)).toBe('23.4MiB')
    expect(formatEndpoint('10.0.0.1', 80)).toBe('10.0.0.1:80')
    expect(formatEndpoint('::1', 443)).toBe('[::1]:443')
    expect(formatLosses({a: 0, b: 0})).toBe('lost 0')
    expect(formatLosses({ringbuf_reserve: 10, map_full: 0, output: 2})).toBe('lost 12 (ringbuf_reserve 10, output 2)')
  })

  it('clips a value to its column so nothing after it shifts', () => {
    expect(cell('SIGSEGV(core)', 9, 'right')).toBe('SIGSEGV(~')
    expect(cell('3', 5, 'right')).toBe('    3')
    expect(cell('abc', 5)).toBe('abc  ')
  })

  it('prints text columns aligned with the header, the flexible one last and whole', () => {
    type R = {pid: number; a: string}
    const cols: Column<R>[] = [
      {header: 'PID', width: 5, align: 'right', value: (r) => String(r.pid)},
      {header: 'ARGS', width: 4, flex: true, value: (r) => r.a},
    ]
    expect(formatHeader(cols)).toBe('  PID ARGS')
    expect(formatRow(cols, {pid: 42, a: 'x y z w v'}, ctx)).toBe('   42 x y z w v')
  })

  it('fits the exec columns to 80 and 60 terminal columns by priority, ARGS taking the rest', () => {
    const wide = fitColumns(EXEC_COLUMNS, 160).map((f) => f.column.header)
    expect(wide).toEqual(['TIME', 'PID', 'PPID', 'UID', 'COMM', 'EXIT', 'DURATION', 'ARGS'])
    for (const width of [200, 120, 100, 80, 70, 60]) {
      const fitted = fitColumns(EXEC_COLUMNS, width)
      const total = fitted.reduce((n, f) => n + f.width, 0) + fitted.length - 1
      expect(total, `width ${width}`).toBe(width)
      const args = fitted.at(-1)!
      expect(args.column.header).toBe('ARGS')
      expect(args.width).toBeGreaterThanOrEqual(16)
      for (const must of ['TIME', 'PID', 'COMM', 'EXIT']) expect(fitted.map((f) => f.column.header)).toContain(must)
    }
    // UID goes first, then DURATION, then PPID; COMM and EXIT narrow only as much as needed.
    expect(fitColumns(EXEC_COLUMNS, 80).map((f) => [f.column.header, f.width])).toEqual([
      ['TIME', 12], ['PID', 7], ['PPID', 7], ['COMM', 11], ['EXIT', 13], ['DURATION', 8], ['ARGS', 16],
    ])
    expect(fitColumns(EXEC_COLUMNS, 60).map((f) => f.column.header)).toEqual(['TIME', 'PID', 'COMM', 'EXIT', 'ARGS'])
  })
})

describe('line writer', () => {
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

  it('asks the producer to pause when the reader is behind, and to resume once it caught up', async () => {
    let release!: () => void
    const held: (() => void)[] = []
    const slow = new Writable({
      highWaterMark: 16,
      write(_chunk, _enc, cb) {
        held.push(cb)
        release = () => held.splice(0).forEach((f) => f())
      },
    })
    const events: string[] = []
    const w = new LineWriter(slow, {onCongested: () => events.push('pause'), onDrained: () => events.push('resume')})
    w.line('x'.repeat(100))
    await new Promise((r) => setImmediate(r))
    expect(events).toEqual(['pause'])
    release()
    await new Promise((r) => setImmediate(r))
    expect(events).toEqual(['pause', 'resume'])
  })

  it('lets a paused producer go when the reader closes the pipe (| head): no drain will ever come', async () => {
    const gone = new Writable({highWaterMark: 16, write: () => undefined})
    const events: string[] = []
    const w = new LineWriter(gone, {onCongested: () => events.push('pause'), onDrained: () => events.push('resume'), onClosed: () => events.push('closed')})
    w.line('x'.repeat(100))
    await new Promise((r) => setImmediate(r))
    gone.emit('error', Object.assign(new Error('write EPIPE'), {code: 'EPIPE'}))
    expect(events).toEqual(['pause', 'resume', 'closed'])
    await w.end()
  })
})
