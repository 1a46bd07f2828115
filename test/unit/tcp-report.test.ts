/** A recorded `trace tcp` summarised and replayed: report sections from rows the reducer built out
 * of records at the C offsets (every mode), and the start-up state (owners of connections older than
 * tracing) kept in a state frame — the replay gives the live rows, a reader that does not know the
 * frame kind still reads the file, a cut file still reads. */
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, describe, expect, it} from 'vitest'

import {epochUsWithOffset} from '../../src/engine/clock.js'
import {forEachRecord, packRecords} from '../../src/engine/records.js'
import {crc32, FRAME_HEADER_BYTES, FrameKind, PREAMBLE_BYTES, type TraceHeader} from '../../src/trace/file/format.js'
import {TraceFileReader} from '../../src/trace/file/reader.js'
import {layoutSizes} from '../../src/trace/file/record.js'
import {openReplay} from '../../src/trace/file/replay.js'
import {buildReport} from '../../src/trace/file/report.js'
import {TraceFileWriter} from '../../src/trace/file/writer.js'
import {startContext} from '../../src/trace/open.js'
import type {ReportSection, TableSection} from '../../src/trace/sections.js'
import type {ReducerContext} from '../../src/trace/spec.js'
import {tcpJson} from '../../src/trace/tcp/columns.js'
import {TCP_EVENT, TCP_EVENT_FLAGS, TCP_EVENT_KIND} from '../../src/trace/tcp/layout.js'
import type {TcpMode, TcpRow} from '../../src/trace/tcp/reducer.js'
import {tcpReport} from '../../src/trace/tcp/report.js'
import {indexSnapshot, type SnapshotConnection, snapshotFromState, type TcpState} from '../../src/trace/tcp/snapshot.js'
import {TCP_SPECS} from '../../src/trace/tcp/spec.js'
import {runCli} from '../support/cli.js'
import {encode} from '../support/records.js'
import {testHeader} from '../support/trace-header.js'

const K = TCP_EVENT_KIND.values
const F = TCP_EVENT_FLAGS.values
const OFFSET_US = 1_790_000_000_000_000
const START_NS = 1e9
const ms = (n: number) => START_NS + n * 1e6
const NETNS = 4026531840

type Fields = Record<string, number | bigint | string>
const BASE: Fields = {family: 2, saddr: '127.0.0.1', daddr: '127.0.0.1', sport: 40000, dport: 8080, skaddr: 0xffff888112345678n}
const rec = (kind: number, fields: Fields) => encode(TCP_EVENT, {...BASE, kind, ...fields})
const owned = (pid: number, comm: string, extra = 0) => ({flags: F.TCP_FLAG_OWNER | F.TCP_FLAG_START | extra, pid, comm})

/** A close: `pid` 0 for a connection older than tracing (no owner, no start). */
function close(pid: number, comm: string, at: number, durMs: number, tx: number, rx: number, ends: Fields = {}): Uint8Array {
  if (!pid) return rec(K.TCP_EVENT_CLOSE, {netns: NETNS, ts_ns: ms(at), tx_bytes: tx, rx_bytes: rx, ...ends})
  return rec(K.TCP_EVENT_CLOSE, {...owned(pid, comm), start_ns: ms(at - durMs), ts_ns: ms(at), tx_bytes: tx, rx_bytes: rx, ...ends})
}

const clock = (state?: unknown): ReducerContext => ({toEpochUs: (ns) => epochUsWithOffset(ns, OFFSET_US), startNs: START_NS, state})

/** The rows of `mode` over `records` through the spec's reducer (as live and replay build it). */
function rows(mode: TcpMode, records: Uint8Array[], state?: unknown): TcpRow[] {
  const out: TcpRow[] = []
  const r = TCP_SPECS[mode].reducer({}, (row) => out.push(row), clock(state))
  forEachRecord(packRecords(records), (v, o, l) => r.record(v, o, l))
  return out
}

