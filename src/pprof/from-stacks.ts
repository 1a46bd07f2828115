/**
 * StackProfile → pprof Profile: functions deduplicated by (name, file), one location per frame
 * (its line on it), and a run of `inlined` frames folded with the frame they are inlined into as
 * one location with several lines (innermost first), as pprof writes inlined calls.
 */
import {ExitCode, MonitorError} from '../errors.js'
import type {Label, Profile} from './profile.js'
import {StringTable} from './profile.js'
import type {StackProfile} from './stacks.js'
import {Growable} from './growable.js'

export function fromStacks(sp: StackProfile): Profile {
  const strings = new StringTable()
  const nTypes = sp.sampleTypes.length

  const fnIndex = new Map<string, number>()
  const functionName: number[] = []
  const functionFile: number[] = []
  /** Function of each frame. */
  const frameFn = sp.frames.map((f) => {
    const key = `${f.name}\0${f.file}`
    let i = fnIndex.get(key)
    if (i === undefined) {
      i = functionName.length
      fnIndex.set(key, i)
      functionName.push(strings.intern(f.name))
      functionFile.push(strings.intern(f.file))
    }
    return i
  })

  const lineStart: number[] = [0]
  const lineFunction: number[] = []
  const lineNumber: number[] = []
  const frameLoc = new Int32Array(sp.frames.length).fill(-1)
  const runLoc = new Map<string, number>()
  const addLocation = (frames: number[]): number => {
    for (const f of frames) {
      lineFunction.push(frameFn[f])
      lineNumber.push(sp.frames[f].line || 0)
    }
    lineStart.push(lineFunction.length)
    return lineStart.length - 2
  }

  const locStart = new Uint32Array(sp.samples.length + 1)
  const locs = new Growable(Uint32Array, 1024)
  const values = new Float64Array(sp.samples.length * nTypes)
  let labels: Label[][] | undefined
  const run: number[] = []
  sp.samples.forEach((s, i) => {
    locStart[i] = locs.length
    if (s.values.length !== nTypes) throw new MonitorError(`sample ${i} has ${s.values.length} values for ${nTypes} sample types`, {exitCode: ExitCode.dataError})
    for (let k = 0; k < nTypes; k++) values[i * nTypes + k] = s.values[k]
    for (const f of s.stack) {
      run.push(f)
      if (sp.frames[f].inlined) continue // folded into the next frame's location
      let loc: number
      if (run.length === 1) {
        loc = frameLoc[f]
        if (loc < 0) loc = frameLoc[f] = addLocation(run)
      } else {
        const key = run.join(',')
        loc = runLoc.get(key) ?? -1
        if (loc < 0) runLoc.set(key, (loc = addLocation(run)))
      }
      locs.push(loc)
      run.length = 0
    }
    if (run.length) {
      // Inlined frames at the root (no caller to fold into): a location of their own.
      const key = run.join(',')
      let loc = runLoc.get(key) ?? -1
      if (loc < 0) runLoc.set(key, (loc = addLocation(run)))
      locs.push(loc)
      run.length = 0
    }
    if (s.labels && Object.keys(s.labels).length) {
      labels ??= sp.samples.map(() => [])
      labels[i] = Object.entries(s.labels).map(([key, v]) => (typeof v === 'number' ? {key, num: v} : {key, str: v}))
    }
  })
  locStart[sp.samples.length] = locs.length

  const locationCount = lineStart.length - 1
  const functionCount = functionName.length
  return {
    sampleTypes: sp.sampleTypes.map((t) => ({...t})),
    defaultSampleType: sp.defaultSampleType ?? '',
    periodType: sp.periodType,
    period: sp.period ?? 0,
    timeNanos: sp.timeNanos ?? 0,
    durationNanos: sp.durationNanos ?? 0,
    comments: [],
    dropFrames: '',
    keepFrames: '',
    strings,
    sampleCount: sp.samples.length,
    values,
    locStart,
    locs: locs.done(),
    labels,
    locationCount,
    locationId: Float64Array.from({length: locationCount}, (_, i) => i + 1),
    locationMapping: new Int32Array(locationCount).fill(-1),
    locationAddress: new Float64Array(locationCount),
    locationFolded: new Uint8Array(locationCount),
    lineStart: Uint32Array.from(lineStart),
    lineFunction: Int32Array.from(lineFunction),
    lineNumber: Float64Array.from(lineNumber),
    functionCount,
    functionId: Float64Array.from({length: functionCount}, (_, i) => i + 1),
    functionName: Uint32Array.from(functionName),
    functionSystemName: Uint32Array.from(functionName),
    functionFile: Uint32Array.from(functionFile),
    functionStartLine: new Float64Array(functionCount),
    mappings: [],
  }
}
