/** attachNode against real Node children started without flags: the hot function and the allocating
 * function come back with file and 1-based line; afterwards no inspector port is open and the child
 * still works; a non-Node pid is refused and never signalled; a taken 9229 gives one clear line. */
import {type ChildProcess, spawn} from 'node:child_process'
import {readFileSync} from 'node:fs'
import {createServer, type Server} from 'node:net'
import {join} from 'node:path'
import {afterAll, describe, expect, it} from 'vitest'

import {attachNode} from '../../src/pprof/node/attach.js'
import {listeningPorts} from '../../src/pprof/node/target.js'
import type {StackProfile} from '../../src/pprof/stacks.js'

const BUSY = join(import.meta.dirname, '../fixtures/node-targets/busy.cjs')
const children: ChildProcess[] = []

afterAll(() => {
  for (const c of children) {
    try {
      process.kill(-c.pid!, 'SIGKILL')
    } catch {
      // already gone
    }
  }
})

/** A busy Node child, in its own process group, once it has said "ready". */
async function busyChild(): Promise<ChildProcess> {
  const child = spawn(process.execPath, [BUSY], {stdio: ['pipe', 'pipe', 'pipe'], detached: true})
  children.push(child)
  await new Promise<void>((resolve, reject) => {
    child.stdout!.once('data', () => resolve())
    child.once('exit', (code) => reject(new Error(`fixture exited ${code}`)))
  })
  return child
}

/** The child's heartbeat count, asked over stdin: it must go up while the child runs. */
function beats(child: ChildProcess): Promise<number> {
  return new Promise((resolve) => {
    child.stdout!.once('data', (d) => resolve(Number(/beats (\d+)/.exec(String(d))?.[1] ?? NaN)))
    child.stdin!.write('tick?\n')
  })
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return /^State:\s*[^Z]/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'))
  } catch {
    return false
  }
}

/** Total of sample type t per frame name (counted once per sample even under recursion), by name:file:line. */
function cumulative(p: StackProfile, t: number): Map<string, number> {
  const out = new Map<string, number>()
  for (const s of p.samples) {
    const seen = new Set<string>()
    for (const i of s.stack) {
      const f = p.frames[i]
      const key = `${f.name} ${f.file}:${f.line}`
      if (seen.has(key)) continue
      seen.add(key)
      out.set(key, (out.get(key) ?? 0) + s.values[t])
    }
  }
  return out
}

/** Where `name` is defined in the fixture: its 1-based line, found in the text. */
function lineOf(name: string): number {
  return readFileSync(BUSY, 'utf8').split('\n').findIndex((l) => l.includes(`function ${name}(`)) + 1
}