function report(mode: TcpMode, records: Uint8Array[], state?: unknown): Record<string, ReportSection> {
  const b = tcpReport(mode)
  for (const row of rows(mode, records, state)) b.add(row)
  return Object.fromEntries(b.sections().map((s) => [s.name, s]))
}

const tableRows = (s: ReportSection | undefined) => (s as TableSection).rows
const histogramOf = (s: ReportSection | undefined) => (s as Extract<ReportSection, {kind: 'histogram'}>).histogram

/** An older-than-tracing connection, both sides, owned by a server (pid 900) and a client (901). */
const OLD: SnapshotConnection[] = [
  {netns: NETNS, family: 'ipv4', saddr: '127.0.0.1', sport: 8080, daddr: '127.0.0.1', dport: 51000, pid: 900, comm: 'server'},
  {netns: NETNS, family: 'ipv4', saddr: '127.0.0.1', sport: 51000, daddr: '127.0.0.1', dport: 8080, pid: 901, comm: 'client'},
]
const STATE: TcpState = {connections: OLD}

const LIFE = [
  close(42, 'curl', 10, 4, 1002, 3001, {daddr: '10.0.0.1', dport: 443}),
  close(42, 'curl', 20, 8, 502, 70001, {daddr: '10.0.0.1', dport: 443}),
  close(43, 'wget', 30, 1, 10, 20, {family: 10, saddr: '::1', daddr: '::1', dport: 80}),
  close(0, '', 40, 0, 7, 9, {sport: 8080, dport: 51000}),
  close(0, '', 41, 0, 9, 7, {sport: 51000, dport: 8080}),
]

