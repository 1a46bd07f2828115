// Helpers every benchmark shares: medians, the kernel's BPF run-time accounting, BPF program lists,
// and children that never outlive the benchmark.
import {execFileSync, spawn} from 'node:child_process'
import {closeSync, openSync, readdirSync, readFileSync, writeFileSync} from 'node:fs'
import {parseArgs} from 'node:util'

/** Parses `--name value` options (and boolean flags) with node's parseArgs. `defaults` maps each
 * option to its default: a boolean makes a flag, undefined an optional value, anything else a value
 * (returned as a string). An unknown option or a missing value exits 2 with one line. */
export function options(defaults) {
  const spec = {}
  for (const [name, value] of Object.entries(defaults)) {
    if (typeof value === 'boolean') spec[name] = {type: 'boolean', default: value}
    else spec[name] = value === undefined ? {type: 'string'} : {type: 'string', default: String(value)}
  }
  try {
    return parseArgs({options: spec}).values
  } catch (error) {
    console.error(error.message)
    process.exit(2)
  }
}

/** Median of the finite values (null and NaN are runs that had no figure); null when none. */
export function median(xs) {
  const s = xs.filter((x) => x !== null && x !== undefined && !Number.isNaN(x)).sort((a, b) => a - b)
  if (!s.length) return null
  const m = s.length >> 1
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2
}

/** The objects of an NDJSON text, in order; a line that is not JSON (cut short when a tracer was
 * SIGKILLed after its stop timeout) is skipped: the counts show what is missing. */
export function* ndjson(text) {
  for (const line of text.split('\n')) {
    if (!line) continue
    try {
      yield JSON.parse(line)
    } catch {}
  }
}

/** Every loaded BPF program as bpftool reports it (id, name, run_time_ns, run_cnt, ...). */
export function bpfPrograms() {
  return JSON.parse(execFileSync('bpftool', ['prog', 'show', '--json'], {encoding: 'utf8'}))
}

/** Summed run time, run count and recursion misses (runs the kernel skipped because another BPF
 * program was running on that CPU: events the tool never saw, often unreported by it) of the
 * programs with these ids (kernel.bpf_stats_enabled must be on), and the same per program name. */
export function runTimeNs(ids) {
  const set = new Set(ids)
  let ns = 0
  let cnt = 0
  let misses = 0
  const byProg = {}
  for (const p of bpfPrograms()) {
    if (set.has(p.id)) {
      ns += p.run_time_ns ?? 0
      cnt += p.run_cnt ?? 0
      misses += p.recursion_misses ?? 0
      byProg[p.name] = {ns: (byProg[p.name]?.ns ?? 0) + (p.run_time_ns ?? 0), cnt: (byProg[p.name]?.cnt ?? 0) + (p.run_cnt ?? 0)}
    }
  }
  return {ns, cnt, misses, byProg}
}

/** The ids of the BPF programs a process holds (the `prog_id:` line of each program fd's fdinfo):
 * exactly its own, never another tool's of the same name started meanwhile. */
export function heldProgramIds(pid) {
  const ids = new Set()
  for (const fd of readdirSync(`/proc/${pid}/fdinfo`)) {
    try {
      const m = /^prog_id:\s*(\d+)/m.exec(readFileSync(`/proc/${pid}/fdinfo/${fd}`, 'utf8'))
      if (m) ids.add(Number(m[1]))
    } catch {} // closed meanwhile
  }
  return [...ids]
}

/** On-CPU ns summed over the process's threads (schedstat), and utime+stime in clock ticks. */
export function cpuOf(pid) {
  let ns = 0
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      ns += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0])
    } catch {} // the thread just exited
  }
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return {ns, ticks: Number(f[11]) + Number(f[12])} // fields 14 and 15 of stat(5)
}

/** IRQ-work interrupts (x86 "IWI"), all CPUs: a perf-buffer or ring-buffer wakeup raised from BPF
 * context is an irq_work, a self-IPI; in a VM each one is a trap to the hypervisor. */
export function irqWork() {
  const line = readFileSync('/proc/interrupts', 'utf8').split('\n').find((l) => /^\s*IWI:/.test(l))
  if (!line) return NaN
  return line.trim().split(/\s+/).slice(1).filter((x) => /^\d+$/.test(x)).reduce((s, x) => s + Number(x), 0)
}

const STATS_SYSCTL = '/proc/sys/kernel/bpf_stats_enabled'

/** Turns on kernel.bpf_stats_enabled (BPF run time is cost too) and returns the function that puts
 * the old value back; it also runs at exit. SIGKILL of the benchmark cannot restore it. */
export function enableBpfStats() {
  let old = readFileSync(STATS_SYSCTL, 'utf8').trim()
  writeFileSync(STATS_SYSCTL, '1')
  const restore = () => {
    if (old === null) return
    try {
      writeFileSync(STATS_SYSCTL, old)
    } catch {}
    old = null
  }
  process.on('exit', restore)
  return restore
}

/** Children tracked so that every exit path kills them (they also carry a parent-death signal). */
export class Children {
  #set = new Set()

  get size() {
    return this.#set.size
  }

  /** Adds `child.exited`, a promise of {code, signal}. */
  track(child) {
    this.#set.add(child)
    child.exited = new Promise((resolve) =>
      // 'close', not 'exit': callers read the child's piped output once this resolves.
      child.on('close', (code, signal) => {
        this.#set.delete(child)
        resolve({code, signal})
      }),
    )
    return child
  }

  killAll() {
    for (const c of this.#set) {
      try {
        c.kill('SIGKILL')
      } catch {}
    }
  }

  /** Resolves once every child tracked now has exited (or after `ms`). */
  reaped(ms) {
    return Promise.race([Promise.all([...this.#set].map((c) => c.exited)), new Promise((r) => setTimeout(r, ms))])
  }
}

/** Starts a tracer with its output in files, tracked by `children`; setpriv --pdeathsig SIGKILLs it
 * if the benchmark dies, however it dies. */
export function startTracer(children, cmd, args, outFile, errFile) {
  const o = openSync(outFile, 'w')
  const e = openSync(errFile, 'w')
  const child = spawn('setpriv', ['--pdeathsig', 'SIGKILL', '--', cmd, ...args], {stdio: ['ignore', o, e]})
  closeSync(o)
  closeSync(e)
  return children.track(child)
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms))

/** Ids of the programs named `names` that are not in `before`, polled until all names are there. */
export async function waitForNewPrograms(before, names, child, what) {
  const deadline = Date.now() + 30_000
  for (;;) {
    const fresh = bpfPrograms().filter((p) => !before.has(p.id) && names.includes(p.name))
    if (names.every((n) => fresh.some((p) => p.name === n))) return fresh.map((p) => p.id)
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`${what} exited before attaching`)
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}'s BPF programs`)
    await sleep(50)
  }
}

/** utime + stime (seconds, all threads) and RSS (bytes, VmRSS) of one process. */
export function cpuAndRss(pid, ticksPerSecond) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  const cpu = (Number(f[11]) + Number(f[12])) / ticksPerSecond
  const rss = Number(/^VmRSS:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) * 1024
  return {cpu, rss}
}
