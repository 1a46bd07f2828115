/** scripts/test.sh reports honestly: its exit status and final line count every way a vitest run
 * can fail, not only failed tests (the fixtures are in test/fixtures/runner). */
import {spawnSync} from 'node:child_process'
import {rmSync} from 'node:fs'
import {describe, expect, it} from 'vitest'

import {ROOT} from '../support/ebpf.js'

const FINAL_LINE = /^(\d+) passed, (\d+) failed(?:, (\d+) skipped)?$/

function runFixture(suite: string) {
  const label = `runner-fixture-${suite}`
  // The outer vitest's variables would make the inner one think it runs inside a worker.
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(VITEST|TEST$|NODE_ENV$)/.test(k)))
  const res = spawnSync('bash', ['scripts/test.sh', `${suite}/`], {
    cwd: ROOT,
    encoding: 'utf8',
    env: {...env, MONITOR_TEST_DIR: 'test/fixtures/runner', MONITOR_TEST_LABEL: label, NO_COLOR: '1'},
    timeout: 60_000,
  })
  for (const ext of ['json', 'status.json', 'exit.json']) rmSync(`${ROOT}build/test-results/${label}.${ext}`, {force: true})
  const lastLine = res.stdout.trimEnd().split('\n').at(-1) ?? ''
  const m = FINAL_LINE.exec(lastLine)
  return {
    status: res.status,
    lastLine,
    output: res.stdout + res.stderr,
    counts: m ? {passed: Number(m[1]), failed: Number(m[2]), skipped: Number(m[3] ?? 0)} : undefined,
  }
}

describe('scripts/test.sh', () => {
  it('a passing test plus an unhandled rejection is a failed run', () => {
    const run = runFixture('unhandled-rejection')
    expect(run.status, run.output).not.toBe(0)
    expect(run.counts, run.lastLine).toBeDefined()
    expect(run.counts!.passed).toBe(1)
    expect(run.counts!.failed).toBeGreaterThanOrEqual(1)
    expect(run.output).toContain('fixture: rejected and never awaited')
  })

  it('a test file that fails to import is a failure', () => {
    const run = runFixture('broken-import')
    expect(run.status, run.output).not.toBe(0)
    expect(run.counts, run.lastLine).toEqual({passed: 1, failed: 1, skipped: 0})
  })

  it('an all-passing suite exits 0 with the exact counts', () => {
    const run = runFixture('passing')
    expect(run.status, run.output).toBe(0)
    expect(run.lastLine).toBe('3 passed, 0 failed, 1 skipped')
  })
})