describe('trace tcp report sections', () => {
  it('life: top talkers per process and per remote endpoint by bytes, counts by family and start, the duration histogram', () => {
    const s = report('life', LIFE, STATE)
    expect(tableRows(s.top_processes)).toEqual([
      {pid: 42, comm: 'curl', connections: 2, tx_bytes: 1504, rx_bytes: 73002, total_bytes: 74506},
      {pid: 43, comm: 'wget', connections: 1, tx_bytes: 10, rx_bytes: 20, total_bytes: 30},
      {pid: 900, comm: 'server', connections: 1, tx_bytes: 7, rx_bytes: 9, total_bytes: 16}, // partial: the snapshot's owner
      {pid: 901, comm: 'client', connections: 1, tx_bytes: 9, rx_bytes: 7, total_bytes: 16},
    ])
    expect(tableRows(s.top_remotes).map((r) => [r.remote, r.connections, r.total_bytes])).toEqual([
      ['10.0.0.1:443', 2, 74506],
      ['[::1]:80', 1, 30],
      ['127.0.0.1:51000', 1, 16],
      ['127.0.0.1:8080', 1, 16],
    ])
    expect(tableRows(s.by_kind)).toEqual([
      {family: 'ipv4', start: 'seen', connections: 2, tx_bytes: 1504, rx_bytes: 73002, total_bytes: 74506},
      {family: 'ipv4', start: 'partial', connections: 2, tx_bytes: 16, rx_bytes: 16, total_bytes: 32},
      {family: 'ipv6', start: 'seen', connections: 1, tx_bytes: 10, rx_bytes: 20, total_bytes: 30},
    ])
    const h = histogramOf(s.duration)
    expect([h.count, h.sum]).toEqual([3, 13e6]) // the partial ones have no duration
    expect(Object.keys(s)).toEqual(['top_processes', 'top_remotes', 'by_kind', 'duration'])
  })

  it('connect: results by errno, destinations and processes with failures, the latency histogram', () => {
    const s = report('connect', [
      rec(K.TCP_EVENT_CONNECT, {...owned(42, 'curl'), start_ns: ms(1), ts_ns: ms(1) + 35_000}),
      rec(K.TCP_EVENT_CONNECT, {...owned(42, 'curl'), start_ns: ms(2), ts_ns: ms(2) + 45_000}),
      rec(K.TCP_EVENT_CONNECT, {...owned(42, 'curl'), start_ns: ms(3), ts_ns: ms(4), error: 111}),
      rec(K.TCP_EVENT_CONNECT, {...owned(50, 'python3'), daddr: '10.9.9.9', dport: 80, start_ns: ms(3), ts_ns: ms(3000), error: 110}),
      rec(K.TCP_EVENT_CONNECT, {...owned(50, 'python3'), daddr: '10.9.9.9', dport: 80, start_ns: ms(5), ts_ns: ms(5), error: 111}),
    ])
    expect(tableRows(s.results)).toEqual([
      {result: 'ok', connects: 2},
      {result: 'ECONNREFUSED', connects: 2},
      {result: 'ETIMEDOUT', connects: 1},
    ])
    expect(tableRows(s.top_destinations)).toEqual([
      {remote: '127.0.0.1:8080', connects: 3, failed: 1},
      {remote: '10.9.9.9:80', connects: 2, failed: 2},
    ])
    expect(tableRows(s.top_processes)).toEqual([
      {pid: 42, comm: 'curl', connects: 3, failed: 1},
      {pid: 50, comm: 'python3', connects: 2, failed: 2},
    ])
    expect([histogramOf(s.connect_latency).count, histogramOf(s.connect_latency).sum]).toEqual([2, 80_000])
  })

  it('accept: per process and local endpoint, the accept-queue wait histogram', () => {
    const s = report('accept', [
      rec(K.TCP_EVENT_ACCEPT, {...owned(7, 'nginx'), sport: 80, start_ns: ms(1), ts_ns: ms(1) + 900}),
      rec(K.TCP_EVENT_ACCEPT, {...owned(7, 'nginx'), sport: 80, start_ns: ms(2), ts_ns: ms(2) + 100}),
      rec(K.TCP_EVENT_ACCEPT, {...owned(8, 'sshd'), sport: 22, ts_ns: ms(3), flags: F.TCP_FLAG_OWNER}), // established before tracing
    ])
    expect(tableRows(s.top_processes)).toEqual([
      {pid: 7, comm: 'nginx', accepts: 2},
      {pid: 8, comm: 'sshd', accepts: 1},
    ])
    expect(tableRows(s.top_local)).toEqual([
      {local: '127.0.0.1:80', accepts: 2},
      {local: '127.0.0.1:22', accepts: 1},
    ])
    expect([histogramOf(s.accept_latency).count, histogramOf(s.accept_latency).sum]).toEqual([2, 1000])
  })

  it('states: counts per OLD->NEW transition, and a time-in-state histogram per state left', () => {
    const change = (oldstate: number, newstate: number, inStateNs: number | null, at: number) =>
      rec(K.TCP_EVENT_STATE, inStateNs === null ? {oldstate, newstate, ts_ns: ms(at)} : {...owned(1, 'x'), oldstate, newstate, start_ns: ms(at) - inStateNs, ts_ns: ms(at)})
    const s = report('states', [
      change(7, 2, null, 1), // CLOSE -> SYN_SENT (the time in CLOSE is not known)
      change(2, 1, 50_000, 2), // SYN_SENT -> ESTABLISHED
      change(1, 4, 5e6, 3), // ESTABLISHED -> FIN_WAIT1
      change(4, 5, 20_000, 4),
      change(5, 7, 30_000, 5),
      change(7, 2, null, 6),
      change(2, 1, 70_000, 7),
      change(1, 7, 9e6, 8), // a reset
    ])
    expect(tableRows(s.transitions)).toEqual([
      {transition: 'CLOSE->SYN_SENT', changes: 2},
      {transition: 'SYN_SENT->ESTABLISHED', changes: 2},
      {transition: 'ESTABLISHED->FIN_WAIT1', changes: 1},
      {transition: 'FIN_WAIT1->FIN_WAIT2', changes: 1},
      {transition: 'FIN_WAIT2->CLOSE', changes: 1},
      {transition: 'ESTABLISHED->CLOSE', changes: 1},
    ])
    const names = Object.keys(s).filter((n) => n.startsWith('time_in_'))
    expect(names).toEqual(['time_in_syn_sent', 'time_in_established', 'time_in_fin_wait1', 'time_in_fin_wait2'])
    expect(s.time_in_established).toMatchObject({kind: 'histogram', title: 'Time in ESTABLISHED', unit: 'ns'})
    expect([histogramOf(s.time_in_established).count, histogramOf(s.time_in_established).sum]).toEqual([2, 14e6])
    expect([histogramOf(s.time_in_syn_sent).count, histogramOf(s.time_in_syn_sent).sum]).toEqual([2, 120_000])
  })

  it('retrans: by remote address and by state; resets: by direction and by remote address', () => {
    const r = report('retrans', [
      rec(K.TCP_EVENT_RETRANS, {...owned(1, 'x'), newstate: 1, daddr: '10.0.0.2', ts_ns: ms(1)}),
      rec(K.TCP_EVENT_RETRANS, {...owned(1, 'x'), newstate: 1, daddr: '10.0.0.2', dport: 9, ts_ns: ms(2)}),
      rec(K.TCP_EVENT_RETRANS, {...owned(1, 'x'), newstate: 2, daddr: '10.0.0.3', ts_ns: ms(3)}),
    ])
    expect(tableRows(r.top_remotes)).toEqual([
      {daddr: '10.0.0.2', retransmits: 2},
      {daddr: '10.0.0.3', retransmits: 1},
    ])
    expect(tableRows(r.by_state)).toEqual([
      {state: 'ESTABLISHED', retransmits: 2},
      {state: 'SYN_SENT', retransmits: 1},
    ])
    const x = report('resets', [
      rec(K.TCP_EVENT_RESET, {flags: F.TCP_FLAG_RESET_SENT | F.TCP_FLAG_NO_SOCKET, skaddr: 0n, daddr: '10.0.0.4', ts_ns: ms(1)}),
      rec(K.TCP_EVENT_RESET, {...owned(1, 'x'), newstate: 2, daddr: '10.0.0.4', ts_ns: ms(2)}),
      rec(K.TCP_EVENT_RESET, {...owned(1, 'x'), newstate: 1, daddr: '10.0.0.5', ts_ns: ms(3)}),
    ])
    expect(tableRows(x.by_direction)).toEqual([
      {direction: 'received', resets: 2},
      {direction: 'sent', resets: 1},
    ])
    expect(tableRows(x.top_remotes)).toEqual([
      {daddr: '10.0.0.4', resets: 2, sent: 1, received: 1},
      {daddr: '10.0.0.5', resets: 1, sent: 0, received: 1},
    ])
  })

  it('empty recordings give empty tables and histograms (text says "(none)")', () => {
    for (const mode of ['life', 'connect', 'accept', 'states', 'retrans', 'resets'] as const) {
      const sections = tcpReport(mode).sections()
      expect(sections.length, mode).toBeGreaterThan(0)
      for (const s of sections) expect(s.kind === 'table' ? s.rows.length : s.histogram.count).toBe(0)
    }
  })
})

