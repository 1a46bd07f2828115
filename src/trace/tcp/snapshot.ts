/** Who owns the TCP connections that exist when tracing starts: /proc/net/tcp and tcp6 (socket
 * inode per 4-tuple) joined with /proc/PID/fd (socket inode per process). A connection older than
 * tracing that closes later is reported with this owner (the kernel side never saw its connect or
 * accept). Parsing is pure (functions of the file text); reading /proc is one function at the end. */
import {readdirSync, readFileSync, readlinkSync, statSync} from 'node:fs'

import {AF_INET, AF_INET6, readAddress} from '../../engine/layout.js'

export interface SnapshotOwner {
  pid: number
  comm: string
}

/** One row of /proc/net/tcp or tcp6. Addresses in the text form records use. */
export interface ProcNetTcpEntry {
  family: 'ipv4' | 'ipv6'
  saddr: string
  sport: number
  daddr: string
  dport: number
  /** Kernel state number (1 ESTABLISHED … 10 LISTEN). */
  state: number
  inode: number
}

/** /proc/net/tcp prints each 32-bit word of an address as the CPU holds it (%08X of the __be32):
 * on a little-endian host the bytes of each word read backwards. */
function wordBytes(hex: string, littleEndian: boolean): number[] {
  const b = [0, 2, 4, 6].map((i) => parseInt(hex.slice(i, i + 2), 16))
  return littleEndian ? b.reverse() : b
}

/** "0100007F:1F90" → ["127.0.0.1", 8080]. */
export function parseProcAddress(text: string, littleEndian = true): [string, number] {
  const [hex, port] = text.split(':')
  const bytes: number[] = []
  for (let i = 0; i < hex.length; i += 8) bytes.push(...wordBytes(hex.slice(i, i + 8), littleEndian))
  // The records' text form (RFC 5952, ::ffff:a.b.c.d), so snapshot and records key alike.
  const view = new DataView(Uint8Array.from(bytes).buffer)
  return [readAddress(view, 0, bytes.length === 4 ? AF_INET : AF_INET6), parseInt(port, 16)]
}

/** The rows of /proc/net/tcp (family ipv4) or /proc/net/tcp6 (ipv6); the header line is skipped. */
export function parseProcNetTcp(text: string, family: 'ipv4' | 'ipv6', littleEndian = true): ProcNetTcpEntry[] {
  const out: ProcNetTcpEntry[] = []
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/)
    if (f.length < 10 || !f[0].endsWith(':')) continue
    const [saddr, sport] = parseProcAddress(f[1], littleEndian)
    const [daddr, dport] = parseProcAddress(f[2], littleEndian)
    out.push({family, saddr, sport, daddr, dport, state: parseInt(f[3], 16), inode: Number(f[9])})
  }
  return out
}

/** "socket:[12345]" → 12345; anything else → undefined. */
export function socketInode(link: string): number | undefined {
  const m = /^socket:\[(\d+)\]$/.exec(link)
  return m ? Number(m[1]) : undefined
}

/** The key the reducer looks owners up by: family and both endpoints (local first). */
export function tupleKey(family: string, saddr: string, sport: number, daddr: string, dport: number): string {
  return `${family} ${saddr} ${sport} ${daddr} ${dport}`
}

export function listenerKey(family: string, port: number): string {
  return `${family} ${port}`
}

export interface TcpSnapshot {
  /** Owner per network namespace inode and 4-tuple (`${netns} ${tupleKey}`). */
  byNetns: Map<string, SnapshotOwner>
  /** Owner per 4-tuple, whatever the namespace (the first one found). */
  byTuple: Map<string, SnapshotOwner>
  /** Listening sockets' owners by `${family} ${port}` (and `${netns} ${family} ${port}`): a SYN-ACK
   * retransmitted for a handshake that started before its listener was seen is the listener's. */
  byListener: Map<string, SnapshotOwner>
}

export function emptySnapshot(): TcpSnapshot {
  return {byNetns: new Map(), byTuple: new Map(), byListener: new Map()}
}

/** One connection of the start-up snapshot with its owner: the plain data a recording keeps (the
 * spec's state), so a replay resolves owners from the traced host's /proc, not its own. */
export interface SnapshotConnection {
  /** Inode of its network namespace. */
  netns: number
  family: 'ipv4' | 'ipv6'
  saddr: string
  sport: number
  daddr: string
  dport: number
  pid: number
  comm: string
  /** A listening socket (its owner answers for handshakes not accepted yet), not a connection. */
  listen?: true
}

/** Joins connection tables (per network namespace inode) with socket inodes per process. Listening
 * sockets are kept apart (listen: true): only connections get reports, listeners lend owners. */
