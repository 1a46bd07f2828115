/** How `trace tcp rtt` shows a sample: the remote-address and connection tables (live view and
 * -o columns), their sort keys, and its NDJSON records. */
import type {Column} from '../../output/columns.js'
import {formatCount, formatDuration, formatEndpoint, isoFromEpochUs} from '../../output/format.js'
import type {SortKey} from '../interval.js'
import type {RttAddrRow, RttConnRow, RttSample} from './rows.js'

const us = (v: number) => formatDuration(v * 1000)
const usColumn = <R>(header: string, get: (r: R) => number, drop?: number): Column<R> => ({
  header,
  width: 8,
  align: 'right',
  drop,
  value: (r) => us(get(r)),
})

export const ADDRESS_COLUMNS: readonly Column<RttAddrRow>[] = [
  {header: 'COUNT', width: 7, align: 'right', value: (r) => formatCount(r.count)},
  usColumn('MIN', (r) => r.min_us, 1),
  usColumn('P50', (r) => r.p50_us),
  usColumn('P90', (r) => r.p90_us, 2),
  usColumn('P99', (r) => r.p99_us),
  usColumn('MAX', (r) => r.max_us, 3),
  usColumn('MEAN', (r) => r.mean_us, 4),
  {header: 'REMOTE', width: 15, flex: true, value: (r) => r.daddr},
]

export const RTT_CONN_COLUMNS: readonly Column<RttConnRow>[] = [
  {header: 'PID', width: 7, align: 'right', value: (r) => (r.pid === null ? '-' : String(r.pid))},
  {header: 'COMM', width: 12, minWidth: 8, drop: 3, value: (r) => r.comm ?? '-'},
  usColumn('SRTT', (r) => r.srtt_us),
  usColumn('MIN', (r) => r.min_us, 1),
  usColumn('MAX', (r) => r.max_us, 2),
  {header: 'COUNT', width: 7, align: 'right', value: (r) => formatCount(r.count)},
  {header: 'LOCAL', width: 21, minWidth: 15, value: (r) => formatEndpoint(r.saddr, r.sport)},
  {header: 'REMOTE', width: 21, flex: true, value: (r) => formatEndpoint(r.daddr, r.dport)},
]

export const ADDRESS_SORTS: readonly SortKey<RttAddrRow>[] = [
  {name: 'COUNT', value: (r) => r.count},
  {name: 'P99', value: (r) => r.p99_us},
  {name: 'P50', value: (r) => r.p50_us},
  {name: 'MAX', value: (r) => r.max_us},
]

export const RTT_CONN_SORTS: readonly SortKey<RttConnRow>[] = [
  {name: 'SRTT', value: (r) => r.srtt_us},
  {name: 'COUNT', value: (r) => r.count},
  {name: 'MAX', value: (r) => r.max_us},
]

type Scope = 'interval' | 'total'

function addressJson(ts: string, r: RttAddrRow, scope: Scope): string {
  return JSON.stringify({type: 'rtt', ts, ...r, scope})
}

function connJson(ts: string, r: RttConnRow, scope: Scope): string {
  const {sock, pid, comm, family, saddr, sport, daddr, dport, srtt_us, min_us, max_us, mean_us, count} = r
  return JSON.stringify({type: 'rtt_conn', ts, pid, comm, family, saddr, sport, daddr, dport, srtt_us, min_us, max_us, mean_us, count, sock, scope})
}

/** Each interval: one `rtt` record per remote address with samples in it (that interval's
 * histogram) and one `rtt_conn` record per connection with samples in it (its figures since tracing
 * started), both with scope "interval". The final sample adds the run's totals: every address and
 * every connection seen, scope "total". */
export function rttJson(s: RttSample): string[] {
  const ts = isoFromEpochUs(s.epochUs)
  const out = [...s.addresses.map((r) => addressJson(ts, r, 'interval')), ...s.connections.map((r) => connJson(ts, r, 'interval'))]
  if (s.final) {
    out.push(...s.totals.map((r) => addressJson(ts, r, 'total')), ...s.allConnections.map((r) => connJson(ts, r, 'total')))
  }
  return out
}