const dir = mkdtempSync(join(tmpdir(), 'monitor-tcp-report-'))
afterAll(() => rmSync(dir, {recursive: true, force: true}))

const header = (mode: TcpMode): TraceHeader => testHeader({command: `trace tcp ${mode}`, options: {}, programs: ['tcp_state'], layouts: layoutSizes(TCP_SPECS[mode])}, OFFSET_US, START_NS)

/** What the recorder writes: header, state (when given), batches, end (unless cut). */
async function record(name: string, mode: TcpMode, batches: Uint8Array[][], state: unknown, end = true): Promise<string> {
  const path = join(dir, name)
  const w = new TraceFileWriter(path)
  w.begin(header(mode))
  if (state !== undefined) w.json(FrameKind.state, state)
  batches.forEach((b, i) => w.batch(packRecords(b), ms(100 * (i + 1))))
  if (end) w.json(FrameKind.end, {ns: ms(1000), duration_s: 1, counts: {}, lost: {}, lost_total: 0})
  await w.close()
  return path
}

function replay(path: string): {rows: TcpRow[]; state: unknown} {
  const r = openReplay(path)
  const out: TcpRow[] = []
  for (const group of r.rows()) out.push(...(group as TcpRow[]))
  const reader = TraceFileReader.open(path)
  reader.close()
  return {rows: out, state: reader.state}
}

