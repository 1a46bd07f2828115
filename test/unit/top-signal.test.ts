/** Signals through a pidfd: the start time the caller saw must still be the process's, else nothing
 * is sent (a pid reused since the row was read must never get the signal). */
import {spawn} from 'node:child_process'
import {readFileSync} from 'node:fs'
import {afterEach, describe, expect, it} from 'vitest'

import {signalProcess} from '../../src/engine/signal.js'
import {LiveFrameSource} from '../../src/proc/frame-source.js'
import {ProcSampler} from '../../src/proc/sampler.js'
import {waitFor} from '../support/ebpf.js'

const children: ReturnType<typeof spawn>[] = []
afterEach(() => {
  for (const c of children.splice(0)) c.kill('SIGKILL')
})

function child() {
  const c = spawn('sleep', ['60'], {stdio: 'ignore'})
  children.push(c)
  const exited = new Promise<NodeJS.Signals | null>((r) => c.on('exit', (_code, sig) => r(sig)))
  let signal: NodeJS.Signals | null | undefined
  void exited.then((s) => (signal = s))
  return {pid: c.pid!, exited, signalled: () => signal}
}

const startTicks = (pid: number) => Number(readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')[19])
const alive = (pid: number) => {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1][0] !== 'Z'
  } catch {
    return false
  }
}

describe('signalProcess (pidfd)', () => {
  it('refuses a start time that is not the process’s: the process lives on', async () => {
    const c = child()
    await waitFor(() => alive(c.pid))
    expect(signalProcess(c.pid, startTicks(c.pid) + 1, 'SIGKILL')).toBe('reused')
    expect(signalProcess(c.pid, startTicks(c.pid) - 1, 'SIGTERM')).toBe('reused')
    expect(alive(c.pid)).toBe(true)
    expect(c.signalled()).toBeUndefined()
  })

  it('sends the signal when the start time matches', async () => {
    const c = child()
    await waitFor(() => alive(c.pid))
    expect(signalProcess(c.pid, startTicks(c.pid), 'SIGTERM')).toBe('sent')
    expect(await c.exited).toBe('SIGTERM')
  })

  it('says gone for a process that is not there, and refuses unknown signals', async () => {
    const c = child()
    const ticks = startTicks(c.pid)
    c.exited.catch(() => {})
    expect(signalProcess(c.pid, ticks, 'SIGKILL')).toBe('sent')
    await c.exited
    expect(signalProcess(c.pid, ticks, 'SIGKILL')).toBe('gone')
    expect(() => signalProcess(c.pid, ticks, 'SIGNOPE' as NodeJS.Signals)).toThrow(/unknown signal/)
  })
})

describe('LiveFrameSource.signal', () => {
  it('signals the row’s process, and refuses a row whose start time is another process’s', async () => {
    const c = child()
    await waitFor(() => alive(c.pid))
    const source = new LiveFrameSource(new ProcSampler())
    try {
      const frame = (await source.next(0.1))!
      const row = frame.processes.find((p) => p.pid === c.pid)!
      expect(row).toBeDefined()
      const earlier = new Date(Date.parse(row.start_ts) - 5000).toISOString()
      expect(source.signal({pid: c.pid, start_ts: earlier}, 'SIGKILL')).toBe('reused')
      expect(alive(c.pid)).toBe(true)
      expect(source.signal({pid: c.pid, start_ts: row.start_ts}, 'SIGINT')).toBe('sent')
      expect(await c.exited).toBe('SIGINT')
    } finally {
      source.close()
    }
  })

  it('a closed source hands out no more frames', async () => {
    const source = new LiveFrameSource(new ProcSampler())
    const pending = source.next(5)
    source.close()
    expect(await pending).toBeNull()
  })
})
