/** Turns tcp_event records into the rows of one `trace tcp` mode. One reducer for the six modes: each
 * record kind maps to one row type, and what differs per mode (which records the kernel sends) is
 * chosen in the spec. Owners come from the record (remembered in process context by the kernel side)
 * or, for connections older than tracing, from the start-up snapshot of /proc. */
import {errnoName} from '../exec/reducer.js'
import type {Counts, Reducer, ReducerContext} from '../spec.js'
import type {TcpEndpointRow} from './filter.js'
import {decodeTcpRecord, sockId, TcpFlag, TcpKind, type TcpRecord, tcpStateName} from './record.js'
import {emptySnapshot, listenerKey, type TcpSnapshot, tupleKey} from './snapshot.js'

const TCP_SYN_RECV = 3

export type TcpMode = 'connect' | 'accept' | 'life' | 'states' | 'retrans' | 'resets'
export const TCP_MODES: readonly TcpMode[] = ['connect', 'accept', 'life', 'states', 'retrans', 'resets']

/** One row of any mode; `type` tells which fields its JSON carries (see columns.ts). */
export interface TcpRow extends TcpEndpointRow {
  type: 'connect' | 'accept' | 'life' | 'state' | 'retrans' | 'reset'
  /** Wall-clock µs of the row's `ts`; null for a connection older than tracing (life). */
  ts_us: number | null
  /** CLOCK_MONOTONIC ns the live table orders by (the `ts`, or tracing's start when unknown). */
  order_ns: number
  /** Wall-clock µs of the record itself (the close, the state change, the connect's outcome). */
  event_us: number
  /** Unique per row within a run (the live table's key). */
  seq: number
  /** The socket's kernel address in hex (states; '' in the other modes, which never show it). */
  sock: string
  cgroup: number | null
  /** connect: the errno name of a failed connect. */
  errno: string | null
  /** connect: SYN_SENT → ESTABLISHED; accept: handshake done → accept() returned. */
  latency_ns: number | null
  tx_bytes: number
  rx_bytes: number
  /** life: start to close; states: time spent in oldstate. */
  duration_ns: number | null
  /** life: the connection existed before tracing started. */
  partial: boolean
  oldstate: string | null
  newstate: string | null
  /** retrans, reset: the socket's state (null: a reset for a packet no socket owned). */
  state: string | null
  direction: 'sent' | 'received' | null
}

const FAMILY = {2: 'ipv4', 10: 'ipv6'} as const

/** The record kind each mode reports, and its row type. */
const KIND_OF: Record<TcpMode, number> = {
  connect: TcpKind.connect,
  accept: TcpKind.accept,
  life: TcpKind.close,
  states: TcpKind.state,
  retrans: TcpKind.retrans,
  resets: TcpKind.reset,
}

export class TcpReducer implements Reducer<TcpRow> {
  private readonly kind: number
  private seq = 0
  private rows = 0
  private failed = 0
  private partial = 0
  private sent = 0
  private received = 0

  constructor(
    private readonly mode: TcpMode,
    private readonly emit: (row: TcpRow) => void,
    private readonly ctx: ReducerContext,
    private readonly wanted: (row: TcpRow) => boolean = () => true,
    private readonly snapshot: TcpSnapshot = emptySnapshot(),
  ) {
    this.kind = KIND_OF[mode]
  }

  record(view: DataView, offset: number, length: number): void {
    const r = decodeTcpRecord(view, offset, length)
    if (r.kind !== this.kind) return
    const row = this.row(r)
    if (!this.wanted(row)) return
    this.rows++
    if (row.errno) this.failed++
    if (row.partial) this.partial++
    if (row.direction === 'sent') this.sent++
    else if (row.direction === 'received') this.received++
    this.emit(row)
  }

