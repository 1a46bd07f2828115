/**
 * Chrome DevTools .cpuprofile files (Profiler.stop's result: a node tree, sample node ids, time
 * deltas in µs): recognised here, converted by the same code as a live profile of a Node process.
 */
import {type CdpProfile, cpuProfileToStacks} from '../node/cpu-profile.js'
import type {StackProfile} from '../stacks.js'

export type CpuProfile = CdpProfile

export function isCpuProfile(doc: unknown): doc is CpuProfile {
  const d = doc as CpuProfile
  return typeof d === 'object' && d !== null && Array.isArray(d.nodes) && (d.nodes.length === 0 || typeof d.nodes[0]?.callFrame === 'object')
}

export function fromCpuProfile(doc: CpuProfile): StackProfile {
  // One converter for files and for live profiles of a Node process (src/pprof/node/).
  return cpuProfileToStacks(doc)
}
