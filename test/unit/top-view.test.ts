/** The top view's pure pieces: columns at a width, filter / sort / tree / cgroup groups, the key
 * reducer, the selection following its process, and screens that never exceed the terminal. */
import {describe, expect, it} from 'vitest'

import {compactBytes, topColumns} from '../../src/tui/top/columns.js'
import {applyKey, decodeKeys, follow, initialTopState, type KeyContext, type TopState} from '../../src/tui/top/keys.js'
import {viewRows, type ViewRow} from '../../src/tui/top/model.js'
import {screenChrome, screenLines} from '../../src/tui/top/screen.js'
import type {ViewFrame, ViewProcess} from '../../src/tui/top/types.js'

const T0 = Date.parse('2026-12-03T10:00:00.000Z')

function proc(pid: number, o: Partial<ViewProcess> = {}): ViewProcess {
  return {
    pid, ppid: 1, user: 'root', uid: 0, state: 'S', priority: 20, nice: 0, threads: 1, cpu_percent: 0, mem_percent: 0,
    rss_bytes: 1024 * pid, shared_bytes: 0, virt_bytes: 0, cpu_time_s: 0, start_ts: new Date(T0 + pid).toISOString(),
    cgroup: '/system.slice', container: null, command: `cmd-${pid}`, comm: `cmd-${pid}`, ...o,
  }
}

function frame(processes: ViewProcess[], o: Partial<ViewFrame> = {}): ViewFrame {
  return {
    epochMs: T0, intervalS: 1, mode: 'core',
    system: {
      cpuPercent: 10, perCpuPercent: [10, 20],
      memory: {totalBytes: 8 * 2 ** 30, availableBytes: 4 * 2 ** 30, swapTotalBytes: 0, swapFreeBytes: 0},
      load: {load1: 0.5, load5: 0.4, load15: 0.3}, uptimeS: 100_000,
      pressure: {cpu: {some: {avg10: 1.5}, full: null}, memory: {some: {avg10: 0}, full: {avg10: 0}}, io: null},
      tasks: {total: processes.length, running: 1, sleeping: processes.length - 1, stopped: 0, zombie: 0, threads: processes.length},
    },
    self: {pid: 2, cpu_percent: 1.2, rss_bytes: 60 * 2 ** 20},
    processes, shortLived: null, bpf: {state: 'off', note: 'needs root', lost: 0}, ...o,
  }
}

const pids = (rows: ViewRow[]) => rows.map((r) => (r.kind === 'process' ? r.p.pid : r.name))
const base = {sort: 'cpu' as const, invert: false, layout: 'list' as const, filter: ''}

