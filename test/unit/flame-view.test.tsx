/** The flame view rendered by ink-testing-library: keys in, frames out. */
import {render} from 'ink-testing-library'
import React from 'react'
import {afterEach, describe, expect, it} from 'vitest'

import {type FlameTree} from '../../src/output/flame-model.js'
import {diffFlameTree, flameTree} from '../../src/pprof/flame-tree.js'
import {FlameApp} from '../../src/tui/flame/flame-app.js'
import {cpuSource, cpuSourceLater, CPU_TYPES} from '../fixtures/pprof-view/sources.js'

const KEY = {up: '\x1b[A', down: '\x1b[B', right: '\x1b[C', left: '\x1b[D', enter: '\r', escape: '\x1b', tab: '\t'}
const plain = (s: string) => s.replace(/\x1b\[[0-9;]*m/g, '')

let app: ReturnType<typeof render> | undefined
afterEach(() => app?.unmount())

/** Renders the view; `press` writes keys and waits until the frame changed. */
function view(treeFor: (i: number, inv: boolean) => FlameTree, width = 80, height = 24) {
  let quit = false
  app = render(<FlameApp title="test.pprof" sampleTypes={CPU_TYPES} initialIndex={1} treeFor={treeFor} onQuit={() => (quit = true)} width={width} height={height} />)
  const r = app
  const frame = () => r.lastFrame() ?? ''
  const press = async (...keys: string[]) => {
    for (const k of keys) {
      const before = frame()
      r.stdin.write(k)
      for (let i = 0; i < 100 && frame() === before && !quit; i++) await new Promise((res) => setTimeout(res, 5))
    }
    return plain(frame())
  }
  return {frame, press, quitted: () => quit}
}

const trees = (i: number, inverted: boolean) => flameTree(cpuSource(), i, {inverted})

describe('FlameApp', () => {
  it('draws a flame at 80×24: root at the bottom, never taller or wider than the screen', () => {
    const v = view(trees)
    const lines = plain(v.frame()).split('\n')
    expect(lines.length).toBeLessThanOrEqual(24)
    for (const l of lines) expect([...l].length).toBeLessThanOrEqual(80)
    expect(lines[0]).toMatch(/test\.pprof · cpu \(nanoseconds\) · total 109ms · flame/)
    // The root row ('all') is just above the status and key lines.
    expect(lines.at(-3)).toMatch(/^all/)
    expect(lines.at(-4)).toMatch(/^main.*backg/)
    expect(lines.at(-2)).toMatch(/^all\s+self 0ns \(0\.00%\)\s+total 109ms \(100\.0%\)/)
  })

  it('select, zoom, back out; status shows name, file:line, self and total with %', async () => {
    const v = view(trees)
    let text = await v.press(KEY.up)
    expect(text.split('\n').at(-2)).toMatch(/^main\s+self 0ns \(0\.00%\)\s+total 99\.0ms \(90\.8%\)\s+main\.js:1$/)
    text = await v.press(KEY.up)
    expect(text.split('\n').at(-2)).toMatch(/^work\s+self 5\.0ms \(4\.59%\)\s+total 75\.0ms \(68\.8%\)\s+work\.js:1$/)
    text = await v.press(KEY.enter)
    expect(text.split('\n')[0]).toMatch(/zoom: work/)
    // Zoomed, work is the bottom row across the whole width.
    expect(text.split('\n').at(-3)).toMatch(/^work\s{70,}/)
    text = await v.press(KEY.escape)
    expect(text.split('\n')[0]).not.toMatch(/zoom/)
    text = await v.press(KEY.right)
    expect(text.split('\n').at(-2)).toMatch(/^idle /)
  })

  it('search highlights matches and shows the matched total once for recursion', async () => {
    const v = view(trees)
    await v.press('/')
    for (const ch of 'pars') await v.press(ch)
    const text = await v.press('e', KEY.enter)
    expect(text.split('\n').at(-1)).toMatch(/search \/parse\/ matched 20\.0ms \(18\.3% of all\)/)
    expect(v.frame()).toContain('\x1b[48;5;201m')
  })

  it('switches sample type and inverts', async () => {
    const v = view(trees)
    let text = await v.press('s')
    expect(text.split('\n')[0]).toMatch(/samples \(count\) · total 110 /)
    text = await v.press('i')
    expect(text.split('\n')[0]).toMatch(/inverted \(icicle\)/)
    // An icicle: the root at the top, leaf functions below it.
    expect(text.split('\n')[1]).toMatch(/^all/)
    expect(text.split('\n')[2]).toMatch(/^compute/)
    // In an icicle ↓ goes deeper: from the root to the heaviest leaf function, then to its caller.
    text = await v.press(KEY.down)
    expect(text.split('\n').at(-2)).toMatch(/^compute\s+self 50 \(45\.5%\)\s+total 50 /)
    text = await v.press(KEY.down)
    expect(text.split('\n').at(-2)).toMatch(/^work\s+self 0 /)
    text = await v.press('h')
    await v.press(KEY.tab)
    expect(plain(v.frame()).split('\n')[0]).toMatch(/cpu \(nanoseconds\)/)
    // The selection follows the sample type switch: same call path, other values.
    expect(plain(v.frame()).split('\n').at(-2)).toMatch(/^work\s+self 0ns .*total 50\.0ms/)
  })

  it('diff trees are coloured red where they grew and green where they shrank', () => {
    const v = view((i, inv) => diffFlameTree(cpuSource(), cpuSourceLater(), i, {inverted: inv}), 200, 30)
    const raw = v.frame()
    const line = (name: string) => raw.split('\n').find((l) => plain(l).includes(name)) ?? ''
    // Intensity is the change over the larger side, in fifths: compute 50 → 90 (44%: third red),
    // encode 0 → 8 (new: deepest red), idle 20 → 5 (75%: fourth green), tokenize unchanged (grey).
    expect(line('compute')).toMatch(/48;5;210m(?:\x1b\[[0-9;]*m)*compute/)
    expect(line('encode')).toMatch(/48;5;196m(?:\x1b\[[0-9;]*m)*encode/)
    expect(line('idle')).toMatch(/48;5;83m(?:\x1b\[[0-9;]*m)*idle/)
    expect(line('tokenize')).toMatch(/48;5;252m(?:\x1b\[[0-9;]*m)*tokenize/)
    expect(plain(raw).split('\n')[0]).toMatch(/diff: base 109ms/)
  })

  it('help and quit', async () => {
    const v = view(trees)
    const text = await v.press('?')
    expect(text).toMatch(/Flame graph keys/)
    await v.press('x')
    expect(plain(v.frame())).not.toMatch(/Flame graph keys/)
    v.frame()
    app!.stdin.write('q')
    for (let i = 0; i < 100 && !v.quitted(); i++) await new Promise((r) => setTimeout(r, 5))
    expect(v.quitted()).toBe(true)
  })

  it('fits 200×50 and a tiny 40×6 terminal', () => {
    for (const [w, h] of [
      [200, 50],
      [40, 6],
    ]) {
      const lines = plain(view(trees, w, h).frame()).split('\n')
      expect(lines.length).toBeLessThanOrEqual(h)
      for (const l of lines) expect([...l].length).toBeLessThanOrEqual(w)
      app?.unmount()
    }
  })
})
