/** Facts about this host that decide whether BPF can run: privileges, BTF, tracefs. Shared by the
 * engine's preflight (which throws one clear error) and `monitor doctor` (which reports them all). */
import {existsSync, readFileSync} from 'node:fs'

import {ExitCode, MonitorError} from '../errors.js'
import {loadNative} from './native.js'

export const Capability = {SYS_ADMIN: 21, PERFMON: 38, BPF: 39} as const

export const BTF_PATH = '/sys/kernel/btf/vmlinux'
const TRACEFS_PATHS = ['/sys/kernel/tracing', '/sys/kernel/debug/tracing']

/** Effective capability set of this process, from /proc/self/status. */
export function effectiveCapabilities(status = readFileSync('/proc/self/status', 'utf8')): bigint {
  const m = /^CapEff:\s*([0-9a-f]+)/m.exec(status)
  return m ? BigInt('0x' + m[1]) : 0n
}

export function hasCapability(caps: bigint, cap: number): boolean {
  return (caps & (1n << BigInt(cap))) !== 0n
}

/** Loading tracing programs needs CAP_BPF + CAP_PERFMON (or CAP_SYS_ADMIN, which implies both). */
export function missingCapabilities(caps = effectiveCapabilities()): string[] {
  if (hasCapability(caps, Capability.SYS_ADMIN)) return []
  const missing: string[] = []
  if (!hasCapability(caps, Capability.BPF)) missing.push('CAP_BPF')
  if (!hasCapability(caps, Capability.PERFMON)) missing.push('CAP_PERFMON')
  return missing
}

export function mountedTracefs(): string | undefined {
  return TRACEFS_PATHS.find((p) => existsSync(`${p}/events`))
}

/** libbpf resolves tracepoint ids through tracefs; mount it where the kernel expects it if absent. */
export function ensureTracefs(): string {
  const found = mountedTracefs()
  if (found) return found
  try {
    loadNative().mountKernelFs('tracefs', TRACEFS_PATHS[0])
  } catch (error) {
    throw new MonitorError(
      `tracefs is not mounted and mounting it failed (${(error as Error).message}): run \`mount -t tracefs tracefs ${TRACEFS_PATHS[0]}\``,
      {exitCode: ExitCode.unavailable, cause: error},
    )
  }
  return TRACEFS_PATHS[0]
}

const SECURITYFS = '/sys/kernel/security'

/** The kernel lockdown mode (none / integrity / confidentiality), mounting securityfs if needed;
 * undefined when it cannot be read. */
export function lockdownMode(): {mode?: string; mountedNow: boolean} {
  const read = () => readTrimmed(`${SECURITYFS}/lockdown`)
  let text = read()
  let mountedNow = false
  if (text === undefined && !existsSync(`${SECURITYFS}/lsm`)) {
    try {
      loadNative().mountKernelFs('securityfs', SECURITYFS)
      mountedNow = true
      text = read()
    } catch {
      // not root, or no securityfs in this kernel: report unknown
    }
  }
  // "none [integrity] confidentiality": the bracketed word is the mode in force.
  return {mode: text === undefined ? undefined : (/\[(\w+)\]/.exec(text)?.[1] ?? text), mountedNow}
}

export function readTrimmed(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8').trim()
  } catch {
    return undefined
  }
}

let checked = false

/** Throws the one error a user must fix before any BPF program can load here. */
export function preflight(): void {
  if (checked) return
  const missing = missingCapabilities()
  if (missing.length > 0) {
    throw new MonitorError(
      `monitor needs root (or ${missing.join(' + ')}) to load eBPF programs: run it with sudo`,
      {exitCode: ExitCode.noPermission},
    )
  }
  if (!existsSync(BTF_PATH)) {
    throw new MonitorError(
      `this kernel exposes no BTF (${BTF_PATH} is missing): monitor needs a kernel built with CONFIG_DEBUG_INFO_BTF=y`,
      {exitCode: ExitCode.unavailable},
    )
  }
  ensureTracefs()
  checked = true
}
