/** top tcp and trace tcp rtt without a kernel: rows built from map bytes at the offsets of
 * addon/bpf/tcptop.h, rates over the measured interval, per-process sums, sorting and filtering in
 * the live view, the JSON and column output, the sort/view keys. */
import {describe, expect, it} from 'vitest'

import {IntervalModel, sortRows} from '../../src/cli/interval-model.js'
import {columnsText} from '../../src/cli/interval-session.js'
import {Histogram} from '../../src/engine/histogram.js'
import type {Losses} from '../../src/engine/bpf.js'
import type {IntervalSample} from '../../src/trace/interval.js'
import {mkdirSync, mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {bytesFromProbe, probeBytesNotice, sendRecvAvailable} from '../../src/trace/tcptop/common.js'
import {TCPTOP_BYTES, TCPTOP_KEY} from '../../src/trace/tcptop/layout.js'
import {addressRow, defaultAddresses, rttSpec} from '../../src/trace/tcptop/rtt.js'
import type {RttSample, TcpConnRow, TopTcpSample} from '../../src/trace/tcptop/rows.js'
import {connectionRows, InodeOwners, processRows, rate, topTcpSpec} from '../../src/trace/tcptop/top.js'
import {applyKeys, initialKeyState, Key} from '../../src/tui/keys.js'

const NO_LOSS: Losses = {ringbuf_reserve: 0, map_full: 0, read_fault: 0, queue: 0, recursion_misses: 0}

interface Entry {
  sk: bigint
  pid: number
  tx: number
  rx: number
  family: 2 | 10
  sport: number
  dport: number
  saddr: number[]
  daddr: number[]
  comm: string
}

/** conn_bytes entries as the kernel's batch read packs them: keys and values at their C strides. */
function mapBytes(entries: Entry[]): {count: number; keys: Buffer; values: Buffer} {
  const keys = Buffer.alloc(entries.length * TCPTOP_KEY.size)
  const values = Buffer.alloc(entries.length * TCPTOP_BYTES.size)
  const f = TCPTOP_BYTES.fields
  entries.forEach((e, i) => {
    keys.writeBigUInt64LE(e.sk, i * TCPTOP_KEY.size + TCPTOP_KEY.fields.sk.offset)
    keys.writeUInt32LE(e.pid, i * TCPTOP_KEY.size + TCPTOP_KEY.fields.pid.offset)
    const o = i * TCPTOP_BYTES.size
    values.writeBigUInt64LE(BigInt(e.tx), o + f.tx_bytes.offset)
    values.writeBigUInt64LE(BigInt(e.rx), o + f.rx_bytes.offset)
    values.writeBigUInt64LE(3n, o + f.tx_calls.offset)
    values.writeBigUInt64LE(4n, o + f.rx_calls.offset)
    values.writeUInt16LE(e.family, o + f.family.offset)
    values.writeUInt16LE(e.sport, o + f.sport.offset)
    values.writeUInt16LE(e.dport, o + f.dport.offset)
    Buffer.from(e.saddr).copy(values, o + f.saddr.offset)
    Buffer.from(e.daddr).copy(values, o + f.daddr.offset)
    values.write(e.comm, o + f.comm.offset, 'latin1')
  })
  return {count: entries.length, keys, values}
}

const LO = [127, 0, 0, 1]
const V6_LO = [...new Array(15).fill(0), 1]

const ENTRIES: Entry[] = [
  {sk: 0xffff888105286f00n, pid: 100, tx: 2_000_000, rx: 0, family: 2, sport: 40000, dport: 8080, saddr: LO, daddr: LO, comm: 'client'},
  {sk: 0xffff888105282500n, pid: 200, tx: 0, rx: 2_000_000, family: 2, sport: 8080, dport: 40000, saddr: LO, daddr: LO, comm: 'server'},
  {sk: 0xffff888100000100n, pid: 100, tx: 500, rx: 1500, family: 10, sport: 40001, dport: 443, saddr: V6_LO, daddr: V6_LO, comm: 'client'},
]

function base(over: Partial<IntervalSample> = {}): IntervalSample {
  return {nowNs: 5e9, epochUs: 1_764_000_000_000_000, intervalNs: 2e9, final: false, lost: NO_LOSS, lost_total: 0, ...over}
}

describe('top tcp rows', () => {
  const rows = connectionRows(mapBytes(ENTRIES), 2)

  it('decodes keys and values at the C offsets', () => {
    expect(rows).toHaveLength(3)
    expect(rows[0]).toEqual({
      sock: '0xffff888105286f00',
      pid: 100,
      comm: 'client',
      family: 'ipv4',
      saddr: '127.0.0.1',
      sport: 40000,
      daddr: '127.0.0.1',
      dport: 8080,
      tx_bytes: 2_000_000,
      rx_bytes: 0,
      tx_calls: 3,
      rx_calls: 4,
      tx_rate: 1_000_000,
      rx_rate: 0,
    })
    expect(rows[2]).toMatchObject({family: 'ipv6', saddr: '::1', daddr: '::1', dport: 443})
  })

  it('rates divide by the measured interval, and an empty one gives 0', () => {
    expect(rate(3000, 1.5)).toBe(2000)
    expect(rate(3000, 0)).toBe(0)
  })

  it('skips an entry without a family', () => {
    const half = mapBytes([{...ENTRIES[0], family: 0 as 2}])
    expect(connectionRows(half, 1)).toEqual([])
  })

  it('sums connections per process', () => {
    const procs = processRows(rows, 2)
    expect(procs.find((p) => p.pid === 100)).toEqual({pid: 100, comm: 'client', connections: 2, tx_bytes: 2_000_500, rx_bytes: 1500, tx_rate: 1_000_250, rx_rate: 750})
    expect(procs.find((p) => p.pid === 200)).toMatchObject({connections: 1, rx_bytes: 2_000_000})
  })

  it('one JSON object per interval, busiest first', () => {
    const sample: TopTcpSample = {...base(), connections: rows, processes: processRows(rows, 2)}
    const [line, more] = topTcpSpec.json(sample)
    expect(more).toBeUndefined()
    const o = JSON.parse(line)
    expect(o).toMatchObject({type: 'interval', interval_s: 2, final: false, lost_total: 0})
    expect(o.ts).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/)
    expect(o.processes.map((p: {pid: number}) => p.pid)).toEqual([100, 200])
    expect(o.processes[0]).toEqual({pid: 100, comm: 'client', connections: 2, tx_bytes: 2_000_500, rx_bytes: 1500, tx_bytes_per_s: 1_000_250, rx_bytes_per_s: 750})
    expect(o.connections[0]).toMatchObject({pid: 100, sock: '0xffff888105286f00', family: 'ipv4', saddr: '127.0.0.1', sport: 40000, daddr: '127.0.0.1', dport: 8080, tx_bytes_per_s: 1_000_000})
  })

  it('columns: a title, the header and the rows of each table in the default order', () => {
    const sample: TopTcpSample = {...base(), connections: rows, processes: processRows(rows, 2)}
    const lines = columnsText(topTcpSpec, sample, true)
    expect(lines[0]).toMatch(/ processes$/)
    expect(lines[1]).toMatch(/^\s+PID COMM\s+CONNS\s+TX\/s\s+RX\/s\s+TOTAL\/s$/)
    expect(lines[2]).toMatch(/^\s+100 client\s+2\s+977KiB\s+750B\s+978KiB$/)
    expect(lines[4]).toMatch(/ connections$/)
    expect(lines.at(-1)).toMatch(/\[::1\]:40001 +\[::1\]:443$/)
  })
})

