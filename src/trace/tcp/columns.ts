/** How each `trace tcp` mode reads: one column list per mode (text and the live table) and its
 * NDJSON line, fields in the order the README documents. */
import type {Column} from '../../output/columns.js'
import type {TimelineContext, TimelineEvent} from '../sections.js'
import {formatBytes, formatClock, formatDuration, formatEndpoint, isoFromEpochUs} from '../../output/format.js'
import type {TcpMode, TcpRow} from './reducer.js'

const time: Column<TcpRow> = {header: 'TIME', width: 12, value: (r, c) => (r.ts_us === null ? 'before' : formatClock(r.ts_us, c.utc))}
const pid = (drop?: number): Column<TcpRow> => ({header: 'PID', width: 7, align: 'right', drop, value: (r) => (r.pid === null ? '-' : String(r.pid))})
const comm: Column<TcpRow> = {header: 'COMM', width: 15, minWidth: 10, value: (r) => r.comm ?? '-'}
const local = (drop?: number): Column<TcpRow> => ({header: 'LOCAL', width: 21, drop, value: (r) => formatEndpoint(r.saddr, r.sport)})
/** Last and flexible: an IPv6 endpoint takes what the line has left. */
const remote: Column<TcpRow> = {header: 'REMOTE', width: 15, flex: true, value: (r) => formatEndpoint(r.daddr, r.dport)}
const latency = (drop?: number): Column<TcpRow> => ({header: 'LATENCY', width: 8, align: 'right', drop, value: (r) => formatDuration(r.latency_ns)})
const duration: Column<TcpRow> = {header: 'DURATION', width: 8, align: 'right', value: (r) => formatDuration(r.duration_ns)}
const state = (header: string, get: (r: TcpRow) => string | null): Column<TcpRow> => ({header, width: 11, value: (r) => get(r) ?? '-'})

export const TCP_COLUMNS: Record<TcpMode, readonly Column<TcpRow>[]> = {
  connect: [
    time,
    pid(),
    comm,
    {header: 'RESULT', width: 12, value: (r) => r.errno ?? 'ok', color: (r) => (r.errno ? 'red' : undefined)},
    latency(),
    local(1),
    remote,
  ],
  accept: [time, pid(), comm, latency(2), local(1), remote],
  life: [
    time,
    pid(),
    comm,
    {header: 'TX', width: 8, align: 'right', value: (r) => formatBytes(r.tx_bytes)},
    {header: 'RX', width: 8, align: 'right', value: (r) => formatBytes(r.rx_bytes)},
    duration,
    local(1),
    remote,
  ],
  states: [
    time,
    pid(3),
    comm,
    state('OLDSTATE', (r) => r.oldstate),
    state('NEWSTATE', (r) => r.newstate),
    duration,
    {header: 'SOCK', width: 18, drop: 1, value: (r) => r.sock},
    local(2),
    remote,
  ],
  retrans: [time, pid(), comm, state('STATE', (r) => r.state), local(1), remote],
  resets: [
    time,
    pid(),
    comm,
    {header: 'DIR', width: 4, value: (r) => (r.direction === 'sent' ? 'sent' : 'recv')},
    state('STATE', (r) => r.state),
    local(1),
    remote,
  ],
}

/** One NDJSON line, as the README documents each mode's record: the fields of JSON.stringify of
 * {type, ts, pid, comm, family, saddr, sport, daddr, dport, ...the mode's own} (state: sock after
 * ts), written out directly — a storm prints tens of thousands a second, and building an object per
 * line to stringify it cost more than the rest of the record's path. test/unit/tcp-json.test.ts holds
 * it to JSON.stringify's output. */
