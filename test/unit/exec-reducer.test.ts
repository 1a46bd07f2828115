/** trace exec's reducer on records built at the C offsets: runs joined from exec and exit, filters,
 * start rows, and what stays open. */
import {describe, expect, it} from 'vitest'

import {forEachRecord, packRecords} from '../../src/engine/records.js'
import {formatArgv, formatEnd} from '../../src/trace/exec/columns.js'
import {EXEC_EVENT, EXEC_EVENT_FLAGS, EXEC_EVENT_KIND} from '../../src/trace/exec/layout.js'
import {ExecReducer, type ExecRow} from '../../src/trace/exec/reducer.js'
import {splitArgs} from '../../src/trace/exec/record.js'
import {execFilter} from '../../src/trace/exec/spec.js'
import {decodeWaitStatus, signalName} from '../../src/trace/wait-status.js'
import {encode} from '../support/records.js'

/** A fixed clock: wall-clock µs = monotonic µs + 1.7e15; tracing started at monotonic `startNs`. */
const ctx = (startNs = 0) => ({toEpochUs: (ns: number) => Math.floor(ns / 1000) + 1.7e15, startNs})

const EXEC = EXEC_EVENT_KIND.values.EXEC_EVENT_EXEC
const EXIT = EXEC_EVENT_KIND.values.EXEC_EVENT_EXIT
const FAILED = EXEC_EVENT_KIND.values.EXEC_EVENT_EXEC_FAILED
const UNTRACKED = EXEC_EVENT_FLAGS.values.EXEC_FLAG_UNTRACKED

function exec(pid: number, ts: number, comm: string, argv: string[], ppid = 1): Uint8Array {
  const args = Buffer.from(argv.map((a) => a + '\0').join(''), 'utf8')
  return encode(EXEC_EVENT, {kind: EXEC, ts_ns: ts, start_ns: ts, pid, ppid, uid: 1000, args_len: args.length, comm}, args)
}

function exit(pid: number, ts: number, start: number, status: number, comm = 'x'): Uint8Array {
  return encode(EXEC_EVENT, {kind: EXIT, ts_ns: ts, start_ns: start, pid, ppid: 1, uid: 1000, exit_code: status, comm})
}

/** One batch, then time enough for held-back rows to go out. */
function feed(reducer: ExecReducer, records: Uint8Array[]): void {
  forEachRecord(packRecords(records), (v, o, l) => reducer.record(v, o, l))
  reducer.tick(Number.MAX_SAFE_INTEGER)
}

