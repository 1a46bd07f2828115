import {describe, expect, it} from 'vitest'

import {children, frameName, type FlameTree, matchTotal} from '../../src/output/flame-model.js'
import {diffFlameTree, flameTree} from '../../src/pprof/flame-tree.js'
import type {StackSource} from '../../src/pprof/stacks.js'
import {layoutFlame, MERGED} from '../../src/tui/flame/layout.js'
import {cpuSource, cpuSourceLater, sourceOf, CPU_TYPES} from '../fixtures/pprof-view/sources.js'

/** name;name;… → node, walking from the root. */
function at(tree: FlameTree, path: string): number {
  let n = 0
  for (const name of path.split(';')) {
    const c = children(tree, n).find((k) => frameName(tree, k) === name)
    if (c === undefined) throw new Error(`no ${name} under ${frameName(tree, n)}`)
    n = c
  }
  return n
}

/** Sum of sample values of type t, straight from the source. */
function sourceTotal(src: StackSource, t: number): number {
  let sum = 0
  src.forEachSample((_s, _l, v) => (sum += v[t]))
  return sum
}

describe('flameTree', () => {
  it('top-down: exact totals and self values, identical frames merged under one parent', () => {
    const src = cpuSource()
    const t = flameTree(src, 1)
    expect(t.total[0]).toBe(sourceTotal(src, 1))
    expect(t.total[at(t, 'main')]).toBe(50e6 + 20e6 + 5e6 + 20e6 + 4e6 + 1)
    expect(t.total[at(t, 'main;work')]).toBe(75e6)
    expect(t.self[at(t, 'main;work')]).toBe(5e6)
    expect(t.total[at(t, 'main;work;parse;parse;tokenize')]).toBe(20e6)
    expect(children(t, 0).map((n) => frameName(t, n))).toEqual(['main', 'background'])
    // One node per call path: main;work appears in three samples, but once.
    expect(children(t, at(t, 'main')).map((n) => frameName(t, n))).toEqual(['work', 'idle', 'gc', 'tinyframe'])
    // Every node's total is its self plus its children's totals.
    for (let n = 0; n < t.size; n++) {
      const sum = children(t, n).reduce((a, c) => a + t.total[c], t.self[n])
      expect(sum).toBe(t.total[n])
    }
    expect(t.maxDepth).toBe(5)
    expect(flameTree(src, 0).total[0]).toBe(110)
  })

  it('merges frames of the same function (name and file) reached through different frame indexes', () => {
    const src = sourceOf(CPU_TYPES, [
      ['main;f:a.js:3', 1, 10],
      ['main;f:a.js:9', 1, 5], // another line in f: the same function
      ['main;f:b.js:3', 1, 1], // another file: another function
    ])
    const t = flameTree(src, 1)
    const kids = children(t, at(t, 'main'))
    expect(kids.map((n) => [frameName(t, n), t.total[n]])).toEqual([
      ['f', 15],
      ['f', 1],
    ])
  })

  it('inverted: roots are where samples landed, children their callers; totals exact', () => {
    const src = cpuSource()
    const t = flameTree(src, 1, {inverted: true})
    expect(t.inverted).toBe(true)
    expect(t.total[0]).toBe(sourceTotal(src, 1))
    expect(t.total[at(t, 'compute')]).toBe(50e6)
    expect(t.total[at(t, 'compute;work;main')]).toBe(50e6)
    expect(t.total[at(t, 'work;main')]).toBe(5e6)
    expect(t.total[at(t, 'tokenize;parse;parse;work;main')]).toBe(20e6)
    const leaves = children(t, 0).reduce((a, c) => a + t.total[c], 0)
    expect(leaves).toBe(t.total[0])
    // Self time sits on the function the samples landed in: its top-level node.
    expect(t.self[at(t, 'compute')]).toBe(50e6)
    expect(t.self[at(t, 'compute;work')]).toBe(0)
    expect(t.self[at(t, 'work')]).toBe(5e6)
  })

  it('diff: value is the new profile, base kept per node, paths of either side present', () => {
    const t = diffFlameTree(cpuSource(), cpuSourceLater(), 1)
    expect(t.base).toBeDefined()
    expect(t.total[0]).toBe(sourceTotal(cpuSourceLater(), 1))
    expect(t.base![0]).toBe(sourceTotal(cpuSource(), 1))
    const compute = at(t, 'main;work;compute')
    expect([t.base![compute], t.total[compute]]).toEqual([50e6, 90e6])
    const gc = at(t, 'main;gc')
    expect([t.base![gc], t.total[gc]]).toEqual([4e6, 0])
    const encode = at(t, 'main;encode')
    expect([t.base![encode], t.total[encode]]).toEqual([0, 8e6])
  })

  it('negative values (a diff profile) add up exactly', () => {
    const src = sourceOf(CPU_TYPES, [
      ['main;a', 1, 30],
      ['main;b', 1, -50],
    ])
    const t = flameTree(src, 1)
    expect(t.total[0]).toBe(-20)
    expect(t.total[at(t, 'main;b')]).toBe(-50)
  })

  it('search total counts nested (recursive) matches once', () => {
    const t = flameTree(cpuSource(), 1)
    const {total, nodes} = matchTotal(t, (n) => frameName(t, n) === 'parse')
    expect(total).toBe(20e6)
    expect(nodes.reduce((a, b) => a + b, 0)).toBe(2)
  })

  it('a big profile: 100k samples of 8–32-deep random stacks over 5,000 functions (~1.8M distinct paths) build in under 3 s of CPU, totals exact', () => {
    const funcs = Array.from({length: 5000}, (_, i) => ({name: `fn${i}`, file: `f${i % 50}.js`, line: i}))
    let seed = 1
    const rnd = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32)
    const stacks = Array.from({length: 100_000}, () => Array.from({length: 8 + Math.floor(rnd() * 24)}, () => Math.floor(rnd() * 5000)))
    let expected = 0
    const src: StackSource = {
      sampleTypes: CPU_TYPES,
      defaultIndex: 1,
      frameCount: funcs.length,
      frame: (i) => funcs[i],
      forEachSample(fn) {
        const v = [1, 0]
        for (let i = 0; i < stacks.length; i++) {
          v[1] = (i % 7) + 1
          fn(stacks[i], stacks[i].length, v)
        }
      },
    }
    src.forEachSample((_s, _l, v) => (expected += v[1]))
    // CPU time, not wall time: the machine is shared.
    const c0 = process.cpuUsage()
    const t = flameTree(src, 1)
    const c1 = process.cpuUsage(c0)
    const ms = (c1.user + c1.system) / 1000
    expect(t.total[0]).toBe(expected)
    console.log(`flameTree: ${t.size} nodes in ${ms.toFixed(0)} ms of CPU`)
    expect(ms).toBeLessThan(3000)
  })
})

