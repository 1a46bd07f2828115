/** Pure parsers of the system-wide /proc files `monitor top` reads each refresh, one function per
 * file over its text (golden-tested on fixtures in test/unit/proc-parse.test.ts). Units are made
 * plain here: bytes, seconds, ticks. */

/** The time columns of one `cpu` line of /proc/stat, in ticks (USER_HZ). */
export interface CpuTimes {
  user: number
  nice: number
  system: number
  idle: number
  iowait: number
  irq: number
  softirq: number
  steal: number
  /** Sum of the above; guest time is already inside user and nice, so it is not added again. */
  total: number
}

export interface StatFile {
  /** The machine (the `cpu` line). */
  all: CpuTimes
  /** One per online CPU (`cpuN` lines), in order. */
  cpus: CpuTimes[]
  /** Boot time, epoch seconds (`btime`). */
  bootTimeS: number
  procsRunning: number
  procsBlocked: number
}

function cpuTimes(parts: string[]): CpuTimes {
  const n = (i: number) => Number(parts[i] ?? 0) || 0
  const t = {user: n(1), nice: n(2), system: n(3), idle: n(4), iowait: n(5), irq: n(6), softirq: n(7), steal: n(8), total: 0}
  t.total = t.user + t.nice + t.system + t.idle + t.iowait + t.irq + t.softirq + t.steal
  return t
}

export function parseStat(text: string): StatFile {
  const out: StatFile = {all: cpuTimes([]), cpus: [], bootTimeS: 0, procsRunning: 0, procsBlocked: 0}
  for (const line of text.split('\n')) {
    const parts = line.split(/\s+/)
    const key = parts[0]
    if (key === 'cpu') out.all = cpuTimes(parts)
    else if (key.startsWith('cpu')) out.cpus.push(cpuTimes(parts))
    else if (key === 'btime') out.bootTimeS = Number(parts[1])
    else if (key === 'procs_running') out.procsRunning = Number(parts[1])
    else if (key === 'procs_blocked') out.procsBlocked = Number(parts[1])
  }
  return out
}

/** Busy share of `b - a` (0–100): everything but idle and iowait, as top and htop count it. */
export function cpuBusyPercent(a: CpuTimes, b: CpuTimes): number {
  const total = b.total - a.total
  if (total <= 0) return 0
  const idle = b.idle + b.iowait - (a.idle + a.iowait)
  return Math.min(100, Math.max(0, (100 * (total - idle)) / total))
}

export interface Meminfo {
  totalBytes: number
  freeBytes: number
  /** The kernel's estimate of what can be had without swapping (MemAvailable). */
  availableBytes: number
  buffersBytes: number
  cachedBytes: number
  shmemBytes: number
  swapTotalBytes: number
  swapFreeBytes: number
}

/** /proc/meminfo; kernels before 3.14 lack MemAvailable (then: free + buffers + cached). */
export function parseMeminfo(text: string): Meminfo {
  const kb = new Map<string, number>()
  for (const line of text.split('\n')) {
    const m = /^(\w+(?:\(\w+\))?):\s+(\d+)/.exec(line)
    if (m) kb.set(m[1], Number(m[2]) * 1024)
  }
  const get = (k: string) => kb.get(k) ?? 0
  return {
    totalBytes: get('MemTotal'),
    freeBytes: get('MemFree'),
    availableBytes: kb.get('MemAvailable') ?? get('MemFree') + get('Buffers') + get('Cached'),
    buffersBytes: get('Buffers'),
    cachedBytes: get('Cached') + get('SReclaimable'),
    shmemBytes: get('Shmem'),
    swapTotalBytes: get('SwapTotal'),
    swapFreeBytes: get('SwapFree'),
  }
}

export interface Loadavg {
  load1: number
  load5: number
  load15: number
  /** Runnable scheduling entities (threads) and all of them, from the `2/109` field. */
  runnable: number
  entities: number
}

export function parseLoadavg(text: string): Loadavg {
  const [l1, l5, l15, tasks] = text.trim().split(/\s+/)
  const [runnable, entities] = (tasks ?? '0/0').split('/').map(Number)
  return {load1: Number(l1), load5: Number(l5), load15: Number(l15), runnable, entities}
}

/** Seconds since boot (the first number of /proc/uptime). */
export function parseUptime(text: string): number {
  return Number(text.trim().split(/\s+/)[0])
}

export interface PressureLine {
  avg10: number
  avg60: number
  avg300: number
  /** Stalled µs since boot. */
  totalUs: number
}

/** A PSI file (/proc/pressure/*): `some` and `full` (cpu's `full` is all zeros before 5.13 and absent
 * before that; absent → null). */
