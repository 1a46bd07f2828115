/** trace tcp's reducer on records built at the C offsets: one row per record of the mode's kind,
 * owners from the record or the start-up snapshot, user-space filters, and each mode's JSON line. */
import {describe, expect, it} from 'vitest'

import {forEachRecord, packRecords} from '../../src/engine/records.js'
import {formatRow} from '../../src/output/columns.js'
import {TCP_COLUMNS, tcpJson} from '../../src/trace/tcp/columns.js'
import {checkTcpFilter, tcpRowFilter} from '../../src/trace/tcp/filter.js'
import {TCP_EVENT, TCP_EVENT_FLAGS, TCP_EVENT_KIND} from '../../src/trace/tcp/layout.js'
import {type TcpMode, TcpReducer, type TcpRow} from '../../src/trace/tcp/reducer.js'
import {emptySnapshot, tupleKey} from '../../src/trace/tcp/snapshot.js'
import {encode} from '../support/records.js'

const K = TCP_EVENT_KIND.values
const F = TCP_EVENT_FLAGS.values
/** A fixed clock: wall-clock µs = monotonic µs + 1.7e15; tracing started at monotonic 1e9. */
const ctx = {toEpochUs: (ns: number) => Math.floor(ns / 1000) + 1.7e15, startNs: 1e9}

type Fields = Record<string, number | bigint | string>
const BASE: Fields = {family: 2, saddr: '127.0.0.1', daddr: '127.0.0.1', sport: 40000, dport: 8080, skaddr: 0xffff888112345678n}

function rec(kind: number, fields: Fields): Uint8Array {
  return encode(TCP_EVENT, {...BASE, kind, ...fields})
}

function run(mode: TcpMode, records: Uint8Array[], options: {filter?: (r: TcpRow) => boolean; snapshot?: ReturnType<typeof emptySnapshot>} = {}) {
  const rows: TcpRow[] = []
  const r = new TcpReducer(mode, (row) => rows.push(row), ctx, options.filter, options.snapshot)
  forEachRecord(packRecords(records), (v, o, l) => r.record(v, o, l))
  return {rows, counts: r.counts(), json: rows.map((x) => JSON.parse(tcpJson(x)))}
}

const owner = {flags: F.TCP_FLAG_OWNER, pid: 42, comm: 'curl', cgroup: 7}

