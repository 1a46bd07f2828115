/** Which profile format some bytes hold (gunzipping first), without parsing them. */
import {gunzipSync} from 'node:zlib'

import {ExitCode, MonitorError} from '../errors.js'
import {isGzip} from './decode.js'

export type ProfileFormat = 'pprof' | 'folded' | 'json'

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
