/** What `top tcp` and `trace tcp rtt` share: the filters set in the kernel, the cgroup map, the
 * check for the send/recv tracepoints, socket ids. */
import {existsSync} from 'node:fs'

import type {BpfObject} from '../../engine/index.js'
import {mountedTracefs} from '../../engine/host.js'
import {ExitCode, MonitorError} from '../../errors.js'
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

/** sock:sock_send_length / sock_recv_length appeared in Linux 6.3. Without them there is no
 * per-process byte count on tracepoints (tcp_probe and state changes carry no process): refuse in
 * one line rather than fail in libbpf's words. */
export function sendRecvMissing(command: string, tracefs = mountedTracefs()): void {
  if (!tracefs || existsSync(`${tracefs}/events/sock/sock_send_length`)) return
  throw new MonitorError(
    `${command} needs the tracepoints sock:sock_send_length and sock:sock_recv_length (Linux 6.3 and later); this kernel has none (\`monitor doctor\` lists what it has)`,
    {exitCode: ExitCode.unavailable},
  )
}

/** A socket's id in rows: its kernel address in hex, stable for the socket's life within a run. */
export function sockId(sk: bigint): string {
  return `0x${sk.toString(16)}`
}