describe('trace tcp reducer', () => {
  it('connect: latency from SYN_SENT, errno names for failures, ts at the connect', () => {
    const {json, counts} = run('connect', [
      rec(K.TCP_EVENT_CONNECT, {...owner, flags: F.TCP_FLAG_OWNER | F.TCP_FLAG_START, start_ns: 2e9, ts_ns: 2e9 + 35_000}),
      rec(K.TCP_EVENT_CONNECT, {...owner, flags: F.TCP_FLAG_OWNER | F.TCP_FLAG_START, start_ns: 3e9, ts_ns: 3e9 + 500, error: 111}),
      rec(K.TCP_EVENT_STATE, {...owner, ts_ns: 4e9}), // another mode's kind: ignored
    ])
    expect(json).toEqual([
      {type: 'connect', ts: '2023-11-14T22:13:22.000000Z', pid: 42, comm: 'curl', family: 'ipv4', saddr: '127.0.0.1', sport: 40000, daddr: '127.0.0.1', dport: 8080, errno: null, latency_ns: 35_000},
      {type: 'connect', ts: '2023-11-14T22:13:23.000000Z', pid: 42, comm: 'curl', family: 'ipv4', saddr: '127.0.0.1', sport: 40000, daddr: '127.0.0.1', dport: 8080, errno: 'ECONNREFUSED', latency_ns: null},
    ])
    expect(counts).toEqual({connects: 2, failed: 1})
  })

  it('life: bytes and duration; a connection older than tracing is partial, its owner from the snapshot', () => {
    const snapshot = emptySnapshot()
    snapshot.byNetns.set(`4026531840 ${tupleKey('ipv6', '::1', 22, '::1', 51000)}`, {pid: 900, comm: 'sshd'})
    snapshot.byTuple.set(tupleKey('ipv6', '::1', 22, '::1', 51000), {pid: 900, comm: 'sshd'})
    const {json, counts} = run(
      'life',
      [
        rec(K.TCP_EVENT_CLOSE, {...owner, flags: F.TCP_FLAG_OWNER | F.TCP_FLAG_START, start_ns: 2e9, ts_ns: 5e9, tx_bytes: 1002, rx_bytes: 3001}),
        rec(K.TCP_EVENT_CLOSE, {family: 10, saddr: '::1', daddr: '::1', sport: 22, dport: 51000, netns: 4026531840, ts_ns: 6e9, tx_bytes: 5, rx_bytes: 6}),
        rec(K.TCP_EVENT_CLOSE, {family: 10, saddr: '::1', daddr: '::1', sport: 22, dport: 51000, netns: 1234, ts_ns: 6e9}), // another namespace
      ],
      {snapshot},
    )
    expect(json[0]).toMatchObject({type: 'life', ts: '2023-11-14T22:13:22.000000Z', pid: 42, tx_bytes: 1002, rx_bytes: 3001, duration_ns: 3e9, partial: false})
    expect(json[1]).toEqual({type: 'life', ts: null, pid: 900, comm: 'sshd', family: 'ipv6', saddr: '::1', sport: 22, daddr: '::1', dport: 51000, tx_bytes: 5, rx_bytes: 6, duration_ns: null, partial: true})
    expect(json[2]).toMatchObject({pid: null, comm: null, partial: true})
    expect(counts).toEqual({connections: 3, partial: 2})
  })

  it('states: names, the socket id, and the time in the state left when known', () => {
    const {json} = run('states', [
      rec(K.TCP_EVENT_STATE, {...owner, oldstate: 2, newstate: 1, flags: F.TCP_FLAG_OWNER | F.TCP_FLAG_START, start_ns: 2e9, ts_ns: 2e9 + 10}),
      rec(K.TCP_EVENT_STATE, {oldstate: 1, newstate: 4, ts_ns: 3e9}),
    ])
    expect(Object.keys(json[0])).toEqual(['type', 'ts', 'sock', 'pid', 'comm', 'family', 'saddr', 'sport', 'daddr', 'dport', 'oldstate', 'newstate', 'duration_ns'])
    expect(json[0]).toMatchObject({sock: '0xffff888112345678', oldstate: 'SYN_SENT', newstate: 'ESTABLISHED', duration_ns: 10})
    expect(json[1]).toMatchObject({pid: null, oldstate: 'ESTABLISHED', newstate: 'FIN_WAIT1', duration_ns: null})
  })

  it('retrans and resets: state and direction; a reset without a socket has no state', () => {
    expect(run('retrans', [rec(K.TCP_EVENT_RETRANS, {...owner, newstate: 1, ts_ns: 2e9})]).json[0]).toMatchObject({type: 'retrans', pid: 42, state: 'ESTABLISHED'})
    const resets = run('resets', [
      rec(K.TCP_EVENT_RESET, {flags: F.TCP_FLAG_RESET_SENT | F.TCP_FLAG_NO_SOCKET, skaddr: 0n, ts_ns: 2e9}),
      rec(K.TCP_EVENT_RESET, {...owner, newstate: 2, ts_ns: 2e9}),
    ])
    expect(resets.json.map((j) => [j.direction, j.state, j.pid])).toEqual([
      ['sent', null, null],
      ['received', 'SYN_SENT', 42],
    ])
    expect(resets.counts).toEqual({resets: 2, sent: 1, received: 1})
  })

  it('filters on the owner and the addresses in user space, and on the cgroup id', () => {
    const records = [
      rec(K.TCP_EVENT_CLOSE, {...owner, flags: F.TCP_FLAG_OWNER | F.TCP_FLAG_START, start_ns: 2e9, ts_ns: 3e9}),
      rec(K.TCP_EVENT_CLOSE, {...owner, pid: 43, comm: 'wget', cgroup: 8, daddr: '10.0.0.1', flags: F.TCP_FLAG_OWNER | F.TCP_FLAG_START, start_ns: 2e9, ts_ns: 3e9}),
    ]
    const pids = (filter: (r: TcpRow) => boolean) => run('life', records, {filter}).rows.map((r) => r.pid)
    expect(pids(tcpRowFilter(checkTcpFilter({comm: 'wge'})))).toEqual([43])
    expect(pids(tcpRowFilter(checkTcpFilter({raddr: '10.0.0.1'})))).toEqual([43])
    expect(pids(tcpRowFilter(checkTcpFilter({pid: 42})))).toEqual([42])
    expect(pids(tcpRowFilter(checkTcpFilter({}), 7))).toEqual([42])
    expect(run('life', records, {filter: tcpRowFilter(checkTcpFilter({pid: 1}))}).counts).toEqual({connections: 0, partial: 0})
  })

  it('columns fit 80 characters and read as a table', () => {
    const {rows} = run('life', [rec(K.TCP_EVENT_CLOSE, {...owner, flags: F.TCP_FLAG_OWNER | F.TCP_FLAG_START, start_ns: 2e9, ts_ns: 3.5e9, tx_bytes: 1536, rx_bytes: 10})])
    const line = formatRow(TCP_COLUMNS.life, rows[0], {utc: true, nowNs: 0})
    expect(line).toBe('22:13:22.000      42 curl             1.50KiB      10B    1.50s 127.0.0.1:40000       127.0.0.1:8080')
  })
})
