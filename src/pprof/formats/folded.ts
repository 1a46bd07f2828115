/**
 * Folded stacks (Brendan Gregg's stackcollapse format, what flamegraph.pl and inferno read): one
 * line per stack, frames root first separated by ';', a space and the value.
 */
import {ExitCode, MonitorError} from '../../errors.js'
import type {Frame, StackProfile, StackSource} from '../stacks.js'

/** Folded text as a StackProfile ('samples'/'count'); null when the text is not folded stacks. */
export function parseFolded(text: string): StackProfile | null {
  const frames: Frame[] = []
  const index = new Map<string, number>()
  const samples: StackProfile['samples'] = []
  let lineNo = 0
  for (const raw of text.split('\n')) {
    lineNo++
    const line = raw.trimEnd()
    if (!line) continue
    const m = /^(.*\S)\s+(-?\d+(?:\.\d+)?)$/.exec(line)
    if (!m) {
      if (samples.length === 0) return null
      throw new MonitorError(`folded stacks: line ${lineNo} does not end with a count: "${line.slice(0, 60).replace(/[\u0000-\u001f\u007f]/g, '?')}"`, {exitCode: ExitCode.dataError})
    }
    const names = m[1].split(';')
    const stack: number[] = []
    for (let k = names.length - 1; k >= 0; k--) {
      const name = names[k]
      let f = index.get(name)
      if (f === undefined) {
        f = frames.length
        frames.push({name, file: '', line: 0})
        index.set(name, f)
      }
      stack.push(f)
    }
    samples.push({stack, values: [Number(m[2])]})
  }
  if (samples.length === 0) return null
  return {sampleTypes: [{type: 'samples', unit: 'count'}], frames, samples}
}

/** Folded text of one sample type: identical stacks summed, zero stacks left out, sorted. */
export function toFolded(source: StackSource, sampleIndex: number): string {
  const totals = new Map<string, number>()
  const names: string[] = []
  for (let i = 0; i < source.frameCount; i++) names.push(source.frame(i).name.replaceAll(';', ':') || '(anonymous)')
  source.forEachSample((stack, length, values) => {
    const v = values[sampleIndex]
    if (v === 0) return
    let key = ''
    for (let k = length - 1; k >= 0; k--) key += (k === length - 1 ? '' : ';') + names[stack[k]]
    totals.set(key, (totals.get(key) ?? 0) + v)
  })
  const lines = [...totals].filter(([, v]) => v !== 0).map(([k, v]) => `${k} ${v}`)
  lines.sort()
  return lines.length ? lines.join('\n') + '\n' : ''
}
