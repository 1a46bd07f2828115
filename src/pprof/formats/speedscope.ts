/**
 * speedscope's file format (https://www.speedscope.app/file-format-schema.json): shared frames,
 * profiles either "sampled" (stacks root first + weights) or "evented" (open/close events).
 */
import {ExitCode, MonitorError} from '../../errors.js'
import type {Frame, StackProfile, StackSource, ValueType} from '../stacks.js'

const SCHEMA = 'https://www.speedscope.app/file-format-schema.json'

interface SpeedscopeFrame {
  name: string
  file?: string
  line?: number
  col?: number
}
interface SpeedscopeProfile {
  type: 'sampled' | 'evented'
  name?: string
  unit: string
  startValue: number
  endValue: number
  samples?: number[][]
  weights?: number[]
  events?: {type: 'O' | 'C'; frame: number; at: number}[]
}
interface SpeedscopeFile {
  $schema: string
  shared: {frames: SpeedscopeFrame[]}
  profiles: SpeedscopeProfile[]
  name?: string
  exporter?: string
}

export function isSpeedscope(doc: unknown): doc is SpeedscopeFile {
  const d = doc as SpeedscopeFile
  return typeof d === 'object' && d !== null && (d.$schema === SCHEMA || (Array.isArray(d.profiles) && Array.isArray(d.shared?.frames)))
}

function bad(what: string): never {
  throw new MonitorError(`speedscope file: ${what}`, {exitCode: ExitCode.dataError})
}

function valueType(unit: string): ValueType {
  if (unit === 'bytes') return {type: 'space', unit: 'bytes'}
  if (unit === 'none' || !unit) return {type: 'samples', unit: 'count'}
  return {type: 'time', unit}
}

/** All profiles of the file in one StackProfile (speedscope's unit of the first profile). */
export function fromSpeedscope(doc: SpeedscopeFile): StackProfile {
  const frames: Frame[] = doc.shared.frames.map((f, i) => {
    if (typeof f?.name !== 'string') bad(`frame ${i} has no name`)
    return {name: f.name, file: f.file ?? '', line: Number.isInteger(f.line) ? (f.line as number) : 0}
  })
  const profiles = doc.profiles
  if (!profiles.length) bad('no profiles')
  const unit = profiles[0].unit
  const samples: StackProfile['samples'] = []
  const frameOk = (f: number) => Number.isInteger(f) && f >= 0 && f < frames.length
  for (const p of profiles) {
    if (p.unit !== unit) bad(`profiles in different units (${unit}, ${p.unit})`)
    if (p.type === 'sampled') {
      const weights = p.weights ?? []
      if (!Array.isArray(p.samples) || weights.length !== p.samples.length) bad('samples and weights differ in length')
      p.samples.forEach((stack, i) => {
        if (!Array.isArray(stack) || !stack.every(frameOk)) bad(`sample ${i} names a missing frame`)
        samples.push({stack: [...stack].reverse(), values: [Number(weights[i])]})
      })
    } else if (p.type === 'evented') {
      const open: number[] = []
      let last = p.startValue
      const totals = new Map<string, number>()
      for (const e of p.events ?? []) {
        if (!frameOk(e.frame)) bad('an event names a missing frame')
        if (open.length && e.at > last) {
          const key = open.join(',')
          totals.set(key, (totals.get(key) ?? 0) + (e.at - last))
        }
        last = e.at
        if (e.type === 'O') open.push(e.frame)
        else if (e.type === 'C') {
          if (open.pop() !== e.frame) bad('events close a frame that is not open')
        } else bad(`unknown event type ${String(e.type)}`)
      }
      for (const [key, v] of totals) samples.push({stack: key.split(',').map(Number).reverse(), values: [v]})
    } else bad(`unknown profile type ${String((p as SpeedscopeProfile).type)}`)
  }
  return {sampleTypes: [valueType(unit)], frames, samples}
}

const speedscopeUnits = new Set(['nanoseconds', 'microseconds', 'milliseconds', 'seconds', 'bytes'])

export function toSpeedscope(source: StackSource, sampleIndex: number, name: string): string {
  const frames: SpeedscopeFrame[] = []
  for (let i = 0; i < source.frameCount; i++) {
    const f = source.frame(i)
    const sf: SpeedscopeFrame = {name: f.name || '(anonymous)'}
    if (f.file) sf.file = f.file
    if (f.line) sf.line = f.line
    frames.push(sf)
  }
  const samples: number[][] = []
  const weights: number[] = []
  let total = 0
  source.forEachSample((stack, length, values) => {
    const v = values[sampleIndex]
    if (v === 0) return
    const s = new Array<number>(length)
    for (let k = 0; k < length; k++) s[length - 1 - k] = stack[k]
    samples.push(s)
    weights.push(v)
    total += v
  })
  const unit = source.sampleTypes[sampleIndex].unit.toLowerCase()
  const doc: SpeedscopeFile = {
    $schema: SCHEMA,
    shared: {frames},
    profiles: [
      {
        type: 'sampled',
        name: `${name} (${source.sampleTypes[sampleIndex].type})`,
        unit: speedscopeUnits.has(unit) ? unit : unit === 'byte' ? 'bytes' : 'none',
        startValue: 0,
        endValue: total,
        samples,
        weights,
      },
    ],
    name,
    exporter: 'monitor pprof convert',
  }
  return JSON.stringify(doc)
}
