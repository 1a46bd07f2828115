/** `--measure instructions` with real cachegrind runs: a B doing 3% more work in a CPU loop is a
 * regression at ≤ 5 runs per arm, an A/A pair reads within 0.5%, for a native program and for Node.
 * (Node under cachegrind is slow, ~10-40 s a run here: these tests take a few minutes.) */
import {spawnSync} from 'node:child_process'
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import os from 'node:os'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import type {BenchReport} from '../../src/bench/report.js'
import {CLI} from '../support/ebpf.js'

const tmp = mkdtempSync(join(os.tmpdir(), 'bench-instr-'))
afterAll(() => rmSync(tmp, {recursive: true, force: true}))

const haveValgrind = spawnSync('sh', ['-c', 'command -v valgrind && command -v cc']).status === 0
if (!haveValgrind && process.env.CI) throw new Error('valgrind and cc are needed (apt-get install valgrind gcc)')
const maybe = haveValgrind ? describe : describe.skip

function compare(commands: string[], runs: number): {status: number | null; report: BenchReport; stderr: string} {
  // Not runCli: its 60 s timeout is shorter than a Node arm under cachegrind on a loaded machine.
  const r = spawnSync(process.execPath, [CLI, 'bench', 'compare', '--measure', 'instructions', '--runs', String(runs), '-o', 'json', '--', ...commands], {encoding: 'utf8', timeout: 580_000})
  return {status: r.status, report: JSON.parse(r.stdout || 'null') as BenchReport, stderr: r.stderr}
}

maybe('--measure instructions', () => {
  const loop = join(tmp, 'loop')
  beforeAll(() => {
    writeFileSync(`${loop}.c`, '#include <stdlib.h>\nint main(int c, char **v) { volatile unsigned long x = 0; long n = atol(v[1]); for (long i = 0; i < n; i++) x += i * i; return 0; }\n')
    const cc = spawnSync('cc', ['-O1', '-o', loop, `${loop}.c`], {encoding: 'utf8'})
    expect(cc.status, cc.stderr).toBe(0)
  })

  it('native: 3% more loop iterations is a regression at 5 runs per arm', () => {
    const {status, report, stderr} = compare([`${loop} 3000000`, `${loop} 3090000`], 5)
    expect(status, stderr).toBe(1)
    expect(report.comparisons[0].ratio).toBeGreaterThan(1.02)
    expect(report.comparisons[0].ratio).toBeLessThan(1.04)
    expect(report.notes.join('\n')).toMatch(/not system calls, I\/O, sleeping/)
    expect(report.notes.join('\n')).toMatch(/cachegrind cost: .*~\d+x slower/)
  }, 120_000)

  it('native: A/A reads within 0.5% and passes', () => {
    const {status, report, stderr} = compare([`${loop} 3000000`, `${loop} 3000000`], 5)
    expect(status, stderr).toBe(0)
    expect(Math.abs(report.comparisons[0].ratio - 1)).toBeLessThan(0.005)
  }, 120_000)

  // The loop dominates the count (node's own start is ~0.5G instructions), so 3% more iterations
  // show as > 2% more instructions.
  const nodeLoop = (n: string) => `${process.execPath} -e 'let x = 0; for (let i = 0; i < ${n}; i++) x = (x + i * i) % 1000003'`

  it('node: 3% more loop iterations is a regression at 3 runs per arm; the report says node ran deterministic', () => {
    const {status, report, stderr} = compare([nodeLoop('4e7'), nodeLoop('4.12e7')], 3)
    expect(status, stderr).toBe(1)
    expect(report.comparisons[0].ratio).toBeGreaterThan(1.02)
    expect(report.notes.join('\n')).toMatch(/--single-threaded --predictable/)
  }, 600_000)

  it('node: A/A reads within 0.5%', () => {
    const {status, report, stderr} = compare([nodeLoop('1e6'), nodeLoop('1e6')], 3)
    expect(status, stderr).toBe(0)
    expect(Math.abs(report.comparisons[0].ratio - 1)).toBeLessThan(0.005)
  }, 600_000)
})
