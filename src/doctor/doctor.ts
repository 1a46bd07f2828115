/** `monitor doctor`: host facts, a real attach per hook type, and what each command needs — read
 * from the tracers' own programs, so a new command is checked without a list to keep. */
import {existsSync, readdirSync} from 'node:fs'
import {release} from 'node:os'

import {
  BTF_PATH,
  Capability,
  effectiveCapabilities,
  ensureTracefs,
  hasCapability,
  lockdownMode,
  missingCapabilities,
  mountedTracefs,
  readTrimmed,
} from '../engine/host.js'
import {HOOK_NAMES, type HookName, type HookResult, libbpfVersion, objectNeeds, probeHook} from '../engine/probe.js'
import {execSpec} from '../trace/exec/spec.js'
import type {ObjectSpec} from '../trace/interval.js'
import {INTERVAL_TOOLS} from '../trace/interval-registry.js'
import {topTcpSpec} from '../trace/tcptop/top.js'
import {TRACERS} from '../trace/registry.js'

export type {HookName, HookResult}

/** What doctor reads of a command's spec: its object, the programs it loads and what it says. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- specs of any option type, called with {}
type DoctorSpec = Pick<ObjectSpec<any>, 'object' | 'programs' | 'notices'>

/** The eBPF columns of `monitor top` and the object each loads (src/proc/bpf-columns.ts). */
const TOP_BPF_PARTS: readonly [part: string, spec: DoctorSpec][] = [
  ['run-queue latency', {object: 'topsched'}],
  ['TCP bytes/s', topTcpSpec],
  ['short-lived processes', execSpec],
]

export interface CommandStatus {
  ok: boolean
  reason?: string
  /** Hook types its programs use. */
  needs?: string[]
  /** The tracepoints and raw tracepoints its programs attach to. */
  tracepoints?: string[]
  /** How it runs here when that differs from the usual (e.g. a fallback for an older kernel). */
  notes?: string[]
}

export interface DoctorReport {
  kernel: string
  libbpf: string | null
  btf: boolean
  root: boolean
  capabilities: {cap_sys_admin: boolean; cap_bpf: boolean; cap_perfmon: boolean}
  tracefs: string | null
  tracefs_mounted_by_monitor: boolean
  lockdown: string | null
  securityfs_mounted_by_monitor: boolean
  bpf_stats_enabled: boolean | null
  unprivileged_bpf_disabled: number | null
  hooks: Record<HookName, HookResult>
  commands: Record<string, CommandStatus>
  engine_ok: boolean
  reason?: string
}

function firstLine(error: unknown): string {
  return String((error as Error)?.message ?? error).split('\n')[0]
}

/** A command's needs: every hook type its programs use, and each tracepoint they attach to. Only the
 * programs it loads count (the `trace tcp` modes share one object): a mode is not blocked by
 * another mode's missing tracepoint. */
function commandStatus(
  object: string,
  programs: readonly string[] | undefined,
  hooks: Record<HookName, HookResult>,
  tracefs: string | null,
  cannotProbe?: string,
): CommandStatus {
  let needs: ReturnType<typeof objectNeeds>
  try {
    needs = objectNeeds(object, programs)
  } catch (error) {
    return {ok: false, reason: firstLine(error)}
  }
  const types = [...new Set<string>([...needs.programs.map((p) => p.hook), ...(needs.ringbuf ? ['ringbuf'] : [])])]
  if (cannotProbe) return {ok: false, reason: cannotProbe, needs: types}
  const problems: string[] = []
  for (const t of types) {
    const h = hooks[t as HookName]
    if (!h) problems.push(`${t}: not a hook doctor knows`)
    else if (h.status !== 'ok') problems.push(`${t}: ${h.detail ?? h.status}`)
  }
  // A tracepoint missing from this kernel (say sock_send_length before 6.3) fails only its command.
  const tracepoints: string[] = []
  for (const p of needs.programs) {
    if (!p.target || (p.hook !== 'tracepoint' && p.hook !== 'raw_tp' && p.hook !== 'tp_btf')) continue
    tracepoints.push(p.target)
    if (tracefs && !tracepointExists(tracefs, p)) problems.push(`${p.hook === 'tracepoint' ? 'tracepoint' : 'raw tracepoint'} ${p.target} does not exist in this kernel`)
  }
  return problems.length ? {ok: false, reason: problems.join('; '), needs: types, tracepoints} : {ok: true, needs: types, tracepoints}
}