/** The frame at byte `at` given another kind, its checksum made good: what a reader that predates
 * a kind sees is a kind it does not know. */
function rekind(bytes: Buffer, at: number, kind: number): Buffer {
  const out = Buffer.from(bytes)
  out.writeUInt8(kind, at + 8)
  const length = out.readUInt32LE(at + 4)
  out.writeUInt32LE(crc32(out.subarray(at + 4, at + FRAME_HEADER_BYTES + length)), at)
  return out
}

describe('trace tcp start-up state in a recording', () => {
  it('the spec captures it only live, and a replay keeps the recorded one', () => {
    const spec = {state: () => ({connections: OLD})}
    expect(startContext(spec, {}, {...clock(), live: true}).state).toEqual({connections: OLD})
    expect(startContext(spec, {}, clock()).state).toBeUndefined()
    expect(startContext(spec, {}, {...clock('recorded'), live: true}).state).toBe('recorded')
    expect(startContext({}, {}, {...clock(), live: true}).state).toBeUndefined()
    // Modes whose rows never belong to older connections capture nothing.
    expect(TCP_SPECS.connect.state?.({})).toBeUndefined()
    expect(TCP_SPECS.accept.state?.({})).toBeUndefined()
  })

  it('indexes as the live snapshot did; state of another shape resolves no owners', () => {
    const snap = snapshotFromState(STATE)
    expect(snap).toEqual(indexSnapshot(OLD))
    expect(snap.byNetns.get(`${NETNS} ipv4 127.0.0.1 8080 127.0.0.1 51000`)).toEqual({pid: 900, comm: 'server'})
    for (const bad of [undefined, null, 'x', {connections: 'x'}, {connections: [{netns: 'x'}]}]) expect(snapshotFromState(bad).byTuple.size).toBe(0)
  })

  it('round trip: a replay of a life recording gives the live rows, partial owners included; the state frame comes right after the header', async () => {
    const batches = [LIFE.slice(0, 2), LIFE.slice(2)]
    const path = await record('life.trace', 'life', batches, STATE)
    const live = rows('life', LIFE, STATE)
    const got = replay(path)
    expect(got.state).toEqual(STATE)
    expect(got.rows.map(tcpJson)).toEqual(live.map(tcpJson))
    expect(got.rows.filter((r) => r.partial).map((r) => [r.pid, r.comm])).toEqual([
      [900, 'server'],
      [901, 'client'],
    ])
    const bytes = readFileSync(path)
    const second = PREAMBLE_BYTES + FRAME_HEADER_BYTES + bytes.readUInt32LE(PREAMBLE_BYTES + 4)
    expect(bytes[second + 8]).toBe(FrameKind.state)
    // The report's owners are the live ones too.
    expect(tableRows(Object.fromEntries(buildReport(path).sections.map((s) => [s.name, s])).top_processes).map((r) => r.pid)).toEqual([42, 43, 900, 901])
  })

  it('a large state is deflated and reads back whole', async () => {
    const many: TcpState = {connections: Array.from({length: 3000}, (_, i) => ({...OLD[0], sport: 1024 + i, pid: 1000 + (i % 7), comm: `proc-${i % 7}`}))}
    const path = await record('big.trace', 'life', [LIFE], many)
    const bytes = readFileSync(path)
    const second = PREAMBLE_BYTES + FRAME_HEADER_BYTES + bytes.readUInt32LE(PREAMBLE_BYTES + 4)
    expect(bytes[second + 9]).toBe(1) // deflated
    expect(bytes.readUInt32LE(second + 4)).toBeLessThan(JSON.stringify(many).length / 5)
    expect(replay(path).state).toEqual(many)
  })

  it('a reader that does not know the state kind skips it: every batch still reads (owners of older connections unknown)', async () => {
    const path = await record('future.trace', 'life', [LIFE], STATE)
    const bytes = readFileSync(path)
    const second = PREAMBLE_BYTES + FRAME_HEADER_BYTES + bytes.readUInt32LE(PREAMBLE_BYTES + 4)
    const other = join(dir, 'unknown-kind.trace')
    writeFileSync(other, rekind(bytes, second, 250))
    const reader = TraceFileReader.open(other)
    expect(reader.state).toBeUndefined()
    expect([...reader.frames()].map((f) => f.kind)).toEqual(['batch', 'end'])
    expect(reader.cut).toBeUndefined()
    const got = replay(other)
    expect(got.rows).toHaveLength(LIFE.length)
    expect(got.rows.filter((r) => r.partial).map((r) => r.pid)).toEqual([null, null])
    // And a recording without a state frame (made before the hook) replays as before.
    expect(replay(await record('old.trace', 'life', [LIFE], undefined)).rows.filter((r) => r.partial).map((r) => r.pid)).toEqual([null, null])
  })

  it('a file cut mid-batch reads up to the last whole batch, with its state; cut inside the state, it reads as cut', async () => {
    const path = await record('cut.trace', 'life', [LIFE.slice(0, 3), LIFE.slice(3)], STATE, false)
    const bytes = readFileSync(path)
    const cut = join(dir, 'cut-mid.trace')
    writeFileSync(cut, bytes.subarray(0, bytes.length - 20))
    const r = openReplay(cut)
    const got: TcpRow[] = []
    for (const g of r.rows()) got.push(...(g as TcpRow[]))
    expect(got.map(tcpJson)).toEqual(rows('life', LIFE.slice(0, 3), STATE).map(tcpJson))
    expect(r.summary().cut?.reason).toMatch(/cut inside the frame/)

    const second = PREAMBLE_BYTES + FRAME_HEADER_BYTES + bytes.readUInt32LE(PREAMBLE_BYTES + 4)
    writeFileSync(cut, bytes.subarray(0, second + 15))
    const inState = openReplay(cut)
    expect([...inState.rows()].flat()).toEqual([])
    expect(inState.summary().cut?.offset).toBe(second)
  })

  it('trace report -o json and convert --to json (the real CLI) on a recording with a state', async () => {
    const path = await record('cli.trace', 'life', [LIFE], STATE)
    const res = runCli(['trace', 'report', path, '-o', 'json'])
    expect(res.status, res.stderr).toBe(0)
    const doc = JSON.parse(res.stdout)
    expect(doc.counts).toEqual({connections: 5, partial: 2})
    expect(doc.sections.top_processes.rows.map((r: {pid: number}) => r.pid)).toEqual([42, 43, 900, 901])
    expect(doc.sections.duration).toMatchObject({type: 'histogram', unit: 'ns', count: 3})
    const text = runCli(['trace', 'report', path])
    expect(text.stdout).toMatch(/5 connections, 2 older than tracing/)
    expect(text.stdout).toMatch(/Processes by bytes \(tx \+ rx\)\n  PID\s+COMM\s+CONNS\s+TX\s+RX\s+TOTAL\n  42\s+curl\s+2\s+1\.47KiB/)
    const conv = runCli(['trace', 'convert', path, '--to', 'json'])
    const lines = conv.stdout.trim().split('\n').map((l) => JSON.parse(l))
    expect(lines.slice(1, -1)).toEqual(rows('life', LIFE, STATE).map((r) => JSON.parse(tcpJson(r))))
  })
})
