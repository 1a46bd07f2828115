/** A V8 CPU profile (DevTools Profiler.Profile — also the JSON of a Chrome `.cpuprofile` file) as a
 * StackProfile with the sample types of a Go CPU profile: samples/count and cpu/nanoseconds. */
import {MonitorError, ExitCode} from '../../errors.js'
import type {StackProfile, StackSample} from '../stacks.js'
import {type CdpCallFrame, FrameTable} from './cdp-frames.js'

export interface CdpProfileNode {
  id: number
  callFrame: CdpCallFrame
  hitCount?: number
  children?: number[]
}

export interface CdpProfile {
  nodes: CdpProfileNode[]
  /** Microseconds (a monotonic clock, not the epoch). */
  startTime: number
  endTime: number
  samples?: number[]
  /** Microseconds between a sample and the one before it (the first: since startTime). */
  timeDeltas?: number[]
}

export interface CpuConvertOptions {
  /** The sampling interval asked for; estimated from the profile's span when absent (a file). */
  intervalNanos?: number
  /** Wall-clock start (ns since the epoch), when known. */
  timeNanos?: number
}

/**
 * Each sampled stack becomes one StackSample (the call tree's node: identical stacks merged) with
 * its sample count and the time it stood for. A sample stands for the time until the next one, as
 * in Chrome DevTools; the last one until endTime. Without samples (an old profile format) each
 * node's hitCount counts, at the interval each. The (root) node is dropped; (program), (idle) and
 * (garbage collector) stay as frames of their own, as DevTools, speedscope and @datadog/pprof keep
 * them.
 */
export function cpuProfileToStacks(profile: CdpProfile, options: CpuConvertOptions = {}): StackProfile {
  if (!profile || !Array.isArray(profile.nodes)) throw new MonitorError('not a V8 CPU profile: no "nodes" array', {exitCode: ExitCode.dataError})
  const nodes = profile.nodes
  const byId = new Map<number, number>()
  for (let i = 0; i < nodes.length; i++) {
    const n = nodes[i]
    if (typeof n?.id !== 'number' || typeof n.callFrame !== 'object' || n.callFrame === null)
      throw new MonitorError(`not a V8 CPU profile: node ${i} has no id or callFrame`, {exitCode: ExitCode.dataError})
    byId.set(n.id, i)
  }
  const parent = new Int32Array(nodes.length).fill(-1)
  for (let i = 0; i < nodes.length; i++) {
    for (const child of nodes[i].children ?? []) {
      const c = byId.get(child)
      if (c !== undefined) parent[c] = i
    }
  }

  const samples = profile.samples ?? []
  const deltas = profile.timeDeltas ?? []
  const spanUs = Math.max(0, profile.endTime - profile.startTime)
  const intervalNanos = options.intervalNanos ?? (samples.length > 0 ? Math.max(1, Math.round((spanUs * 1000) / samples.length)) : 1_000_000)
  const counts = new Float64Array(nodes.length)
  const nanos = new Float64Array(nodes.length)
  if (samples.length > 0) {
    let at = profile.startTime
    for (let i = 0; i < samples.length; i++) {
      at += deltas[i] ?? 0
      const node = byId.get(samples[i])
      if (node === undefined) continue
      const next = i + 1 < samples.length ? at + (deltas[i + 1] ?? 0) : Math.max(at, profile.endTime)
      counts[node] += 1
      // Clock steps can make a delta negative: such a sample stands for no time rather than less.
      nanos[node] += Math.max(0, Math.round((next - at) * 1000))
    }
  } else {
    for (let i = 0; i < nodes.length; i++) {
      counts[i] = nodes[i].hitCount ?? 0
      nanos[i] = counts[i] * intervalNanos
    }
  }

  const table = new FrameTable()
  const frameOf = new Int32Array(nodes.length).fill(-2)
  const isRoot = (i: number) => parent[i] === -1 && nodes[i].callFrame.functionName === '(root)'
  const out: StackSample[] = []
  for (let i = 0; i < nodes.length; i++) {
    if (counts[i] === 0) continue
    const stack: number[] = []
    for (let n = i; n !== -1; n = parent[n]) {
      if (isRoot(n)) break
      if (stack.length >= nodes.length) throw new MonitorError('not a V8 CPU profile: its nodes form a cycle', {exitCode: ExitCode.dataError})
      if (frameOf[n] === -2) frameOf[n] = table.of(nodes[n].callFrame)
      stack.push(frameOf[n])
    }
    if (stack.length === 0) continue
    out.push({stack, values: [counts[i], nanos[i]]})
  }
  return {
    sampleTypes: [
      {type: 'samples', unit: 'count'},
      {type: 'cpu', unit: 'nanoseconds'},
    ],
    defaultSampleType: 'cpu',
    periodType: {type: 'cpu', unit: 'nanoseconds'},
    period: intervalNanos,
    timeNanos: options.timeNanos,
    durationNanos: Math.round(spanUs * 1000),
    frames: table.frames,
    samples: out,
  }
}
