/** A recorded trace exec replayed: exec records built at the C offsets, written as the recorder
 * writes them, read back through the reducer give the live rows and counts; `trace report` and
 * `trace convert` on the file (the real CLI, no root needed) agree with them. */
import {mkdtempSync, readFileSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, describe, expect, it} from 'vitest'

import {epochUsWithOffset} from '../../src/engine/clock.js'
import {forEachRecord, packRecords} from '../../src/engine/records.js'
import {ExitCode, MonitorError} from '../../src/errors.js'
import {isoFromEpochUs} from '../../src/output/format.js'
import {execJson} from '../../src/trace/exec/columns.js'
import {EXEC_EVENT, EXEC_EVENT_KIND} from '../../src/trace/exec/layout.js'
import type {ExecRow} from '../../src/trace/exec/reducer.js'
import {execTimeline} from '../../src/trace/exec/report.js'
import {execSpec, type ExecOptions} from '../../src/trace/exec/spec.js'
import {FrameKind, type TraceHeader} from '../../src/trace/file/format.js'
import {layoutSizes} from '../../src/trace/file/record.js'
import {openReplay} from '../../src/trace/file/replay.js'
import {buildReport} from '../../src/trace/file/report.js'
import {TraceFileWriter} from '../../src/trace/file/writer.js'
import {runCli} from '../support/cli.js'
import {encode} from '../support/records.js'
import {testHeader} from '../support/trace-header.js'

const EXEC = EXEC_EVENT_KIND.values.EXEC_EVENT_EXEC
const EXIT = EXEC_EVENT_KIND.values.EXEC_EVENT_EXIT
const FAILED = EXEC_EVENT_KIND.values.EXEC_EVENT_EXEC_FAILED

const OFFSET_US = 1_790_000_000_000_000
const START_NS = 1_000_000_000
const ms = (n: number) => START_NS + n * 1e6

const argBytes = (argv: string[]) => Buffer.from(argv.map((a) => a + '\0').join(''), 'utf8')

function exec(pid: number, ts: number, comm: string, argv: string[]): Uint8Array {
  const args = argBytes(argv)
  const path = Buffer.from(`${comm}\0bin\0usr\0`)
  return encode(EXEC_EVENT, {kind: EXEC, ts_ns: ts, start_ns: ts, pid, ppid: 1, uid: 1000, args_len: args.length, filename_len: path.length, comm}, Buffer.concat([args, path]))
}

function failed(pid: number, ts: number, path: string, argv: string[]): Uint8Array {
  const args = argBytes(argv)
  const name = Buffer.from(path + '\0')
  return encode(EXEC_EVENT, {kind: FAILED, ts_ns: ts, start_ns: ts, pid, ppid: 1, uid: 1000, args_len: args.length, filename_len: name.length, error: 2, comm: 'sh'}, Buffer.concat([args, name]))
}

function exit(pid: number, ts: number, start: number, status: number): Uint8Array {
  return encode(EXEC_EVENT, {kind: EXIT, ts_ns: ts, start_ns: start, pid, ppid: 1, uid: 1000, exit_code: status, comm: 'x'})
}

/** Batches as the ring would deliver them, with the time each reached JS. */
const BATCHES: [receiptNs: number, records: Uint8Array[]][] = [
  [
    ms(60),
    [
      exec(10, ms(1), 'true', ['/bin/true']),
      exec(11, ms(2), 'sleep', ['sleep', '30']),
      failed(12, ms(3), '/usr/local/bin/make', ['make', '-j2']), // a PATH search that goes on
      failed(12, ms(3.1), '/usr/bin/make', ['make', '-j2']),
      exec(12, ms(3.2), 'make', ['make', '-j2']),
      exit(10, ms(4), ms(1), 0),
    ],
  ],
  [ms(120), [exit(11, ms(100), ms(2), 15), failed(14, ms(101), './missing', ['./missing'])]],
  [ms(900), [exit(12, ms(850), ms(3.2), 2 << 8), exec(15, ms(860), 'sleep', ['sleep', '99']), exec(16, ms(870), 'true', ['/bin/true']), exit(16, ms(871), ms(870), 0)]],
]

