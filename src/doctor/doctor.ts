/** `monitor doctor`: host facts, a real attach per hook type, and what each command needs. */
import {existsSync} from 'node:fs'
import {release} from 'node:os'

import chalk from 'chalk'

import {BpfObject} from '../engine/bpf.js'
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
import {loadNative, nativePath} from '../engine/native.js'

export type HookName = 'tracepoint' | 'raw_tp' | 'kprobe' | 'fentry' | 'tp_btf' | 'perf_event' | 'uprobe' | 'ringbuf'

export interface HookResult {
  /** ok: loads, attaches and fires · load_only: loads but cannot attach · unavailable: does not load · error: could not probe */
  status: 'ok' | 'load_only' | 'unavailable' | 'error'
  loads: boolean
  attaches: boolean
  fires: boolean
  detail?: string
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
  commands: Record<string, {ok: boolean; reason?: string}>
  engine_ok: boolean
  reason?: string
}

/** Programs in addon/bpf/doctor.bpf.c and the `hits` slot each increments. */
const PROBES: Record<Exclude<HookName, 'ringbuf'>, {program: string; slot: number}> = {
  tracepoint: {program: 'probe_tracepoint', slot: 0},
  raw_tp: {program: 'probe_raw_tp', slot: 1},
  kprobe: {program: 'probe_kprobe', slot: 2},
  fentry: {program: 'probe_fentry', slot: 3},
  tp_btf: {program: 'probe_tp_btf', slot: 4},
  perf_event: {program: 'probe_perf_event', slot: 5},
  uprobe: {program: 'probe_uprobe', slot: 6},
}

const PERF_TYPE_SOFTWARE = 1
const PERF_COUNT_SW_CPU_CLOCK = 0

/** What each command needs from the kernel. Add a row when a command lands. */
const COMMAND_NEEDS: Record<string, HookName[]> = {
  'trace exec': ['tracepoint', 'ringbuf'],
}

function hitCount(obj: BpfObject, slot: number): number {
  const key = Buffer.alloc(4)
  key.writeUInt32LE(slot)
  const v = obj.handle.lookup('hits', key)
  return v ? Number(v.readBigUInt64LE(0)) : 0
}

function spin(ms: number): void {
  const end = Date.now() + ms
  while (Date.now() < end);
}

function firstLine(error: unknown): string {
  const e = error as Error & {libbpfLog?: string}
  return e.message.split('\n')[0]
}

async function probeHook(name: HookName): Promise<HookResult> {
  const program = name === 'ringbuf' ? 'probe_ringbuf' : PROBES[name].program
  const result: HookResult = {status: 'error', loads: false, attaches: false, fires: false}
  let obj: BpfObject | undefined
  try {
    obj = BpfObject.open('doctor', {programs: [program], maxEntries: {events: 4096 * 4}})
    try {
      obj.handle.load()
      result.loads = true
    } catch (error) {
      return {...result, status: 'unavailable', detail: `does not load: ${firstLine(error)}`}
    }
    try {
      await attachAndFire(obj, name, program, result)
    } catch (error) {
      return {...result, status: 'load_only', detail: `loads but does not attach: ${firstLine(error)}`}
    }
    result.status = result.fires ? 'ok' : 'error'
    if (!result.fires) result.detail = 'attached, but the probe never fired'
    return result
  } catch (error) {
    return {...result, status: 'error', detail: firstLine(error)}
  } finally {
    obj?.closeNow()
  }
}

