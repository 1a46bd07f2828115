/** `trace tcp life|states --record` over a controlled loopback workload (client and server in their
 * own processes, test/support/tcp-workload) with one connection opened BEFORE tracing started:
 * `trace convert --to json` gives exactly the live NDJSON rows — that connection's owners, which only
 * the start-up snapshot knows, included — `trace report -o json` the live summary counts and the
 * sections over them, and a file cut inside a batch still reads. Filtered on the workload's port. */
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, afterEach, beforeAll, expect, it} from 'vitest'

import {FRAME_HEADER_BYTES, FrameKind, PREAMBLE_BYTES} from '../../src/trace/file/format.js'
import {runCli} from '../support/cli.js'
import {transitionCounts} from '../support/tcp-workload/peers.mjs'
import {describeTcp, type Json, parseNdjson, startTcp, stopWhen, tuple} from '../support/tcp-workload/tracer.js'
import {buildWorkload, expectedLife, killAll, type Pair, startPair, type WorkloadPaths} from '../support/tcp-workload/workload.mjs'

/** The first connection is held open across the tracer's start; the server closes some first. */
const PLAN = '3000:7000:c,2*1000:2000:c,2*500:700:s'
const CONNS = 5

const dir = mkdtempSync(join(tmpdir(), 'monitor-tcp-record-'))
afterAll(() => rmSync(dir, {recursive: true, force: true}))
let paths: WorkloadPaths
afterEach(() => killAll())

/** Byte offsets of the file's frames of `kind`. */
function framesOf(bytes: Buffer, kind: number): number[] {
  const out: number[] = []
  for (let at = PREAMBLE_BYTES; at + FRAME_HEADER_BYTES <= bytes.length; at += FRAME_HEADER_BYTES + bytes.readUInt32LE(at + 4)) if (bytes[at + 8] === kind) out.push(at)
  return out
}

function convert(file: string): ReturnType<typeof parseNdjson> {
  const res = runCli(['trace', 'convert', file, '--to', 'json'])
  expect(res.status, res.stderr).toBe(0)
  return parseNdjson(res.stdout)
}

function reportJson(file: string): Json {
  const res = runCli(['trace', 'report', file, '-o', 'json'])
  expect(res.status, res.stderr).toBe(0)
  return JSON.parse(res.stdout) as Json
}

/** Records `mode` over the plan, the first connection up before the tracer starts. */
async function recordRun(mode: 'life' | 'states', enough: (records: Json[], pair: Pair) => boolean) {
  const file = join(dir, `${mode}.trace`)
  const pair = await startPair(paths, {family: 4, plan: PLAN, hold: true})
  const connected = await pair.connect()
  const cli = await startTcp(mode, ['--port', String(pair.port), '--record', file])
  const result = await pair.run()
  const out = await stopWhen(cli, mode === 'life' ? 'life' : 'state', (rs) => enough(rs, pair))
  expect(out.code, cli.stderr).toBe(0)
  expect(out.summary.lost_total).toBe(0)
  return {file, pair, result, live: out, early: `${connected.local.addr}:${connected.local.port}`}
}

/** The summary's counts (what `trace report` calls counts). */
function countsOf(summary: Json): Json {
  const {type, duration_s, lost, lost_total, ...counts} = summary
  return counts
}

