/**
 * `monitor pprof <kind> <url> | --pid N`: get a profile from a running program, then save it
 * (--save) and/or show it (showProfile).
 */
import {writeFile} from 'node:fs/promises'

import {ExitCode, MonitorError} from '../errors.js'
import {encodeProfile} from '../pprof/encode.js'
import type {GoProfileKind} from '../pprof/fetch.js'
import {fetchGoProfile} from '../pprof/fetch.js'
import type {Profile} from '../pprof/profile.js'
import type {ReportOptions} from '../pprof/report.js'
import {showMode, showProfile} from './pprof-show.js'

export interface SourceFlags extends ReportOptions {
  pid?: number
  seconds?: number
  timeout?: number
  save?: string
  output?: string
}

/**
 * THE HOOK for Node attach: a profile of a running Node process by pid. The lead replaces this
 * body with the call into src/pprof/node/ (SIGUSR1 → inspector → DevTools profile → fromStacks).
 */
export async function attachNodeProfile(pid: number, kind: GoProfileKind, options: {seconds?: number; timeout?: number}): Promise<Profile> {
  void pid
  void kind
  void options
  throw new MonitorError('Node attach (--pid) is not wired yet in this build', {exitCode: ExitCode.unavailable})
}

export async function runSource(kind: GoProfileKind, target: string | undefined, flags: SourceFlags): Promise<void> {
  if (target && flags.pid !== undefined) throw new MonitorError('give either a URL or --pid, not both', {exitCode: ExitCode.usage})
  if (!target && flags.pid === undefined)
    throw new MonitorError(`monitor pprof ${kind} needs a target: a Go program's URL (monitor pprof ${kind} http://127.0.0.1:6060) or a Node process (monitor pprof ${kind} --pid 1234)`, {exitCode: ExitCode.usage})
  const mode = showMode(flags.output)
  let profile: Profile
  let bytes: Uint8Array | undefined
  let source: string
  if (target) {
    const got = await fetchGoProfile(target, kind, {seconds: flags.seconds, timeout: flags.timeout})
    profile = got.profile
    bytes = got.bytes
    source = got.url.toString()
  } else {
    profile = await attachNodeProfile(flags.pid as number, kind, {seconds: flags.seconds, timeout: flags.timeout})
    source = `pid ${flags.pid}`
  }
  if (flags.save) {
    // Go serves gzipped profile.proto: keep its bytes as they came; anything else is re-encoded.
    const out = bytes && bytes[0] === 0x1f && bytes[1] === 0x8b ? bytes : encodeProfile(profile)
    try {
      await writeFile(flags.save, out)
    } catch (error) {
      throw new MonitorError(`--save ${flags.save}: ${(error as Error).message}`, {exitCode: ExitCode.failure})
    }
    process.stderr.write(`saved ${source} to ${flags.save} (${out.length} bytes)\n`)
    if (flags.output === undefined) return
  }
  await showProfile(profile, {...flags, mode, source})
}