describe('top view model', () => {
  const procs = [
    proc(1, {ppid: 0, cpu_percent: 1, command: '/sbin/init', user: 'root'}),
    proc(10, {cpu_percent: 50, command: 'nginx: master', container: 'web'}),
    proc(11, {ppid: 10, cpu_percent: 50, command: 'nginx: worker', container: 'web', user: 'www'}),
    proc(12, {ppid: 11, cpu_percent: 5, command: 'helper', container: 'web', user: 'www'}),
    proc(20, {cpu_percent: 7, command: 'postgres', rss_bytes: 10 ** 9, cpu_time_s: 900}),
  ]
  it('sorts busiest first with pid as the tie-break; invert, pid ascending, memory, time', () => {
    expect(pids(viewRows({processes: procs}, base))).toEqual([10, 11, 20, 12, 1])
    expect(pids(viewRows({processes: procs}, {...base, invert: true}))).toEqual([1, 12, 20, 10, 11])
    expect(pids(viewRows({processes: procs}, {...base, sort: 'pid'}))).toEqual([1, 10, 11, 12, 20])
    expect(pids(viewRows({processes: procs}, {...base, sort: 'mem'}))[0]).toBe(20)
    expect(pids(viewRows({processes: procs}, {...base, sort: 'time'}))[0]).toBe(20)
    expect(pids(viewRows({processes: procs}, {...base, sort: 'command'}))).toEqual([1, 12, 10, 11, 20])
  })
  it('filters by command, user or pid, case-insensitively, and by the command-line flags', () => {
    expect(pids(viewRows({processes: procs}, {...base, filter: 'NGINX'}))).toEqual([10, 11])
    expect(pids(viewRows({processes: procs}, {...base, filter: 'www'}))).toEqual([11, 12])
    expect(pids(viewRows({processes: procs}, {...base, filter: '20'}))).toEqual([20])
    expect(pids(viewRows({processes: procs}, {...base, user: 'www', comm: 'help'}))).toEqual([12])
    expect(pids(viewRows({processes: procs}, {...base, pids: [1, 20]}))).toEqual([20, 1])
  })
  it('tree: each process after its parent, siblings by the sort, depth for indentation', () => {
    const rows = viewRows({processes: procs}, {...base, layout: 'tree'})
    expect(pids(rows)).toEqual([1, 10, 11, 12, 20])
    expect(rows.map((r) => (r.kind === 'process' ? r.depth : -1))).toEqual([0, 1, 2, 3, 1])
    // A filtered-out parent makes its child a root.
    expect(pids(viewRows({processes: procs}, {...base, layout: 'tree', filter: 'helper'}))).toEqual([12])
  })
  it('groups by container, else cgroup, busiest group first, with totals', () => {
    const rows = viewRows({processes: procs}, {...base, layout: 'group'})
    expect(pids(rows)).toEqual(['web', 10, 11, 12, '/system.slice', 20, 1])
    expect(rows[0]).toMatchObject({kind: 'group', count: 3, cpuPercent: 105})
  })
})

describe('top columns', () => {
  it('keep every column at 200, drop the least telling at 80 and give COMMAND the rest', () => {
    const wide = topColumns(200, false).map((f) => f.column.header)
    expect(wide).toEqual(['PID', 'USER', 'PRI', 'NI', 'VIRT', 'RES', 'SHR', 'S', 'CPU%', 'MEM%', 'TIME+', 'THR', 'CGROUP', 'COMMAND'])
    const narrow = topColumns(80, false)
    const names = narrow.map((f) => f.column.header)
    expect(names).toEqual(expect.arrayContaining(['PID', 'USER', 'RES', 'S', 'CPU%', 'MEM%', 'COMMAND']))
    expect(names).not.toContain('CGROUP')
    expect(narrow.reduce((n, f) => n + f.width + 1, -1)).toBe(80)
    expect(narrow.at(-1)!.width).toBeGreaterThanOrEqual(20)
  })
  it('eBPF columns only when the frame has them', () => {
    expect(topColumns(200, false).map((f) => f.column.header)).not.toContain('TX/s')
    expect(topColumns(240, true).map((f) => f.column.header)).toEqual(expect.arrayContaining(['TX/s', 'RX/s', 'RUNQ', 'RQp99']))
  })
  it('memory in at most 5 characters', () => {
    expect([0, 812 * 1024, 97.3 * 2 ** 20, 21 * 2 ** 30, 1023 * 2 ** 20].map(compactBytes)).toEqual(['0', '812K', '97.3M', '21.0G', '1.00G'])
  })
})

