/** The report formats as pure functions of a report: escaping in Markdown and XML, schema validity. */
import {spawnSync} from 'node:child_process'
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import os from 'node:os'
import {join} from 'node:path'
import {afterAll, describe, expect, it} from 'vitest'

import {type BenchReport, REPORT_FORMAT, armReport, compareSuite} from '../../src/bench/report.js'
import {defaultGate} from '../../src/bench/verdict.js'
import {benchJunit} from '../../src/output/bench-junit.js'
import {benchMarkdown} from '../../src/output/bench-markdown.js'
import {benchTable} from '../../src/output/bench-table.js'

const tmp = mkdtempSync(join(os.tmpdir(), 'bench-out-'))
afterAll(() => rmSync(tmp, {recursive: true, force: true}))

function report(): BenchReport {
  const base = Array.from({length: 20}, (_, i) => 1e7 * (1 + 0.001 * (i % 5)))
  const nasty = `grep -c '<a href="x">' f | wc -l && echo "A&B"`
  const {comparisons, verdict} = compareSuite(
    [
      {name: nasty, baseline: armReport('A', nasty, base, 'measured'), candidate: armReport('B', nasty, base.map((x) => x * 1.1), 'measured')},
      {name: 'same', baseline: armReport('A', 'same', base, 'measured'), candidate: armReport('B', 'same', [...base].reverse(), 'measured')},
      {name: 'noisy', baseline: armReport('A', 'noisy', [1e7, 2e7, 1e7, 3e7], 'measured'), candidate: armReport('B', 'noisy', [2e7, 1e7, 3e7, 1e7], 'measured')},
    ],
    defaultGate,
    1,
  )
  return {
    format: REPORT_FORMAT,
    mode: 'compare',
    measure: 'time',
    unit: 'ns',
    settings: {runs: 20, warmup: 2, seed: 1, order: 'interleaved ABBA blocks', ...defaultGate},
    environment: {hostname: 'h', cpuModel: 'cpu', cores: 2, kernel: '6.1', platform: 'linux-x64', node: 'v20', loadavg: [1, 2, 3], governor: null, memoryBytes: 1, ts: '2026-01-01T00:00:00.000Z'},
    arms: [],
    comparisons,
    verdict,
    notes: ['a note'],
  }
}

describe('bench reports', () => {
  it('the three verdicts come out of the suite', () => {
    expect(report().comparisons.map((c) => c.verdict)).toEqual(['regression', 'pass', 'inconclusive'])
    expect(report().verdict).toBe('regression')
  })

  it('Markdown: pipes in commands are escaped, every row has the header’s cells', () => {
    const md = benchMarkdown(report())
    const rows = md.split('\n').filter((l) => l.startsWith('| '))
    const cells = (l: string) => l.replaceAll('\\|', '').split('|').length
    for (const row of rows.slice(0, 5)) expect(cells(row)).toBe(cells(rows[0]))
    expect(md).toContain('\\| wc -l')
    expect(md).toMatch(/REGRESSION/)
  })

  it('JUnit: escaped, one testcase per benchmark, regression = failure, inconclusive = skipped, valid', () => {
    const xml = benchJunit(report())
    expect(xml).toContain('&lt;a href=&quot;x&quot;&gt;')
    expect(xml).toContain('A&amp;B')
    expect(xml.match(/<testcase /g)).toHaveLength(3)
    expect(xml.match(/<failure /g)).toHaveLength(1)
    expect(xml.match(/<skipped /g)).toHaveLength(1)
    const haveXmllint = spawnSync('sh', ['-c', 'command -v xmllint']).status === 0
    if (!haveXmllint && process.env.CI) throw new Error('xmllint is missing (apt-get install libxml2-utils)')
    if (!haveXmllint) return
    const file = join(tmp, 'r.xml')
    writeFileSync(file, xml)
    const check = spawnSync('xmllint', ['--noout', '--schema', join(import.meta.dirname, '..', 'fixtures', 'bench', 'junit-10.xsd'), file], {encoding: 'utf8'})
    expect(check.status, check.stderr).toBe(0)
  })

  it('the table says the verdict, the rule and the notes', () => {
    const text = benchTable(report())
    expect(text).toMatch(/verdict: REGRESSION \(1 regression, 1 inconclusive, 1 pass\)/)
    expect(text).toMatch(/Wilcoxon signed-rank over adjacent A\/B pairs/)
    expect(text).toMatch(/note: a note/)
  })
})
