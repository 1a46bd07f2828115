/** `monitor doctor` as text. */
import chalk from 'chalk'

import type {DoctorReport, HookResult} from '../doctor/doctor.js'

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
    `BTF             ${r.btf ? 'yes' : 'missing'}`,
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
  const width = Math.max(11, ...Object.keys(r.commands).map((n) => n.length))
  for (const [name, c] of Object.entries(r.commands)) {
    const needs = c.needs?.length ? chalk.dim(` (${c.needs.join(', ')})`) : ''
    lines.push(`  ${c.ok ? MARK.ok : MARK.unavailable} ${name.padEnd(width)} ${c.ok ? 'ok' : c.reason}${needs}`)
    for (const note of c.notes ?? []) lines.push(`    ${' '.repeat(width)} ${chalk.dim(note)}`)
  }
  lines.push('', r.engine_ok ? chalk.green('engine: ok') : chalk.red(`engine: cannot run here: ${r.reason}`))
  return lines.join('\n') + '\n'
}
