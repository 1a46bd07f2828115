/**
 * Profiles from a Go program's net/http/pprof endpoints (/debug/pprof/<kind>), with a timeout and
 * one-line errors for every way it goes wrong: unreachable, HTTP error, slow, not a profile.
 */
import {ExitCode, MonitorError} from '../errors.js'
import {decodeProfile} from './decode.js'
import type {Profile} from './profile.js'

export const GO_PROFILE_KINDS = ['heap', 'allocs', 'profile', 'goroutine', 'mutex', 'block', 'threadcreate'] as const
export type GoProfileKind = (typeof GO_PROFILE_KINDS)[number]

export interface FetchOptions {
  /** CPU profile length (kind "profile"). */
  seconds?: number
  /** Whole request, in seconds (default: 30, plus --seconds for a CPU profile). */
  timeout?: number
}

/** The endpoint URL: a bare host:port or base URL gets /debug/pprof/<kind>; a full path is kept. */
export function profileUrl(target: string, kind: GoProfileKind, seconds?: number): URL {
  let url: URL
  try {
    url = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(target) ? target : `http://${target}`)
  } catch {
    throw new MonitorError(`"${target}" is not a URL (expected e.g. http://127.0.0.1:6060)`, {exitCode: ExitCode.usage})
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new MonitorError(`"${target}": only http and https URLs are supported`, {exitCode: ExitCode.usage})
  if (!url.pathname.includes('/debug/pprof/')) url.pathname = `${url.pathname.replace(/\/+$/, '')}/debug/pprof/${kind}`
  else if (url.pathname.endsWith('/debug/pprof/')) url.pathname += kind
  // For heap, allocs, mutex and block, Go (1.16+) answers ?seconds=N with the delta over N seconds.
  if (seconds !== undefined) url.searchParams.set('seconds', String(seconds))
  return url
}

export async function fetchGoProfile(target: string, kind: GoProfileKind, options: FetchOptions = {}): Promise<{profile: Profile; bytes: Uint8Array; url: URL}> {
  const seconds = kind === 'profile' ? (options.seconds ?? 30) : options.seconds
  const url = profileUrl(target, kind, seconds)
  const timeout = options.timeout ?? 30 + (seconds ?? 0)
  let response: Response
  try {
    response = await fetch(url, {signal: AbortSignal.timeout(timeout * 1000), redirect: 'follow'})
  } catch (error) {
    throw new MonitorError(`${url}: ${whyUnreachable(error, timeout)}`, {exitCode: ExitCode.unavailable})
  }
  let bytes: Uint8Array
  try {
    bytes = new Uint8Array(await response.arrayBuffer())
  } catch (error) {
    throw new MonitorError(`${url}: ${whyUnreachable(error, timeout)}`, {exitCode: ExitCode.unavailable})
  }
  if (!response.ok) {
    const body = new TextDecoder().decode(bytes.subarray(0, 300)).split('\n').find((l) => l.trim())?.trim()
    throw new MonitorError(`${url}: HTTP ${response.status} ${response.statusText}${body ? `: ${body}` : ''}`, {exitCode: ExitCode.unavailable})
  }
  try {
    return {profile: decodeProfile(bytes), bytes, url}
  } catch (error) {
    const type = response.headers.get('content-type')
    throw new MonitorError(`${url} did not return a pprof profile${type ? ` (${type})` : ''}: ${(error as Error).message}`, {exitCode: ExitCode.dataError})
  }
}

function whyUnreachable(error: unknown, timeout: number): string {
  const e = error as Error & {cause?: {code?: string; message?: string}}
  if (e.name === 'TimeoutError' || e.name === 'AbortError') return `no complete answer within ${timeout} s (--timeout)`
  const code = e.cause?.code
  if (code === 'ECONNREFUSED') return 'connection refused (is the program running, with net/http/pprof imported?)'
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'unknown host'
  if (code === 'ECONNRESET' || code === 'UND_ERR_SOCKET') return 'the connection was closed before the profile was complete'
  return e.cause?.message ?? e.message
}