describe('the interval view', () => {
  const rows = connectionRows(mapBytes(ENTRIES), 2)
  const sample: TopTcpSample = {...base(), connections: rows, processes: processRows(rows, 2)}
  const request = {width: 80, height: 10, filter: '', scroll: 0, frozen: false, utc: true}

  it('sorts by a key, largest first, ties by key', () => {
    const sorted = sortRows<TcpConnRow>(rows, {name: 'RX/s', value: (r) => r.rx_rate}, (r) => r.sock)
    expect(sorted.map((r) => r.pid)).toEqual([200, 100, 100])
    expect(sorted[2].sock).toBe('0xffff888105286f00') // tie at rx 0 broken by key
  })

  it('shows the default table and sort, switches both with keys, filters and fits 80 columns', () => {
    const model = new IntervalModel(topTcpSpec)
    expect(model.frame(request).total).toBe(0)
    model.update(sample)
    let f = model.frame(request)
    expect(f.status).toBe('processes by TOTAL/s')
    expect(f.header).toMatch(/ TOTAL\/s\*$/)
    expect(f.rows.map((r) => r.key)).toEqual(['100', '200'])
    expect(f.header.length).toBeLessThanOrEqual(80)
    expect(f.hint).toBe('< > sort · tab view')

    const keys = applyKeys(initialKeyState, `${Key.tab}>`)
    expect(keys).toMatchObject({view: 1, sort: 1})
    f = model.frame({...request, view: keys.view, sort: keys.sort})
    expect(f.status).toBe('connections by TX/s')
    expect(f.rows[0].key).toBe('0xffff888105286f00:100')
    for (const r of f.rows) expect(r.line.length).toBe(80)
    expect(model.frame({...request, view: 1, sort: -1}).status).toBe('connections by RX/s') // < wraps around

    f = model.frame({...request, view: 1, filter: '443'})
    expect(f.rows.map((r) => r.key)).toEqual(['0xffff888100000100:100'])
  })

  it('stands still while paused, and a new sample is a new version', () => {
    const model = new IntervalModel(topTcpSpec)
    model.update(sample)
    const v = model.version()
    model.frame({...request, frozen: true})
    model.update({...sample, processes: []})
    expect(model.version()).toBe(-1)
    expect(model.frame({...request, frozen: true}).total).toBe(2)
    expect(model.frame(request).total).toBe(0)
    expect(model.version()).toBe(v + 1)
  })
})