describe('top keys', () => {
  const procs = Array.from({length: 30}, (_, i) => proc(100 + i, {cpu_percent: i}))
  const ctxOf = (rows: ViewRow[]): KeyContext => ({rows, page: 10, live: true, bpfOn: false})
  const press = (s: TopState, keys: string[], rows: ViewRow[]) => keys.reduce((st, k) => follow(applyKey(st, k, ctxOf(rows)).state, rows, 10), s)

  it('decodes escape sequences and plain keys, several per read', () => {
    expect(decodeKeys('\x1b[A\x1b[6~/ab\r\x1b[17~\x1b[21~\x1bq')).toEqual(['up', 'pgdn', '/', 'a', 'b', 'enter', 'f6', 'f10', 'esc', 'q'])
  })
  it('sort keys, invert, the sort menu and < >', () => {
    const rows = viewRows({processes: procs}, base)
    let s = press(initialTopState(), ['M'], rows)
    expect(s.sort).toBe('mem')
    s = press(s, ['I'], rows)
    expect(s.invert).toBe(true)
    s = press(s, ['P', '>'], rows)
    expect(s.sort).toBe('mem')
    s = press(s, ['f6', 'down', 'down', 'enter'], rows)
    expect(s.sort).toBe('threads')
    expect(s.sortMenu).toBeNull()
    expect(press(s, ['<'], rows).sort).toBe('time')
  })
  it('filter editing: Enter keeps it, Esc clears it; q inside the filter is text', () => {
    const rows = viewRows({processes: procs}, base)
    let s = press(initialTopState(), ['/', 'q', 'x', 'backspace', 'y', 'enter'], rows)
    expect(s).toMatchObject({filter: 'qy', editing: false, quit: false})
    s = press(s, ['esc'], rows)
    expect(s.filter).toBe('')
    expect(press(s, ['f10'], rows).quit).toBe(true)
  })
  it('the selection follows its process when the order changes, and stops at the ends', () => {
    let rows = viewRows({processes: procs}, base)
    let s = press(initialTopState(), ['down', 'down'], rows)
    expect(s.selected?.pid).toBe(127)
    // The next frame: 127 becomes the busiest.
    const next = procs.map((p) => (p.pid === 127 ? {...p, cpu_percent: 99, start_ts: new Date(Date.parse(p.start_ts) + 3).toISOString()} : p))
    rows = viewRows({processes: next}, base)
    s = follow(s, rows, 10)
    expect(s.cursor).toBe(0)
    expect(s.selected?.pid).toBe(127)
    s = press(s, ['end'], rows)
    expect(s.cursor).toBe(29)
    expect(s.top).toBe(20)
    s = press(s, ['pgup'], rows)
    expect(s.cursor).toBe(19)
    s = press(s, ['home'], rows)
    expect(s).toMatchObject({cursor: 0, top: 0, following: false})
  })
  it('a process gone: the cursor stays where it was', () => {
    let rows = viewRows({processes: procs}, base)
    let s = press(initialTopState(), ['down', 'down', 'down'], rows)
    const gone = s.selected!.pid
    rows = viewRows({processes: procs.filter((p) => p.pid !== gone)}, base)
    s = follow(s, rows, 10)
    expect(s.cursor).toBe(3)
    expect(s.selected!.pid).not.toBe(gone)
  })
  it('a new process with the same pid is not the selected one', () => {
    let rows = viewRows({processes: procs}, base)
    let s = press(initialTopState(), ['down'], rows)
    const pid = s.selected!.pid
    rows = viewRows({processes: procs.map((p) => (p.pid === pid ? {...p, cpu_percent: 99, start_ts: new Date(T0 + 60_000).toISOString()} : p))}, base)
    s = follow(s, rows, 10)
    expect(s.cursor).toBe(1)
  })
  it('tags with Space, children with c, and k asks before a signal to the tagged processes', () => {
    const tree = [proc(1, {ppid: 0}), proc(2, {ppid: 1}), proc(3, {ppid: 2}), proc(4, {ppid: 1})]
    const rows = viewRows({processes: tree}, {...base, sort: 'pid'})
    let s = press(initialTopState({sort: 'pid'}), [' '], rows)
    expect([...s.tagged.keys()]).toEqual([1])
    expect(s.cursor).toBe(1)
    s = press(s, ['U', 'c'], rows)
    expect([...s.tagged.keys()].sort()).toEqual([2, 3])
    s = press(s, ['k'], rows)
    expect(s.killMenu).toBe(0)
    const out = applyKey(applyKey(s, 'down', ctxOf(rows)).state, 'enter', ctxOf(rows))
    expect(out.effects).toEqual([{type: 'signal', signal: 'SIGKILL', targets: [{pid: 2, start_ts: tree[1].start_ts}, {pid: 3, start_ts: tree[2].start_ts}]}])
    expect(applyKey(s, 'esc', ctxOf(rows)).effects).toEqual([])
  })
  it('interval steps of 0.5 s, never below 0.5 s; pause; CPU% scale; replay steps', () => {
    const rows = viewRows({processes: procs}, base)
    let s = press(initialTopState({intervalS: 1}), ['-', '-', '-'], rows)
    expect(s.intervalS).toBe(0.5)
    s = press(s, ['+', '+', 'p', 'm'], rows)
    expect(s).toMatchObject({intervalS: 1.5, paused: true, cpuView: 'machine'})
    const replay = {...ctxOf(rows), live: false}
    expect(applyKey(s, 'left', replay).effects).toEqual([{type: 'step', to: -1}])
    expect(applyKey(s, 'end', replay).effects).toEqual([{type: 'step', to: 'last'}])
    expect(applyKey(s, 'k', replay).state.message).toMatch(/replay/)
  })
})

