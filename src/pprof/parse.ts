/**
 * Any profile's bytes as a pprof Profile: profile.proto (gzipped or raw), folded stacks, speedscope
 * JSON, Chrome .cpuprofile, or our own stacks JSON. Corrupt, truncated, empty or unknown input is
 * one MonitorError line.
 */
import {ExitCode, MonitorError} from '../errors.js'
import {decodeProfile} from './decode.js'
import {detectFormat} from './detect.js'
import {fromCpuProfile, isCpuProfile} from './formats/cpuprofile.js'
import {parseFolded} from './formats/folded.js'
import {fromStacksJson, isStacksJson} from './formats/json.js'
import {fromSpeedscope, isSpeedscope} from './formats/speedscope.js'
import {fromStacks} from './from-stacks.js'
import type {Profile} from './profile.js'

export function parseProfile(bytes: Uint8Array): Profile {
  const {format, raw} = detectFormat(bytes)
  if (format === 'pprof') return decodeProfile(raw)
  return parseText(format, raw)
}

/** Folded stacks or JSON (after detectFormat said which). */
export function parseText(format: 'folded' | 'json', raw: Uint8Array): Profile {
  const text = new TextDecoder().decode(raw)
  if (format === 'folded') {
    const folded = parseFolded(text)
    if (folded) return fromStacks(folded)
    // Text that is not folded stacks may still be a (rare) all-printable protobuf.
    try {
      return decodeProfile(raw)
    } catch {
      throw new MonitorError('not a profile: text that is not folded stacks ("frame;frame;frame count" lines)', {exitCode: ExitCode.dataError})
    }
  }
  let doc: unknown
  try {
    doc = JSON.parse(text)
  } catch (error) {
    // V8 quotes the input in its message: keep the message one printable line.
    const why = (error as Error).message.replace(/[\u0000-\u001f\u007f-\u009f\ufffd]+/g, ' ').slice(0, 120)
    throw new MonitorError(`not a profile: invalid JSON (${why})`, {exitCode: ExitCode.dataError})
  }
  if (isStacksJson(doc)) return fromStacks(fromStacksJson(doc))
  if (isSpeedscope(doc)) return fromStacks(fromSpeedscope(doc))
  if (isCpuProfile(doc)) return fromStacks(fromCpuProfile(doc))
  throw new MonitorError('not a profile: JSON that is neither speedscope, a Chrome .cpuprofile nor `convert --to json` output', {exitCode: ExitCode.dataError})
}