describe('trace tcp rtt rows', () => {
  it('percentiles from the histogram, within its 6.25%', () => {
    const h = Histogram.of([...new Array(90).fill(20), ...new Array(9).fill(100), 1000])
    const r = addressRow('ipv4', '10.0.0.1', h)
    expect(r.count).toBe(100)
    expect(Math.abs(r.p50_us - 20) / 20).toBeLessThan(0.0625)
    expect(Math.abs(r.p99_us - 100) / 100).toBeLessThan(0.0625)
    expect(Math.abs(r.max_us - 1000) / 1000).toBeLessThan(0.0625)
    expect(Math.abs(r.min_us - 20) / 20).toBeLessThan(0.0625)
    expect(r.mean_us).toBe(37)
  })

  it('records per interval, and the totals at the end', () => {
    const conn = {sock: '0x1', pid: 7, comm: 'curl', family: 'ipv4' as const, saddr: '127.0.0.1', sport: 5000, daddr: '127.0.0.1', dport: 80, srtt_us: 30, min_us: 20, max_us: 40, mean_us: 31, count: 9}
    const addr = addressRow('ipv4', '127.0.0.1', Histogram.of([20, 30, 40]))
    const sample: RttSample = {...base(), addresses: [addr], totals: [addr], connections: [conn], allConnections: [conn]}
    const lines = rttSpec.json(sample).map((l) => JSON.parse(l))
    expect(lines.map((l) => `${l.type}/${l.scope}`)).toEqual(['rtt/interval', 'rtt_conn/interval'])
    expect(Object.keys(lines[0])).toEqual(['type', 'ts', 'family', 'daddr', 'count', 'min_us', 'p50_us', 'p90_us', 'p99_us', 'max_us', 'mean_us', 'scope'])
    expect(lines[1]).toMatchObject({pid: 7, comm: 'curl', saddr: '127.0.0.1', sport: 5000, daddr: '127.0.0.1', dport: 80, srtt_us: 30, min_us: 20, max_us: 40, count: 9})
    const final = rttSpec.json({...sample, final: true}).map((l) => JSON.parse(l))
    expect(final.map((l) => `${l.type}/${l.scope}`)).toEqual(['rtt/interval', 'rtt_conn/interval', 'rtt/total', 'rtt_conn/total'])
  })

  it('keeps its per-CPU histograms within 16 MiB', () => {
    expect(defaultAddresses(2)).toBe(256)
    expect(defaultAddresses(64)).toBe(65)
    expect(defaultAddresses(1024)).toBe(16)
  })

  it('its tables fit 80 columns', () => {
    const model = new IntervalModel(rttSpec)
    const conn = {sock: '0x1', pid: null, comm: null, family: 'ipv6' as const, saddr: '::ffff:127.0.0.1', sport: 5000, daddr: '::ffff:127.0.0.1', dport: 80, srtt_us: 30, min_us: 20, max_us: 40, mean_us: 31, count: 9}
    const addr = addressRow('ipv4', '127.0.0.1', Histogram.of([20, 30, 40]))
    model.update({...base(), addresses: [], totals: [addr], connections: [], allConnections: [conn]} as RttSample)
    const req = {width: 80, height: 10, filter: '', scroll: 0, frozen: false, utc: true}
    for (const view of [0, 1]) {
      const f = model.frame({...req, view})
      expect(f.header.length).toBe(80)
      expect(f.rows[0].line.length).toBe(80)
    }
    expect(model.frame({...req, view: 1}).rows[0].line).toMatch(/^\s+- - +30\.0us +40\.0us +9 /)
  })
})

