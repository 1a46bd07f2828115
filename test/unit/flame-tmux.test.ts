/** The flame graph in a real terminal (tmux, CI unset so Ink draws live frames), at 80×24 and
 * 200×50: open, zoom into a frame, back out, search, switch sample type, invert, diff colours, quit.
 * It runs test/fixtures/pprof-view/run-flame.mjs, which drives showFlameView from dist/ (npm run build). */
import {execFileSync} from 'node:child_process'
import {existsSync} from 'node:fs'
import {join} from 'node:path'
import {afterEach, describe, expect, it} from 'vitest'

import {TmuxSession} from '../support/tmux.js'

const RUNNER = join(import.meta.dirname, '../fixtures/pprof-view/run-flame.mjs')
const DIST = join(import.meta.dirname, '../../dist/cli/flame-view.js')

let term: TmuxSession | undefined
afterEach(() => term?.kill())

const screen = () => term!.screen().replace(/\n$/, '')
/** The screen with its colours (SGR codes as tmux re-emits them). */
const colours = () => execFileSync('tmux', ['-L', term!.socket, 'capture-pane', '-p', '-e', '-t', term!.name], {encoding: 'utf8'})

async function waitFor(check: () => boolean, timeoutMs = 10_000): Promise<boolean> {
  const end = performance.now() + timeoutMs
  while (performance.now() < end) {
    if (check()) return true
    await new Promise((r) => setTimeout(r, 40))
  }
  return check()
}

/** Sends keys, then waits until the screen shows what `expect` matches. */
async function press(want: RegExp, ...keys: string[]): Promise<string> {
  term!.keys(...keys)
  expect(await waitFor(() => want.test(screen())), `${keys.join(' ')} → ${want}:\n${screen()}`).toBe(true)
  return screen()
}

function start(width: number, height: number, args = ''): void {
  term = new TmuxSession()
  term.start(`env -u CI TERM=xterm-256color ${process.execPath} ${RUNNER} ${args}; echo "EXITED $?"; sleep 60`, width, height)
}

function checkFits(text: string, width: number, height: number): void {
  const lines = text.split('\n')
  expect(lines.length).toBeLessThanOrEqual(height)
  for (const l of lines) expect([...l].length).toBeLessThanOrEqual(width)
}

describe.each([
  [80, 24],
  [200, 50],
])('flame view in tmux at %i×%i', (width, height) => {
  it('opens, zooms, searches, switches sample type, inverts and quits', async () => {
    expect(existsSync(DIST), 'run npm run build first').toBe(true)
    start(width, height)
    expect(await waitFor(() => /fixture\.pprof · cpu \(nanoseconds\)/.test(screen())), screen()).toBe(true)
    let text = screen()
    checkFits(text, width, height)
    // Root at the bottom of the graph; the deep chain is cut at the screen, never taller.
    const lines = text.split('\n')
    const rootRow = lines.findIndex((l) => /^all /.test(l))
    expect(rootRow).toBeGreaterThan(height / 2)
    expect(lines[rootRow - 1]).toMatch(/^main /)
    // 60 helpers of 1 ms in 1.47 s: narrower than a cell even at 200 columns, shown as merged cells.
    expect(lines[rootRow - 2]).toContain('·')
    expect(text).toMatch(/total 1\.47s \(100\.0%\)/)

    // Up to main, up to serve, zoom.
    text = await press(/^main\s+self 0ns/m, 'Up')
    text = await press(/^serve\s+self 0ns/m, 'Up')
    text = await press(/zoom: serve/, 'Enter')
    expect(text.split('\n').find((l) => /^serve /.test(l))).toMatch(new RegExp(`^serve\\s{${Math.floor(width / 2)},}`))
    text = await press(/^handleRequest\s+self/m, 'Up')
    expect(text).toMatch(/^handleRequest\s+self 50\.0ms \(3\.40%\)\s+total 1\.15s \(78\.2%\)\s+89\.8% of zoom/m)
    if (width >= 120) expect(text).toMatch(/of zoom\s+\/srv\/app\/handleRequest\.js:\d+/)
    text = await press(/^(?!.*zoom: serve)/, 'Escape')
    expect(text.split('\n')[0]).not.toMatch(/zoom/)

    text = await press(/search \/parseJson\/ matched 200ms \(13\.6% of all\)/, '/', 'parseJson', 'Enter')
    expect(colours()).toMatch(/48;5;201m/)

    text = await press(/samples \(count\) · total 1\.5k/, 's')
    text = await press(/inverted \(icicle\)/, 'i')
    expect(text.split('\n')[1]).toMatch(/^all /)
    expect(text.split('\n')[2]).toMatch(/^compute /)
    checkFits(text, width, height)

    text = await press(/Flame graph keys/, '?')
    checkFits(text, width, height)
    text = await press(/EXITED 0/, 'Escape', 'q')
    expect(text).toMatch(/flame view closed/)
  })

  it('diff view: red where it grew, green where it shrank', async () => {
    start(width, height, '--diff')
    expect(await waitFor(() => /fixture diff · cpu \(nanoseconds\).*diff: base/.test(screen())), screen()).toBe(true)
    const raw = colours()
    const row = (name: string) => raw.split('\n').find((l) => l.replace(/\x1b\[[0-9;]*m/g, '').includes(name)) ?? ''
    // compute 500 → 900 ms: +44% of the larger side → the third red; idle 200 → 50: −75% → the
    // fourth green; background unchanged → grey.
    // (At 80 columns idle is cut to 'i…' and background to 'bac…'.)
    expect(row('compute')).toMatch(/48;5;210m(?:\x1b\[[0-9;]*m)*compute/)
    expect(raw).toMatch(/48;5;83m(?:\x1b\[[0-9;]*m)*i(?:dle|…)/)
    expect(row('main')).toMatch(/48;5;252m(?:\x1b\[[0-9;]*m)*bac/)
    checkFits(screen(), width, height)
    // Resized, the view redraws to the new size: nothing wider or taller than the terminal.
    const [w2, h2] = width > 100 ? [90, 26] : [120, 40]
    execFileSync('tmux', ['-L', term!.socket, 'resize-window', '-t', term!.name, '-x', String(w2), '-y', String(h2)])
    expect(
      await waitFor(() => {
        const lines = screen().split('\n')
        return /^fixture diff/.test(lines[0]) && lines.filter((l) => /^all /.test(l)).length === 2 && lines.findIndex((l) => /^all\s+self/.test(l)) >= h2 - 3
      }),
      screen(),
    ).toBe(true)
    checkFits(screen(), w2, h2)
    const text = await press(/EXITED 0/, 'q')
    expect(text).toMatch(/flame view closed/)
  })
})