export function tcpJson(r: TcpRow): string {
  const ts = r.ts_us === null ? 'null' : `"${isoFromEpochUs(r.ts_us)}"`
  const who = `"pid":${num(r.pid)},"comm":${str(r.comm)},"family":${str(r.family)},"saddr":${str(r.saddr)},"sport":${num(r.sport)},"daddr":${str(r.daddr)},"dport":${num(r.dport)}`
  switch (r.type) {
    case 'connect':
      return `{"type":"connect","ts":${ts},${who},"errno":${str(r.errno)},"latency_ns":${num(r.latency_ns)}}`
    case 'accept':
      return `{"type":"accept","ts":${ts},${who},"latency_ns":${num(r.latency_ns)}}`
    case 'life':
      return `{"type":"life","ts":${ts},${who},"tx_bytes":${num(r.tx_bytes)},"rx_bytes":${num(r.rx_bytes)},"duration_ns":${num(r.duration_ns)},"partial":${r.partial}}`
    case 'state':
      return `{"type":"state","ts":${ts},"sock":${str(r.sock)},${who},"oldstate":${str(r.oldstate)},"newstate":${str(r.newstate)},"duration_ns":${num(r.duration_ns)}}`
    case 'retrans':
      return `{"type":"retrans","ts":${ts},${who},"state":${str(r.state)}}`
    case 'reset':
      return `{"type":"reset","ts":${ts},${who},"state":${str(r.state)},"direction":${str(r.direction)}}`
  }
}

/** A JSON number as JSON.stringify writes it (null for null and non-finite). */
const num = (n: number | null): string => (n !== null && Number.isFinite(n) ? String(n) : 'null')
/** A JSON string (escaped as JSON.stringify escapes it), or null. */
const str = (s: string | null): string => (s === null ? 'null' : SAFE.test(s) ? `"${s}"` : JSON.stringify(s))
/** Text JSON.stringify writes unchanged between quotes (addresses, state names, most comms). */
const SAFE = /^[\w .:/@+=,-]*$/

/** `trace convert --to chrome`: a connection's life, a connect (to its outcome) and the time spent in
 * a state as spans; accepts, retransmits and resets as instants. On the owner's track (pid 0 when
 * it is not known). */
export function tcpTimeline(r: TcpRow, ctx: TimelineContext): TimelineEvent | undefined {
  const remote = formatEndpoint(r.daddr, r.dport)
  const base = {pid: r.pid ?? 0, tid: r.pid ?? 0, processName: r.pid === null ? 'owner unknown' : `${r.comm} ${r.pid}`}
  const args = {local: formatEndpoint(r.saddr, r.sport), remote}
  const span = (name: string, category: string, startUs: number | null, extra: Record<string, unknown>): TimelineEvent => {
    const from = startUs === null ? ctx.startUs : Math.max(startUs, ctx.startUs)
    return {...base, name, category, startUs: from, durationUs: Math.max(0, r.event_us - from), args: {...args, ...extra}}
  }
  const instant = (name: string, category: string, extra: Record<string, unknown>): TimelineEvent => ({...base, name, category, startUs: r.event_us, durationUs: null, args: {...args, ...extra}})
  switch (r.type) {
    case 'life':
      return span(remote, 'tcp_life', r.ts_us, {tx_bytes: r.tx_bytes, rx_bytes: r.rx_bytes, partial: r.partial})
    case 'connect':
      return span(`connect ${remote}`, r.errno ? 'tcp_connect_failed' : 'tcp_connect', r.ts_us, {errno: r.errno})
    case 'state':
      return span(r.oldstate ?? 'state', 'tcp_state', r.duration_ns === null ? null : r.event_us - r.duration_ns / 1000, {sock: r.sock, newstate: r.newstate})
    case 'accept':
      return instant(`accept ${remote}`, 'tcp_accept', {latency_ns: r.latency_ns})
    case 'retrans':
      return instant(`retransmit ${remote}`, 'tcp_retrans', {state: r.state})
    case 'reset':
      return instant(`reset ${r.direction} ${remote}`, 'tcp_reset', {state: r.state})
  }
}
