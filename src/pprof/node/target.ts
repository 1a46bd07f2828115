/** Which process we may attach to, and where its inspector listens — read from /proc, so nothing is
 * ever sent to a process before we know it is Node and catches SIGUSR1 (its default action ends the
 * process: a `sleep` or a database would die). */
import {readFileSync, readdirSync, readlinkSync} from 'node:fs'
import {basename} from 'node:path'

import {ExitCode, MonitorError} from '../../errors.js'

const SIGUSR1_BIT = 1n << 9n // SigCgt is a mask with bit (signal - 1) set; SIGUSR1 is 10 on Linux
const TCP_LISTEN = 0x0a

/** A node binary by name: node, nodejs, node20, node-v24.1.0 … (what nvm, Debian and tarballs install). */
const NODE_EXE = /^node(js)?([-_.]?v?\d[\w.-]*)?$/

export interface NodeTarget {
  pid: number
  exe: string
}

/** Refuses, with one line, a pid that is gone, not ours to signal, not Node, or a Node that would
 * not survive SIGUSR1 (started with --disable-sigusr1: no handler, so the default action kills it). */
export function checkNodeTarget(pid: number): NodeTarget {
  if (!Number.isInteger(pid) || pid <= 0) throw new MonitorError(`--pid must be a positive process id, got ${pid}`, {exitCode: ExitCode.usage})
  try {
    process.kill(pid, 0)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ESRCH') throw new MonitorError(`no process ${pid}`, {exitCode: ExitCode.unavailable})
    if (code === 'EPERM') throw new MonitorError(`process ${pid} belongs to another user: run monitor as that user or as root to attach`, {exitCode: ExitCode.noPermission})
    throw error
  }
  let exe: string
  try {
    exe = readlinkSync(`/proc/${pid}/exe`).replace(/ \(deleted\)$/, '')
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ENOENT') throw new MonitorError(`no process ${pid}`, {exitCode: ExitCode.unavailable})
    throw new MonitorError(`cannot read /proc/${pid}/exe (${code}): run monitor as the process's user or as root`, {exitCode: ExitCode.noPermission})
  }
  const status = readProc(`/proc/${pid}/status`)
  const name = /^Name:\s*(.*)$/m.exec(status)?.[1] ?? basename(exe)
  if (!NODE_EXE.test(basename(exe))) {
    throw new MonitorError(`process ${pid} (${name}, ${exe}) is not Node.js: not attaching (SIGUSR1 would end it)`, {exitCode: ExitCode.usage})
  }
  if (!catchesSigusr1(status)) {
    throw new MonitorError(`Node.js process ${pid} does not handle SIGUSR1 (started with --disable-sigusr1?): not attaching, the signal would end it`, {exitCode: ExitCode.usage})
  }
  return {pid, exe}
}

/** True once pid has ended: gone, or a zombie its parent has not reaped yet. */
export function processGone(pid: number): boolean {
  try {
    process.kill(pid, 0)
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH'
  }
  return /^State:\s*[ZX]/m.test(readProc(`/proc/${pid}/status`)) || readProc(`/proc/${pid}/status`) === ''
}

export function catchesSigusr1(statusText: string): boolean {
  const hex = /^SigCgt:\s*([0-9a-f]+)$/im.exec(statusText)?.[1]
  return hex !== undefined && (BigInt(`0x${hex}`) & SIGUSR1_BIT) !== 0n
}

export interface Listener {
  port: number
  inode: number
}

/** Listening sockets on 127.0.0.1 or 0.0.0.0 in the text of /proc/PID/net/tcp. */
export function loopbackListeners(tcpText: string): Listener[] {
  const out: Listener[] = []
  for (const line of tcpText.split('\n')) {
    const f = line.trim().split(/\s+/)
    if (f.length < 10 || !f[0].endsWith(':') || parseInt(f[3], 16) !== TCP_LISTEN) continue
    const [addr, port] = f[1].split(':')
    // The address word as the CPU holds it: 127.0.0.1 reads 0100007F on a little-endian host.
    if (addr !== '0100007F' && addr !== '7F000001' && addr !== '00000000') continue
    out.push({port: parseInt(port, 16), inode: Number(f[9])})
  }
  return out
}

/** Inodes of the sockets process pid holds open. */
export function socketInodes(pid: number): Set<number> {
  const inodes = new Set<number>()
  let fds: string[]
  try {
    fds = readdirSync(`/proc/${pid}/fd`)
  } catch {
    return inodes
  }
  for (const fd of fds) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`))
      if (m) inodes.add(Number(m[1]))
    } catch {
      // closed while we read
    }
  }
  return inodes
}

/** The loopback TCP ports process pid listens on (its network namespace's table, its own sockets). */
export function listeningPorts(pid: number): number[] {
  const mine = socketInodes(pid)
  return loopbackListeners(readProc(`/proc/${pid}/net/tcp`))
    .filter((l) => mine.has(l.inode))
    .map((l) => l.port)
}

/** Whoever else listens on a loopback port in pid's network namespace ('' when nobody does). */
export function portHolder(pid: number, port: number): string {
  const listener = loopbackListeners(readProc(`/proc/${pid}/net/tcp`)).find((l) => l.port === port)
  if (!listener) return ''
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    if (socketInodes(Number(entry)).has(listener.inode)) {
      const comm = readProc(`/proc/${entry}/comm`).trim()
      return `pid ${entry}${comm ? ` (${comm})` : ''}`
    }
  }
  return 'another process'
}

function readProc(path: string): string {
  try {
    return readFileSync(path, 'utf8')
  } catch {
    return ''
  }
}