const dir = mkdtempSync(join(tmpdir(), 'monitor-replay-'))
afterAll(() => rmSync(dir, {recursive: true, force: true}))

function header(options: ExecOptions, command = 'trace exec', layouts = layoutSizes(execSpec)): TraceHeader {
  return testHeader({command, options, programs: ['exec_exec', 'exec_exit'], layouts}, OFFSET_US, START_NS)
}

/** What the live session does: the reducer on the recording's clock, each batch as it arrives
 * (held rows released as time passes), finish() at the end. */
function liveRows(options: ExecOptions): {rows: ExecRow[]; counts: Record<string, number>} {
  const rows: ExecRow[] = []
  const r = execSpec.reducer(options, (row) => rows.push(row), {toEpochUs: (ns) => epochUsWithOffset(ns, OFFSET_US), startNs: START_NS})
  for (const [at, records] of BATCHES) {
    r.tick?.(at)
    forEachRecord(packRecords(records), (v, o, l) => r.record(v, o, l))
  }
  r.finish?.()
  return {rows, counts: r.counts()}
}

async function record(name: string, options: ExecOptions, {end = true, h = header(options)} = {}): Promise<string> {
  const path = join(dir, name)
  const w = new TraceFileWriter(path)
  w.begin(h)
  w.json(FrameKind.stats, {ns: START_NS, lost: {ringbuf_reserve: 0, map_full: 0, read_fault: 0, queue: 0, recursion_misses: 0}})
  for (const [at, records] of BATCHES) w.batch(packRecords(records), at)
  const live = liveRows(options)
  const lost = {ringbuf_reserve: 1, map_full: 0, read_fault: 0, queue: 0, recursion_misses: 0}
  if (end) w.json(FrameKind.end, {ns: ms(1000), duration_s: 1.5, counts: live.counts, lost, lost_total: 1})
  await w.close()
  return path
}

function replayRows(path: string): {rows: ExecRow[]; summary: ReturnType<ReturnType<typeof openReplay>['summary']>} {
  const replay = openReplay(path)
  const rows: ExecRow[] = []
  for (const group of replay.rows()) rows.push(...(group as ExecRow[]))
  return {rows, summary: replay.summary()}
}

