/** What `top tcp` and `trace tcp rtt` share: the filters set in the kernel, the cgroup map, the
 * check for the send/recv tracepoints, socket ids. */
import {existsSync} from 'node:fs'

import type {BpfObject} from '../../engine/index.js'
import {mountedTracefs} from '../../engine/host.js'
import {checkCgroupDir, fillCgroupFilter} from '../cgroup.js'
import type {TcpFilterOptions} from '../tcp/filter.js'

const AF_INET = 2
const AF_INET6 = 10

/** Family, port, pid and cgroup are tested in the kernel (the program runs in the process's
 * context for send/recv); comm and addresses in user space (src/trace/tcp/filter.ts). */
export function kernelFilterConfig(o: TcpFilterOptions): Record<string, number | boolean> {
  return {
    targ_family: o.ipv4 ? AF_INET : o.ipv6 ? AF_INET6 : 0,
    targ_port: o.port ?? 0,
    targ_pid: o.pid ?? 0,
    targ_cgroup: o.cgroup !== undefined && Boolean(checkCgroupDir(o.cgroup)),
  }
}

/** Puts the --cgroup directory into the object's cgroup_filter map (after load, before attach). */
export function setupCgroup(obj: BpfObject, o: TcpFilterOptions): void {
  if (o.cgroup !== undefined) fillCgroupFilter(obj, o.cgroup)
}

/** sock:sock_send_length / sock_recv_length appeared in Linux 6.3: they run in the sending or
 * receiving process, so they name a socket's owner. (Without tracefs mounted yet: assumed present,
 * the attach will tell.) */
export function sendRecvAvailable(tracefs = mountedTracefs()): boolean {
  return !tracefs || existsSync(`${tracefs}/events/sock/sock_send_length`)
}

/** Where `top tcp` takes bytes from: the send/recv tracepoints, or (before 6.3, or forced with
 * MONITOR_TCP_BYTES=probe, which the tests use to run the fallback on any kernel) tcp:tcp_probe's
 * per-socket counters with owners found by socket inode in /proc. */
export function bytesFromProbe(tracefs = mountedTracefs()): boolean {
  const forced = process.env.MONITOR_TCP_BYTES
  if (forced === 'probe') return true
  if (forced === 'send-recv') return false
  return !sendRecvAvailable(tracefs)
}

/** Why and how `top tcp` counts from tcp_probe (shown on stderr and by doctor). */
export function probeBytesNotice(): string {
  const why = process.env.MONITOR_TCP_BYTES === 'probe' ? 'MONITOR_TCP_BYTES=probe' : 'this kernel has no sock:sock_send_length, Linux 6.3+'
  return `bytes from tcp:tcp_probe (${why}): counted per socket as segments arrive, owners found by socket inode in /proc`
}

/** A socket's id in rows: its kernel address in hex, stable for the socket's life within a run. */
export function sockId(sk: bigint): string {
  return `0x${sk.toString(16)}`
}
