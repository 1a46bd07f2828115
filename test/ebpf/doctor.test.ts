import {expect, it} from 'vitest'

import {runCli} from '../support/cli.js'
import {describeEbpf} from '../support/ebpf.js'

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
    // What the engine cannot run without works on any kernel that runs monitor.
    for (const hook of ['tracepoint', 'raw_tp', 'perf_event', 'uprobe', 'ringbuf']) {
      expect(report.hooks[hook], hook).toMatchObject({status: 'ok', loads: true, attaches: true, fires: true})
    }
    // The rest differ between kernels (this family has no kprobes and no trampolines); whatever a
    // kernel offers, each status must agree with what the probe saw.
    for (const [name, h] of Object.entries<Record<string, unknown>>(report.hooks)) {
      if (h.status === 'ok') expect(h, name).toMatchObject({loads: true, attaches: true, fires: true})
      if (h.status === 'load_only') expect(h, name).toMatchObject({loads: true, attaches: false})
      if (h.status === 'unavailable') expect(h, name).toMatchObject({loads: false})
      if (h.status !== 'ok') expect(h.detail, name).toBeTruthy()
    }
    // Needs come from the tracer's own programs.
    expect(report.commands['trace exec']).toMatchObject({ok: true})
    expect(report.commands['trace exec'].needs).toEqual(expect.arrayContaining(['ringbuf']))
  })

  it('checks each trace tcp mode against its own programs only (one object, programs per mode)', () => {
    const report = JSON.parse(runCli(['doctor', '--json']).stdout)
    const tps = (mode: string): string[] => report.commands[`trace tcp ${mode}`].tracepoints
    for (const mode of ['connect', 'accept', 'life', 'states', 'retrans', 'resets']) {
      expect(report.commands[`trace tcp ${mode}`], mode).toMatchObject({ok: true, needs: expect.arrayContaining(['raw_tp', 'ringbuf'])})
      expect(tps(mode)).toContain('inet_sock_set_state')
    }
    expect(tps('connect')).toEqual(expect.arrayContaining(['syscalls/sys_enter_connect', 'syscalls/sys_exit_connect']))
    expect(tps('connect')).not.toContain('tcp_retransmit_skb')
    expect(tps('retrans')).toContain('tcp_retransmit_skb')
    expect(tps('life')).not.toContain('tcp_retransmit_skb')
    expect(tps('resets')).toEqual(expect.arrayContaining(['tcp_send_reset', 'tcp_receive_reset']))
  })

  it('prints a readable report', () => {
    const res = runCli(['doctor'])
    expect(res.status).toBe(0)
    expect(res.stdout).toMatch(/✓ tracepoint +ok/)
    expect(res.stdout).toMatch(/(✓|✗) kprobe +(ok|load_only|unavailable)/)
    expect(res.stdout).toMatch(/✓ trace exec +ok/)
    expect(res.stdout).toMatch(/engine: ok/)
  })
})
