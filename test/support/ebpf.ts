/** Gate for tests that need a real kernel: skipped on a developer machine without root, but
 * FAILED under CI=true — a silent skip would hide a broken CI host or engine. */
import {existsSync, readFileSync} from 'node:fs'
import {execFileSync} from 'node:child_process'
import {describe, it} from 'vitest'

import {missingCapabilities} from '../../src/engine/host.js'
import {heldProgramIds} from './fdinfo.js'

function reasonEbpfUnavailable(): string | undefined {
  if (missingCapabilities().length) return `needs root (missing ${missingCapabilities().join(', ')})`
  if (!existsSync('/sys/kernel/btf/vmlinux')) return 'kernel has no BTF'
  if (!existsSync(new URL('../../build/Release/monitor_engine.node', import.meta.url))) return 'addon not built'
  return undefined
}

export const ebpfUnavailable = reasonEbpfUnavailable()

export function describeEbpf(name: string, body: () => void): void {
  if (!ebpfUnavailable) {
    describe(name, body)
    return
  }
  if (process.env.CI) {
    describe(name, () => {
      it('can run eBPF here', () => {
        throw new Error(`eBPF tests cannot run: ${ebpfUnavailable} (CI=true turns this skip into a failure)`)
      })
    })
    return
  }
  describe.skip(`${name} (skipped: ${ebpfUnavailable})`, body)
}

/** IDs of all BPF programs loaded right now. */
export function loadedProgramIds(): Set<number> {
  const out = execFileSync('bpftool', ['prog', 'show', '--json'], {encoding: 'utf8'})
  return new Set((JSON.parse(out) as {id: number}[]).map((p) => p.id))
}

/** BPF programs a process holds (see fdinfo.ts), by id and name. */
export function programsOf(pid: number): Map<number, string> {
  let ids: Set<number>
  try {
    ids = heldProgramIds(pid)
  } catch {
    return new Map() // the process is gone
  }
  const out = new Map<number, string>()
  if (!ids.size) return out
  const all = JSON.parse(execFileSync('bpftool', ['prog', 'show', '--json'], {encoding: 'utf8'})) as {id: number; name?: string}[]
  for (const p of all) if (ids.has(p.id)) out.set(p.id, p.name ?? '')
  return out
}

/** True once none of these program ids is loaded (the kernel frees programs asynchronously). */
export function programsGone(ids: Iterable<number>): Promise<boolean> {
  const wanted = [...ids]
  return waitFor(() => {
    const loaded = loadedProgramIds()
    return wanted.every((id) => !loaded.has(id))
  }, 10_000)
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms))
}

/** Polls until check() is true or the timeout passes; returns the last result. */
export async function waitFor(check: () => boolean, timeoutMs = 5000, stepMs = 50): Promise<boolean> {
  const end = Date.now() + timeoutMs
  while (Date.now() < end) {
    if (check()) return true
    await sleep(stepMs)
  }
  return check()
}

export const ROOT = new URL('../../', import.meta.url).pathname
/** The CLI the tests run: this checkout's, or MONITOR_CLI (another worktree's build, e.g. to try
 * this branch's tests against a tracer being written on another branch). */
export const CLI = process.env.MONITOR_CLI || `${ROOT}bin/run.js`

/** Where cgroup v2 is mounted (/sys/fs/cgroup, or /sys/fs/cgroup/unified on a hybrid host). */
export function cgroup2Mount(): string | undefined {
  return readFileSync('/proc/mounts', 'utf8')
    .split('\n')
    .map((l) => l.split(' '))
    .find((f) => f[2] === 'cgroup2')?.[1]
}
