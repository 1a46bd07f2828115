/**
 * `diff BASE NEW` as `go tool pprof -diff_base BASE NEW` builds it: the base's samples negated and
 * labelled pprof::base=true, appended to the new profile's. Reports then take their total from
 * the base samples (go's computeTotal) and values can be negative.
 */
import {ExitCode, MonitorError} from '../errors.js'
import type {Label, Mapping, Profile} from './profile.js'
import {StringTable} from './profile.js'
import {removeUninteresting} from './prune.js'

const compatible = (a: string, b: string) => a.replace(/s$/, '') === b.replace(/s$/, '')

export function diffProfiles(base: Profile, next: Profile): Profile {
  if (base.sampleTypes.length !== next.sampleTypes.length)
    throw new MonitorError(`cannot diff: the base has ${base.sampleTypes.length} sample types, the new profile ${next.sampleTypes.length}`, {exitCode: ExitCode.dataError})
  base.sampleTypes.forEach((t, i) => {
    const u = next.sampleTypes[i]
    if (!compatible(t.type, u.type) || t.unit.toLowerCase() !== u.unit.toLowerCase())
      throw new MonitorError(`cannot diff: sample type ${i} is ${t.type}/${t.unit} in the base, ${u.type}/${u.unit} in the new profile`, {exitCode: ExitCode.dataError})
  })
  // Each pruned by its own drop_frames first, as go prunes every profile when it loads it.
  return mergeProfiles([removeUninteresting(next), removeUninteresting(base)], [1, -1], [undefined, {key: 'pprof::base', str: 'true'}])
}

/** Concatenates profiles (ids renumbered), scaling each one's values and adding a label to its samples. */
function mergeProfiles(ps: Profile[], scales: number[], extraLabel: (Label | undefined)[]): Profile {
  const strings = new StringTable()
  const nTypes = ps[0].sampleTypes.length
  const sum = (f: (p: Profile) => number) => ps.reduce((s, p) => s + f(p), 0)
  const sampleCount = sum((p) => p.sampleCount)
  const locationCount = sum((p) => p.locationCount)
  const functionCount = sum((p) => p.functionCount)
  const lineCount = sum((p) => p.lineFunction.length)
  const locCount = sum((p) => p.locs.length)

  const values = new Float64Array(sampleCount * nTypes)
  const locStart = new Uint32Array(sampleCount + 1)
  const locs = new Uint32Array(locCount)
  const labels: Label[][] = []
  const locationMapping = new Int32Array(locationCount)
  const locationAddress = new Float64Array(locationCount)
  const locationFolded = new Uint8Array(locationCount)
  const lineStart = new Uint32Array(locationCount + 1)
  const lineFunction = new Int32Array(lineCount)
  const lineNumber = new Float64Array(lineCount)
  const functionName = new Uint32Array(functionCount)
  const functionSystemName = new Uint32Array(functionCount)
  const functionFile = new Uint32Array(functionCount)
  const functionStartLine = new Float64Array(functionCount)
  const mappings: Mapping[] = []

  let s0 = 0
  let l0 = 0
  let f0 = 0
  let line0 = 0
  let loc0 = 0
  ps.forEach((p, pi) => {
    const m0 = mappings.length
    for (const m of p.mappings) mappings.push({...m, id: mappings.length + 1})
    for (let f = 0; f < p.functionCount; f++) {
      functionName[f0 + f] = strings.intern(p.strings.get(p.functionName[f]))
      functionSystemName[f0 + f] = strings.intern(p.strings.get(p.functionSystemName[f]))
      functionFile[f0 + f] = strings.intern(p.strings.get(p.functionFile[f]))
      functionStartLine[f0 + f] = p.functionStartLine[f]
    }
    for (let l = 0; l < p.locationCount; l++) {
      locationMapping[l0 + l] = p.locationMapping[l] >= 0 ? m0 + p.locationMapping[l] : -1
      locationAddress[l0 + l] = p.locationAddress[l]
      locationFolded[l0 + l] = p.locationFolded[l]
      lineStart[l0 + l] = line0 + p.lineStart[l]
    }
    for (let j = 0; j < p.lineFunction.length; j++) {
      lineFunction[line0 + j] = p.lineFunction[j] >= 0 ? f0 + p.lineFunction[j] : -1
      lineNumber[line0 + j] = p.lineNumber[j]
    }
    const scale = scales[pi]
    for (let i = 0; i < p.sampleCount; i++) {
      locStart[s0 + i] = loc0 + p.locStart[i]
      for (let k = 0; k < nTypes; k++) values[(s0 + i) * nTypes + k] = scale * p.values[i * nTypes + k] || 0
      const own = p.labels?.[i] ?? []
      const extra = extraLabel[pi]
      labels.push(extra ? [...own, extra] : own)
    }
    for (let k = 0; k < p.locs.length; k++) locs[loc0 + k] = l0 + p.locs[k]
    s0 += p.sampleCount
    l0 += p.locationCount
    f0 += p.functionCount
    line0 += p.lineFunction.length
    loc0 += p.locs.length
  })
  locStart[sampleCount] = locCount
  lineStart[locationCount] = lineCount

  // Headers combined as go's profile.Merge combines them.
  const first = ps[0]
  let timeNanos = 0
  for (const p of ps) if (timeNanos === 0 || p.timeNanos < timeNanos) timeNanos = p.timeNanos
  return {
    sampleTypes: first.sampleTypes,
    defaultSampleType: ps.find((p) => p.defaultSampleType)?.defaultSampleType ?? '',
    periodType: first.periodType,
    period: Math.max(...ps.map((p) => p.period)),
    timeNanos,
    durationNanos: sum((p) => p.durationNanos),
    comments: [...new Set(ps.flatMap((p) => p.comments))],
    dropFrames: first.dropFrames,
    keepFrames: first.keepFrames,
    strings,
    sampleCount,
    values,
    locStart,
    locs,
    labels: labels.some((l) => l.length) ? labels : undefined,
    locationCount,
    locationId: Float64Array.from({length: locationCount}, (_, i) => i + 1),
    locationMapping,
    locationAddress,
    locationFolded,
    lineStart,
    lineFunction,
    lineNumber,
    functionCount,
    functionId: Float64Array.from({length: functionCount}, (_, i) => i + 1),
    functionName,
    functionSystemName,
    functionFile,
    functionStartLine,
    mappings,
  }
}
