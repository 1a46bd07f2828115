/**
 * `convert --to json`: the profile as a StackProfile document (sample types, frames with function,
 * file and line, samples as leaf-first frame indexes with one value per sample type). Reading it
 * back (`convert x.json --to pprof`) gives the same stacks and values.
 */
import {ExitCode, MonitorError} from '../../errors.js'
import type {StackProfile, StackSource} from '../stacks.js'

export const JSON_FORMAT = 'monitor-pprof-stacks/1'

export function isStacksJson(doc: unknown): doc is StackProfile & {format: string} {
  return typeof doc === 'object' && doc !== null && (doc as {format?: string}).format === JSON_FORMAT
}

export function toStacksJson(source: StackSource, meta: {periodType?: StackProfile['periodType']; period?: number; timeNanos?: number; durationNanos?: number}): string {
  const frames = []
  for (let i = 0; i < source.frameCount; i++) frames.push(source.frame(i))
  const samples: {stack: number[]; values: number[]}[] = []
  source.forEachSample((stack, length, values) => {
    samples.push({stack: Array.from({length}, (_, k) => stack[k]), values: Array.from(values)})
  })
  return JSON.stringify({
    format: JSON_FORMAT,
    sampleTypes: source.sampleTypes,
    defaultSampleType: source.sampleTypes[source.defaultIndex]?.type,
    ...meta,
    frames,
    samples,
  })
}

export function fromStacksJson(doc: StackProfile): StackProfile {
  const bad = (what: string) => new MonitorError(`profile JSON: ${what}`, {exitCode: ExitCode.dataError})
  if (!Array.isArray(doc.sampleTypes) || !Array.isArray(doc.frames) || !Array.isArray(doc.samples)) throw bad('needs sampleTypes, frames and samples')
  const n = doc.frames.length
  doc.samples.forEach((s, i) => {
    if (!Array.isArray(s.stack) || !s.stack.every((f) => Number.isInteger(f) && f >= 0 && f < n)) throw bad(`sample ${i} names a missing frame`)
    if (!Array.isArray(s.values) || s.values.length !== doc.sampleTypes.length) throw bad(`sample ${i} needs ${doc.sampleTypes.length} values`)
  })
  return doc
}
