/** The CLI surface: real commands only in help, one-line errors for bad flags. */
import {existsSync} from 'node:fs'
import {describe, expect, it} from 'vitest'

import {runCli} from '../support/cli.js'
import {CLI, ROOT} from '../support/ebpf.js'

const built = existsSync(`${ROOT}dist/commands/doctor.js`)

describe.runIf(built || process.env.CI)('cli', () => {
  it('exists', () => expect(existsSync(CLI)).toBe(true))

  it('lists only commands that exist', () => {
    const res = runCli(['--help'])
    expect(res.status).toBe(0)
    expect(res.stdout).toMatch(/doctor/)
    expect(res.stdout).toMatch(/trace/)
    expect(res.stdout).toMatch(/^\s+top\s/m)
    expect(res.stdout).toMatch(/^\s+bench\s/m)
    expect(res.stdout).toMatch(/^\s+pprof\s/m)
    for (const planned of ['export']) expect(res.stdout).not.toMatch(new RegExp(`^\\s+${planned}\\s`, 'm'))
    const trace = runCli(['trace', '--help'])
    expect(trace.stdout).toMatch(/trace exec/)
    expect(runCli(['top', '--help']).stdout).toMatch(/top tcp/)
    expect(runCli(['trace', 'tcp', '--help']).stdout).toMatch(/trace tcp rtt/)
  })

  it('documents trace exec flags', () => {
    const res = runCli(['trace', 'exec', '--help'])
    expect(res.status).toBe(0)
    for (const flag of ['--pid', '--uid', '--comm', '--duration', '--output']) expect(res.stdout).toContain(flag)
  })

  it.each([
    [['trace', 'exec', '--bogus'], /Nonexistent flag: --bogus/],
    [['trace', 'exec', '--duration', 'soon'], /^monitor: --duration: must be a positive number of seconds, got "soon" \(see --help\)$/],
    [['trace', 'exec', '-o', 'yaml'], /Expected --output=yaml to be one of/],
    [['trace', 'exec', '--pid', '0'], /greater than or equal to 1/],
    [['trace', 'nope'], /command trace:nope not found|not found/],
  ])('%j fails in one line with exit 2', (args, message) => {
    const res = runCli(args)
    const lines = res.stderr.trim().split('\n')
    expect(lines, res.stderr).toHaveLength(1)
    expect(lines[0]).toMatch(/^monitor: /)
    expect(lines[0]).toMatch(message)
    expect(res.status).toBe(2)
  })
})
