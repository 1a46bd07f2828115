/**
 * Profiles a running Node.js process by pid, without a restart or a code change: check that it is
 * Node and survives SIGUSR1 → SIGUSR1 opens its inspector on 127.0.0.1 → the DevTools protocol
 * takes a CPU profile (Profiler) or a sampling heap profile (HeapProfiler) → StackProfile. An
 * inspector we opened is closed again, whatever happens, so no debug port stays open; one that was
 * open before is left as it was.
 */
import {ExitCode, MonitorError} from '../../errors.js'
import type {StackProfile} from '../stacks.js'
import {CdpSession} from './cdp.js'
import {type CdpProfile, cpuProfileToStacks} from './cpu-profile.js'
import {type CdpHeapProfile, heapProfileToStacks} from './heap-profile.js'
import {checkNodeTarget, listeningPorts, portHolder, processGone} from './target.js'

export interface AttachOptions {
  kind: 'profile' | 'heap'
  /** How long to profile (default 10 s for a CPU profile, 0 for a heap profile: what is live now
   * among the allocations sampled while attached — see below). */
  seconds?: number
  /** Heap sampling interval; 512 KiB by default (V8's own default — DevTools uses a busier 32 KiB). */
  samplingIntervalBytes?: number
  /** CPU sampling interval in microseconds (default 1000: V8's). */
  samplingIntervalUs?: number
  /** How long to wait for the inspector to open and answer (default 10 s). */
  timeoutMs?: number
  /** Ends the profiling early: the profile so far is returned. Before profiling starts: rejects. */
  signal?: AbortSignal
}

export const DEFAULT_HEAP_INTERVAL = 512 * 1024
const DEFAULT_CPU_SECONDS = 10
const DEFAULT_HEAP_SECONDS = 1
const NODE_INSPECTOR_PORT = 9229

/**
 * A heap profile needs allocations to happen while sampling is on: V8 samples only what is
 * allocated after startSampling, and reports what of it is still live. So a heap profile also
 * waits `seconds` (default 1) before it asks.
 */
export async function attachNode(pid: number, opts: AttachOptions): Promise<StackProfile> {
  checkNodeTarget(pid)
  const timeoutMs = opts.timeoutMs ?? 10_000
  const signal = opts.signal
  const before = listeningPorts(pid)
  let endpoint = await findInspector(before, 1500)
  const weOpened = !endpoint
  if (!endpoint) {
    throwIfAborted(signal)
    try {
      process.kill(pid, 'SIGUSR1')
    } catch (error) {
      throw new MonitorError(`cannot signal process ${pid}: ${(error as Error).message}`, {exitCode: ExitCode.noPermission})
    }
  }
  let session: CdpSession | undefined
  try {
    if (!endpoint) endpoint = await waitForInspector(pid, before, timeoutMs, signal)
    session = await CdpSession.connect(endpoint.webSocketUrl, timeoutMs)
    const timeNanos = Date.now() * 1e6
    if (opts.kind === 'profile') {
      const intervalUs = opts.samplingIntervalUs ?? 1000
      await session.send('Profiler.enable')
      await session.send('Profiler.setSamplingInterval', {interval: intervalUs})
      await session.send('Profiler.start')
      await Promise.race([wait((opts.seconds ?? DEFAULT_CPU_SECONDS) * 1000, signal), session.closed])
      const {profile} = await ended(pid, session.send<{profile: CdpProfile}>('Profiler.stop'))
      await session.send('Profiler.disable')
      return cpuProfileToStacks(profile, {intervalNanos: intervalUs * 1000, timeNanos})
    }
    const interval = opts.samplingIntervalBytes ?? DEFAULT_HEAP_INTERVAL
    await session.send('HeapProfiler.enable')
    await session.send('HeapProfiler.startSampling', {samplingInterval: interval})
    const started = process.hrtime.bigint()
    try {
      await Promise.race([wait((opts.seconds ?? DEFAULT_HEAP_SECONDS) * 1000, signal), session.closed])
      const {profile} = await ended(pid, session.send<{profile: CdpHeapProfile}>('HeapProfiler.getSamplingProfile'))
      const durationNanos = Number(process.hrtime.bigint() - started)
      return heapProfileToStacks(profile, {samplingIntervalBytes: interval, timeNanos, durationNanos})
    } finally {
      await session.send('HeapProfiler.stopSampling').catch(() => {})
      await session.send('HeapProfiler.disable').catch(() => {})
    }
  } finally {
    if (session) {
      // process._debugEnd() closes the inspector; called directly it would end the session it is
      // called from before the reply (the call hangs), so it runs just after we disconnect.
      if (weOpened) await session.send('Runtime.evaluate', {expression: 'setTimeout(() => process._debugEnd(), 50), undefined'}).catch(() => {})
      await session.close()
      if (weOpened) await waitClosed(pid, endpoint!.port, 2000)
    } else if (weOpened) {
      // Signalled but never connected (aborted, timed out): an inspector that opens late would stay
      // open with nobody to close it, so look once more.
      endpoint ??= await findInspector(listeningPorts(pid).filter((p) => !before.includes(p)), 1000)
      if (endpoint) await closeWithoutSession(endpoint.webSocketUrl)
    }
  }
}

