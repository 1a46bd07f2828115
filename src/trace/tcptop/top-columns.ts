/** How `top tcp` shows a sample: the process and connection tables (one column list each for the
 * live view and -o columns), their sort keys, and the NDJSON object of an interval. */
import type {Column} from '../../output/columns.js'
import {formatBytes, formatEndpoint, isoFromEpochUs} from '../../output/format.js'
import type {SortKey} from '../interval.js'
import type {TcpConnRow, TcpProcRow, TopTcpSample} from './rows.js'

/** A rate in the table: bytes per second, binary units ("1.50MiB"; the header says /s). */
export function formatRate(bytesPerS: number): string {
  return formatBytes(Math.round(bytesPerS))
}

type Rates = {tx_rate: number; rx_rate: number}
const total = (r: Rates) => r.tx_rate + r.rx_rate

function rateColumns<R extends Rates>(): Column<R>[] {
  return [
    {header: 'TX/s', width: 9, align: 'right', value: (r) => formatRate(r.tx_rate)},
    {header: 'RX/s', width: 9, align: 'right', value: (r) => formatRate(r.rx_rate)},
  ]
}

export const PROCESS_COLUMNS: readonly Column<TcpProcRow>[] = [
  {header: 'PID', width: 7, align: 'right', value: (r) => String(r.pid)},
  {header: 'COMM', width: 15, value: (r) => r.comm},
  {header: 'CONNS', width: 5, align: 'right', value: (r) => String(r.connections)},
  ...rateColumns<TcpProcRow>(),
  {header: 'TOTAL/s', width: 9, align: 'right', value: (r) => formatRate(total(r))},
]

export const CONNECTION_COLUMNS: readonly Column<TcpConnRow>[] = [
  {header: 'PID', width: 7, align: 'right', value: (r) => String(r.pid)},
  {header: 'COMM', width: 12, minWidth: 8, drop: 1, value: (r) => r.comm},
  ...rateColumns<TcpConnRow>(),
  {header: 'LOCAL', width: 21, minWidth: 15, value: (r) => formatEndpoint(r.saddr, r.sport)},
  {header: 'REMOTE', width: 21, flex: true, value: (r) => formatEndpoint(r.daddr, r.dport)},
]

function rateSorts<R extends Rates>(): SortKey<R>[] {
  return [
    {name: 'TOTAL/s', value: total},
    {name: 'TX/s', value: (r) => r.tx_rate},
    {name: 'RX/s', value: (r) => r.rx_rate},
  ]
}

export const PROCESS_SORTS: readonly SortKey<TcpProcRow>[] = [...rateSorts<TcpProcRow>(), {name: 'CONNS', value: (r) => r.connections}]
export const CONNECTION_SORTS: readonly SortKey<TcpConnRow>[] = rateSorts<TcpConnRow>()

const perS = (n: number) => Math.round(n)

/** One NDJSON object per interval: every process and connection that moved bytes in it, busiest
 * first. Bytes are exact counts for the interval; rates divide them by interval_s. */
export function topTcpJson(s: TopTcpSample): string {
  const byTotal = <R extends Rates>(rows: readonly R[]) => [...rows].sort((a, b) => total(b) - total(a))
  return JSON.stringify({
    type: 'interval',
    ts: isoFromEpochUs(s.epochUs),
    interval_s: Math.round(s.intervalNs / 1e3) / 1e6,
    final: s.final,
    processes: byTotal(s.processes).map((p) => ({
      pid: p.pid,
      comm: p.comm,
      connections: p.connections,
      tx_bytes: p.tx_bytes,
      rx_bytes: p.rx_bytes,
      tx_bytes_per_s: perS(p.tx_rate),
      rx_bytes_per_s: perS(p.rx_rate),
    })),
    connections: byTotal(s.connections).map((c) => ({
      pid: c.pid,
      comm: c.comm,
      sock: c.sock,
      family: c.family,
      saddr: c.saddr,
      sport: c.sport,
      daddr: c.daddr,
      dport: c.dport,
      tx_bytes: c.tx_bytes,
      rx_bytes: c.rx_bytes,
      tx_calls: c.tx_calls,
      rx_calls: c.rx_calls,
      tx_bytes_per_s: perS(c.tx_rate),
      rx_bytes_per_s: perS(c.rx_rate),
    })),
    lost: s.lost,
    lost_total: s.lost_total,
  })
}
