/** `monitor pprof` end to end through the real CLI, where the sources, the codec and the flame graph
 * meet: a running Node child profiled by pid, the interactive flame graph of a file in a real
 * terminal (tmux, CI unset), flame graph files, and the one-line refusals. */
import {type ChildProcess, spawn} from 'node:child_process'
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, afterEach, beforeAll, describe, expect, it} from 'vitest'

import {runCli} from '../support/cli.js'
import {TmuxSession} from '../support/tmux.js'

const CLI = join(import.meta.dirname, '../../bin/run.js')
const BUSY = join(import.meta.dirname, '../fixtures/node-targets/busy.cjs')
let dir: string
let profile: string
let base: string
const children: ChildProcess[] = []
let term: TmuxSession | undefined

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'monitor-pprof-wired-'))
  // Folded stacks → pprof through the CLI itself: the files every test below reads.
  writeFileSync(join(dir, 'new.folded'), 'main;serve;parseRequest 30\nmain;serve;render;hotLoop 60\nmain;gc 10\n')
  writeFileSync(join(dir, 'old.folded'), 'main;serve;parseRequest 30\nmain;serve;render;hotLoop 20\nmain;gc 10\n')
  profile = join(dir, 'new.pb.gz')
  base = join(dir, 'old.pb.gz')
  for (const [from, to] of [['new.folded', profile], ['old.folded', base]]) {
    const res = runCli(['pprof', 'convert', join(dir, from), '--to', 'pprof', '-O', to])
    expect(res.status, res.stderr).toBe(0)
  }
})
afterAll(() => rmSync(dir, {recursive: true, force: true}))
afterEach(() => {
  term?.kill()
  term = undefined
  for (const c of children.splice(0)) c.kill('SIGKILL')
})

async function waitFor(check: () => boolean, timeoutMs = 15_000): Promise<boolean> {
  const end = performance.now() + timeoutMs
  while (performance.now() < end) {
    if (check()) return true
    await new Promise((r) => setTimeout(r, 40))
  }
  return check()
}

describe('monitor pprof flame', () => {
  it('opens a file in the terminal at 80×24: zoom, search, quit', async () => {
    term = new TmuxSession()
    term.start(`env -u CI TERM=xterm-256color ${process.execPath} ${CLI} pprof flame ${profile}; echo "EXITED $?"; sleep 60`, 80, 24)
    const screen = () => term!.screen()
    expect(await waitFor(() => /hotLoop/.test(screen()) && /new\.pb\.gz/.test(screen())), screen()).toBe(true)
    for (const l of screen().split('\n')) expect([...l].length).toBeLessThanOrEqual(80)
    // The root is selected first; Up moves to its child (main), Enter zooms into it.
    term.keys('Up', 'Enter')
    expect(await waitFor(() => /^main .*100\.0% of zoom/m.test(screen())), screen()).toBe(true)
    term.keys('/', 'hot', 'Enter')
    expect(await waitFor(() => /search \/hot\/ matched 60 \(60\.0% of all/.test(screen())), screen()).toBe(true)
    term.keys('q')
    expect(await waitFor(() => /EXITED 0/.test(screen())), screen()).toBe(true)
  }, 30_000)

  it('writes a self-contained HTML or SVG flame graph, of a profile or of a difference', () => {
    const html = join(dir, 'f.html')
    expect(runCli(['pprof', 'flame', profile, '--to', 'html', '-O', html]).status).toBe(0)
    const page = readFileSync(html, 'utf8')
    expect(page).toMatch(/^<!doctype html>/i)
    expect(page).toContain('hotLoop')
    expect(page).not.toMatch(/<script[^>]+src=|<link[^>]+href=/) // nothing fetched from elsewhere
    const svg = runCli(['pprof', 'convert', profile, '--to', 'svg'])
    expect(svg.status, svg.stderr).toBe(0)
    expect(svg.stdout).toMatch(/<svg[\s>]/)
    expect(svg.stdout).toContain('parseRequest')
    const diff = runCli(['pprof', 'flame', profile, '--base', base, '--to', 'svg'])
    expect(diff.status, diff.stderr).toBe(0)
    expect(diff.stdout).toContain('hotLoop')
  })

  it('without a terminal, or with a bad file: one line, non-zero exit', () => {
    const piped = runCli(['pprof', 'flame', profile])
    expect(piped.status).toBe(2)
    expect(piped.stderr.trim().split('\n')).toHaveLength(1)
    writeFileSync(join(dir, 'bad.pb.gz'), Buffer.from([0x1f, 0x8b, 8, 0, 1, 2, 3]))
    const bad = runCli(['pprof', 'flame', join(dir, 'bad.pb.gz'), '--to', 'html'])
    expect(bad.status).not.toBe(0)
    expect(bad.stderr.trim().split('\n')).toHaveLength(1)
    expect(bad.stderr).not.toMatch(/\n\s+at /)
  })
})

describe('monitor pprof profile|heap --pid', () => {
  function busyChild(): Promise<ChildProcess> {
    const child = spawn(process.execPath, [BUSY], {stdio: ['pipe', 'pipe', 'inherit']})
    children.push(child)
    return new Promise((resolve, reject) => {
      child.stdout!.setEncoding('utf8').on('data', (d: string) => d.includes('ready') && resolve(child))
      child.on('exit', (code) => reject(new Error(`busy child exited ${code}`)))
    })
  }

  it('a CPU profile of a running Node child (no flags) names its hot function; the child runs on', async () => {
    const child = await busyChild()
    const res = runCli(['pprof', 'profile', '--pid', String(child.pid), '--seconds', '1', '-o', 'json'])
    expect(res.status, res.stderr).toBe(0)
    const doc = JSON.parse(res.stdout) as {rows: {name: string; flat: number}[]}
    const names = doc.rows.slice(0, 5).map((r) => r.name)
    expect(names, res.stdout.slice(0, 500)).toContain('spinHotLoop')
    expect(child.exitCode).toBeNull()
    expect(child.signalCode).toBeNull()
  }, 40_000)

  it('refuses a pid that is not Node (never signalled) and a Go-only kind, in one line', async () => {
    const sleeper = spawn('sleep', ['100'])
    children.push(sleeper)
    const res = runCli(['pprof', 'heap', '--pid', String(sleeper.pid)])
    expect(res.status).not.toBe(0)
    expect(res.stderr.trim().split('\n')).toHaveLength(1)
    expect(sleeper.exitCode).toBeNull()
    expect(sleeper.signalCode).toBeNull()
    const goroutine = runCli(['pprof', 'goroutine', '--pid', String(sleeper.pid)])
    expect(goroutine.status).toBe(2)
    expect(goroutine.stderr).toMatch(/Go programs/)
  })
})
