/**
 * go tool pprof's RemoveUninteresting: a profile's drop_frames (and keep_frames) regexes cut the
 * matching frame and everything beneath it (towards the leaf) out of each sample, as go does on
 * load. Profiles without drop_frames (Go's own) come back unchanged.
 */
import {ExitCode, MonitorError} from '../errors.js'
import type {Profile} from './profile.js'

const RESERVED = ['(anonymous namespace)', 'operator()']

/** go's simplifyFunc: no leading '.', and no argument list (from the first '(' that is not reserved). */
function simplify(name: string): string {
  const f = name.startsWith('.') ? name.slice(1) : name
  const re = /\(anonymous namespace\)|operator\(\)|\(/g
  for (let m = re.exec(f); m; m = re.exec(f)) if (!RESERVED.includes(m[0])) return f.slice(0, m.index)
  return f
}

function compile(source: string): RegExp {
  try {
    return new RegExp(`^(${source})$`)
  } catch (error) {
    throw new MonitorError(`the profile's drop/keep frames regex does not compile: ${(error as Error).message}`, {exitCode: ExitCode.dataError})
  }
}

export function removeUninteresting(p: Profile): Profile {
  if (!p.dropFrames) return p
  const drop = compile(p.dropFrames)
  const keep = p.keepFrames ? compile(p.keepFrames) : undefined
  const prune = new Uint8Array(p.locationCount)
  const pruneBeneath = new Uint8Array(p.locationCount)
  const lineStart = Uint32Array.from(p.lineStart)
  // Lines kept per location: lines[first .. lineStart[l+1]); a location keeps its own range start.
  const firstLine = Uint32Array.from(p.lineStart.subarray(0, p.locationCount))
  for (let l = 0; l < p.locationCount; l++) {
    const a = p.lineStart[l]
    const b = p.lineStart[l + 1]
    let i = b - 1
    for (; i >= a; i--) {
      const fn = p.lineFunction[i]
      const name = fn >= 0 ? p.strings.get(p.functionName[fn]) : ''
      if (!name) continue
      const simple = simplify(name)
      if (drop.test(simple) && !(keep && keep.test(simple))) break
    }
    if (i >= a) {
      pruneBeneath[l] = 1
      if (i === b - 1) prune[l] = 1
      else firstLine[l] = i + 1
    }
  }
  // Compact the lines of each location (the trimmed ones lose their inner lines).
  let lines = 0
  const lineFunction = new Int32Array(p.lineFunction.length)
  const lineNumber = new Float64Array(p.lineNumber.length)
  for (let l = 0; l < p.locationCount; l++) {
    lineStart[l] = lines
    for (let j = firstLine[l]; j < p.lineStart[l + 1]; j++) {
      lineFunction[lines] = p.lineFunction[j]
      lineNumber[lines] = p.lineNumber[j]
      lines++
    }
  }
  lineStart[p.locationCount] = lines

  // Each sample: from the root, past the first user frame, cut at the first pruned location.
  const locStart = new Uint32Array(p.sampleCount + 1)
  const locs = new Uint32Array(p.locs.length)
  let n = 0
  for (let s = 0; s < p.sampleCount; s++) {
    locStart[s] = n
    const a = p.locStart[s]
    const b = p.locStart[s + 1]
    let from = a
    let foundUser = false
    for (let i = b - 1; i >= a; i--) {
      const l = p.locs[i]
      if (!prune[l] && !pruneBeneath[l]) {
        foundUser = true
        continue
      }
      if (!foundUser) continue
      from = prune[l] ? i + 1 : i
      break
    }
    for (let i = from; i < b; i++) locs[n++] = p.locs[i]
  }
  locStart[p.sampleCount] = n
  return {...p, lineStart, lineFunction: lineFunction.subarray(0, lines), lineNumber: lineNumber.subarray(0, lines), locStart, locs: locs.subarray(0, n)}
}
