/** The live table in a real terminal (tmux), read as a user would: columns aligned with the header,
 * pause, filter, scroll, quit; fitted to 80 columns; still drawn with CI=true set. */
import {spawnSync} from 'node:child_process'
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterEach, expect, it} from 'vitest'

import {fitColumns} from '../../src/output/columns.js'
import {EXEC_COLUMNS} from '../../src/trace/exec/columns.js'
import {CLI, describeEbpf, sleep, waitFor} from '../support/ebpf.js'
import {TmuxSession} from '../support/tmux.js'

let term = new TmuxSession()

function screen(): string {
  return term.screen()
}

function start(width: number, height: number, env = 'env -u CI'): void {
  // Only this test's children: other activity on the host stays off the screen.
  const cmd = `${env} ${process.execPath} ${CLI} trace exec --pid ${process.pid}; echo "EXITED $?"; sleep 60`
  term = new TmuxSession()
  term.start(cmd, width, height)
}

const footer = /runs?, \d+ running · lost 0/

afterEach(() => term.kill())

/** Where each column of the list starts and ends on a line of `width` characters. */
function spans(width: number) {
  let at = 0
  return fitColumns(EXEC_COLUMNS, width).map((f) => {
    const span = {header: f.column.header, start: at, end: at + f.width, align: f.column.align ?? 'left'}
    at += f.width + 1
    return span
  })
}

describeEbpf('trace exec live table', () => {
  it('aligns every row with the header, pauses, filters, scrolls and quits on q with a summary', async () => {
    start(120, 30)
    expect(await waitFor(() => footer.test(screen()), 20_000), screen()).toBe(true)
    const dir = mkdtempSync(join(tmpdir(), 'monitor-core-'))
    try {
      // A wide EXIT value: a signal with a core dump.
      spawnSync('sh', ['-c', 'ulimit -c unlimited; kill -SEGV $$'], {cwd: dir})
    } finally {
      rmSync(dir, {recursive: true, force: true})
    }
    spawnSync('sh', ['-c', 'exit 3'])
    spawnSync('/bin/true', ['marker-one'])
    expect(await waitFor(() => screen().includes('marker-one'), 5000), screen()).toBe(true)

    const lines = screen().split('\n')
    const cols = spans(120)
    const header = lines[0]
    for (const c of cols) {
      const text = header.slice(c.start, c.end)
      expect(c.align === 'right' ? text.trimStart() : text.trimEnd(), c.header).toBe(c.header)
    }
    const cellOf = (line: string, name: string) => {
      const c = cols.find((x) => x.header === name)!
      return line.slice(c.start, name === 'ARGS' ? undefined : c.end)
    }
    const segv = lines.find((l) => l.includes('kill -SEGV'))!
    expect(cellOf(segv, 'EXIT')).toBe('SIGSEGV(core)')
    expect(cellOf(segv, 'COMM').trim()).toBe('sh')
    const three = lines.find((l) => l.includes('"exit 3"'))!
    expect(cellOf(three, 'EXIT').trimStart()).toBe('3')
    expect(cellOf(three, 'ARGS').trim()).toBe('sh -c "exit 3"')
    const one = lines.find((l) => l.includes('marker-one'))!
    expect(cellOf(one, 'PID').trimStart()).toMatch(/^\d+$/)
    expect(cellOf(one, 'TIME')).toMatch(/^\d\d:\d\d:\d\d\.\d{3}$/)
    // Newest on top, by the time shown.
    const times = lines.slice(1).filter((l) => /^\d\d:/.test(l)).map((l) => l.slice(0, 12))
    expect([...times].sort().reverse()).toEqual(times)

    term.keys('p')
    expect(await waitFor(() => screen().includes('PAUSED'), 3000)).toBe(true)
    expect(screen()).toContain('p resume')
    spawnSync('/bin/true', ['marker-two'])
    await sleep(400)
    expect(screen()).not.toContain('marker-two')
    term.keys('p')
    expect(await waitFor(() => screen().includes('marker-two'), 3000)).toBe(true)

    term.keys('/', 'm', 'a', 'r', 'k', 'e', 'r', '-', 'o', 'Enter')
    expect(await waitFor(() => screen().includes('filter “marker-o”'), 3000), screen()).toBe(true)
    expect(screen()).not.toContain('marker-two')
    expect(screen()).toContain('marker-one')
    term.keys('Escape')
    expect(await waitFor(() => screen().includes('marker-two'), 3000), screen()).toBe(true)

    // More rows than fit: the footer says so, and scrolling reaches the oldest.
    for (let i = 1; i <= 40; i++) spawnSync('/bin/true', [`scroll-${i}`])
    expect(await waitFor(() => /\(\+\d+ more ↓\)/.test(screen()) && screen().includes('scroll-40'), 5000), screen()).toBe(true)
    term.keys('End')
    expect(await waitFor(() => screen().includes('SCROLLED') && screen().includes('marker-one'), 3000), screen()).toBe(true)
    term.keys('Home')
    expect(await waitFor(() => screen().includes('scroll-40') && !screen().includes('SCROLLED'), 3000), screen()).toBe(true)

    term.keys('q')
    expect(await waitFor(() => screen().includes('EXITED 0'), 10_000), screen()).toBe(true)
    expect(screen()).toMatch(/\d+ runs?, \d+ running in [\d.]+s, lost 0/)
  })

  it('fits 80 columns: low-priority columns go, ARGS keeps the rest, nothing wraps', async () => {
    start(80, 24)
    expect(await waitFor(() => footer.test(screen()), 20_000), screen()).toBe(true)
    spawnSync('/bin/true', ['e8-' + 'x'.repeat(100)])
    expect(await waitFor(() => screen().includes('e8-'), 5000), screen()).toBe(true)
    const lines = screen().split('\n')
    expect(lines[0].trimEnd()).toBe(fitColumns(EXEC_COLUMNS, 80).map((f) => (f.column.align === 'right' ? f.column.header.padStart(f.width) : f.column.header.padEnd(f.width))).join(' ').trimEnd())
    expect(lines[0]).not.toContain('UID')
    const row = lines.find((l) => l.includes('e8-'))!
    expect(row.length).toBeLessThanOrEqual(80)
    expect(row.endsWith('~')).toBe(true)
    term.keys('q')
    expect(await waitFor(() => screen().includes('EXITED 0'), 10_000), screen()).toBe(true)
  })

  it('draws live frames on a real terminal even with CI=true set', async () => {
    start(100, 20, 'env CI=true')
    expect(await waitFor(() => footer.test(screen()), 20_000), screen()).toBe(true)
    spawnSync('/bin/true', ['ci-marker'])
    expect(await waitFor(() => screen().includes('ci-marker'), 5000), screen()).toBe(true)
    term.keys('q')
    expect(await waitFor(() => screen().includes('EXITED 0'), 10_000), screen()).toBe(true)
  })
})
