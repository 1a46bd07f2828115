/** `monitor top --record` / `--replay` end to end on the real /proc (no root needed): what a replay
 * prints is what the live run printed, byte for byte (JSON and text, with the selection flags); a
 * file cut anywhere replays up to its last whole sample; Ctrl-C, --duration and kill -9 all leave a
 * file that reads; bad files are one line. */
import {spawnSync} from 'node:child_process'
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {topPlan, type TopOptions} from '../../src/cli/top-session.js'
import {startCli} from '../support/cli.js'
import {CLI, waitFor} from '../support/ebpf.js'

const dir = mkdtempSync(join(tmpdir(), 'monitor-top-record-cli-'))
afterAll(() => rmSync(dir, {recursive: true, force: true}))
let files = 0
const scratch = () => join(dir, `c${files++}.trace`)

const lines = (text: string) => text.split('\n').filter((l) => l !== '')
/** The lines a writer finished: one killed in the middle of a write leaves part of its last line
 * (a document of ~1,000 processes is written in several chunks). */
const wholeLines = (text: string) => lines(text.slice(0, text.lastIndexOf('\n') + 1))

/** Offsets at which the file's sample frames end (the container's 12-byte frame headers). */
function sampleEnds(file: Buffer): number[] {
  const ends: number[] = []
  for (let at = 16; at + 12 <= file.length; ) {
    const next = at + 12 + file.readUInt32LE(at + 4)
    if (file.readUInt8(at + 8) === 6 && next <= file.length) ends.push(next)
    at = next
  }
  return ends
}

/** The CLI to its end, with room for every process in every document (spawnSync's default 1 MiB
 * would cut a few snapshots of a busy machine short). */
function run(args: string[]) {
  const res = spawnSync(process.execPath, [CLI, ...args], {encoding: 'utf8', timeout: 60_000, maxBuffer: 256 << 20})
  return {...res, out: lines(res.stdout), errLines: lines(res.stderr)}
}

describe('top --record / --replay', () => {
  const recorded = scratch()
  let printed: string[] = []

  beforeAll(() => {
    const res = run(['top', '--count', '6', '--interval', '0.5', '-o', 'json', '--record', recorded])
    expect(res.status, res.stderr).toBe(0)
    printed = res.out
    expect(printed).toHaveLength(6)
  }, 60_000)

  it('--replay -o json prints the documents the live run printed, byte for byte', () => {
    const res = run(['top', '--replay', recorded, '-o', 'json'])
    expect(res.status, res.stderr).toBe(0)
    expect(res.stderr).toBe('')
    expect(res.out).toEqual(printed)
    // --count takes the first ones, --once the first.
    expect(run(['top', '--replay', recorded, '-o', 'json', '--count', '2']).out).toEqual(printed.slice(0, 2))
    expect(run(['top', '--replay', recorded, '-o', 'json', '--once']).out).toEqual(printed.slice(0, 1))
  })

  it('the selection flags apply to the recorded processes', () => {
    const res = run(['top', '--replay', recorded, '-o', 'json', '--sort', 'mem', '--limit', '5', '--user', 'root'])
    expect(res.status, res.stderr).toBe(0)
    expect(res.out).toHaveLength(6)
    res.out.forEach((line, i) => {
      type Doc = {ts: string; processes: {pid: number; user: string; rss_bytes: number}[]}
      const doc = JSON.parse(line) as Doc
      const live = JSON.parse(printed[i]) as Doc
      expect(doc.ts).toBe(live.ts)
      const rootRss = live.processes.filter((p) => p.user === 'root').map((p) => p.rss_bytes)
      expect(doc.processes.map((p) => p.rss_bytes)).toEqual(rootRss.sort((a, b) => b - a).slice(0, 5))
    })
  })

  it('text screens with --tree, --sort and --limit replay as they were printed', () => {
    const path = scratch()
    const args = ['--tree', '--sort', 'mem', '--limit', '25']
    const live = run(['top', '--count', '3', '--interval', '0.5', '--record', path, ...args])
    expect(live.status, live.stderr).toBe(0)
    expect(live.stdout).toMatch(/^monitor top - /)
    const replay = run(['top', '--replay', path, ...args])
    expect(replay.status, replay.stderr).toBe(0)
    expect(replay.stdout).toBe(live.stdout)
  }, 30_000)

  it('a file cut at any of several offsets replays its whole samples and says where it was cut', () => {
    const whole = readFileSync(recorded)
    const ends = sampleEnds(whole)
    expect(ends).toHaveLength(6)
    const cut = scratch()
    // Inside the first sample, on a frame boundary, inside later samples, inside the end frame.
    for (const size of [ends[0] - 1, ends[0], ends[1] + 5, Math.floor((ends[2] + ends[3]) / 2), ends[4] + 12, ends[5] + 3]) {
      writeFileSync(cut, whole.subarray(0, size))
      const res = run(['top', '--replay', cut, '-o', 'json'])
      const whole_samples = ends.filter((e) => e <= size).length
      expect(res.status, `cut at ${size}: ${res.stderr}`).toBe(0)
      expect(res.out, `cut at ${size}`).toEqual(printed.slice(0, whole_samples))
      expect(res.errLines, `cut at ${size}`).toHaveLength(1)
      expect(res.stderr).toMatch(new RegExp(`read the ${whole_samples} whole samples before byte \\d+`))
    }
  }, 60_000)

  it('trace report says what a top recording is; trace convert --to json gives its documents', () => {
    const report = run(['trace', 'report', recorded])
    expect(report.status, report.stderr).toBe(0)
    expect(report.out).toHaveLength(1)
    const first = JSON.parse(printed[0]) as {ts: string}
    const last = JSON.parse(printed[5]) as {ts: string}
    expect(report.out[0]).toBe(`${recorded}: top recording, 6 samples every 0.5 s, from ${first.ts} to ${last.ts}: replay it with \`monitor top --replay ${recorded}\``)
    const convert = run(['trace', 'convert', recorded, '--to', 'json'])
    expect(convert.status, convert.stderr).toBe(0)
    expect(convert.out).toEqual(printed)
    const chrome = run(['trace', 'convert', recorded, '--to', 'chrome'])
    expect(chrome.status).toBe(2)
    expect(chrome.errLines).toHaveLength(1)
  })

  it('a corrupt file, a file that is no recording and a missing one: one line each, non-zero exit, no stack', () => {
    const bad = Buffer.from(readFileSync(recorded))
    bad[sampleEnds(bad)[1] + 40] ^= 0x55
    const corrupt = scratch()
    writeFileSync(corrupt, bad)
    const junk = scratch()
    writeFileSync(junk, '{"type":"snapshot"}\n')
    for (const [path, code, message] of [
      [corrupt, 65, /checksum mismatch in the frame at byte \d+: the file is corrupt/],
      [junk, 65, /not a monitor trace file/],
      [join(dir, 'missing.trace'), 2, /no such file/],
    ] as const) {
      const res = run(['top', '--replay', path, '-o', 'json'])
      expect(res.status, path).toBe(code)
      expect(res.errLines, res.stderr).toHaveLength(1)
      expect(res.stderr).toMatch(message)
      expect(res.stdout).toBe('')
    }
    expect(run(['top', '--replay', recorded, '--record', scratch()]).status).toBe(2)
  })
})

