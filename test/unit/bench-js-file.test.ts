/** `monitor bench FILE`: bench(name, fn) files, .ts through esbuild, each arm a fresh process. */
import {existsSync, readdirSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'

import type {BenchReport} from '../../src/bench/report.js'
import {runCli} from '../support/cli.js'

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'bench')

describe('monitor bench FILE', () => {
  it('runs every bench() of a .ts file and reports time per call; the bundle is removed', () => {
    const r = runCli(['bench', join(FIXTURES, 'sort.bench.ts'), '--runs', '3', '-o', 'json'])
    expect(r.status, r.stderr).toBe(0)
    const report = JSON.parse(r.stdout) as BenchReport
    expect(report.arms.map((a) => a.command)).toEqual(['sort copy', 'sort copy twice'])
    const [once, twice] = report.arms.map((a) => a.summary.median)
    // Per-call times of a 2,000-element sort: microseconds, not a process's start-up (tens of ms).
    expect(once).toBeGreaterThan(1_000)
    expect(once).toBeLessThan(5_000_000)
    expect(twice).toBeGreaterThan(once)
    expect(readdirSync(FIXTURES).filter((f) => f.includes('monitor-bench'))).toEqual([])
  })

  it('--compare: twice the work is a regression (exit 1)', () => {
    const r = runCli(['bench', join(FIXTURES, 'sort.bench.ts'), '--compare', '--runs', '8'])
    expect(r.status, r.stderr + r.stdout).toBe(1)
    expect(r.stdout).toMatch(/sort copy twice .* REGRESSION/)
  })

  it('a benchmark that throws exits 4 with its error', () => {
    const r = runCli(['bench', join(FIXTURES, 'broken.bench.mjs'), '--runs', '2'])
    expect(r.status).toBe(4)
    expect(r.stderr).toContain('benchmark exploded')
  })

  it('bench subcommands still resolve next to the file argument', () => {
    expect(runCli(['bench', 'run', '--runs', '2', '--', 'true']).status).toBe(0)
    const missing = runCli(['bench', 'no-such.bench.ts'])
    expect(missing.status).toBe(2)
    expect(existsSync('no-such.bench.ts')).toBe(false)
  })
})