/** A tracepoint by `category/name`; a raw tracepoint (raw_tp, tp_btf) by its bare name, in whichever category. */
function tracepointExists(tracefs: string, p: {hook: string; target?: string}): boolean {
  if (p.hook === 'tracepoint') return existsSync(`${tracefs}/events/${p.target}`)
  let categories: string[]
  try {
    categories = readdirSync(`${tracefs}/events`)
  } catch {
    return true // cannot tell: the attach will say
  }
  return categories.some((c) => existsSync(`${tracefs}/events/${c}/${p.target}`))
}

export async function runDoctor(): Promise<DoctorReport> {
  const caps = effectiveCapabilities()
  const missing = missingCapabilities(caps)
  const btf = existsSync(BTF_PATH)
  const stats = readTrimmed('/proc/sys/kernel/bpf_stats_enabled')
  const unpriv = readTrimmed('/proc/sys/kernel/unprivileged_bpf_disabled')
  let libbpf: string | null = null
  let engineError: string | undefined
  try {
    libbpf = libbpfVersion()
  } catch (error) {
    engineError = firstLine(error)
  }
  const lockdown = missing.length === 0 && !engineError ? lockdownMode() : {mode: readTrimmed('/sys/kernel/security/lockdown'), mountedNow: false}
  const wasMounted = mountedTracefs()
  let tracefs = wasMounted ?? null
  if (!wasMounted && missing.length === 0 && !engineError) {
    try {
      tracefs = ensureTracefs()
    } catch {
      tracefs = null
    }
  }

  const hooks = {} as Record<HookName, HookResult>
  const cannotProbe = engineError ?? (missing.length ? `needs root (missing ${missing.join(', ')})` : !btf ? 'no BTF' : undefined)
  for (const h of HOOK_NAMES) {
    hooks[h] = cannotProbe ? {status: 'error', loads: false, attaches: false, fires: false, detail: cannotProbe} : await probeHook(h)
  }

  const commands: DoctorReport['commands'] = {doctor: {ok: true}}
  // programs() of default options: which programs a command loads depends on its mode, not its filters.
  const check = (spec: DoctorSpec): CommandStatus => {
    const status = commandStatus(spec.object, spec.programs?.({}), hooks, tracefs, cannotProbe)
    const notes = status.ok ? (spec.notices?.({}) ?? []) : []
    return notes.length ? {...status, notes} : status
  }
  for (const spec of [...TRACERS, ...INTERVAL_TOOLS]) commands[spec.command] = check(spec)
  // `top` runs without them (its columns are off, with the reason as the note), so each part is a row.
  for (const [part, spec] of TOP_BPF_PARTS) commands[`top: ${part}`] = check(spec)

  const engineOk = !cannotProbe && tracefs !== null && hooks.tracepoint.status === 'ok' && hooks.ringbuf.status === 'ok'
  const report: DoctorReport = {
    kernel: release(),
    libbpf,
    btf,
    root: process.getuid?.() === 0,
    capabilities: {
      cap_sys_admin: hasCapability(caps, Capability.SYS_ADMIN),
      cap_bpf: hasCapability(caps, Capability.BPF),
      cap_perfmon: hasCapability(caps, Capability.PERFMON),
    },
    tracefs,
    tracefs_mounted_by_monitor: !wasMounted && tracefs !== null,
    lockdown: lockdown.mode ?? null,
    securityfs_mounted_by_monitor: lockdown.mountedNow,
    bpf_stats_enabled: stats === undefined ? null : stats === '1',
    unprivileged_bpf_disabled: unpriv === undefined ? null : Number(unpriv),
    hooks,
    commands,
    engine_ok: engineOk,
  }
  if (!engineOk) {
    report.reason =
      cannotProbe ??
      (tracefs === null
        ? 'tracefs is not mounted and could not be mounted'
        : `tracepoint: ${hooks.tracepoint.detail ?? hooks.tracepoint.status}; ringbuf: ${hooks.ringbuf.detail ?? hooks.ringbuf.status}`)
  }
  return report
}
