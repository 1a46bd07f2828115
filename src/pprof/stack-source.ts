/**
 * A decoded Profile as a StackSource for the views. Frames are deduplicated by (function, line,
 * inlined): one frame per distinct source line a function shows up at, so a view can merge by
 * name (flame graph) or keep lines apart (a line-level view). A location line without a function
 * becomes a frame named as go names it: "[binary]" from its mapping, else "<unknown>".
 */
import type {Profile} from './profile.js'
import {defaultSampleIndex, locationSlots} from './profile.js'
import type {Frame, StackSource} from './stacks.js'

export function stackSource(p: Profile): StackSource {
  const frames: Frame[] = []
  const byKey = new Map<string, number>()
  // Frame of each location line ("slot").
  const slotStart = locationSlots(p)
  const slotFrame = new Int32Array(slotStart[p.locationCount])
  for (let l = 0; l < p.locationCount; l++) {
    const a = p.lineStart[l]
    const b = p.lineStart[l + 1]
    for (let s = slotStart[l], j = a; s < slotStart[l + 1]; s++, j++) {
      const fn = j < b ? p.lineFunction[j] : -1
      const line = j < b ? p.lineNumber[j] : 0
      const inlined = j < b - 1
      let name = fn >= 0 ? p.strings.get(p.functionName[fn]) : ''
      const file = fn >= 0 ? p.strings.get(p.functionFile[fn]) : ''
      if (!name) {
        const m = p.locationMapping[l]
        const obj = m >= 0 ? p.mappings[m].file : ''
        name = obj ? `[${obj.slice(obj.lastIndexOf('/') + 1)}]` : '<unknown>'
      }
      const key = `${name}\0${file}\0${line}\0${inlined ? 1 : 0}`
      let f = byKey.get(key)
      if (f === undefined) {
        f = frames.length
        frames.push(inlined ? {name, file, line, inlined} : {name, file, line})
        byKey.set(key, f)
      }
      slotFrame[s] = f
    }
  }

  const nTypes = p.sampleTypes.length
  let maxDepth = 0
  for (let i = 0; i < p.sampleCount; i++) {
    let d = 0
    for (let k = p.locStart[i]; k < p.locStart[i + 1]; k++) {
      const l = p.locs[k]
      d += slotStart[l + 1] - slotStart[l]
    }
    if (d > maxDepth) maxDepth = d
  }

  return {
    sampleTypes: p.sampleTypes,
    defaultIndex: Math.max(0, defaultSampleIndex(p)),
    frameCount: frames.length,
    frame: (i) => frames[i],
    forEachSample(fn) {
      const stack = new Int32Array(maxDepth)
      const values = new Float64Array(nTypes)
      for (let i = 0; i < p.sampleCount; i++) {
        let n = 0
        for (let k = p.locStart[i]; k < p.locStart[i + 1]; k++) {
          const l = p.locs[k]
          for (let s = slotStart[l]; s < slotStart[l + 1]; s++) stack[n++] = slotFrame[s]
        }
        for (let t = 0; t < nTypes; t++) values[t] = p.values[i * nTypes + t]
        fn(stack, n, values)
      }
    },
  }
}