describe('trace exec reducer', () => {
  it('joins exec and exit into one run with exit code, signal and duration', () => {
    const rows: ExecRow[] = []
    const r = new ExecReducer((row) => rows.push(row), ctx())
    feed(r, [exec(42, 1_000, 'curl', ['curl', '-s', 'http://x']), exec(43, 2_000, 'sh', ['sh']), exit(42, 5_000, 1_000, 3 << 8), exit(43, 9_000, 2_000, 0x80 | 11)])
    expect(rows.map((x) => [x.pid, x.comm, x.argv, x.exit_code, x.signal, x.core_dumped, x.duration_ns, x.end])).toEqual([
      [42, 'curl', ['curl', '-s', 'http://x'], 3, null, false, 4_000, 'exit'],
      [43, 'sh', ['sh'], null, 'SIGSEGV', true, 7_000, 'exit'],
    ])
    expect(r.counts()).toEqual({runs: 2, still_running: 0, execs: 2, exec_failures: 0, path_misses: 0, exits: 2, exits_without_exec: 0, untracked_exits: 0})
  })

  it('ends a run when its process execs again, and reports the still-running at finish', () => {
    const rows: ExecRow[] = []
    const r = new ExecReducer((row) => rows.push(row), ctx())
    feed(r, [exec(7, 100, 'sh', ['sh']), exec(7, 300, 'ls', ['ls'])])
    expect(rows.map((x) => [x.comm, x.end, x.duration_ns])).toEqual([['sh', 'exec', 200]])
    expect(r.open(1_300).map((x) => [x.comm, x.end, x.duration_ns])).toEqual([['ls', 'running', 1_000]])
    r.finish()
    expect(rows.map((x) => [x.comm, x.end, x.duration_ns])).toEqual([
      ['sh', 'exec', 200],
      ['ls', 'running', null],
    ])
    expect(r.counts()).toMatchObject({runs: 1, still_running: 1})
  })

  it('counts an exit whose exec record was lost, and still reports it', () => {
    const rows: ExecRow[] = []
    const r = new ExecReducer((row) => rows.push(row), ctx())
    feed(r, [exit(9, 50, 10, 0, 'lost')])
    expect(rows).toMatchObject([{pid: 9, comm: 'lost', argv: [], exit_code: 0, duration_ns: 40}])
    expect(r.counts().exits_without_exec).toBe(1)
  })

  it('filters command lines and names in user space; a filtered exec hides its exit too', () => {
    const rows: ExecRow[] = []
    const r = new ExecReducer((row) => rows.push(row), ctx(), execFilter({args: 'needle', comm: '^tr', regex: true}))
    feed(r, [exec(1, 1, 'true', ['true', 'hay']), exec(2, 2, 'true', ['true', 'needle']), exec(3, 3, 'xtrue', ['x', 'needle']), exit(1, 9, 1, 0), exit(2, 9, 2, 0), exit(3, 9, 3, 0)])
    expect(rows.map((x) => x.pid)).toEqual([2])
    expect(r.counts().exits_without_exec).toBe(0)
  })

  it('emits a start row at exec with --starts, and the run at exit', () => {
    const rows: ExecRow[] = []
    const r = new ExecReducer((row) => rows.push({...row}), ctx(), {}, true)
    feed(r, [exec(5, 10, 'sleep', ['sleep', '1']), exit(5, 30, 10, 0)])
    expect(rows.map((x) => [x.phase, x.end])).toEqual([
      ['start', 'running'],
      ['run', 'exit'],
    ])
    expect(formatEnd(rows[0])).toBe('started')
  })

  it('reports a failed exec as a run of its own, with its errno and the path as passed', () => {
    const rows: ExecRow[] = []
    const r = new ExecReducer((row) => rows.push(row), ctx())
    const args = Buffer.from('./nope\0-x\0')
    const name = Buffer.from('./nope\0')
    const rec = encode(EXEC_EVENT, {kind: FAILED, ts_ns: 10, start_ns: 10, pid: 5, ppid: 1, uid: 0, args_len: args.length, filename_len: name.length, error: 2, comm: 'sh'}, Buffer.concat([args, name]))
    feed(r, [rec])
    expect(rows).toMatchObject([{pid: 5, comm: 'sh', filename: './nope', argv: ['./nope', '-x'], exec_errno: 'ENOENT', end: 'failed', exit_code: null, duration_ns: null}])
    expect(formatEnd(rows[0])).toBe('ENOENT')
    expect(r.counts()).toMatchObject({runs: 1, exec_failures: 1, execs: 0})
  })

  it("folds execvp's PATH search: ENOENTs of a search that goes on are not rows of their own", () => {
    const failed = (pid: number, ts: number, path: string, argv: string[]) => {
      const args = Buffer.from(argv.map((a) => a + '\0').join(''))
      const name = Buffer.from(path + '\0')
      return encode(EXEC_EVENT, {kind: FAILED, ts_ns: ts, start_ns: ts, pid, ppid: 1, uid: 0, args_len: args.length, filename_len: name.length, error: 2, comm: 'node'}, Buffer.concat([args, name]))
    }
    const rows: ExecRow[] = []
    const r = new ExecReducer((row) => rows.push(row), ctx())
    // Found on the third try: one run, no failures.
    feed(r, [failed(1, 1, '/usr/local/sbin/sleep', ['sleep', '1']), failed(1, 2, '/usr/local/bin/sleep', ['sleep', '1']), exec(1, 3, 'sleep', ['sleep', '1'])])
    expect(rows).toHaveLength(0)
    expect(r.open(4).map((x) => x.comm)).toEqual(['sleep'])
    // A search split over two batches, and time passing in between but not enough.
    forEachRecord(packRecords([failed(4, 1e9, '/usr/local/bin/ls', ['ls'])]), (v, o, l) => r.record(v, o, l))
    r.tick(1e9 + 100e6)
    expect(rows).toHaveLength(0)
    feed(r, [exec(4, 1e9 + 10, 'ls', ['ls'])])
    expect(rows).toHaveLength(0)
    // Not found anywhere: the last attempt is the row.
    feed(r, [failed(2, 5, '/usr/local/bin/nope', ['nope']), failed(2, 6, '/usr/bin/nope', ['nope'])])
    expect(rows.map((x) => [x.pid, x.filename, x.exec_errno])).toEqual([[2, '/usr/bin/nope', 'ENOENT']])
    // A failure followed by a different program is a failure of its own.
    feed(r, [failed(3, 7, './build.sh', ['./build.sh']), exec(3, 8, 'sh', ['sh', 'fallback'])])
    expect(rows.map((x) => x.pid)).toEqual([2, 3])
    expect(r.counts()).toMatchObject({exec_failures: 2, path_misses: 4})
  })

  it('tells forked children from processes older than the trace among untracked exits', () => {
    const rows: ExecRow[] = []
    const r = new ExecReducer((row) => rows.push(row), ctx(1_000), {}, false)
    const exitOf = (pid: number, start: number) => encode(EXEC_EVENT, {kind: EXIT, ts_ns: 5_000, start_ns: start, pid, ppid: 1, uid: 0, exit_code: 7 << 8, flags: UNTRACKED, comm: 'sh'})
    feed(r, [exitOf(1, 2_000), exitOf(2, 500)])
    expect(rows.map((x) => [x.pid, x.origin, x.exit_code, x.duration_ns, x.argv])).toEqual([
      [1, 'fork', 7, 3_000, []],
      [2, 'before', 7, 4_500, []],
    ])
    expect(r.counts()).toMatchObject({untracked_exits: 2, exits_without_exec: 0})
  })

  it('refuses a record shorter than its header', () => {
    const r = new ExecReducer(() => undefined, ctx())
    expect(() => r.record(new DataView(new ArrayBuffer(32)), 0, 32)).toThrow(/shorter than its/)
  })

  it('bounds argv by the record length even if args_len lies', () => {
    const rows: ExecRow[] = []
    const rec = exec(1, 1, 'x', ['ab'])
    Buffer.from(rec.buffer).writeUInt32LE(4096, EXEC_EVENT.fields.args_len.offset)
    const r = new ExecReducer((row) => rows.push(row), ctx())
    feed(r, [rec])
    expect(r.open(2)[0].argv).toEqual(['ab'])
  })
})

