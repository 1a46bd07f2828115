/** The filters every `trace tcp` mode and `top tcp` share (--pid, --comm, --port, --laddr, --raddr,
 * --ipv4/--ipv6, --cgroup). Family and port are cheap to test in the kernel and are also set there
 * by the specs; the rest needs the socket's owner, which softirq context does not know, so rows are
 * matched here, against the owner the reducer resolved. */
import {isIP} from 'node:net'

import {ExitCode, MonitorError} from '../../errors.js'

export interface TcpFilterOptions {
  /** The owning process (tgid). */
  pid?: number
  /** Owner's command name contains this. */
  comm?: string
  /** Local or remote port. */
  port?: number
  /** Local address (textual, as printed: 127.0.0.1, ::1). */
  laddr?: string
  /** Remote address. */
  raddr?: string
  ipv4?: boolean
  ipv6?: boolean
  /** A cgroup v2 directory: its id (the directory's inode number) and those below it are matched by
   * the spec (in the kernel or against the owner's cgroup id). */
  cgroup?: string
}

/** What a row must offer to be filtered. */
export interface TcpEndpointRow {
  pid: number | null
  comm: string | null
  family: 'ipv4' | 'ipv6'
  saddr: string
  sport: number
  daddr: string
  dport: number
  /** The owner's cgroup v2 id (its ancestor at the --cgroup directory's level when tracing with
   * --cgroup: see cgroupLevel()); null or absent when not known. */
  cgroup?: number | null
}

/** An address as the rows print it, or a usage error. IPv4-mapped IPv6 (::ffff:1.2.3.4) is kept as
 * written: the kernel reports such sockets as AF_INET6. */
export function normalizeAddress(text: string, flag: string): string {
  const kind = isIP(text)
  if (!kind) throw new MonitorError(`${flag}: not an IPv4 or IPv6 address: "${text}"`, {exitCode: ExitCode.usage})
  if (kind === 4) return text
  // Canonical text form, as the decoder prints (lower case, zeros compressed).
  return new URL(`http://[${text}]/`).hostname.slice(1, -1)
}

export function checkTcpFilter(o: TcpFilterOptions): TcpFilterOptions {
  if (o.ipv4 && o.ipv6) throw new MonitorError('--ipv4 and --ipv6 exclude each other', {exitCode: ExitCode.usage})
  if (o.port !== undefined && (!Number.isInteger(o.port) || o.port < 1 || o.port > 65535)) {
    throw new MonitorError(`--port: must be 1 to 65535, got ${o.port}`, {exitCode: ExitCode.usage})
  }
  return {
    ...o,
    laddr: o.laddr === undefined ? undefined : normalizeAddress(o.laddr, '--laddr'),
    raddr: o.raddr === undefined ? undefined : normalizeAddress(o.raddr, '--raddr'),
  }
}

/** A row matcher for the filters that are tested in user space (call checkTcpFilter first).
 * `cgroupId`: the --cgroup directory's id (its inode number), compared with the row's cgroup. */
export function tcpRowFilter(o: TcpFilterOptions, cgroupId?: number): (row: TcpEndpointRow) => boolean {
  return (r) =>
    (cgroupId === undefined || r.cgroup === cgroupId) &&
    (o.pid === undefined || r.pid === o.pid) &&
    (o.comm === undefined || (r.comm !== null && r.comm.includes(o.comm))) &&
    (o.port === undefined || r.sport === o.port || r.dport === o.port) &&
    (o.laddr === undefined || r.saddr === o.laddr) &&
    (o.raddr === undefined || r.daddr === o.raddr) &&
    (!o.ipv4 || r.family === 'ipv4') &&
    (!o.ipv6 || r.family === 'ipv6')
}
