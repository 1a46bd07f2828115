/** The live table's model: order, replacement by key, open rows merged in, filter, scroll, freezing,
 * and a version that stands still when nothing changed. */
import {describe, expect, it} from 'vitest'

import {KEEP_ROWS, TableModel} from '../../src/cli/table-model.js'
import type {Column} from '../../src/output/columns.js'
import type {Snapshot} from '../../src/trace/open.js'
import type {TracerSpec} from '../../src/trace/spec.js'
import type {TableFrameRequest} from '../../src/tui/frame.js'

interface Row {
  id: string
  at: number
  state: string
}

const columns: Column<Row>[] = [
  {header: 'AT', width: 4, align: 'right', value: (r) => String(r.at)},
  {header: 'STATE', width: 6, value: (r) => r.state, color: (r) => (r.state === 'open' ? 'cyan' : undefined)},
  {header: 'ID', width: 2, flex: true, value: (r) => r.id},
]

const spec: TracerSpec<object, Row> = {
  command: 'test',
  object: 'none',
  layouts: [],
  reducer: () => ({record: () => undefined, counts: () => ({})}),
  columns,
  json: (r) => JSON.stringify(r),
  key: (r) => r.id,
  order: (r) => r.at,
  describeCounts: () => 'counts',
}

function setup(open: Row[] = []) {
  let version = 0
  const snap = (): Snapshot<Row> => ({open, counts: {}, lost: {ringbuf_reserve: 0, map_full: 0, read_fault: 0, queue: 0, recursion_misses: 0}, nowNs: 0})
  const model = new TableModel(spec, snap, () => version)
  const req: TableFrameRequest = {width: 20, height: 5, filter: '', scroll: 0, frozen: false, utc: true}
  return {model, req, bump: () => version++}
}

const ids = (rows: {cells: {text: string}[]}[]) => rows.map((r) => r.cells.at(-1)!.text.trim())

describe('live table model', () => {
  it('shows the newest first by the tool order, whatever order rows finish in', () => {
    const {model, req} = setup()
    for (const [id, at] of [['a', 1], ['c', 3], ['b', 2], ['d', 4]] as const) model.add({id, at, state: 'done'})
    const f = model.frame(req)
    expect(ids(f.rows)).toEqual(['d', 'c', 'b', 'a'])
    expect(f.header).toBe('  AT STATE  ID' + ' '.repeat(6))
    expect(f.rows[0].line).toHaveLength(20)
    expect(f.total).toBe(4)
  })

  it('merges open rows in their place and replaces a row that comes again with its key', () => {
    const {model, req} = setup([{id: 'o', at: 2.5, state: 'open'}])
    model.add({id: 'a', at: 1, state: 'done'})
    model.add({id: 'b', at: 3, state: 'start'})
    model.add({id: 'b', at: 3, state: 'done'})
    const f = model.frame(req)
    expect(ids(f.rows)).toEqual(['b', 'o', 'a'])
    expect(f.rows[0].cells[1].text.trim()).toBe('done')
    expect(f.rows[1].cells[1].color).toBe('cyan')
  })

  it('filters on what the columns show, and scrolls within the matches', () => {
    const {model, req} = setup()
    for (let i = 0; i < 30; i++) model.add({id: `r${i}`, at: i, state: i % 3 ? 'done' : 'failed'})
    const failed = model.frame({...req, filter: 'failed'})
    expect(failed.total).toBe(10)
    expect(ids(failed.rows)).toEqual(['r27', 'r24', 'r21', 'r18', 'r15'])
    const scrolled = model.frame({...req, filter: 'failed', scroll: 7})
    expect(ids(scrolled.rows)).toEqual(['r6', 'r3', 'r0'])
    expect(scrolled.first).toBe(7)
  })

  it('freezes what it showed while paused or scrolled, and follows again after', () => {
    const {model, req, bump} = setup()
    model.add({id: 'a', at: 1, state: 'done'})
    const frozen = {...req, frozen: true}
    expect(ids(model.frame(frozen).rows)).toEqual(['a'])
    const v = model.version()
    model.add({id: 'b', at: 2, state: 'done'})
    bump()
    expect(model.version()).toBe(v)
    expect(ids(model.frame(frozen).rows)).toEqual(['a'])
    expect(ids(model.frame(req).rows)).toEqual(['b', 'a'])
  })

  it('keeps its version while nothing happens, and moves it on a new row', () => {
    const {model, req, bump} = setup()
    model.frame(req)
    const v = model.version()
    expect(model.version()).toBe(v)
    bump()
    expect(model.version()).not.toBe(v)
    const w = model.version()
    model.add({id: 'x', at: 1, state: 'done'})
    expect(model.version()).not.toBe(w)
  })

  it('bounds what it keeps and says how many it dropped', () => {
    const {model, req} = setup()
    for (let i = 0; i < KEEP_ROWS * 1.2; i++) model.add({id: String(i), at: i, state: 'done'})
    const f = model.frame(req)
    expect(f.total).toBeLessThanOrEqual(KEEP_ROWS * 1.1)
    expect(f.dropped).toBeGreaterThan(0)
    expect(f.total + f.dropped).toBe(KEEP_ROWS * 1.2)
    expect(ids(f.rows)[0]).toBe(String(KEEP_ROWS * 1.2 - 1))
  })
})