export function snapshotConnections(tables: Map<number, ProcNetTcpEntry[]>, owners: Map<number, SnapshotOwner>): SnapshotConnection[] {
  const out: SnapshotConnection[] = []
  for (const [netns, entries] of tables) {
    for (const e of entries) {
      if (!e.inode) continue
      const owner = owners.get(e.inode)
      if (!owner) continue
      const c: SnapshotConnection = {netns, family: e.family, saddr: e.saddr, sport: e.sport, daddr: e.daddr, dport: e.dport, pid: owner.pid, comm: owner.comm}
      if (e.state === 10) c.listen = true
      out.push(c)
    }
  }
  return out
}

/** The lookup the reducer uses, from the connections in the order they were found (the first owner
 * of a tuple wins when namespaces repeat it). */
export function indexSnapshot(connections: readonly SnapshotConnection[]): TcpSnapshot {
  const snap = emptySnapshot()
  for (const c of connections) {
    const owner = {pid: c.pid, comm: c.comm}
    if (c.listen) {
      const key = listenerKey(c.family, c.sport)
      snap.byListener.set(`${c.netns} ${key}`, owner)
      if (!snap.byListener.has(key)) snap.byListener.set(key, owner)
      continue
    }
    const key = tupleKey(c.family, c.saddr, c.sport, c.daddr, c.dport)
    snap.byNetns.set(`${c.netns} ${key}`, owner)
    if (!snap.byTuple.has(key)) snap.byTuple.set(key, owner)
  }
  return snap
}

export function joinSnapshot(tables: Map<number, ProcNetTcpEntry[]>, owners: Map<number, SnapshotOwner>): TcpSnapshot {
  return indexSnapshot(snapshotConnections(tables, owners))
}

/** The spec's state: what a recording keeps of the snapshot. */
export interface TcpState {
  connections: SnapshotConnection[]
}

const isConnection = (c: unknown): c is SnapshotConnection => {
  const x = c as SnapshotConnection
  return typeof x === 'object' && x !== null && typeof x.netns === 'number' && (x.family === 'ipv4' || x.family === 'ipv6') && typeof x.saddr === 'string' && typeof x.sport === 'number' && typeof x.daddr === 'string' && typeof x.dport === 'number' && typeof x.pid === 'number' && typeof x.comm === 'string'
}

/** The snapshot a reducer starts from: the state captured live or read from a recording (a replay
 * of a recording without one, or with one this monitor cannot read, resolves no older owners). */
export function snapshotFromState(state: unknown): TcpSnapshot {
  const connections = (state as Partial<TcpState> | undefined)?.connections
  return Array.isArray(connections) ? indexSnapshot(connections.filter(isConnection)) : emptySnapshot()
}

function tryRead(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8')
  } catch {
    return undefined
  }
}

/** Reads /proc: each process's socket inodes (the lowest pid keeps a socket several processes
 * share: usually the one that made it), and the TCP tables of every network namespace in use. */
export function readTcpSnapshot(proc = '/proc'): TcpSnapshot {
  return indexSnapshot(readTcpConnections(proc))
}

/** The connections that exist now, with their owners, from /proc (see readTcpSnapshot). */
export function readTcpConnections(proc = '/proc'): SnapshotConnection[] {
  const {owners, netnsPid} = readSocketOwners(proc)
  const tables = new Map<number, ProcNetTcpEntry[]>()
  for (const [ns, pid] of netnsPid) {
    const entries: ProcNetTcpEntry[] = []
    for (const [file, family] of [
      ['tcp', 'ipv4'],
      ['tcp6', 'ipv6'],
    ] as const) {
      const text = tryRead(`${proc}/${pid}/net/${file}`)
      if (text) entries.push(...parseProcNetTcp(text, family))
    }
    tables.set(ns, entries)
  }
  return snapshotConnections(tables, owners)
}

/** Every socket inode any process holds, with its owner (the lowest pid among those holding it:
 * usually the one that made it), and one pid per network namespace in use. */
export function readSocketOwners(proc = '/proc'): {owners: Map<number, SnapshotOwner>; netnsPid: Map<number, number>} {
  const owners = new Map<number, SnapshotOwner>()
  const netnsPid = new Map<number, number>()
  const pids = readdirSync(proc)
    .filter((d) => /^\d+$/.test(d))
    .map(Number)
    .sort((a, b) => a - b)
  for (const pid of pids) {
    let fds: string[]
    try {
      fds = readdirSync(`${proc}/${pid}/fd`)
    } catch {
      continue // gone, or a kernel thread
    }
    let comm: string | undefined
    for (const fd of fds) {
      let inode: number | undefined
      try {
        inode = socketInode(readlinkSync(`${proc}/${pid}/fd/${fd}`))
      } catch {
        continue
      }
      if (inode === undefined || owners.has(inode)) continue
      comm ??= tryRead(`${proc}/${pid}/comm`)?.trimEnd() ?? ''
      owners.set(inode, {pid, comm})
    }
    if (comm === undefined) continue // no sockets: its namespace's tables come from another
    try {
      const ns = statSync(`${proc}/${pid}/ns/net`).ino
      if (!netnsPid.has(ns)) netnsPid.set(ns, pid)
    } catch {
      // gone meanwhile
    }
  }
  return {owners, netnsPid}
}
