import {Script} from 'node:vm'
import {describe, expect, it} from 'vitest'

import {flameHtml} from '../../src/output/flame-html.js'
import {diffFlameTree, flameTree} from '../../src/pprof/flame-tree.js'
import {cpuSource, cpuSourceLater, sourceOf, CPU_TYPES} from '../fixtures/pprof-view/sources.js'

interface Data {
  names: string[]
  parent: number[]
  name: number[]
  total: number[]
  base: number[]
  level: number[]
  diff: boolean
  unit: string
}

function parts(html: string): {data: Data; scripts: string[]} {
  const json = /<script id="data" type="application\/json">([\s\S]*?)<\/script>/.exec(html)![1]
  const scripts = [...html.matchAll(/<script>([\s\S]*?)<\/script>/g)].map((m) => m[1])
  return {data: JSON.parse(json) as Data, scripts}
}

describe('flameHtml', () => {
  it('is one self-contained file: inline data and script, nothing fetched', () => {
    const html = flameHtml(flameTree(cpuSource(), 1), {title: 'cpu <profile>'})
    expect(html.startsWith('<!doctype html>')).toBe(true)
    expect(html).not.toMatch(/\b(src|href)=/)
    expect(html).not.toMatch(/https?:\/\//)
    expect(html).toContain('<title>cpu &#60;profile&#62;</title>')
    const {data, scripts} = parts(html)
    expect(scripts).toHaveLength(1)
    // The script compiles (it runs in a browser; here only its syntax is checked).
    expect(() => new Script(scripts[0])).not.toThrow()
    expect(data.unit).toBe('nanoseconds')
    expect(data.total[0]).toBe(109e6 + 1)
    const main = data.names.findIndex((n) => n.startsWith('main\u0000'))
    expect(data.total[data.name.indexOf(main)]).toBe(99e6 + 1)
    // Children's totals never exceed their parent's: nothing counted twice.
    const sums = new Map<number, number>()
    data.parent.forEach((p, i) => p >= 0 && sums.set(p, (sums.get(p) ?? 0) + data.total[i]))
    for (const [p, s] of sums) expect(s).toBeLessThanOrEqual(data.total[p])
  })

  it('a frame name cannot end the script element', () => {
    const src = sourceOf(CPU_TYPES, [['main;</script><img src=x>', 1, 10]])
    const html = flameHtml(flameTree(src, 1), {title: 't'})
    expect(html.match(/<\/script>/g)).toHaveLength(2)
    expect(parts(html).data.names.some((n) => n.startsWith('</script><img src=x>'))).toBe(true)
  })

  it('diff: base values and red/green levels per frame', () => {
    const {data} = parts(flameHtml(diffFlameTree(cpuSource(), cpuSourceLater(), 1), {title: 'diff'}))
    expect(data.diff).toBe(true)
    const at = (name: string) => data.name.indexOf(data.names.findIndex((n) => n.startsWith(`${name}\u0000`)))
    expect([data.base[at('compute')], data.total[at('compute')], data.level[at('compute')]]).toEqual([50e6, 90e6, 3])
    expect(data.level[at('idle')]).toBe(-4)
    expect(data.level[at('gc')]).toBe(-5)
  })

  it('leaves out frames far below a pixel, keeping them in their parents', () => {
    const rows: [string, number, number][] = [['main;big', 1, 1e9]]
    for (let i = 0; i < 1000; i++) rows.push([`main;speck${i}`, 1, 1])
    const {data} = parts(flameHtml(flameTree(sourceOf(CPU_TYPES, rows), 1), {title: 't'}))
    expect(data.names.filter((n) => n.startsWith('speck'))).toHaveLength(0)
    expect(data.total[data.name.indexOf(data.names.findIndex((n) => n.startsWith('main\u0000')))]).toBe(1e9 + 1000)
  })
})

describe('flameHtml in a DOM (jsdom)', () => {
  async function open(html: string) {
    const {JSDOM} = await import('jsdom')
    const dom = new JSDOM(html, {runScripts: 'dangerously', pretendToBeVisual: true})
    const doc = dom.window.document
    const frames = () => [...doc.querySelectorAll<HTMLElement>('.f')]
    const byName = (name: string) => frames().find((f) => f.textContent === name)
    return {dom, doc, frames, byName}
  }

  it('draws the frames, zooms on click, searches, shows tooltips', async () => {
    const {dom, doc, frames, byName} = await open(flameHtml(flameTree(cpuSource(), 1), {title: 'cpu'}))
    expect(doc.getElementById('info')!.textContent).toMatch(/cpu \(nanoseconds\) · total 109\.0ms/)
    const all = frames().length
    expect(byName('compute')).toBeDefined()
    const width = (el: HTMLElement | undefined) => parseFloat(el!.style.width)
    const rootWidth = width(byName('all'))
    expect(width(byName('main')) / rootWidth).toBeCloseTo(99e6 / 109e6, 3)

    byName('work')!.dispatchEvent(new dom.window.MouseEvent('click', {bubbles: true}))
    expect(width(byName('work'))).toBeCloseTo(rootWidth, 3)
    expect(byName('idle')).toBeUndefined()
    expect(frames().length).toBeLessThan(all)

    byName('work')!.dispatchEvent(new dom.window.MouseEvent('click', {bubbles: true}))
    expect(byName('idle')).toBeDefined()

    const box = doc.getElementById('search') as HTMLInputElement
    box.value = 'pars'
    box.dispatchEvent(new dom.window.Event('input'))
    expect(doc.querySelectorAll('.m').length).toBe(2)
    expect(doc.getElementById('matched')!.textContent).toBe('matched 20.0ms (18.35%)')

    byName('compute')!.dispatchEvent(new dom.window.MouseEvent('mousemove', {bubbles: true, clientX: 5, clientY: 5}))
    expect(doc.getElementById('tip')!.textContent).toMatch(/^compute\ncompute\.js:1\ntotal 50\.0ms \(45\.87%\)\nself 50\.0ms/)
    dom.window.close()
  })

  it('diff colours: red grew, green shrank', async () => {
    const {dom, byName} = await open(flameHtml(diffFlameTree(cpuSource(), cpuSourceLater(), 1), {title: 'diff'}))
    // jsdom reports colours as rgb(): #ff8787 is the third red, #5fff5f the fourth green.
    expect(byName('compute')!.style.background).toBe('rgb(255, 135, 135)')
    expect(byName('idle')!.style.background).toBe('rgb(95, 255, 95)')
    dom.window.close()
  })
})
