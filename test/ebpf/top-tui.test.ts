/** The interactive `monitor top` in a real terminal (tmux), driven as a user would: header, sort
 * keys, filter, tree, a signal sent after confirmation, pause, help, quit; and 80 columns without a
 * wrapped line. It needs no root (the processes it signals are its own); as root the eBPF columns and
 * the short-lived panel are on, as a user gets them. */
import {type ChildProcess, spawn, spawnSync} from 'node:child_process'
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterEach, describe, expect, it} from 'vitest'

import {CLI, sleep, waitFor} from '../support/ebpf.js'
import {TmuxSession} from '../support/tmux.js'

const MARK = String(70_000 + (process.pid % 9_000))

let term = new TmuxSession()
const screen = () => term.screen().replace(/\n$/, '')
const keys = (...k: string[]) => term.keys(...k)

function start(width: number, height: number, args = ''): void {
  const cmd = `env -u CI ${process.execPath} ${CLI} top --interval 0.5 ${args}; echo "EXITED $?"; sleep 60`
  term = new TmuxSession()
  term.start(cmd, width, height)
}

const children: ChildProcess[] = []
afterEach(() => {
  term.kill()
  for (const c of children.splice(0)) {
    // The detached ones lead a process group (a shell and its sleep): end the whole group.
    try {
      process.kill(-c.pid!, 'SIGKILL')
    } catch {
      c.kill('SIGKILL') // not a group leader
    }
  }
})

/** A shell (the parent) with one `sleep MARK` child; both command lines hold MARK. */
async function family(): Promise<{parent: ChildProcess; childPid: number; childExit: Promise<void>}> {
  const parent = spawn('sh', ['-c', `sleep ${MARK} & echo $!; wait`], {stdio: ['ignore', 'pipe', 'ignore'], detached: true})
  children.push(parent)
  const childPid = await new Promise<number>((resolve) => parent.stdout!.once('data', (d) => resolve(Number(String(d).trim()))))
  // The parent's `wait` returns when its child ends: the child's death is seen there.
  const childExit = new Promise<void>((resolve) => parent.on('exit', () => resolve()))
  return {parent, childPid, childExit}
}

const UNIT: Record<string, number> = {'': 1, K: 2 ** 10, M: 2 ** 20, G: 2 ** 30, T: 2 ** 40}
const bytes = (s: string) => Number(s.slice(0, -1)) * (UNIT[s.at(-1)!] ?? NaN) || Number(s)

/** The process rows on screen by column name: every cell but COMMAND (the last) is one word. */
function table(text = screen()): {header: string; rows: Record<string, string>[]} {
  const lines = text.split('\n')
  const at = lines.findIndex((l) => /^\s+PID USER/.test(l))
  if (at < 0) return {header: '', rows: []}
  const header = lines[at]
  const names = header.trim().split(/\s+/)
  const rows: Record<string, string>[] = []
  for (const line of lines.slice(at + 1)) {
    if (!/^\s*\d+ /.test(line)) break
    const words = line.trim().split(/\s+/)
    const row: Record<string, string> = {}
    names.forEach((n, i) => (row[n] = i < names.length - 1 ? words[i] : words.slice(i).join(' ')))
    rows.push(row)
  }
  return {header, rows}
}