/** A request that failed because the process ended says so. */
async function ended<T>(pid: number, request: Promise<T>): Promise<T> {
  try {
    return await request
  } catch (error) {
    // A dying process closes its sockets before it becomes a zombie: give the exit a moment to show.
    for (let i = 0; i < 25 && !processGone(pid); i++) await new Promise((r) => setTimeout(r, 20))
    if (processGone(pid)) throw new MonitorError(`process ${pid} ended during the profile`, {exitCode: ExitCode.unavailable})
    throw error
  }
}

interface Endpoint {
  port: number
  webSocketUrl: string
}

/** The first of `ports` that answers as a Node inspector: GET /json/list lists its target. */
async function findInspector(ports: readonly number[], timeoutMs: number): Promise<Endpoint | undefined> {
  // The inspector's usual port first; the others may be the application's own servers.
  const ordered = [...ports].sort((a, b) => Number(b === NODE_INSPECTOR_PORT) - Number(a === NODE_INSPECTOR_PORT))
  for (const port of ordered) {
    const url = await webSocketUrl(port, timeoutMs)
    if (url) return {port, webSocketUrl: url}
  }
  return undefined
}

async function webSocketUrl(port: number, timeoutMs: number): Promise<string | undefined> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/json/list`, {signal: AbortSignal.timeout(Math.max(1, Math.round(timeoutMs)))})
    if (!res.ok) return undefined
    const list = (await res.json()) as {webSocketDebuggerUrl?: string; type?: string}[]
    if (!Array.isArray(list)) return undefined
    return list.find((t) => typeof t.webSocketDebuggerUrl === 'string' && t.webSocketDebuggerUrl.startsWith('ws://'))?.webSocketDebuggerUrl
  } catch {
    return undefined
  }
}

/** Polls /proc for a port the process did not listen on before, with backoff (a busy process
 * opens its inspector only between two turns of its event loop: seconds, when it is loaded). */
async function waitForInspector(pid: number, before: readonly number[], timeoutMs: number, signal?: AbortSignal): Promise<Endpoint> {
  const deadline = performance.now() + timeoutMs
  let delay = 20
  while (true) {
    throwIfAborted(signal)
    const fresh = listeningPorts(pid).filter((p) => !before.includes(p))
    if (fresh.length > 0) {
      const found = await findInspector(fresh, Math.max(200, deadline - performance.now()))
      if (found) return found
    }
    if (performance.now() >= deadline) break
    await wait(Math.min(delay, deadline - performance.now()), signal, false)
    delay = Math.min(delay * 2, 500)
  }
  if (processGone(pid)) throw new MonitorError(`process ${pid} ended while its inspector was opening`, {exitCode: ExitCode.unavailable})
  const holder = portHolder(pid, NODE_INSPECTOR_PORT)
  if (holder) {
    throw new MonitorError(
      `Node.js process ${pid} could not open its inspector: 127.0.0.1:${NODE_INSPECTOR_PORT} is taken by ${holder} (free the port and try again)`,
      {exitCode: ExitCode.unavailable},
    )
  }
  throw new MonitorError(`Node.js process ${pid} did not open its inspector within ${Math.round(timeoutMs / 1000)} s (is its event loop blocked?)`, {exitCode: ExitCode.unavailable})
}

async function waitClosed(pid: number, port: number, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs
  let delay = 10
  while (performance.now() < deadline && listeningPorts(pid).includes(port)) {
    await wait(delay, undefined, false)
    delay = Math.min(delay * 2, 200)
  }
}

async function closeWithoutSession(url: string): Promise<void> {
  try {
    const s = await CdpSession.connect(url, 2000)
    await s.send('Runtime.evaluate', {expression: 'setTimeout(() => process._debugEnd(), 50), undefined'}).catch(() => {})
    await s.close()
  } catch {
    // the process may be gone
  }
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new MonitorError('stopped before profiling started', {exitCode: ExitCode.interrupted})
}

/** Resolves after ms, or early when signal aborts (the profile so far is then taken). With
 * `endOnAbort` false an abort rejects instead. */
function wait(ms: number, signal: AbortSignal | undefined, endOnAbort = true): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      if (endOnAbort) resolve()
      else reject(new MonitorError('stopped before profiling started', {exitCode: ExitCode.interrupted}))
      return
    }
    const onAbort = () => {
      clearTimeout(timer)
      if (endOnAbort) resolve()
      else reject(new MonitorError('stopped before profiling started', {exitCode: ExitCode.interrupted}))
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort)
      resolve()
    }, Math.max(0, ms))
    signal?.addEventListener('abort', onAbort, {once: true})
  })
}
