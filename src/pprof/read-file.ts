/**
 * Any profile file as a pprof Profile, whatever its format: profile.proto (gzipped or raw),
 * folded stacks, speedscope JSON, Chrome .cpuprofile, or our own stacks JSON. Corrupt, truncated,
 * empty or unknown input is one MonitorError line naming the file.
 */
import {readFile} from 'node:fs/promises'
import {gunzipSync} from 'node:zlib'

import {ExitCode, MonitorError} from '../errors.js'
import {decodeProfile, isGzip} from './decode.js'
import {fromCpuProfile, isCpuProfile} from './formats/cpuprofile.js'
import {parseFolded} from './formats/folded.js'
import {fromStacksJson, isStacksJson} from './formats/json.js'
import {fromSpeedscope, isSpeedscope} from './formats/speedscope.js'
import {fromStacks} from './from-stacks.js'
import type {Profile} from './profile.js'

export type ProfileFormat = 'pprof' | 'folded' | 'speedscope' | 'cpuprofile' | 'json'

export async function readProfileFile(path: string): Promise<Profile> {
  let bytes: Uint8Array
  try {
    bytes = await readFile(path)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : code === 'EACCES' ? 'permission denied' : (error as Error).message
    throw new MonitorError(`${path}: ${why}`, {exitCode: code === 'ENOENT' ? ExitCode.usage : ExitCode.failure})
  }
  try {
    return parseProfile(bytes)
  } catch (error) {
    if (error instanceof MonitorError) throw new MonitorError(`${path}: ${error.message}`, {exitCode: error.exitCode, cause: error})
    throw error
  }
}

/** The first non-blank character, when the bytes start as text. */
function firstChar(bytes: Uint8Array): string {
  for (let i = 0; i < Math.min(bytes.length, 4096); i++) {
    const c = bytes[i]
    if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09 || c === 0xef || c === 0xbb || c === 0xbf) continue
    return String.fromCharCode(c)
  }
  return ''
}

/** Looks like text (folded stacks): no control bytes but whitespace in the first 4 KB. */
function isText(bytes: Uint8Array): boolean {
  const n = Math.min(bytes.length, 4096)
  for (let i = 0; i < n; i++) {
    const c = bytes[i]
    if (c < 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) return false
  }
  return true
}

export function detectFormat(bytes: Uint8Array): {format: ProfileFormat; raw: Uint8Array} {
  if (bytes.length === 0) throw new MonitorError('empty file', {exitCode: ExitCode.dataError})
  let raw = bytes
  if (isGzip(bytes)) {
    try {
      raw = gunzipSync(bytes)
    } catch (error) {
      throw new MonitorError(`corrupt or truncated gzip: ${(error as Error).message}`, {exitCode: ExitCode.dataError})
    }
    if (raw.length === 0) throw new MonitorError('empty profile (gzip of 0 bytes)', {exitCode: ExitCode.dataError})
  }
  const c = firstChar(raw)
  if (c === '{' || c === '[') return {format: 'json', raw}
  if (isText(raw) && c !== '') return {format: 'folded', raw}
  return {format: 'pprof', raw}
}

export function parseProfile(bytes: Uint8Array): Profile {
  const {format, raw} = detectFormat(bytes)
  if (format === 'pprof') return decodeProfile(raw)
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
