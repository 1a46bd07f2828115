/**
 * The in-memory pprof profile: columnar, so a 1M-sample profile is a handful of typed arrays and
 * not millions of objects. Samples, locations and lines refer to each other by INDEX (resolved from
 * the proto's ids once, at decode); ids are kept only to write the profile back.
 *
 * Values are doubles: int64 sample values are exact up to 2^53 and keep their sign (diff profiles
 * hold negative values). Addresses above 2^53 lose their low bits (no real mapping reaches that).
 */
import type {ValueType} from './stacks.js'

/** The string table. Decoded profiles keep it as byte ranges and decode a string on first use. */
export interface Strings {
  readonly size: number
  get(index: number): string
}

export interface Mapping {
  id: number
  memoryStart: number
  memoryLimit: number
  fileOffset: number
  file: string
  buildId: string
  hasFunctions: boolean
  hasFilenames: boolean
  hasLineNumbers: boolean
  hasInlineFrames: boolean
}

export interface Label {
  key: string
  str?: string
  num?: number
  numUnit?: string
}

export interface Profile {
  sampleTypes: ValueType[]
  /** '' when the profile names none (then views start with the last sample type). */
  defaultSampleType: string
  periodType?: ValueType
  period: number
  timeNanos: number
  durationNanos: number
  comments: string[]
  dropFrames: string
  keepFrames: string
  strings: Strings

  sampleCount: number
  /** sampleCount × sampleTypes.length values, sample-major. */
  values: Float64Array
  /** Sample i's locations are locs[locStart[i] .. locStart[i+1]), leaf first (location indexes). */
  locStart: Uint32Array
  locs: Uint32Array
  /** Per-sample labels; absent when no sample has any. */
  labels?: Label[][]

  locationCount: number
  locationId: Float64Array
  /** Index into mappings, or -1. */
  locationMapping: Int32Array
  locationAddress: Float64Array
  locationFolded: Uint8Array
  /** Location i's lines are line[lineStart[i] .. lineStart[i+1]); the first is the innermost (pprof order). */
  lineStart: Uint32Array
  /** Index into the function arrays, or -1 when the line names no function. */
  lineFunction: Int32Array
  lineNumber: Float64Array

  functionCount: number
  functionId: Float64Array
  /** String table indexes. */
  functionName: Uint32Array
  functionSystemName: Uint32Array
  functionFile: Uint32Array
  functionStartLine: Float64Array

  mappings: Mapping[]
}

/** A string table built from JS strings (profiles we make ourselves). */
export class StringTable implements Strings {
  readonly list: string[] = ['']
  readonly #index = new Map<string, number>([['', 0]])

  get size(): number {
    return this.list.length
  }

  get(index: number): string {
    return this.list[index] ?? ''
  }

  intern(s: string): number {
    let i = this.#index.get(s)
    if (i === undefined) {
      i = this.list.length
      this.list.push(s)
      this.#index.set(s, i)
    }
    return i
  }
}

/** Name of function `f` ('' for -1). */
export function functionName(p: Profile, f: number): string {
  return f < 0 ? '' : p.strings.get(p.functionName[f])
}

export function functionFile(p: Profile, f: number): string {
  return f < 0 ? '' : p.strings.get(p.functionFile[f])
}

/** The sample type index a view or report starts with: default_sample_type, else the last. */
export function defaultSampleIndex(p: Profile): number {
  if (p.defaultSampleType) {
    const i = p.sampleTypes.findIndex((t) => t.type === p.defaultSampleType)
    if (i >= 0) return i
  }
  return p.sampleTypes.length - 1
}

/** Where each location's lines ("slots") start in a flat per-line array: location l has slots
 * [out[l], out[l + 1]); a location without lines still has one (its address). */
export function locationSlots(p: Profile): Uint32Array {
  const out = new Uint32Array(p.locationCount + 1)
  let slots = 0
  for (let l = 0; l < p.locationCount; l++) {
    out[l] = slots
    slots += Math.max(1, p.lineStart[l + 1] - p.lineStart[l])
  }
  out[p.locationCount] = slots
  return out
}