describe('trace exec recorded and replayed', () => {
  it('gives the live rows, in the live order, and the live counts; losses from the end frame', async () => {
    for (const options of [{}, {starts: true}, {args: 'true', regex: false}] as ExecOptions[]) {
      const path = await record(`live-${JSON.stringify(options)}.trace`, options)
      const live = liveRows(options)
      const {rows, summary} = replayRows(path)
      expect(rows.map(execJson)).toEqual(live.rows.map(execJson))
      expect(summary.counts).toEqual(live.counts)
      expect(summary.recorded?.counts).toEqual(summary.counts)
      expect(summary).toMatchObject({duration_s: 1.5, lost_total: 1, batches: 3, records: 12, cut: undefined})
    }
    const {rows} = replayRows(await record('plain.trace', {}))
    // The clock is the recording's: ts is the exec time through its own offset.
    expect(execJson(rows[0])).toContain(`"ts":"${isoFromEpochUs(epochUsWithOffset(ms(1), OFFSET_US))}"`)
    expect(rows.map((r) => [r.pid, r.end, r.exec_errno ?? r.signal ?? r.exit_code])).toEqual([
      [10, 'exit', 0],
      [11, 'exit', 'SIGTERM'],
      [14, 'failed', 'ENOENT'],
      [12, 'exit', 2],
      [16, 'exit', 0],
      [15, 'running', null],
    ])
  })

  it('replays a recording without its end frame up to where it was cut, losses as last written', async () => {
    const path = await record('cut.trace', {}, {end: false})
    const {rows, summary} = replayRows(path)
    expect(rows).toHaveLength(6)
    expect(summary.cut?.reason).toMatch(/no end frame/)
    expect(summary.lost_total).toBe(0)
    expect(summary.duration_s).toBe(0.9) // start to the last batch
  })

  it('summarises: top commands, how runs ended, the duration histogram', async () => {
    const report = buildReport(await record('report.trace', {}))
    const byName: Record<string, unknown> = Object.fromEntries(report.sections.map((s) => [s.name, s]))
    expect(byName.top_by_runs).toMatchObject({kind: 'table', rows: [{comm: 'true', runs: 2, failed: 0}, {comm: 'sleep', runs: 2, failed: 1}, {comm: 'sh'}, {comm: 'make'}]})
    expect((byName.top_by_time as {rows: {comm: string}[]}).rows[0].comm).toBe('make')
    expect((byName.endings as {rows: unknown[]}).rows).toEqual([
      {end: 'exit 0', runs: 2, commands: 'true 2'},
      {end: 'SIGTERM', runs: 1, commands: 'sleep 1'},
      {end: 'ENOENT (exec failed)', runs: 1, commands: 'sh 1'},
      {end: 'exit 2', runs: 1, commands: 'make 1'},
      {end: 'running', runs: 1, commands: 'sleep 1'},
    ])
    const hist = byName.run_duration as {histogram: {count: number; sum: number}}
    expect(hist.histogram.count).toBe(4)
    expect(hist.histogram.sum).toBe(3e6 + 98e6 + 846.8e6 + 1e6)
  })

  it('lays runs on a timeline: one from before tracing starts at the start of the trace, a running one runs to its end', () => {
    const base: ExecRow = {phase: 'run', start_us: 5_000, start_ns: 5e6, pid: 7, ppid: 1, uid: 0, comm: 'sh', filename: '/bin/sh', argv: ['sh'], argv_truncated: false, exec_errno: null, exit_code: 0, signal: null, core_dumped: false, duration_ns: 2e6, end: 'exit', origin: 'exec'}
    const ctx = {startUs: 1_000, endUs: 10_000}
    expect(execTimeline(base, ctx)).toMatchObject({name: 'sh', category: 'run', startUs: 5_000, durationUs: 2_000, pid: 7, tid: 7, processName: 'sh 7', args: {end: 'exit 0', argv: 'sh'}})
    expect(execTimeline({...base, start_us: 200, origin: 'before', duration_ns: 1e6}, ctx)).toMatchObject({startUs: 1_000, durationUs: 200, args: {started_before_trace: true}})
    expect(execTimeline({...base, end: 'running', exit_code: null, duration_ns: null}, ctx)).toMatchObject({startUs: 5_000, durationUs: 5_000, args: {end: 'running'}})
    expect(execTimeline({...base, end: 'failed', exec_errno: 'EACCES', exit_code: null, duration_ns: null}, ctx)).toMatchObject({category: 'exec_failed', durationUs: null})
    expect(execTimeline({...base, phase: 'start'}, ctx)).toBeUndefined()
  })

  it('refuses a recording of a tracer it does not know, or with other record layouts (exit 65)', async () => {
    const unknown = await record('unknown.trace', {}, {h: header({}, 'trace nope')})
    expect(() => openReplay(unknown)).toThrow(/recorded by "monitor trace nope", which this monitor does not know/)
    const other = await record('layout.trace', {}, {h: header({}, 'trace exec', {exec_event: 80})})
    let caught: unknown
    try {
      openReplay(other)
    } catch (error) {
      caught = error
    }
    expect((caught as MonitorError).message).toMatch(/exec_event records are 80 bytes, this monitor's are 72/)
    expect((caught as MonitorError).exitCode).toBe(ExitCode.dataError)
  })

  it('converts to the NDJSON the live run printed, and to Chrome trace events (the real CLI)', async () => {
    const path = await record('cli.trace', {starts: true})
    const json = runCli(['trace', 'convert', path, '--to', 'json'])
    expect(json.status, json.stderr).toBe(0)
    const lines = json.stdout.trim().split('\n').map((l) => JSON.parse(l))
    const live = liveRows({starts: true})
    expect(lines[0]).toEqual({type: 'ready', ts: header({}).start_ts, command: 'trace exec', programs: ['exec_exec', 'exec_exit']})
    expect(lines.slice(1, -1)).toEqual(live.rows.map((r) => JSON.parse(execJson(r))))
    expect(lines.at(-1)).toEqual({type: 'summary', duration_s: 1.5, ...live.counts, lost: {ringbuf_reserve: 1, map_full: 0, read_fault: 0, queue: 0, recursion_misses: 0}, lost_total: 1})

    const out = join(dir, 'cli.json')
    const chrome = runCli(['trace', 'convert', path, '--to', 'chrome', '-O', out])
    expect(chrome.status, chrome.stderr).toBe(0)
    const doc = JSON.parse(readFileSync(out, 'utf8'))
    const events = doc.traceEvents as {ph: string; name: string; pid: number; ts: number; dur?: number; args: Record<string, unknown>}[]
    const startUs = epochUsWithOffset(START_NS, OFFSET_US)
    expect(events.filter((e) => e.ph === 'X').map((e) => [e.pid, e.name, e.ts - startUs, e.dur])).toEqual([
      [10, 'true', 1000, 3000],
      [11, 'sleep', 2000, 98000],
      [12, 'make', 3200, 846800],
      [16, 'true', 870000, 1000],
      [15, 'sleep', 860000, 140000], // still running: to the end of tracing
    ])
    expect(events.filter((e) => e.ph === 'i').map((e) => [e.pid, e.name, e.args.end])).toEqual([[14, 'sh', 'ENOENT (exec failed)']])
    expect(events.filter((e) => e.ph === 'M')).toContainEqual({name: 'process_name', ph: 'M', pid: 12, tid: 12, args: {name: 'make 12'}})
    expect(doc.otherData).toMatchObject({command: 'trace exec', host: 'testhost'})
  })

  it('reports as text and as one JSON document (the real CLI); a cut file says so on stderr', async () => {
    const path = await record('cli-report.trace', {comm: 'make', allExits: true})
    const text = runCli(['trace', 'report', path, '--utc'])
    expect(text.status, text.stderr).toBe(0)
    expect(text.stdout).toContain('trace exec recorded on testhost (kernel 6.1.0-test, monitor 0.1.0)')
    expect(text.stdout).toContain('options   --comm "make" --all-exits')
    expect(text.stdout).toMatch(/5 runs, 1 running, 1 failed exec, lost 1 \(ringbuf_reserve 1\)/)
    expect(text.stdout).toMatch(/Run duration \(exec to exit\)\n  count 4, mean/)
    const json = runCli(['trace', 'report', path, '-o', 'json'])
    const doc = JSON.parse(json.stdout)
    expect(doc).toMatchObject({type: 'report', command: 'trace exec', cut: null, lost_total: 1, counts: {runs: 5, still_running: 1}, batches: 3, records: 12})
    expect(doc.sections.run_duration).toMatchObject({type: 'histogram', unit: 'ns', count: 4})
    expect(doc.sections.top_by_runs.rows[0]).toEqual({comm: 'true', runs: 2, failed: 0, total_ns: 4e6, mean_ns: 2e6, max_ns: 3e6})

    const cut = await record('cli-cut.trace', {}, {end: false})
    const res = runCli(['trace', 'report', cut, '-o', 'json'])
    expect(res.status).toBe(0)
    expect(res.stderr).toMatch(/cli-cut\.trace: it has no end frame \(the recording did not finish\): read up to byte \d+ \(3 batches\)/)
    expect(JSON.parse(res.stdout).cut).toMatchObject({reason: expect.stringMatching(/no end frame/)})

    const bad = runCli(['trace', 'report', join(dir, 'nothing-here')])
    expect(bad.status).toBe(ExitCode.usage)
    expect(bad.stderr).toMatch(/^monitor: .*nothing-here: no such file/)
    const notTrace = runCli(['trace', 'convert', '/etc/hostname', '--to', 'json'])
    expect(notTrace.status).toBe(ExitCode.dataError)
    expect(notTrace.stderr.trim().split('\n')).toHaveLength(1)
  })
})
