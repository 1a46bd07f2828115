/**
 * A profile file as a pprof Profile, whatever its format (src/pprof/parse.ts lists them); errors
 * name the file. profile.proto, the common case, loads only the decoder.
 */
import {readFile} from 'node:fs/promises'

import {ExitCode, MonitorError} from '../errors.js'
import {decodeProfile} from './decode.js'
import {detectFormat} from './detect.js'
import type {Profile} from './profile.js'

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
    const {format, raw} = detectFormat(bytes)
    if (format === 'pprof') return decodeProfile(raw)
    const {parseText} = await import('./parse.js')
    return parseText(format, raw)
  } catch (error) {
    if (error instanceof MonitorError) throw new MonitorError(`${path}: ${error.message}`, {exitCode: error.exitCode, cause: error})
    throw error
  }
}
