/** The live table view, and the fast output path it draws through: frames must come out the same
 * as through Ink's own, which this checks on frames with colours, clipped cells, a paused footer,
 * a filter being typed and an empty table. */
import {styledCharsFromTokens, styledCharsToString, tokenize} from '@alcalzone/ansi-tokenize'
import chalk from 'chalk'
import {render} from 'ink-testing-library'
import React from 'react'
import {describe, expect, it} from 'vitest'

import {speedUpInkOutput} from '../../src/tui/ink-fast-output.js'
import type {TableFrame} from '../../src/tui/frame.js'
import {LiveTable, type LiveTableProps} from '../../src/tui/live-table.js'

function row(key: string, cells: [string, string?][]) {
  const c = cells.map(([text, color]) => ({text, color}))
  return {key, cells: c, line: c.map((x) => x.text).join(' ')}
}

const base: TableFrame = {
  header: 'TIME           PID COMM       EXIT ARGS',
  rows: [
    row('a', [['12:00:00.001'], ['  101'], ['true      '], ['      0'], ['/bin/true x']]),
    row('b', [['12:00:00.002'], ['  102'], ['sh        '], ['SIGSEGV', 'red'], ['sh -c "kill -SEGV $$"']]),
    row('c', [['12:00:00.003'], ['  103'], ['sleep     '], ['running', 'cyan'], ['sleep 10~']]),
  ],
  total: 40,
  first: 0,
  status: '3 runs, 1 running',
  lost: 'lost 0',
  anyLost: false,
  dropped: 0,
}

const FRAMES: LiveTableProps[] = [
  {...base, width: 80, paused: false, filter: '', editingFilter: false},
  {...base, width: 60, paused: true, filter: '', editingFilter: false, lost: 'lost 3 (ringbuf_reserve 3)', anyLost: true},
  {...base, width: 100, paused: false, filter: 'sle', editingFilter: true, first: 5, dropped: 12},
  {...base, width: 80, rows: [], total: 0, paused: false, filter: 'zz', editingFilter: false},
]

/** One canonical spelling of the same styled text (escape codes may be ordered differently). */
function canonical(frame: string): string {
  return frame
    .split('\n')
    .map((line) => styledCharsToString(styledCharsFromTokens(tokenize(line))))
    .join('\n')
}

function draw(props: LiveTableProps): string {
  const r = render(<LiveTable {...props} />)
  const frame = r.lastFrame() ?? ''
  r.unmount()
  return frame
}

describe('live table', () => {
  it('draws a header, its rows in order and a footer with counts, position and keys', () => {
    chalk.level = 0
    const frame = draw(FRAMES[0])
    const lines = frame.split('\n')
    expect(lines[0]).toMatch(/^TIME {11}PID COMM {7}EXIT ARGS/)
    expect(lines.slice(1, 4).map((l) => l.slice(0, 18))).toEqual(['12:00:00.001   101', '12:00:00.002   102', '12:00:00.003   103'])
    expect(lines[4]).toMatch(/^3 runs, 1 running · lost 0 · 1–3 of 40 \(\+37 more ↓\) · p pause · \/ filter/)
    expect(draw(FRAMES[1]).split('\n').at(-1)).toMatch(/^PAUSED \(p resume\) · 3 runs/)
    expect(draw(FRAMES[3])).toMatch(/no rows match/)
  })

  it('draws the same frames through the fast output path as through Ink', async () => {
    chalk.level = 3
    const inks = FRAMES.map(draw)
    expect(await speedUpInkOutput(), 'the patch no longer applies to this Ink').toBe(true)
    const fast = FRAMES.map(draw)
    expect(fast.map(canonical)).toEqual(inks.map(canonical))
    expect(inks[1]).toContain('\u001B[31m') // colours were really drawn
    chalk.level = 0
  })
})
