/** `monitor trace tcp <mode>`: six tracers over one BPF object (addon/bpf/tcp.bpf.c). A mode picks
 * the programs it needs and which records the kernel sends; the socket → owner bookkeeping (the
 * state program, accept's return, socket destruction) runs in every mode that reports owners. */
import {existsSync} from 'node:fs'

import {AF_INET, AF_INET6} from '../../engine/layout.js'
import {plural} from '../../output/format.js'
import {cgroupId, cgroupLevel, checkCgroupDir} from '../cgroup.js'
import type {Counts, TracerSpec} from '../spec.js'
import {checkTcpFilter, type TcpFilterOptions, tcpRowFilter} from './filter.js'
import {TCP_COLUMNS, tcpJson, tcpTimeline} from './columns.js'
import {TCP_LAYOUTS} from './layout.js'
import {tcpReport} from './report.js'
import {TCP_MODES, type TcpMode, TcpReducer, type TcpRow} from './reducer.js'
import {readTcpConnections, snapshotFromState, type TcpState} from './snapshot.js'

export interface TcpOptions extends TcpFilterOptions {
  /** Ring buffer bytes (a power of two). */
  ringBytes?: number
  /** Sockets the owner map holds at once. */
  maxSockets?: number
}

/** Bookkeeping every mode shares: owners from state changes, accept() and socket destruction. */
const OWNER_PROGRAMS = ['tcp_state', 'tcp_state_backup', 'tcp_destroy', 'tcp_accept4_exit', 'tcp_accept_exit']

const PROGRAMS: Record<TcpMode, string[]> = {
  connect: ['tcp_state', 'tcp_state_backup', 'tcp_destroy', 'tcp_connect_enter', 'tcp_connect_exit'],
  accept: OWNER_PROGRAMS,
  life: OWNER_PROGRAMS,
  states: OWNER_PROGRAMS,
  retrans: [...OWNER_PROGRAMS, 'tcp_retrans', 'tcp_retrans_synack'],
  resets: [...OWNER_PROGRAMS, 'tcp_reset_sent', 'tcp_reset_received'],
}

/** Modes whose rows can belong to connections older than tracing: they read the start-up snapshot. */
const NEEDS_SNAPSHOT: ReadonlySet<TcpMode> = new Set(['life', 'states', 'retrans', 'resets'])

const DESCRIBE: Record<TcpMode, (c: Counts) => string> = {
  connect: (c) => `${plural(c.connects, 'connect')}, ${c.failed} failed`,
  accept: (c) => plural(c.accepts, 'accept'),
  life: (c) => `${plural(c.connections, 'connection')}${c.partial ? `, ${c.partial} older than tracing` : ''}`,
  states: (c) => plural(c.transitions, 'state change'),
  retrans: (c) => plural(c.retransmits, 'retransmit'),
  resets: (c) => `${plural(c.resets, 'reset')} (${c.sent} sent, ${c.received} received)`,
}

function tcpSpec(mode: TcpMode): TracerSpec<TcpOptions, TcpRow> {
  return {
    command: `trace tcp ${mode}`,
    object: 'tcp',
    programs: () => PROGRAMS[mode],
    // Socket destruction only tidies the owner map (the missed-record cross-check counts a close it
    // implies was lost); accept() names an owner, a record only in accept mode.
    bookkeeping: () => (mode === 'accept' ? ['tcp_destroy'] : ['tcp_destroy', 'tcp_accept4_exit', 'tcp_accept_exit']),
    // Closes owed by sockets already gone whose destruction no program saw either (tcp.bpf.c).
    closingCheck: mode === 'life' || mode === 'states' ? () => 'tcp_sweep' : undefined,
    layouts: TCP_LAYOUTS,
    config(o) {
      const config: Record<string, number | boolean> = {
        emit_connect: mode === 'connect',
        emit_accept: mode === 'accept',
        emit_life: mode === 'life',
        emit_states: mode === 'states',
      }
      if (o.ipv4) config.targ_family = AF_INET
      if (o.ipv6) config.targ_family = AF_INET6
      if (o.port !== undefined) config.targ_port = o.port
      if (o.cgroup !== undefined) config.cgroup_level = cgroupLevel(checkCgroupDir(o.cgroup))
      return config
    },
    maxEntries: (o) => ({events: o.ringBytes ?? 8 << 20, owners: o.maxSockets ?? 65536}),
    reducer(o, emit, ctx) {
      const filter = checkTcpFilter(o)
      // The directory's id. A replay elsewhere may not have the directory: then rows are not
      // filtered on it (the recording holds the kernel's records before this filter).
      const cgroup = filter.cgroup === undefined || (!ctx.live && !existsSync(filter.cgroup)) ? undefined : cgroupId(checkCgroupDir(filter.cgroup))
      // The start-up snapshot (state() below), taken live or as recorded: a replay resolves the
      // owners of connections older than tracing as the live run did, not from its own /proc.
      return new TcpReducer(mode, emit, ctx, tcpRowFilter(filter, cgroup), snapshotFromState(ctx.state))
    },
    columns: TCP_COLUMNS[mode],
    json: tcpJson,
    key: (r) => String(r.seq),
    order: (r) => r.order_ns,
    describeCounts: DESCRIBE[mode],
    timeline: tcpTimeline,
    report: () => tcpReport(mode),
    // Before the programs attach: a connection older than tracing is in it, with its owner.
    state: (): TcpState | undefined => (NEEDS_SNAPSHOT.has(mode) ? {connections: readTcpConnections()} : undefined),
  }
}

export const TCP_SPECS = Object.fromEntries(TCP_MODES.map((m) => [m, tcpSpec(m)])) as Record<TcpMode, TracerSpec<TcpOptions, TcpRow>>
