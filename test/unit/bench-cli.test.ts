/** `monitor bench` end to end with real commands (tiny ones, robust to a loaded machine: only
 * verdicts and coarse ratios are asserted, never wall times). */
import {spawnSync} from 'node:child_process'
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import os from 'node:os'
import {join} from 'node:path'
import {afterAll, describe, expect, it} from 'vitest'

import type {BenchReport} from '../../src/bench/report.js'
import {runCli} from '../support/cli.js'

const tmp = mkdtempSync(join(os.tmpdir(), 'bench-cli-'))
afterAll(() => rmSync(tmp, {recursive: true, force: true}))

function json(stdout: string): BenchReport {
  return JSON.parse(stdout) as BenchReport
}

function hasTool(tool: string): boolean {
  const found = spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0
  // Under CI a missing tool is a failure, not a skip.
  if (!found && process.env.CI) throw new Error(`${tool} is missing (apt-get install ${tool === 'xmllint' ? 'libxml2-utils' : tool})`)
  return found
}

describe('monitor bench compare (wall time)', () => {
  it('A/A of the same sleep passes (exit 0)', () => {
    const r = runCli(['bench', 'compare', '-o', 'json', '--', 'sleep 0.02', 'sleep 0.02'])
    expect(r.status, r.stderr + r.stdout).toBe(0)
    const report = json(r.stdout)
    expect(report.verdict).toBe('pass')
    expect(report.comparisons[0].ratio).toBeGreaterThan(0.95)
    expect(report.comparisons[0].ratio).toBeLessThan(1.05)
  })

  it('sleep 0.02 vs 0.03 is a regression (exit 1) with a ratio near 1.3 and its bootstrap interval', () => {
    const r = runCli(['bench', 'compare', '-o', 'json', '--seed', '5', '--', 'sleep 0.02', 'sleep 0.03'])
    expect(r.status, r.stderr).toBe(1)
    const report = json(r.stdout)
    const c = report.comparisons[0]
    expect(c.verdict).toBe('regression')
    // 30 ms / 20 ms plus a few ms of process start in both: between 1.2 and 1.5.
    expect(c.ratio).toBeGreaterThan(1.2)
    expect(c.ratio).toBeLessThan(1.55)
    expect(c.ratioCi[0]).toBeLessThanOrEqual(c.ratio)
    expect(c.ratioCi[1]).toBeGreaterThanOrEqual(c.ratio)
    // Raw samples and the environment are in the JSON.
    expect(c.baseline.samples.length).toBeGreaterThanOrEqual(30)
    expect(report.environment.cores).toBeGreaterThan(0)
    expect(report.environment.cpuModel).toBeTruthy()
    expect(report.settings.seed).toBe(5)
  })

  it('the table and the Markdown report show the ratio and the verdict', () => {
    const table = runCli(['bench', 'compare', '--runs', '16', '--', 'sleep 0.02', 'sleep 0.03'])
    expect(table.stdout).toMatch(/sleep 0\.03 .* 1\.[2-5]\d\d .* REGRESSION/)
    expect(table.stdout).toMatch(/verdict: REGRESSION/)
    const md = runCli(['bench', 'compare', '--runs', '16', '-o', 'markdown', '--', 'sleep 0.02', 'sleep 0.03'])
    const lines = md.stdout.split('\n')
    const header = lines.findIndex((l) => l.startsWith('| benchmark |'))
    expect(header).toBeGreaterThan(0)
    // A GFM table: header, delimiter row with as many cells, then rows with as many cells.
    const cells = (l: string) => l.replaceAll('\\|', '').split('|').length
    expect(lines[header + 1]).toMatch(/^\| (--- \| )+---\s*\|$/)
    expect(cells(lines[header + 1])).toBe(cells(lines[header]))
    expect(cells(lines[header + 2])).toBe(cells(lines[header]))
    expect(lines[header + 2]).toContain('REGRESSION')
  })

  it('a failing command exits 4 and shows its stderr', () => {
    const r = runCli(['bench', 'compare', '--runs', '4', '--', 'true', 'sh -c "echo disk on fire >&2; exit 3"'])
    expect(r.status).toBe(4)
    expect(r.stderr).toContain('disk on fire')
    expect(r.stderr).toContain('exited with 3')
    expect(r.stderr).not.toMatch(/\n\s+at /) // no stack trace
  })

  it('usage errors exit 2', () => {
    expect(runCli(['bench', 'compare', '--', 'true']).status).toBe(2)
    expect(runCli(['bench', 'compare', '--threshold', 'x', '--', 'true', 'true']).status).toBe(2)
    const missing = runCli(['bench', 'compare', '--baseline', join(tmp, 'nope.json'), '--', 'true'])
    expect(missing.status).toBe(2)
  })

  it('a stored result is a baseline', () => {
    const base = runCli(['bench', 'run', '--runs', '8', '-o', 'json', '--', 'sleep 0.02'])
    expect(base.status, base.stderr).toBe(0)
    const file = join(tmp, 'base.json')
    writeFileSync(file, base.stdout)
    expect(json(readFileSync(file, 'utf8')).arms[0].samples).toHaveLength(8)
    const r = runCli(['bench', 'compare', '--baseline', file, '--runs', '8', '-o', 'json', '--', 'sleep 0.02'])
    // Any verdict can come out: the two jobs ran at different times on a shared machine, which is
    // exactly why a stored baseline is the weaker comparison (the note below says so).
    expect([0, 1, 3], r.stderr).toContain(r.status)
    const c = json(r.stdout).comparisons[0]
    expect(c.baseline.source).toBe('stored')
    expect(json(r.stdout).notes.join(' ')).toMatch(/not interleaved/)
  })

  it('CPU time per run: a busy loop uses about its wall time, a sleep almost none', () => {
    const busy = `sh -c 'i=0; while [ $i -lt 100000 ]; do i=$((i+1)); done'`
    const r = runCli(['bench', 'run', '--runs', '5', '-o', 'json', '--', 'sleep 0.1', busy])
    expect(r.status, r.stderr).toBe(0)
    const [sleep, loop] = json(r.stdout).arms
    expect(sleep.cpuNs).toHaveLength(5)
    expect(sleep.cpuMeanNs!).toBeLessThan(0.2 * sleep.summary.median)
    // On a loaded machine the loop waits for a CPU too: its CPU time is at most its wall time.
    expect(loop.cpuMeanNs!).toBeGreaterThan(0.3 * loop.summary.median)
    expect(loop.cpuMeanNs!).toBeLessThan(1.2 * loop.summary.max)
  })

  it('bench run reports min/median/mean/stddev/CV and outliers for each command', () => {
    const r = runCli(['bench', 'run', '--runs', '5', '--prepare', 'true', '--cleanup', 'true', '--', 'sleep 0.01', 'true'])
    expect(r.status, r.stderr).toBe(0)
    expect(r.stdout).toMatch(/command\s+n\s+min\s+median\s+mean\s+stddev\s+CV\s+outliers/)
    expect(r.stdout).toMatch(/sleep 0\.01\s+5\s/)
  })
})

describe('JUnit XML', () => {
  it('validates against the Jenkins/Surefire junit-10.xsd', () => {
    if (!hasTool('xmllint')) return
    const schema = join(import.meta.dirname, '..', 'fixtures', 'bench', 'junit-10.xsd')
    for (const args of [
      ['compare', '--runs', '16', '-o', 'junit', '--', 'sleep 0.02', 'sleep 0.03'],
      ['compare', '--runs', '4', '-o', 'junit', '--', 'true', 'true'],
      ['run', '--runs', '3', '-o', 'junit', '--', 'true', 'sleep 0.001'],
    ]) {
      const r = runCli(['bench', ...args])
      const file = join(tmp, 'report.xml')
      writeFileSync(file, r.stdout)
      const check = spawnSync('xmllint', ['--noout', '--schema', schema, file], {encoding: 'utf8'})
      expect(check.status, check.stderr).toBe(0)
      if (args.includes('0.03')) expect(r.stdout).toMatch(/<failure type="regression"/)
    }
  })
})