describe('top screen', () => {
  const procs = Array.from({length: 300}, (_, i) => proc(1000 + i, {cpu_percent: i % 7, command: `/usr/bin/long-command --with ${'x'.repeat(200)}`}))
  // eslint-disable-next-line no-control-regex
  const plain = (l: string) => l.replace(/\x1b\[[0-9;]*m/g, '')
  for (const [width, height] of [[80, 24], [200, 50], [40, 10]]) {
    it(`${width}x${height}: fewer lines than the terminal, none wider`, () => {
      const f = frame(procs, {shortLived: [{pid: 5, ppid: 1, comm: 'true', command: '/bin/true', uid: 0, exit_code: 0, start_ts: '', duration_ns: 1e6}]})
      for (const s of [initialTopState(), {...initialTopState(), help: true}, {...initialTopState(), killMenu: 0}, {...initialTopState(), sortMenu: 3}]) {
        const rows = viewRows(f, base)
        const chrome = screenChrome(f, s, width, height, {live: true})
        const lines = screenLines(f, rows, follow(s, rows, chrome.page), width, chrome, {live: true}).map(plain)
        expect(lines.length).toBeLessThan(height)
        for (const l of lines) expect(l.length).toBeLessThanOrEqual(width)
      }
    })
  }
  it('header: CPU bars, memory, tasks, load, PSI, monitor itself, short-lived count; footer: eBPF note', () => {
    const f = frame(procs, {shortLived: []})
    const s = initialTopState()
    const chrome = screenChrome(f, s, 200, 50, {live: true})
    const text = screenLines(f, viewRows(f, base), s, 200, chrome, {live: true}).map(plain).join('\n')
    for (const want of ['0[', '1[', 'Mem[', 'Swp[', 'Tasks: 300', 'Load average: 0.50', 'PSI some cpu 1.50', 'full mem 0.00', 'monitor: 1.2% CPU, 60.0MiB', 'Short-lived: 0', 'eBPF columns off: needs root', 'Refresh: 1.0s'])
      expect(text).toContain(want)
    const replay = screenLines(f, [], {...s, paused: true}, 200, screenChrome(f, s, 200, 50, {live: false, position: '3/9'}), {live: false, position: '3/9'}).map(plain).join('\n')
    expect(replay).toContain('REPLAY 2026-12-03 10:00:00.000 (3/9)')
  })
  it('lost eBPF records are shown; eBPF columns appear when on', () => {
    const f = frame([proc(1, {tx_bytes_per_s: 2048, runq_avg_ns: 1500})], {bpf: {state: 'on', note: null, lost: 7}})
    const s = initialTopState()
    const text = screenLines(f, viewRows(f, base), s, 240, screenChrome(f, s, 240, 50, {live: true}), {live: true}).map(plain).join('\n')
    expect(text).toContain('eBPF lost: 7')
    expect(text).toMatch(/TX\/s +RX\/s +RUNQ +RQp99/)
    expect(text).toContain('2.00KiB')
    expect(text).toContain('1.50us')
  })
})