describe('attachNode', () => {
  it('CPU profile of an unflagged busy child names its hot function with file and 1-based line; no port stays open', async () => {
    const child = await busyChild()
    const pid = child.pid!
    expect(listeningPorts(pid)).toEqual([])
    const p = await attachNode(pid, {kind: 'profile', seconds: 1})
    expect(p.sampleTypes).toEqual([
      {type: 'samples', unit: 'count'},
      {type: 'cpu', unit: 'nanoseconds'},
    ])
    expect(p.periodType).toEqual({type: 'cpu', unit: 'nanoseconds'})
    const total = p.samples.reduce((a, s) => a + s.values[1], 0)
    expect(total).toBeGreaterThan(0.5e9)
    const cum = cumulative(p, 1)
    const hot = `spinHotLoop ${BUSY}:${lineOf('spinHotLoop')}`
    expect(lineOf('spinHotLoop')).toBeGreaterThan(1)
    const top = [...cum.entries()].sort((a, b) => b[1] - a[1]).slice(0, 5).map(([k]) => k)
    expect(top, JSON.stringify(top)).toContain(hot)
    // The busy loop dominates: most of the time is inside it.
    expect(cum.get(hot)! / total).toBeGreaterThan(0.5)
    expect(p.frames.some((f) => f.name === '(root)')).toBe(false)

    expect(listeningPorts(pid)).toEqual([])
    expect(alive(pid)).toBe(true)
    const b1 = await beats(child)
    const b2 = await beats(child)
    await new Promise<void>((resolve) => setImmediate(resolve))
    expect(b2).toBeGreaterThanOrEqual(b1)
    // Still working: the heartbeat goes on rising.
    let b3 = b2
    for (let i = 0; i < 100 && b3 === b2; i++) b3 = await beats(child)
    expect(b3).toBeGreaterThan(b2)
  })

  it('heap profile shows the allocating function; a second attach works and leaves no port', async () => {
    const child = await busyChild()
    const pid = child.pid!
    const p = await attachNode(pid, {kind: 'heap', seconds: 1})
    expect(p.sampleTypes).toEqual([
      {type: 'inuse_objects', unit: 'count'},
      {type: 'inuse_space', unit: 'bytes'},
    ])
    const cum = cumulative(p, 1)
    const total = p.samples.reduce((a, s) => a + s.values[1], 0)
    const alloc = `allocateRetained ${BUSY}:${lineOf('allocateRetained')}`
    expect(cum.get(alloc) ?? 0, JSON.stringify([...cum])).toBeGreaterThan(total / 2)
    expect(p.samples.every((s) => s.values[0] >= 1)).toBe(true)
    expect(listeningPorts(pid)).toEqual([])
    const again = await attachNode(pid, {kind: 'profile', seconds: 0.3})
    expect(again.samples.length).toBeGreaterThan(0)
    expect(listeningPorts(pid)).toEqual([])
    expect(alive(pid)).toBe(true)
  })

  it('an abort (Ctrl-C) ends the profile early: the samples so far, and the inspector closed', async () => {
    const child = await busyChild()
    const pid = child.pid!
    const stop = new AbortController()
    const t0 = performance.now()
    const pending = attachNode(pid, {kind: 'profile', seconds: 60, signal: stop.signal})
    // Abort once the inspector is open (the profile is then under way or about to be).
    for (let i = 0; i < 400 && listeningPorts(pid).length === 0; i++) await new Promise((r) => setTimeout(r, 10))
    await new Promise((r) => setTimeout(r, 300))
    stop.abort()
    const p = await pending
    expect(performance.now() - t0).toBeLessThan(20_000)
    expect(p.samples.length).toBeGreaterThan(0)
    expect(listeningPorts(pid)).toEqual([])
    expect(alive(pid)).toBe(true)
  })

  it('a process that ends during the profile: one line at once, not at the end of --seconds', async () => {
    const child = await busyChild()
    const pid = child.pid!
    const t0 = performance.now()
    const pending = attachNode(pid, {kind: 'profile', seconds: 60}).catch((e: Error) => e)
    for (let i = 0; i < 400 && listeningPorts(pid).length === 0; i++) await new Promise((r) => setTimeout(r, 10))
    await new Promise((r) => setTimeout(r, 300))
    process.kill(-pid, 'SIGKILL')
    const error = await pending
    expect(performance.now() - t0).toBeLessThan(15_000)
    expect((error as Error).message).toBe(`process ${pid} ended during the profile`)
  })

  it('an inspector that was already open is used and left open', async () => {
    const child = await busyChild()
    const pid = child.pid!
    process.kill(pid, 'SIGUSR1')
    for (let i = 0; i < 200 && listeningPorts(pid).length === 0; i++) await new Promise((r) => setTimeout(r, 25))
    const ports = listeningPorts(pid)
    expect(ports.length).toBe(1)
    const p = await attachNode(pid, {kind: 'profile', seconds: 0.3})
    expect(p.samples.length).toBeGreaterThan(0)
    expect(listeningPorts(pid)).toEqual(ports)
    process.kill(-pid, 'SIGKILL')
  })

  it('refuses a non-Node pid with one line and never signals it', async () => {
    const sleeper = spawn('sleep', ['100'], {stdio: 'ignore', detached: true})
    children.push(sleeper)
    await new Promise((r) => sleeper.once('spawn', r))
    // exec may not have replaced the forked node yet: wait until the pid runs sleep.
    for (let i = 0; i < 200 && !/^sleep$/m.test(readFileSync(`/proc/${sleeper.pid}/comm`, 'utf8')); i++) await new Promise((r) => setTimeout(r, 5))
    const error = await attachNode(sleeper.pid!, {kind: 'profile', seconds: 0.1}).catch((e: Error) => e)
    expect(error).toBeInstanceOf(Error)
    expect((error as Error).name).toBe('MonitorError')
    expect((error as Error).message).toMatch(/is not Node\.js/)
    expect((error as Error).message).not.toContain('\n')
    expect(alive(sleeper.pid!)).toBe(true)
  })

  it('refuses a pid that does not exist with one line', async () => {
    const error = await attachNode(2 ** 22 + 1, {kind: 'heap'}).catch((e: Error) => e)
    expect((error as Error).message).toMatch(/^no process \d+$/)
  })

  it('port 9229 held by another listener: one clear line naming the holder, and the child lives on', async () => {
    const holder: Server = createServer()
    const bound = await new Promise<boolean>((resolve) => {
      holder.once('error', () => resolve(false))
      holder.listen(9229, '127.0.0.1', () => resolve(true))
    })
    const child = await busyChild()
    try {
      const result = await attachNode(child.pid!, {kind: 'profile', seconds: 0.3, timeoutMs: 2500}).then(
        (p) => p,
        (e: Error) => e,
      )
      if (result instanceof Error) {
        expect(result.message).toMatch(/could not open its inspector: 127\.0\.0\.1:9229 is taken by pid \d+/)
        expect(result.message).not.toContain('\n')
      } else {
        // Only when 9229 was free after all (bound is then false: someone else held it and let go).
        expect(bound).toBe(false)
      }
      expect(alive(child.pid!)).toBe(true)
    } finally {
      holder.close()
    }
  })
})
