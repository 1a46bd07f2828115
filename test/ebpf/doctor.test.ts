import {expect, it} from 'vitest'

import {describeEbpf} from '../support/ebpf.js'
import {runCli} from '../support/cli.js'

describeEbpf('doctor', () => {
  it('reports this kernel truthfully, probing hooks by a real attach', () => {
    const res = runCli(['doctor', '--json'])
    expect(res.status, res.stderr).toBe(0)
    const report = JSON.parse(res.stdout)
    expect(report.engine_ok).toBe(true)
    expect(report.btf).toBe(true)
    expect(report.root).toBe(true)
    expect(report.tracefs).toMatch(/tracing$/)
    expect(['none', 'integrity', 'confidentiality']).toContain(report.lockdown)
    for (const hook of ['tracepoint', 'raw_tp', 'perf_event', 'uprobe', 'ringbuf']) {
      expect(report.hooks[hook], hook).toMatchObject({status: 'ok', loads: true, attaches: true, fires: true})
    }
    // This kernel family (CONFIG_KPROBES unset, no trampolines): kprobe programs load but never attach,
    // fentry programs do not load at all.
    expect(report.hooks.kprobe).toMatchObject({status: 'load_only', loads: true, attaches: false})
    expect(report.hooks.fentry).toMatchObject({status: 'unavailable', loads: false})
    expect(report.commands['trace exec']).toEqual({ok: true})
  })

  it('prints a readable report', () => {
    const res = runCli(['doctor'])
    expect(res.status).toBe(0)
    expect(res.stdout).toMatch(/✓ tracepoint +ok/)
    expect(res.stdout).toMatch(/✗ kprobe +load_only +loads but does not attach/)
    expect(res.stdout).toMatch(/engine: ok/)
  })
})
