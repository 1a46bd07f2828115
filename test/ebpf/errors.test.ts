/** Bad input gets one clear line and a non-zero exit, never a stack trace. */
import {expect, it} from 'vitest'

import {describeEbpf} from '../support/ebpf.js'
import {runCli} from '../support/cli.js'

function oneLine(stderr: string): string {
  const lines = stderr.trim().split('\n')
  expect(lines, stderr).toHaveLength(1)
  expect(stderr).not.toMatch(/\n\s+at /)
  return lines[0]
}

describeEbpf('errors as a user sees them', () => {
  it('a non-root run of trace exec says to use root, in one line, exit 77', () => {
    const res = runCli(['trace', 'exec', '-o', 'json', '--duration', '1'], {user: 'nobody'})
    expect(oneLine(res.stderr)).toMatch(/^monitor: monitor needs root \(or CAP_BPF \+ CAP_PERFMON\) to load eBPF programs: run it with sudo$/)
    expect(res.status).toBe(77)
    expect(res.stdout).toBe('')
  })

  it('doctor as non-root explains why the engine cannot run and exits non-zero', () => {
    const res = runCli(['doctor', '--json'], {user: 'nobody'})
    expect(res.status).toBe(1)
    const report = JSON.parse(res.stdout)
    expect(report.engine_ok).toBe(false)
    expect(report.reason).toMatch(/needs root/)
    expect(report.hooks.tracepoint.status).toBe('error')
  })

  it('--debug shows the stack', () => {
    const res = runCli(['trace', 'exec', '--duration', '1', '--debug'], {user: 'nobody'})
    expect(res.status).toBe(77)
    expect(res.stderr).toMatch(/\n\s+at /)
  })
})
