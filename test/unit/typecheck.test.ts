/** The tests are TypeScript too: vitest only strips their types, so tsc checks them (with the
 * sources they import) against test/tsconfig.json, strictly. */
import {spawnSync} from 'node:child_process'
import {createRequire} from 'node:module'
import {expect, it} from 'vitest'

import {ROOT} from '../support/ebpf.js'

it('tests, fixtures and sources type-check (tsc -p test)', () => {
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc')
  const res = spawnSync(process.execPath, [tsc, '-p', 'test', '--pretty', 'false'], {cwd: ROOT, encoding: 'utf8', timeout: 120_000})
  expect(res.error).toBeUndefined()
  expect(res.stdout + res.stderr, 'tsc -p test found type errors').toBe('')
  expect(res.status).toBe(0)
})