describeTcp('trace tcp: recordings replay the live run', ['life', 'states'], () => {
  beforeAll(() => {
    paths = buildWorkload()
  })

  it('life: convert gives the live rows (the older connection with its owners), report the live counts and top talkers; a cut file reads', async () => {
    const {file, result, live, early} = await recordRun('life', (rs) => rs.length >= 2 * CONNS)
    const expected = expectedLife(result)
    expect(live.records).toHaveLength(expected.length)
    for (const e of expected) {
      const partial = tuple(e).includes(early)
      expect(live.records.find((r) => tuple(r as never) === tuple(e)), `${e.side} ${tuple(e)}`).toMatchObject({pid: e.pid, tx_bytes: e.tx_bytes, rx_bytes: e.rx_bytes, partial})
    }
    expect(live.summary).toMatchObject({connections: 2 * CONNS, partial: 2})

    const replay = convert(file)
    expect(replay.records).toEqual(live.records)
    expect(replay.summary).toEqual(live.summary)
    expect(replay.records.filter((r) => r.partial).map((r) => r.pid).sort()).toEqual([result.clientPid, result.serverPid].sort())

    const doc = reportJson(file)
    expect(doc.counts).toEqual(countsOf(live.summary))
    expect(doc.cut).toBeNull()
    const bytesOf = (pid: number) => live.records.filter((r) => r.pid === pid).reduce((n, r) => n + r.tx_bytes + r.rx_bytes, 0)
    expect(doc.sections.top_processes.rows).toEqual(
      expect.arrayContaining([
        expect.objectContaining({pid: result.clientPid, comm: 'tcp-client', connections: CONNS, total_bytes: bytesOf(result.clientPid)}),
        expect.objectContaining({pid: result.serverPid, comm: 'tcp-server', connections: CONNS, total_bytes: bytesOf(result.serverPid)}),
      ]),
    )
    expect(doc.sections.by_kind.rows).toEqual([
      expect.objectContaining({family: 'ipv4', start: 'seen', connections: 2 * CONNS - 2}),
      expect.objectContaining({family: 'ipv4', start: 'partial', connections: 2}),
    ])
    expect(doc.sections.duration.count).toBe(2 * CONNS - 2)

    // The owners of the older connection come from the recorded start-up state (right after the
    // header), not from the replaying host's /proc (where those processes are gone by now).
    const bytes = readFileSync(file)
    const state = framesOf(bytes, FrameKind.state)
    expect(state).toEqual([PREAMBLE_BYTES + FRAME_HEADER_BYTES + bytes.readUInt32LE(PREAMBLE_BYTES + 4)])

    // Cut inside its last batch: every batch before it still reads (none when the run fit in one),
    // and it says where it was cut.
    const batches = framesOf(bytes, FrameKind.batch)
    expect(batches.length).toBeGreaterThan(0)
    const last = batches.at(-1)!
    const cut = join(dir, 'life-cut.trace')
    writeFileSync(cut, bytes.subarray(0, last + FRAME_HEADER_BYTES + Math.floor(bytes.readUInt32LE(last + 4) / 2)))
    const res = runCli(['trace', 'convert', cut, '--to', 'json'])
    expect(res.status, res.stderr).toBe(0)
    expect(res.stderr).toMatch(/life-cut\.trace: it is cut inside the frame at byte \d+/)
    const rows = parseNdjson(res.stdout)
    expect(rows.summary.cut).toMatchObject({offset: last})
    expect(rows.records).toEqual(live.records.slice(0, rows.records.length))
    expect(reportJson(cut)).toMatchObject({cut: {offset: last}, counts: {connections: rows.records.length}})
  })

  it('states: convert gives the live rows, report the live counts and the per-transition table', async () => {
    // Each side of the held connection has three changes left when tracing starts, the others five.
    const want = 2 * (5 * (CONNS - 1) + 3)
    const {file, pair, live} = await recordRun('states', (rs) => rs.filter((r) => r.oldstate !== 'LISTEN' || r.newstate !== 'CLOSE').length >= want)
    const changes = live.records.filter((r) => r.sport === pair.port || r.dport === pair.port)
    expect(changes).toHaveLength(live.records.length)

    const replay = convert(file)
    expect(replay.records).toEqual(live.records)
    expect(replay.summary).toEqual(live.summary)

    const doc = reportJson(file)
    expect(doc.counts).toEqual(countsOf(live.summary))
    const table = Object.fromEntries((doc.sections.transitions.rows as Json[]).map((r) => [r.transition, r.changes]))
    expect(table).toEqual(transitionCounts(live.records as never))
    // The opening transitions of the held connection came before tracing.
    expect(table['CLOSE->SYN_SENT']).toBe(CONNS - 1)
    expect(table['LISTEN->SYN_RECV']).toBe(CONNS - 1)
    expect(doc.sections.time_in_established).toMatchObject({type: 'histogram', unit: 'ns'})
    // The time in ESTABLISHED is known for the connections seen from their start.
    expect(doc.sections.time_in_established.count).toBe(2 * (CONNS - 1))
  })
})