describe('argv, wait status and formatting', () => {
  it('keeps a truncated last argument and empty arguments', () => {
    expect(splitArgs(Buffer.from('a\0bb\0cc'))).toEqual(['a', 'bb', 'cc'])
    expect(splitArgs(Buffer.from('a\0\0b\0'))).toEqual(['a', '', 'b'])
  })

  it('splits exit codes, signals and core dumps', () => {
    expect(decodeWaitStatus(0)).toEqual({exit_code: 0, signal: null, core_dumped: false})
    expect(decodeWaitStatus(255 << 8)).toEqual({exit_code: 255, signal: null, core_dumped: false})
    expect(decodeWaitStatus(15)).toEqual({exit_code: null, signal: 'SIGTERM', core_dumped: false})
    expect(decodeWaitStatus(0x80 | 11)).toEqual({exit_code: null, signal: 'SIGSEGV', core_dumped: true})
    expect(signalName(40)).toBe('SIG40')
  })

  it('quotes arguments that need it and marks truncation', () => {
    expect(formatArgv(['sh', '-c', 'exit 3'], false)).toBe('sh -c "exit 3"')
    expect(formatArgv(['x', ''], true)).toBe('x "" ...[truncated]')
    const base = {phase: 'run' as const, exit_code: null, signal: null, core_dumped: false, exec_errno: null}
    expect(formatEnd({...base, end: 'exit', exit_code: 0})).toBe('0')
    expect(formatEnd({...base, end: 'exit', signal: 'SIGKILL'})).toBe('SIGKILL')
    expect(formatEnd({...base, end: 'exit', signal: 'SIGSEGV', core_dumped: true})).toBe('SIGSEGV(core)')
    expect(formatEnd({...base, end: 'running'})).toBe('running')
    expect(formatEnd({...base, end: 'failed', exec_errno: 'ENOENT'})).toBe('ENOENT')
  })
})