describe('kernels without sock_send_length (before 6.3)', () => {
  it('top tcp takes bytes from tcp_probe there, and says so; MONITOR_TCP_BYTES forces either way', () => {
    const tracefs = mkdtempSync(join(tmpdir(), 'tracefs-'))
    const saved = process.env.MONITOR_TCP_BYTES
    try {
      delete process.env.MONITOR_TCP_BYTES
      mkdirSync(join(tracefs, 'events', 'sock', 'inet_sock_set_state'), {recursive: true})
      expect(sendRecvAvailable(tracefs)).toBe(false)
      expect(bytesFromProbe(tracefs)).toBe(true)
      mkdirSync(join(tracefs, 'events', 'sock', 'sock_send_length'))
      expect(sendRecvAvailable(tracefs)).toBe(true)
      expect(bytesFromProbe(tracefs)).toBe(false)
      process.env.MONITOR_TCP_BYTES = 'probe'
      expect(bytesFromProbe(tracefs)).toBe(true)
      expect(topTcpSpec.notices!({})).toEqual([probeBytesNotice()])
      expect(topTcpSpec.programs!({})).toEqual(['tcptop_states', 'tcptop_segbytes'])
      expect(() => topTcpSpec.check!({cgroup: tracefs})).toThrow(/--cgroup needs sock:sock_send_length/)
    } finally {
      if (saved === undefined) delete process.env.MONITOR_TCP_BYTES
      else process.env.MONITOR_TCP_BYTES = saved
      rmSync(tracefs, {recursive: true})
    }
  })

  it('finds the owner of bytes counted in softirq by socket inode, scanning /proc again only for an inode it does not know, once per read', () => {
    let scans = 0
    const table = new Map([[111, {pid: 7, comm: 'sender'}]])
    const owners = new InodeOwners(() => (scans++, new Map(table)))
    owners.next()
    expect(owners.get(111)).toEqual({pid: 7, comm: 'sender'})
    expect(owners.get(111)).toEqual({pid: 7, comm: 'sender'})
    expect(owners.get(0)).toBeUndefined()
    expect(scans).toBe(1)
    table.set(222, {pid: 8, comm: 'receiver'})
    expect(owners.get(222)).toBeUndefined() // this read already scanned
    owners.next()
    expect(owners.get(222)).toEqual({pid: 8, comm: 'receiver'})
    expect(owners.get(333)).toBeUndefined()
    expect(scans).toBe(2)
  })
})