describe('layoutFlame', () => {
  it('frames narrower than a cell merge into one cell and stay in the totals', () => {
    const rows: [string, number, number][] = [['main;big', 100, 100]]
    for (let i = 0; i < 30; i++) rows.push([`main;tiny${i}`, 1, 1])
    const t = flameTree(sourceOf(CPU_TYPES, rows), 1)
    const l = layoutFlame(t, 0, 40, 0, 3)
    const main = at(t, 'main')
    expect(l.rows[0]).toEqual([0])
    expect([...l.cells[0]].every((c) => c === 0)).toBe(true)
    // 130 over 40 cells: each tiny frame is 0.3 of a cell; none drawn, their cells merged.
    expect(l.rows[2].map((n) => frameName(t, n))).toEqual(['big'])
    const merged = [...l.cells[2]].filter((c) => c === MERGED).length
    expect(merged).toBe(40 - Math.round((100 / 130) * 40))
    expect(t.total[main]).toBe(130)
    expect(children(t, main).reduce((a, c) => a + t.total[c], 0)).toBe(130)
  })

  it('zoomed: the zoom root fills the width', () => {
    const t = flameTree(cpuSource(), 1)
    const work = at(t, 'main;work')
    const l = layoutFlame(t, work, 80, 0, 4)
    expect([...l.cells[0]].every((c) => c === work)).toBe(true)
    expect(l.rows[1].map((n) => frameName(t, n))).toEqual(['compute', 'parse'])
  })
})