export function parsePressure(text: string): {some: PressureLine | null; full: PressureLine | null} {
  const out: {some: PressureLine | null; full: PressureLine | null} = {some: null, full: null}
  for (const line of text.split('\n')) {
    const m = /^(some|full) avg10=([\d.]+) avg60=([\d.]+) avg300=([\d.]+) total=(\d+)/.exec(line)
    if (m) out[m[1] as 'some' | 'full'] = {avg10: Number(m[2]), avg60: Number(m[3]), avg300: Number(m[4]), totalUs: Number(m[5])}
  }
  return out
}

/** A process's cgroup and, when its path names one, the container it runs in. */
export interface CgroupInfo {
  /** The cgroup v2 path (`0::`); on a v1-only host the first controller path that is not `/`. */
  path: string
  /** Container runtime and id (short, 12 characters as docker shows it) or name; null when none. */
  container: string | null
}

/** /proc/PID/cgroup. Container ids as docker, podman, containerd (kubernetes) and LXC write them. */
export function parseCgroup(text: string): CgroupInfo {
  let v2: string | undefined
  let v1: string | undefined
  for (const line of text.split('\n')) {
    const first = line.indexOf(':')
    const second = line.indexOf(':', first + 1)
    if (first < 0 || second < 0) continue
    const path = line.slice(second + 1)
    if (line.startsWith('0::')) v2 = path
    else if (v1 === undefined && path !== '/' && path !== '') v1 = path
  }
  const path = v2 !== undefined && (v2 !== '/' || v1 === undefined) ? v2 : (v1 ?? '/')
  return {path, container: containerOf(path)}
}

const CONTAINER_PATTERNS: [RegExp, string][] = [
  [/(?:^|\/)docker[-/]([0-9a-f]{12,64})(?:\.scope)?(?:\/|$)/, 'docker'],
  [/(?:^|\/)libpod-([0-9a-f]{12,64})(?:\.scope)?(?:\/|$)/, 'podman'],
  [/(?:^|\/)cri-containerd-([0-9a-f]{12,64})(?:\.scope)?(?:\/|$)/, 'containerd'],
  [/(?:^|\/)crio-([0-9a-f]{12,64})(?:\.scope)?(?:\/|$)/, 'crio'],
  [/\/kubepods[^/]*\/(?:[^/]+\/)*?(?:pod[^/]+\/)([0-9a-f]{12,64})(?:\/|$)/, 'kubepods'],
  [/(?:^|\/)lxc(?:\.payload)?[./]([^/]+)/, 'lxc'],
  [/(?:^|\/)machine\.slice\/(?:machine-)?([^/]+?)(?:\.scope)?(?:\/|$)/, 'machine'],
]

export function containerOf(path: string): string | null {
  for (const [re, runtime] of CONTAINER_PATTERNS) {
    const m = re.exec(path)
    if (m) return `${runtime}:${/^[0-9a-f]{64}$/.test(m[1]) ? m[1].slice(0, 12) : m[1]}`
  }
  return null
}

/** /etc/passwd: user id → name (the first name listed for an id wins, as getpwuid answers). */
export function parsePasswd(text: string): Map<number, string> {
  const out = new Map<number, string>()
  for (const line of text.split('\n')) {
    const f = line.split(':')
    if (f.length < 3 || line.startsWith('#')) continue
    const uid = Number(f[2])
    if (Number.isInteger(uid) && !out.has(uid)) out.set(uid, f[0])
  }
  return out
}

/** The fields of /proc/PID/stat (stat(5)) monitor uses, from its text: the reference the native
 * reader is tested against, and the pure-JS reader of bench/top. comm is found by the LAST ')',
 * since a name may hold ')' and spaces. null when the text is not a stat line. */
export interface StatLine {
  pid: number
  comm: string
  state: string
  ppid: number
  flags: number
  utime: number
  stime: number
  priority: number
  nice: number
  threads: number
  starttime: number
  vsize: number
  rssPages: number
  processor: number
}

export function parseStatLine(text: string): StatLine | null {
  const open = text.indexOf('(')
  const close = text.lastIndexOf(')')
  if (open < 0 || close < open) return null
  const f = text.slice(close + 2).split(' ') // f[0] is field 3 (state)
  if (f.length < 37) return null
  const n = (field: number) => Number(f[field - 3])
  return {
    pid: Number(text.slice(0, open)),
    comm: text.slice(open + 1, close),
    state: f[0],
    ppid: n(4),
    flags: n(9),
    utime: n(14),
    stime: n(15),
    priority: n(18),
    nice: n(19),
    threads: n(20),
    starttime: n(22),
    vsize: n(23),
    rssPages: n(24),
    processor: n(39),
  }
}