describe('monitor top live view', () => {
  it('header, sort keys, filter, tree, kill with confirmation, pause, help, quit', async () => {
    const {childPid, childExit, parent} = await family()
    start(200, 50)
    expect(await waitFor(() => /Tasks: \d+/.test(screen()) && table().rows.length > 5, 20_000), screen()).toBe(true)
    const first = screen()
    for (const want of [/^ *0\[.*%\]/m, /Mem\[/, /Swp\[/, /Load average: [\d.]+ [\d.]+ [\d.]+/, /Uptime: /, /PSI some cpu/, /monitor: [\d.]+% CPU, [\d.]+\w+ RSS/, /Refresh: 0\.5s/])
      expect(first).toMatch(want)
    expect(first).toMatch(/sort CPU%/)

    keys('N')
    expect(await waitFor(() => screen().includes('sort PID'), 3000), screen()).toBe(true)
    const byPid = table().rows.map((r) => Number(r.PID))
    expect(byPid).toEqual([...byPid].sort((a, b) => a - b))
    keys('M')
    expect(await waitFor(() => screen().includes('sort MEM%'), 3000), screen()).toBe(true)
    const byMem = table().rows.map((r) => bytes(r.RES))
    expect(byMem.every((v, i) => i === 0 || v <= byMem[i - 1]), byMem.join()).toBe(true)
    keys('P')
    expect(await waitFor(() => screen().includes('sort CPU%'), 3000)).toBe(true)
    // The sort key: > steps to the next column, F6 / o chooses from a list.
    keys('>')
    expect(await waitFor(() => screen().includes('sort MEM%'), 3000), screen()).toBe(true)
    keys('o')
    expect(await waitFor(() => screen().includes('Sort by'), 3000), screen()).toBe(true)
    keys('Up', 'Up', 'Up', 'Enter')
    expect(await waitFor(() => screen().includes('sort SHR') && !screen().includes('Sort by'), 3000), screen()).toBe(true)

    keys('/', ...MARK.split(''), 'Enter')
    expect(await waitFor(() => screen().includes(`filter "${MARK}"`) && table().rows.length === 2, 3000), screen()).toBe(true)
    expect(table().rows.map((r) => Number(r.PID)).sort()).toEqual([parent.pid!, childPid].sort())

    keys('t')
    expect(await waitFor(() => screen().includes('| tree'), 3000), screen()).toBe(true)
    const tree = table().rows
    expect(tree.map((r) => Number(r.PID))).toEqual([parent.pid, childPid])
    expect(tree[1].COMMAND).toBe(`\\_ sleep ${MARK}`)

    // The child is the second row: select it, k, the dialog, Enter sends TERM.
    keys('Down', 'k')
    expect(await waitFor(() => screen().includes(`Send a signal to process ${childPid} (sleep)`), 3000), screen()).toBe(true)
    expect(screen()).toMatch(/1 TERM/)
    keys('Enter')
    await childExit
    expect(await waitFor(() => screen().includes(`TERM: ${childPid} sent`), 3000), screen()).toBe(true)
    expect(await waitFor(() => table().rows.length === 0, 5000), screen()).toBe(true)
    keys('Escape', 't')
    expect(await waitFor(() => !screen().includes('filter "') && !screen().includes('| tree'), 3000), screen()).toBe(true)

    keys('p')
    expect(await waitFor(() => screen().includes('PAUSED'), 3000)).toBe(true)
    const held = screen()
    await sleep(1500) // three refreshes: a live screen would have changed (uptime, CPU bars)
    expect(screen()).toBe(held)
    keys('p')
    expect(await waitFor(() => !screen().includes('PAUSED') && screen() !== held, 3000)).toBe(true)

    keys('?')
    expect(await waitFor(() => screen().includes('monitor top keys'), 3000), screen()).toBe(true)
    for (const k of ['Space', 'F6', 'F10', 'Ctrl-C', 'Home End']) expect(screen()).toContain(k)
    keys('x')
    expect(await waitFor(() => !screen().includes('monitor top keys'), 3000), screen()).toBe(true)

    keys('q')
    expect(await waitFor(() => screen().includes('EXITED 0'), 10_000), screen()).toBe(true)
    // The alternate screen is gone: the shell's screen is back, nothing else printed.
    expect(screen().trim()).toBe('EXITED 0')
  })

  it('fits 80 columns: low-priority columns go, COMMAND keeps the rest, nothing wraps', async () => {
    const parent = spawn('sh', ['-c', `sleep 300; : ${MARK}${'y'.repeat(150)}`], {stdio: 'ignore'})
    children.push(parent)
    start(80, 24, `--pid ${parent.pid}`)
    expect(await waitFor(() => table().rows.length >= 1, 20_000), screen()).toBe(true)
    const lines = screen().split('\n')
    expect(lines.length).toBeLessThanOrEqual(24)
    const {header, rows} = table()
    expect(header).not.toContain('CGROUP')
    expect(header.trimEnd().endsWith('COMMAND')).toBe(true)
    expect(rows).toHaveLength(1)
    expect(Number(rows[0].PID)).toBe(parent.pid)
    const row = lines.find((l) => l.trimStart().startsWith(`${parent.pid} `))!
    expect(row.length).toBe(80)
    expect(row.endsWith('~')).toBe(true)
    // Every line fits, and every line after the column header is a row (of the table or of the
    // short-lived panel, on as root), the panel's title or the status line: nothing wrapped.
    expect(lines.every((l) => l.length <= 80), lines.join('\n')).toBe(true)
    const at = lines.findIndex((l) => l === header)
    const rest = lines.slice(at + 1).filter((l) => l.trim())
    expect(rest.every((l) => /^\s*\d+ /.test(l) || /^Short-lived /.test(l) || /\| \? help/.test(l) || /q quit/.test(l)), rest.join('\n')).toBe(true)
    keys('q')
    expect(await waitFor(() => screen().includes('EXITED 0'), 10_000), screen()).toBe(true)
  })
})

describe('monitor top --replay in the view', () => {
  it('plays a recording to its end, steps back and to the first frame, shows REPLAY and the frame time', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'monitor-top-tui-'))
    try {
      const file = join(dir, 'top.trace')
      const rec = spawnSync(process.execPath, [CLI, 'top', '--count', '3', '--interval', '0.5', '-o', 'json', '--limit', '1', '--record', file], {encoding: 'utf8'})
      expect(rec.status, rec.stderr).toBe(0)
      const times = rec.stdout.trim().split('\n').map((l) => (JSON.parse(l) as {ts: string}).ts.replace('T', ' ').slice(0, 23))
      term = new TmuxSession()
      term.start(`env -u CI ${process.execPath} ${CLI} top --replay ${file}; echo "EXITED $?"; sleep 60`, 120, 30)
      expect(await waitFor(() => screen().includes(`REPLAY ${times[2]} (3/3)`) && screen().includes('PAUSED (p play)'), 20_000), screen()).toBe(true)
      keys('Left')
      expect(await waitFor(() => screen().includes(`REPLAY ${times[1]} (2/3)`), 3000), screen()).toBe(true)
      keys('Home')
      expect(await waitFor(() => screen().includes(`REPLAY ${times[0]} (1/3)`), 3000), screen()).toBe(true)
      keys('k')
      expect(await waitFor(() => screen().includes('a replay sends no signals'), 3000), screen()).toBe(true)
      keys('q')
      expect(await waitFor(() => screen().includes('EXITED 0'), 10_000), screen()).toBe(true)
    } finally {
      rmSync(dir, {recursive: true, force: true})
    }
  })
})
