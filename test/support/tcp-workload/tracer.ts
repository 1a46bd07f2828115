/** Gate and helpers for tests of `monitor trace tcp <mode>` on the controlled workloads. */
import {spawnSync} from 'node:child_process'
import {describe, it} from 'vitest'

import {startReady, type RunningCli} from '../cli.js'
import {CLI, describeEbpf, waitFor} from '../ebpf.js'

/** Why `trace tcp <mode>` cannot be run by this CLI (undefined: it can). */
export function tcpModeMissing(mode: string): string | undefined {
  const r = spawnSync(process.execPath, [CLI, 'trace', 'tcp', mode, '--help'], {encoding: 'utf8', timeout: 30_000})
  if (r.status === 0) return undefined
  return `${CLI} has no \`trace tcp ${mode}\` (exit ${r.status}: ${(r.stderr || r.stdout).trim().split('\n')[0]})`
}

/**
 * describeEbpf, and also only where the CLI has every mode in `modes`: skipped when a mode is
 * missing on a developer machine, FAILED under CI=true (a tracer that does not exist is not a pass).
 */
export function describeTcp(name: string, modes: string[], body: () => void): void {
  describeEbpf(name, () => {
    const missing = modes.map(tcpModeMissing).filter((m): m is string => m !== undefined)
    if (!missing.length) {
      body()
      return
    }
    if (process.env.CI) {
      it('has the tracer', () => {
        throw new Error(`${missing.join('; ')} (CI=true turns this skip into a failure)`)
      })
      return
    }
    describe.skip(`${name} (skipped: ${missing.join('; ')})`, body)
  })
}

/** One NDJSON object of a tracer's output. */
export type Json = Record<string, any>

export interface Parsed {
  ready: Json
  records: Json[]
  summary: Json
}

/** ready first, summary last, records between (every line must be JSON). */
export function parseNdjson(stdout: string): Parsed {
  const lines = stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Json)
  const ready = lines[0]
  const summary = lines.at(-1)!
  if (ready?.type !== 'ready') throw new Error(`first line is not ready: ${JSON.stringify(ready)}`)
  if (summary?.type !== 'summary') throw new Error(`last line is not the summary: ${JSON.stringify(summary)}`)
  return {ready, records: lines.slice(1, -1), summary}
}

/** Records of `type` printed so far (a line still being written is skipped). */
export function recordsSoFar(cli: RunningCli, type: string): Json[] {
  const out: Json[] = []
  for (const line of cli.stdout.split('\n')) {
    if (!line.startsWith('{')) continue
    try {
      const r = JSON.parse(line) as Json
      if (r.type === type) out.push(r)
    } catch {}
  }
  return out
}

/** Starts `monitor trace tcp <mode> -o json …` and waits for its ready line. */
export function startTcp(mode: string, args: string[]): Promise<RunningCli> {
  return startReady(['trace', 'tcp', mode, ...args])
}

/**
 * Waits until `enough` of the tracer's `type` records are out (or 15 s), then stops it with SIGINT
 * and returns everything it printed. Waiting on the records rather than a fixed time keeps the test
 * fast and the counts exact: the records are counted after the stop, so extras fail too.
 */
export async function stopWhen(cli: RunningCli, type: string, enough: (records: Json[]) => boolean): Promise<Parsed & {code: number | null}> {
  await waitFor(() => enough(recordsSoFar(cli, type)), 15_000)
  cli.child.kill('SIGINT')
  const code = await cli.exited
  return {...parseNdjson(cli.stdout), code}
}

/** "saddr:sport>daddr:dport": one side of a connection, as records of every mode name it. */
export const tuple = (r: {saddr: string; sport: number; daddr: string; dport: number}): string => `${r.saddr}:${r.sport}>${r.daddr}:${r.dport}`

/** Records with this local or remote port (what `--port` selects). */
export const onPort =
  (port: number) =>
  (r: {sport: number; dport: number}): boolean =>
    r.sport === port || r.dport === port

/** ISO 8601 UTC with µs, the contract's `ts`. */
export const TS = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/
