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

/** A profile of a running Node process by pid: SIGUSR1 → its inspector → a DevTools CPU or sampling
 * heap profile (src/pprof/node/attach.ts) → pprof. Ctrl-C ends a CPU profile early and keeps it. */
export async function attachNodeProfile(pid: number, kind: GoProfileKind, options: {seconds?: number; timeout?: number}): Promise<Profile> {
  if (kind !== 'profile' && kind !== 'heap')
    throw new MonitorError(`--pid attaches to a Node process for a CPU profile (monitor pprof profile --pid ${pid}) or a heap profile (monitor pprof heap --pid ${pid}); ${kind} profiles come from Go programs`, {exitCode: ExitCode.usage})
  const {attachNode} = await import('../pprof/node/attach.js')
  const {fromStacks} = await import('../pprof/from-stacks.js')
  const abort = new AbortController()
  const stop = () => abort.abort()
  process.once('SIGINT', stop)
  process.once('SIGTERM', stop)
  try {
    const seconds = options.seconds
    return fromStacks(await attachNode(pid, {kind, seconds, timeoutMs: options.timeout === undefined ? undefined : options.timeout * 1000, signal: abort.signal}))
  } finally {
    process.off('SIGINT', stop)
    process.off('SIGTERM', stop)
  }
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
