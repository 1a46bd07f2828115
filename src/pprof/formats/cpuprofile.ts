/**
 * Chrome DevTools .cpuprofile (Profiler.stop's result: a node tree, sample node ids, time deltas
 * in µs) → StackProfile with samples/count and cpu/nanoseconds. Minimal reader for files; the
 * Node attach source converts live profiles itself (src/pprof/node/).
 */
import {ExitCode, MonitorError} from '../../errors.js'
import type {Frame, StackProfile} from '../stacks.js'

interface CpuProfileNode {
  id: number
  callFrame: {functionName: string; url: string; lineNumber: number; columnNumber?: number}
  children?: number[]
}
export interface CpuProfile {
  nodes: CpuProfileNode[]
  startTime: number
  endTime: number
  samples?: number[]
  timeDeltas?: number[]
}

export function isCpuProfile(doc: unknown): doc is CpuProfile {
  const d = doc as CpuProfile
  return typeof d === 'object' && d !== null && Array.isArray(d.nodes) && (d.nodes.length === 0 || typeof d.nodes[0]?.callFrame === 'object')
}

function bad(what: string): never {
  throw new MonitorError(`.cpuprofile: ${what}`, {exitCode: ExitCode.dataError})
}

export function fromCpuProfile(doc: CpuProfile): StackProfile {
  const byId = new Map<number, number>()
  doc.nodes.forEach((n, i) => {
    if (typeof n?.id !== 'number' || typeof n.callFrame !== 'object' || n.callFrame === null) bad(`node ${i} has no id or callFrame`)
    byId.set(n.id, i)
  })
  const parent = new Int32Array(doc.nodes.length).fill(-1)
  doc.nodes.forEach((n, i) => {
    for (const c of n.children ?? []) {
      const ci = byId.get(c)
      if (ci === undefined) bad(`node ${n.id} has a missing child ${c}`)
      parent[ci] = i
    }
  })
  const frames: Frame[] = doc.nodes.map((n) => ({
    name: n.callFrame.functionName || '(anonymous)',
    file: n.callFrame.url ?? '',
    line: n.callFrame.lineNumber >= 0 ? n.callFrame.lineNumber + 1 : 0, // CDP lines are 0-based
  }))
  // Per node: sample count and time (a sample's time is the delta to the next sample).
  const count = new Float64Array(doc.nodes.length)
  const time = new Float64Array(doc.nodes.length)
  const samples = doc.samples ?? []
  const deltas = doc.timeDeltas ?? []
  samples.forEach((id, i) => {
    const n = byId.get(id)
    if (n === undefined) bad(`a sample names missing node ${id}`)
    count[n]++
    const next = i + 1 < deltas.length ? deltas[i + 1] : 0
    time[n] += Math.max(0, next) * 1000
  })
  const out: StackProfile['samples'] = []
  for (let n = 0; n < doc.nodes.length; n++) {
    if (count[n] === 0) continue
    const stack: number[] = []
    for (let k = n; k >= 0 && stack.length <= doc.nodes.length; k = parent[k]) if (frames[k].name !== '(root)') stack.push(k)
    out.push({stack, values: [count[n], Math.round(time[n])]})
  }
  return {
    sampleTypes: [
      {type: 'samples', unit: 'count'},
      {type: 'cpu', unit: 'nanoseconds'},
    ],
    defaultSampleType: 'cpu',
    periodType: {type: 'cpu', unit: 'nanoseconds'},
    timeNanos: Number.isFinite(doc.startTime) ? Math.round(doc.startTime * 1000) : 0,
    durationNanos: Number.isFinite(doc.endTime - doc.startTime) ? Math.round((doc.endTime - doc.startTime) * 1000) : 0,
    frames,
    samples: out,
  }
}
