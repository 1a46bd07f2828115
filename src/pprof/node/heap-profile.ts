/** A V8 sampling heap profile (DevTools HeapProfiler.SamplingHeapProfile) as a StackProfile with
 * the sample types of a Go heap profile's live part: inuse_objects/count and inuse_space/bytes. */
import {ExitCode, MonitorError} from '../../errors.js'
import type {StackProfile, StackSample} from '../stacks.js'
import {type CdpCallFrame, FrameTable} from './cdp-frames.js'

export interface CdpHeapNode {
  callFrame: CdpCallFrame
  selfSize: number
  id: number
  children?: CdpHeapNode[]
}

export interface CdpHeapProfile {
  head: CdpHeapNode
  /** One per sampled allocation still alive: size is the object's size times the number of
   * allocations it stands for (V8 scales each sample up by 1 / (1 - e^(-size/interval))). */
  samples?: {size: number; nodeId: number; ordinal: number}[]
}

export interface HeapConvertOptions {
  /** The sampling interval the profile was taken with (bytes); Chrome DevTools' 32 KiB when absent. */
  samplingIntervalBytes?: number
  timeNanos?: number
  durationNanos?: number
}

export const DEVTOOLS_HEAP_INTERVAL = 32 * 1024

/**
 * Live sampled allocations per allocating stack. inuse_space is each node's sampled bytes (V8's
 * estimate of the live bytes it allocated, exact as V8 reports it); inuse_objects is estimated
 * per sample by objectsIn, because V8 hands over only size × count — an estimate (see there).
 * Without a samples list (older V8) each node counts as one sample of its selfSize.
 */
export function heapProfileToStacks(profile: CdpHeapProfile, options: HeapConvertOptions = {}): StackProfile {
  if (!profile || typeof profile.head !== 'object' || profile.head === null) throw new MonitorError('not a V8 sampling heap profile: no "head" node', {exitCode: ExitCode.dataError})
  const interval = options.samplingIntervalBytes ?? DEVTOOLS_HEAP_INTERVAL
  const objects = new Map<number, number>()
  const bytes = new Map<number, number>()
  if (profile.samples) {
    for (const s of profile.samples) {
      objects.set(s.nodeId, (objects.get(s.nodeId) ?? 0) + objectsIn(s.size, interval))
      bytes.set(s.nodeId, (bytes.get(s.nodeId) ?? 0) + s.size)
    }
  }

  const table = new FrameTable()
  const out: StackSample[] = []
  const path: number[] = [] // frame indexes root first; the root node itself is not a frame
  const walk = (node: CdpHeapNode, depth: number) => {
    if (depth > 0) path.push(table.of(node.callFrame))
    const space = profile.samples ? (bytes.get(node.id) ?? 0) : node.selfSize
    if (space > 0 && path.length > 0) {
      const count = profile.samples ? (objects.get(node.id) ?? 0) : objectsIn(node.selfSize, interval)
      out.push({stack: path.slice().reverse(), values: [count, space]})
    }
    for (const child of node.children ?? []) walk(child, depth + 1)
    if (depth > 0) path.pop()
  }
  walk(profile.head, 0)
  return {
    sampleTypes: [
      {type: 'inuse_objects', unit: 'count'},
      {type: 'inuse_space', unit: 'bytes'},
    ],
    defaultSampleType: 'inuse_space',
    periodType: {type: 'space', unit: 'bytes'},
    period: interval,
    timeNanos: options.timeNanos,
    durationNanos: options.durationNanos,
    frames: table.frames,
    samples: out,
  }
}

/** How many allocations `bytes` of one sample stand for. V8 reports size × count with
 * count = round(1 / (1 - e^(-size/interval))) (SamplingHeapProfiler::ScaleSample): the object size
 * is a divisor of bytes, a multiple of 8 (V8's object alignment on 64-bit), for which that formula
 * gives bytes / size. Where several sizes fit (e.g. one 1 MiB object or two of 512 KiB at a 512 KiB
 * interval) the smallest is taken — small objects are by far the most common — so a large object
 * can be counted as several; where none fits (another engine) the sample counts as one object. */
export function objectsIn(bytes: number, interval: number): number {
  if (!(bytes > 0) || !Number.isSafeInteger(bytes)) return bytes > 0 ? 1 : 0
  let best = 0
  const fits = (size: number) => size % 8 === 0 && Math.floor(1 / (1 - Math.exp(-size / interval)) + 0.5) * size === bytes
  for (let d = 1; d * d <= bytes; d++) {
    if (bytes % d !== 0) continue
    const other = bytes / d
    // d ascending: the first fitting size is the smallest; sizes above sqrt(bytes) are bytes / d.
    if (fits(d)) return bytes / d
    if (fits(other)) best = d // the last fit has the smallest size above sqrt(bytes)
  }
  return best || 1
}
