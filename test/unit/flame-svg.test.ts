import {describe, expect, it} from 'vitest'

import {flameSvg} from '../../src/output/flame-svg.js'
import {diffFlameTree, flameTree} from '../../src/pprof/flame-tree.js'
import {cpuSource, cpuSourceLater, sourceOf, CPU_TYPES} from '../fixtures/pprof-view/sources.js'

async function parse(svg: string) {
  const {JSDOM} = await import('jsdom')
  const doc = new JSDOM(svg, {contentType: 'image/svg+xml'}).window.document
  expect(doc.getElementsByTagName('parsererror')).toHaveLength(0)
  const groups = [...doc.querySelectorAll('g')].map((g) => ({
    tip: g.querySelector('title')!.textContent!,
    x: Number(g.querySelector('rect')!.getAttribute('x')),
    y: Number(g.querySelector('rect')!.getAttribute('y')),
    width: Number(g.querySelector('rect')!.getAttribute('width')),
    fill: g.querySelector('rect')!.getAttribute('fill'),
  }))
  return {doc, groups, frame: (name: string) => groups.find((g) => g.tip.startsWith(`${name}\n`))!}
}

describe('flameSvg', () => {
  it('well-formed SVG: a rectangle per visible frame, tooltips with values, root at the bottom', async () => {
    const svg = flameSvg(flameTree(cpuSource(), 1), {title: 'cpu & <more>', width: 1000})
    expect(svg).not.toMatch(/https?:\/\/(?!www\.w3\.org\/2000\/svg)/)
    const {doc, frame} = await parse(svg)
    expect(doc.querySelector('text')!.textContent).toMatch(/^cpu & <more> cpu \(nanoseconds\) · total 109ms/)
    expect(frame('compute').tip).toBe('compute\ncompute.js:1\ntotal 50.0ms (45.9%)\nself 50.0ms (45.9%)')
    expect(frame('main').width).toBeCloseTo((1000 * (99e6 + 1)) / (109e6 + 1) - 0.5, 1)
    expect(frame('all').y).toBeGreaterThan(frame('main').y)
    expect(frame('main').y).toBeGreaterThan(frame('work').y)
    // 1 ns of 109 ms is far below half a pixel: not drawn, still in main's total.
    expect(frame('tinyframe')).toBeUndefined()
    expect(frame('main').tip).toContain('total 99.0ms')
  })

  it('diff colours and deltas; an inverted tree hangs from the top', async () => {
    const {frame} = await parse(flameSvg(diffFlameTree(cpuSource(), cpuSourceLater(), 1), {title: 'd'}))
    expect(frame('compute').fill).toBe('#ff8787')
    expect(frame('idle').fill).toBe('#5fff5f')
    expect(frame('compute').tip).toMatch(/base 50\.0ms, \+40\.0ms$/)
    const inv = await parse(flameSvg(flameTree(cpuSource(), 1, {inverted: true}), {title: 'i'}))
    expect(inv.frame('all').y).toBeLessThan(inv.frame('compute').y)
  })

  it('control characters in names do not break the XML', async () => {
    const svg = flameSvg(flameTree(sourceOf(CPU_TYPES, [['main;bad\u0001name', 1, 1]]), 1), {title: 't'})
    const {frame} = await parse(svg)
    expect(frame('bad\ufffdname')).toBeDefined()
  })
})