  private row(r: TcpRecord): TcpRow {
    const family = FAMILY[r.family as 2 | 10] ?? 'ipv4'
    const started = (r.flags & TcpFlag.start) !== 0
    const eventUs = this.ctx.toEpochUs(r.ts_ns)
    const row: TcpRow = {
      type: 'connect',
      ts_us: eventUs,
      order_ns: r.ts_ns,
      event_us: eventUs,
      seq: ++this.seq,
      // The socket's id is shown by states only (a BigInt's hex costs ~0.2 µs a record).
      sock: this.mode === 'states' ? sockId(r.skaddr) : '',
      pid: null,
      comm: null,
      cgroup: null,
      family,
      saddr: r.saddr,
      sport: r.sport,
      daddr: r.daddr,
      dport: r.dport,
      errno: null,
      latency_ns: null,
      tx_bytes: 0,
      rx_bytes: 0,
      duration_ns: null,
      partial: false,
      oldstate: null,
      newstate: null,
      state: null,
      direction: null,
    }
    this.owner(row, r)
    switch (r.kind) {
      case TcpKind.connect:
        if (started) this.startAt(row, r.start_ns)
        row.errno = r.error ? errnoName(r.error) : null
        row.latency_ns = !r.error && started ? r.ts_ns - r.start_ns : null
        break
      case TcpKind.accept:
        row.type = 'accept'
        row.latency_ns = started ? r.ts_ns - r.start_ns : null
        break
      case TcpKind.close:
        row.type = 'life'
        row.tx_bytes = r.tx_bytes
        row.rx_bytes = r.rx_bytes
        if (started) {
          this.startAt(row, r.start_ns)
          row.duration_ns = r.ts_ns - r.start_ns
        } else {
          row.partial = true
          row.ts_us = null
          row.order_ns = this.ctx.startNs
        }
        break
      case TcpKind.state:
        row.type = 'state'
        row.oldstate = tcpStateName(r.oldstate)
        row.newstate = tcpStateName(r.newstate)
        row.duration_ns = started ? r.ts_ns - r.start_ns : null
        break
      case TcpKind.retrans:
        row.type = 'retrans'
        row.state = tcpStateName(r.newstate)
        break
      case TcpKind.reset:
        row.type = 'reset'
        row.state = tcpStateName(r.newstate)
        row.direction = r.flags & TcpFlag.resetSent ? 'sent' : 'received'
        break
    }
    return row
  }

  private startAt(row: TcpRow, startNs: number): void {
    row.ts_us = this.ctx.toEpochUs(startNs)
    row.order_ns = startNs
  }

  /** The record's owner, else the start-up snapshot's for the same connection. */
  private owner(row: TcpRow, r: TcpRecord): void {
    if (r.flags & TcpFlag.owner) {
      row.pid = r.pid
      row.comm = r.comm
      row.cgroup = r.cgroup
      return
    }
    const key = tupleKey(row.family, row.saddr, row.sport, row.daddr, row.dport)
    // The namespace, when the record names one, tells apart equal tuples (127.0.0.1 in two netns).
    let owner = r.netns ? this.snapshot.byNetns.get(`${r.netns} ${key}`) : this.snapshot.byTuple.get(key)
    // A SYN-ACK sent again for a handshake in progress: the request socket's listener owns it.
    if (!owner && r.kind === TcpKind.retrans && r.newstate === TCP_SYN_RECV) {
      const lkey = listenerKey(row.family, row.sport)
      owner = (r.netns ? this.snapshot.byListener.get(`${r.netns} ${lkey}`) : undefined) ?? this.snapshot.byListener.get(lkey)
    }
    if (owner) {
      row.pid = owner.pid
      row.comm = owner.comm
    }
  }

  counts(): Counts {
    switch (this.mode) {
      case 'connect':
        return {connects: this.rows, failed: this.failed}
      case 'accept':
        return {accepts: this.rows}
      case 'life':
        return {connections: this.rows, partial: this.partial}
      case 'states':
        return {transitions: this.rows}
      case 'retrans':
        return {retransmits: this.rows}
      case 'resets':
        return {resets: this.rows, sent: this.sent, received: this.received}
    }
  }
}