async function attachAndFire(obj: BpfObject, name: HookName, program: string, result: HookResult): Promise<void> {
  const raw = obj.handle
  const native = loadNative()
  switch (name) {
    case 'kprobe':
      raw.attachKprobe(program, 'do_nanosleep', false)
      result.attaches = true
      return
    case 'perf_event': {
      const fd = native.perfEventOpen({type: PERF_TYPE_SOFTWARE, config: PERF_COUNT_SW_CPU_CLOCK, pid: 0, cpu: -1, frequency: 1000})
      raw.attachPerfEvent(program, fd)
      result.attaches = true
      spin(30)
      result.fires = hitCount(obj, PROBES.perf_event.slot) > 0
      return
    }
    case 'uprobe':
      raw.attachUprobe(program, process.pid, nativePath(), 'monitor_uprobe_probe', false)
      result.attaches = true
      native.callUprobeProbe(1)
      result.fires = hitCount(obj, PROBES.uprobe.slot) === 1
      return
    case 'ringbuf': {
      raw.attach(program)
      result.attaches = true
      let records = 0
      const stream = obj.stream({onBatch: (_b, n) => (records += n), batchBytes: 64 * 1024, flushMs: 1})
      void process.ppid // getppid(2): fires the tracepoint the probe sits on
      await obj.stopStream(stream)
      result.fires = records > 0
      return
    }
    default: {
      raw.attach(program)
      result.attaches = true
      // getppid(2) fires the syscall probes; sched_switch (tp_btf) needs a moment off the CPU.
      for (let i = 0; i < 25 && !result.fires; i++) {
        void process.ppid
        result.fires = hitCount(obj, PROBES[name].slot) > 0
        if (!result.fires) await new Promise((r) => setTimeout(r, 20))
      }
    }
  }
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
    libbpf = loadNative().libbpfVersion()
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

  const hookNames: HookName[] = ['tracepoint', 'raw_tp', 'kprobe', 'fentry', 'tp_btf', 'perf_event', 'uprobe', 'ringbuf']
  const hooks = {} as Record<HookName, HookResult>
  const cannotProbe = engineError ?? (missing.length ? `needs root (missing ${missing.join(', ')})` : !btf ? 'no BTF' : undefined)
  for (const h of hookNames) {
    hooks[h] = cannotProbe
      ? {status: 'error', loads: false, attaches: false, fires: false, detail: cannotProbe}
      : await probeHook(h)
  }
  if (!cannotProbe && hooks.ringbuf.status !== 'ok' && !loadNative().probeRingbuf()) {
    hooks.ringbuf.detail = 'kernel has no BPF ring buffer (needs 5.8+)'
  }

  const commands: DoctorReport['commands'] = {doctor: {ok: true}}
  for (const [cmd, needs] of Object.entries(COMMAND_NEEDS)) {
    const broken = needs.filter((h) => hooks[h].status !== 'ok')
    commands[cmd] = broken.length
      ? {ok: false, reason: cannotProbe ?? broken.map((h) => `${h}: ${hooks[h].detail ?? hooks[h].status}`).join('; ')}
      : {ok: true}
  }

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

const MARK: Record<HookResult['status'], string> = {
  ok: chalk.green('✓'),
  load_only: chalk.red('✗'),
  unavailable: chalk.red('✗'),
  error: chalk.yellow('?'),
}

export function formatDoctor(r: DoctorReport): string {
  const yes = (b: boolean) => (b ? 'yes' : 'no')
  const lines = [
    `kernel          ${r.kernel}`,
    `libbpf          ${r.libbpf ?? 'not loadable'}`,
    `BTF             ${r.btf ? BTF_PATH : 'missing'}`,
    `root            ${yes(r.root)} (CAP_SYS_ADMIN ${yes(r.capabilities.cap_sys_admin)}, CAP_BPF ${yes(r.capabilities.cap_bpf)}, CAP_PERFMON ${yes(r.capabilities.cap_perfmon)})`,
    `tracefs         ${r.tracefs ?? 'not mounted'}${r.tracefs_mounted_by_monitor ? ' (mounted now)' : ''}`,
    `lockdown        ${r.lockdown ?? 'unknown (securityfs not mounted)'}${r.securityfs_mounted_by_monitor ? ' (securityfs mounted now)' : ''}`,
    `bpf_stats       ${r.bpf_stats_enabled === null ? 'unknown' : r.bpf_stats_enabled ? 'enabled' : 'disabled'}`,
    '',
    'hooks (probed by a real attach)',
  ]
  for (const [name, h] of Object.entries(r.hooks)) {
    lines.push(`  ${MARK[h.status]} ${name.padEnd(11)} ${h.status.padEnd(11)} ${h.detail ?? ''}`.trimEnd())
  }
  lines.push('', 'commands')
  for (const [name, c] of Object.entries(r.commands)) {
    lines.push(`  ${c.ok ? MARK.ok : MARK.unavailable} ${name.padEnd(11)} ${c.ok ? 'ok' : c.reason}`)
  }
  lines.push('', r.engine_ok ? chalk.green('engine: ok') : chalk.red(`engine: cannot run here: ${r.reason}`))
  return lines.join('\n') + '\n'
}
