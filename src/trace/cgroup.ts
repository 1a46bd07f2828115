/** cgroup v2 directories as tracers' --cgroup flags name them: checked, and told as the ids and
 * levels BPF programs compare with. */
import {closeSync, openSync, readFileSync, realpathSync, statfsSync, statSync} from 'node:fs'
import {relative} from 'node:path'

import type {BpfObject} from '../engine/index.js'
import {ExitCode, MonitorError} from '../errors.js'

const CGROUP2_SUPER_MAGIC = 0x63677270

/** A cgroup v2 directory, or a usage error saying what it is instead. */
export function checkCgroupDir(path: string): string {
  let isDir: boolean
  try {
    isDir = statSync(path).isDirectory()
  } catch {
    throw new MonitorError(`--cgroup: ${path} does not exist`, {exitCode: ExitCode.usage})
  }
  if (!isDir || statfsSync(path).type !== CGROUP2_SUPER_MAGIC) {
    throw new MonitorError(`--cgroup: ${path} is not a cgroup v2 directory (v1 hierarchies cannot be filtered on; v2 lives under /sys/fs/cgroup or /sys/fs/cgroup/unified)`, {
      exitCode: ExitCode.usage,
    })
  }
  return path
}

/** The cgroup's id as bpf_get_current_cgroup_id() gives it: its directory's inode number. */
export function cgroupId(dir: string): number {
  return statSync(dir).ino
}

/** How deep the directory sits below its hierarchy's root (the root is level 0), as
 * bpf_get_current_ancestor_cgroup_id() counts: the ancestor of a task in it or below it at this
 * level is the directory itself. */
export function cgroupLevel(dir: string, mounts = readFileSync('/proc/mounts', 'utf8')): number {
  const real = realpathSync(dir)
  const roots = mounts
    .split('\n')
    .map((l) => l.split(' '))
    .filter((f) => f[2] === 'cgroup2')
    .map((f) => f[1])
    .filter((m) => real === m || real.startsWith(`${m}/`))
    .sort((a, b) => b.length - a.length)
  if (!roots.length) throw new MonitorError(`--cgroup: ${dir} is not under a cgroup v2 mount`, {exitCode: ExitCode.usage})
  const rel = relative(roots[0], real)
  return rel ? rel.split('/').length : 0
}

/** Puts a cgroup v2 directory into an object's `cgroup_filter` map (a BPF_MAP_TYPE_CGROUP_ARRAY of
 * one entry), after load and before attach. The map holds the cgroup itself; the directory fd is
 * only the way to name it. */
export function fillCgroupFilter(obj: BpfObject, dir: string): void {
  const fd = openSync(dir, 'r')
  try {
    const value = Buffer.alloc(4)
    value.writeUInt32LE(fd)
    obj.map('cgroup_filter').update(Buffer.alloc(4), value)
  } finally {
    closeSync(fd)
  }
}
