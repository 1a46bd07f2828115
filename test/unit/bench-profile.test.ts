/** `monitor bench --profile DIR`: one extra, untimed run of each Node arm under V8's profiler, as a
 * pprof file `monitor pprof` reads; an arm that is not Node is named, not silently skipped. */
import {mkdtempSync, readdirSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, expect, it} from 'vitest'

import {runCli} from '../support/cli.js'

const dir = mkdtempSync(join(tmpdir(), 'monitor-bench-profile-'))
afterAll(() => rmSync(dir, {recursive: true, force: true}))

it('writes a CPU profile of the Node arm that names its hot function, and says why the other has none', () => {
  const script = join(dir, 'hot.js')
  writeFileSync(script, 'function burnTheCpu() { let x = 0; for (let i = 0; i < 3e7; i++) x = (x + i * 7) % 1000003; return x }\nburnTheCpu()\n')
  const out = join(dir, 'profiles')
  const res = runCli(['bench', 'run', '--runs', '2', '--warmup', '0', '--profile', out, '--', `${process.execPath} ${script}`, 'sleep 0.01'])
  expect(res.status, res.stderr).toBe(0)
  expect(readdirSync(out).filter((f) => !f.startsWith('.'))).toEqual(['A.pb.gz'])
  expect(res.stderr).toMatch(/profile of .*hot\.js: .*A\.pb\.gz/)
  expect(res.stderr).toMatch(/no profile of sleep 0\.01: not a Node command/)
  const top = runCli(['pprof', 'top', join(out, 'A.pb.gz'), '-o', 'json'])
  expect(top.status, top.stderr).toBe(0)
  const rows = (JSON.parse(top.stdout) as {rows: {name: string}[]}).rows
  expect(rows.slice(0, 3).map((r) => r.name)).toContain('burnTheCpu')
}, 60_000)
