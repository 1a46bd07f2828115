/** The hand-written NDJSON lines of `trace tcp` must be exactly what JSON.stringify gives for the
 * documented field order; the cached parts (ISO time by second, IPv4 texts) exactly what they cache. */
import {describe, expect, it} from 'vitest'

import {readAddress} from '../../src/engine/layout.js'
import {isoFromEpochUs} from '../../src/output/format.js'
import {tcpJson} from '../../src/trace/tcp/columns.js'
import type {TcpRow} from '../../src/trace/tcp/reducer.js'

/** The line as JSON.stringify of the documented object writes it. */
function reference(r: TcpRow): string {
  const ts = r.ts_us === null ? null : isoFromEpochUs(r.ts_us)
  const who = {pid: r.pid, comm: r.comm, family: r.family, saddr: r.saddr, sport: r.sport, daddr: r.daddr, dport: r.dport}
  switch (r.type) {
    case 'connect':
      return JSON.stringify({type: r.type, ts, ...who, errno: r.errno, latency_ns: r.latency_ns})
    case 'accept':
      return JSON.stringify({type: r.type, ts, ...who, latency_ns: r.latency_ns})
    case 'life':
      return JSON.stringify({type: r.type, ts, ...who, tx_bytes: r.tx_bytes, rx_bytes: r.rx_bytes, duration_ns: r.duration_ns, partial: r.partial})
    case 'state':
      return JSON.stringify({type: r.type, ts, sock: r.sock, ...who, oldstate: r.oldstate, newstate: r.newstate, duration_ns: r.duration_ns})
    case 'retrans':
      return JSON.stringify({type: r.type, ts, ...who, state: r.state})
    case 'reset':
      return JSON.stringify({type: r.type, ts, ...who, state: r.state, direction: r.direction})
  }
}

function rng(seed: number) {
  return () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31)
}

const COMMS = ['nginx', 'kworker/0:1-events', 'a "quoted" one', 'back\\slash', 'tab\there', '\u0001ctl', 'naïve', '(sd-pam)', '', null]
const ADDRS = ['127.0.0.1', '10.1.2.3', '::1', 'fe80::1', '::ffff:127.0.0.1', '2001:db8::ff00:42:8329']
const TYPES: TcpRow['type'][] = ['connect', 'accept', 'life', 'state', 'retrans', 'reset']

describe('tcpJson', () => {
  it('writes every mode exactly as JSON.stringify of the documented fields', () => {
    const r = rng(7)
    const pick = <T>(xs: readonly T[]) => xs[Math.floor(r() * xs.length)]
    const maybe = <T>(x: T) => (r() < 0.3 ? null : x)
    for (let i = 0; i < 3000; i++) {
      const row: TcpRow = {
        type: pick(TYPES),
        ts_us: maybe(1_764_000_000_000_000 + Math.floor(r() * 5e9)),
        order_ns: 0,
        event_us: 0,
        seq: i,
        sock: `0x${Math.floor(r() * 2 ** 48).toString(16)}`,
        pid: maybe(Math.floor(r() * 4e6)),
        comm: pick(COMMS),
        cgroup: null,
        family: pick(['ipv4', 'ipv6'] as const),
        saddr: pick(ADDRS),
        sport: Math.floor(r() * 65536),
        daddr: pick(ADDRS),
        dport: Math.floor(r() * 65536),
        errno: maybe(pick(['ECONNREFUSED', 'ETIMEDOUT'])),
        latency_ns: maybe(Math.floor(r() * 1e9)),
        tx_bytes: Math.floor(r() * 2 ** 40),
        rx_bytes: Math.floor(r() * 2 ** 40),
        duration_ns: maybe(Math.floor(r() * 1e12)),
        partial: r() < 0.5,
        oldstate: maybe('ESTABLISHED'),
        newstate: maybe('FIN_WAIT1'),
        state: maybe('CLOSE_WAIT'),
        direction: maybe(pick(['sent', 'received'] as const)),
      }
      expect(tcpJson(row)).toBe(reference(row))
    }
  })
})

describe('cached formatting', () => {
  it('isoFromEpochUs equals Date.toISOString with microseconds, across seconds and back', () => {
    const r = rng(3)
    let us = 1_764_000_000_000_000
    for (let i = 0; i < 5000; i++) {
      us += r() < 0.1 ? -Math.floor(r() * 3e6) : Math.floor(r() * 400_000)
      const ms = Math.floor(us / 1000)
      const micros = us - ms * 1000
      expect(isoFromEpochUs(us)).toBe(`${new Date(ms).toISOString().slice(0, -1)}${String(micros).padStart(3, '0')}Z`)
    }
  })

  it('readAddress gives each IPv4 address its own text, cache or not', () => {
    const v = new DataView(new ArrayBuffer(16))
    const r = rng(11)
    for (let i = 0; i < 10_000; i++) {
      const b = [0, 1, 2, 3].map(() => (r() < 0.5 ? Math.floor(r() * 4) : Math.floor(r() * 256)))
      b.forEach((x, k) => v.setUint8(k, x))
      expect(readAddress(v, 0, 2)).toBe(b.join('.'))
    }
  })
})