describe('top --record ends', () => {
  /** Starts a recorder printing JSON every 0.2 s and waits for `n` documents. */
  async function recorder(path: string, n: number) {
    const cli = startCli(['top', '--interval', '0.2', '-o', 'json', '--record', path])
    expect(await waitFor(() => lines(cli.stdout).length >= n, 20_000, 20), cli.stderr).toBe(true)
    return cli
  }

  it('kill -9 leaves a file that replays up to its last whole sample', async () => {
    const path = scratch()
    const cli = await recorder(path, 4)
    cli.child.kill('SIGKILL')
    await cli.exited
    const printed = wholeLines(cli.stdout)
    const res = run(['top', '--replay', path, '-o', 'json'])
    expect(res.status, res.stderr).toBe(0)
    // What reached the file is what was printed, up to a sample or so still in flight either way.
    expect(res.out.length).toBeGreaterThanOrEqual(printed.length - 1)
    const n = Math.min(res.out.length, printed.length)
    expect(res.out.slice(0, n)).toEqual(printed.slice(0, n))
    expect(res.stderr).toMatch(/the recording did not finish|cut inside|torn last write/)
  }, 40_000)

  it('Ctrl-C and --duration end the file properly: every printed sample, no cut', async () => {
    const path = scratch()
    const cli = await recorder(path, 3)
    cli.child.kill('SIGINT')
    expect(await cli.exited).toBe(0)
    const res = run(['top', '--replay', path, '-o', 'json'])
    expect(res.status, res.stderr).toBe(0)
    expect(res.stderr).toBe('')
    expect(res.out).toEqual(lines(cli.stdout))

    const timed = scratch()
    const live = run(['top', '--duration', '1.3', '--interval', '0.5', '-o', 'json', '--record', timed])
    expect(live.status, live.stderr).toBe(0)
    expect(live.out.length).toBeGreaterThanOrEqual(1)
    const replay = run(['top', '--replay', timed, '-o', 'json'])
    expect(replay.stderr).toBe('')
    expect(replay.out).toEqual(live.out)
  }, 40_000)
})

describe('top --replay modes', () => {
  const base: TopOptions = {once: false, intervalS: 1, mode: 'core', selection: {}, replay: 'x.trace'}
  it('on a terminal a replay is the live view; --record with it is a usage error', () => {
    expect(topPlan(base, true)).toEqual({output: 'live'})
    expect(topPlan({...base, output: 'json', count: 2}, true)).toEqual({output: 'json', count: 2})
    expect(() => topPlan({...base, record: 'y.trace'}, false)).toThrow(expect.objectContaining({exitCode: 2}))
  })
})
