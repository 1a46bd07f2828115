/** The process sampler of `monitor top`: the native packed reader on a fixture /proc tree, the CPU%
 * math over two readings (pid reuse, new processes, per-machine mode), the static cache, rows. */
import {statSync} from 'node:fs'
import {fileURLToPath} from 'node:url'
import {describe, expect, it} from 'vitest'

import {P, PROC_FIELDS, PROC_STRIDE, ProcReader, type ProcField, type ProcReading, type ProcStatic} from '../../src/engine/proc.js'
import {cpuPercents, findPid, ReadingCopy} from '../../src/proc/cpu.js'
import {snapshotCsv, snapshotJson} from '../../src/proc/document.js'
import {processRow, selectRows} from '../../src/proc/rows.js'
import {ProcSampler, type ProcSnapshot} from '../../src/proc/sampler.js'
import {treeOrder} from '../../src/proc/tree.js'
import {StaticCache, type StaticInfo, UserNames} from '../../src/proc/static-cache.js'

const TREE = fileURLToPath(new URL('../fixtures/proc/tree', import.meta.url))
const PASSWD = fileURLToPath(new URL('../fixtures/proc/passwd', import.meta.url))
/** The fixture processes' uid is the owner of their directories (root in CI, the developer elsewhere). */
const OWNER = statSync(`${TREE}/4242`).uid

/** A reading packed the way the addon packs one. */
function reading(atNs: number, records: Partial<Record<ProcField, number>>[]): ProcReading {
  const data = new Float64Array(records.length * PROC_STRIDE)
  records.forEach((r, i) => {
    for (const [k, v] of Object.entries(r)) data[i * PROC_STRIDE + P[k as ProcField]] = v
  })
  return {count: records.length, data, atNs}
}

const field = (r: ProcReading, i: number, f: ProcField) => r.data[i * PROC_STRIDE + P[f]]

describe('native /proc reader (fixture tree)', () => {
  it('packs stat + statm of every process, pid ascending, skipping what vanished', () => {
    const reader = new ProcReader(TREE)
    const r = reader.read()
    reader.close()
    expect(r.count).toBe(3) // 99 has no stat: gone mid-read; non-numeric entries are not processes
    expect([0, 1, 2].map((i) => field(r, i, 'pid'))).toEqual([3, 17, 4242])
    const i = 2
    expect(field(r, i, 'ppid')).toBe(1)
    expect(String.fromCharCode(field(r, i, 'state'))).toBe('R')
    expect([field(r, i, 'utime'), field(r, i, 'stime'), field(r, i, 'starttime')]).toEqual([250, 75, 1082208])
    expect([field(r, i, 'priority'), field(r, i, 'nice'), field(r, i, 'threads'), field(r, i, 'processor')]).toEqual([20, 0, 3, 1])
    expect([field(r, i, 'vsize'), field(r, i, 'resident'), field(r, i, 'shared')]).toEqual([10223616, 640, 512])
    expect(field(r, i, 'flags')).toBe(4194304)
    expect(field(r, 1, 'flags') & 0x00200000).not.toBe(0) // the kworker is a kernel thread
    expect(String.fromCharCode(field(r, 0, 'state'))).toBe('Z')
    expect(field(r, 0, 'ppid')).toBe(4242)
    expect(r.atNs).toBeGreaterThan(0)
  })

  it('reads static data: comm (with parentheses), argv joined, cgroup; null when gone', () => {
    const reader = new ProcReader(TREE)
    const s = reader.static(4242)!
    expect(s).toMatchObject({starttime: 1082208, comm: 'a) b (c', cmdline: 'sleep 1000'})
    expect(s.cgroup).toContain('docker-4f3a')
    expect(reader.static(99)).toBeNull()
    expect(reader.static(12345)).toBeNull()
    // The same comm hash as the record: the cache relies on it to see an exec.
    expect(s.commhash).toBe(field(reader.read(), 2, 'commhash'))
    reader.close()
  })

  it('the record layout is the one the addon defines', () => {
    expect(PROC_FIELDS).toContain('commhash')
    expect(() => new ProcReader('/nonexistent-proc')).toThrow(/cannot read \/nonexistent-proc/)
  })
})

describe('CPU% over an interval', () => {
  const t0 = 1e9
  const t1 = t0 + 2e9 // 2 s
  it('is the ticks used in the interval: 100% = one core, or all CPUs in machine mode', () => {
    const a = reading(t0, [{pid: 10, starttime: 5, utime: 100, stime: 50}, {pid: 20, starttime: 6, utime: 0}])
    const b = reading(t1, [{pid: 10, starttime: 5, utime: 250, stime: 100}, {pid: 20, starttime: 6, utime: 20}])
    const out = new Float64Array(2)
    cpuPercents(a, b, 100, 'core', 4, out)
    expect([...out]).toEqual([100, 10]) // 200 ticks in 2 s at 100 Hz = one core; 20 ticks = 10%
    cpuPercents(a, b, 100, 'machine', 4, out)
    expect([...out]).toEqual([25, 2.5])
  })

  it('treats a reused pid and a new process as having used all their ticks inside the interval', () => {
    const a = reading(t0, [{pid: 10, starttime: 5, utime: 1000}, {pid: 30, starttime: 7, utime: 1000}])
    const b = reading(t1, [
      {pid: 10, starttime: 900, utime: 40}, // pid 10 reused: a new process
      {pid: 25, starttime: 950, utime: 10, stime: 10}, // started in between
      // pid 30 exited: no row
    ])
    const out = new Float64Array(2)
    cpuPercents(a, b, 100, 'core', 1, out)
    expect([...out]).toEqual([20, 10])
  })

  it('never goes negative, and finds pids by binary search', () => {
    const a = reading(t0, [{pid: 1, starttime: 1, utime: 50}])
    const b = reading(t1, [{pid: 1, starttime: 1, utime: 40}, {pid: 7}, {pid: 9}])
    const out = new Float64Array(3)
    cpuPercents(a, b, 100, 'core', 1, out)
    expect(out[0]).toBe(0)
    expect([findPid(b, 1), findPid(b, 7), findPid(b, 9), findPid(b, 8)]).toEqual([0, 1, 2, -1])
  })

  it('a copied reading outlives the buffer it came from', () => {
    const r = reading(t0, [{pid: 3, utime: 9}])
    const copy = new ReadingCopy().copyFrom(r)
    r.data.fill(0)
    expect([copy.count, copy.atNs, copy.data[P.pid], copy.data[P.utime]]).toEqual([1, t0, 3, 9])
  })
})

describe('static cache', () => {
  function source(table: Record<number, ProcStatic>) {
    const calls: number[] = []
    return {calls, read: (pid: number) => (calls.push(pid), table[pid] ?? null)}
  }
  const st = (starttime: number, comm: string, cmdline = comm, flags = 0): ProcStatic => ({starttime, flags, comm, commhash: comm.length, cmdline, cgroup: '0::/a.slice\n'})

  it('reads each (pid, start time, comm) once, again after pid reuse or an exec, and prunes the gone', () => {
    const table: Record<number, ProcStatic> = {1: st(10, 'init'), 2: st(11, 'kthreadd', '', 0x00200000)}
    const src = source(table)
    const cache = new StaticCache(src.read)
    const out: (StaticInfo | undefined)[] = []
    const r1 = reading(0, [{pid: 1, starttime: 10, commhash: 4}, {pid: 2, starttime: 11, commhash: 8}])
    cache.resolve(r1, out)
    expect(out.map((s) => s?.command)).toEqual(['init', '[kthreadd]'])
    expect(out[1]?.kernelThread).toBe(true)
    expect(out[0]?.cgroup).toBe('/a.slice')
    cache.resolve(r1, out)
    expect(src.calls).toEqual([1, 2]) // steady state: no reads
    table[1] = st(99, 'bash', 'bash -l') // pid 1 reused
    cache.resolve(reading(0, [{pid: 1, starttime: 99, commhash: 4}, {pid: 2, starttime: 11, commhash: 8}]), out)
    expect(out[0]?.command).toBe('bash -l')
    table[1] = st(99, 'sleep', 'sleep 5') // exec: same pid and start time, new comm
    cache.resolve(reading(0, [{pid: 1, starttime: 99, commhash: 5}, {pid: 2, starttime: 11, commhash: 8}]), out)
    expect(out[0]?.command).toBe('sleep 5')
    expect(cache.reads).toBe(4)
  })

  it('leaves a process unresolved when its pid was reused between the reading and the static read', () => {
    const cache = new StaticCache(() => st(500, 'other'))
    const out: (StaticInfo | undefined)[] = []
    cache.resolve(reading(0, [{pid: 5, starttime: 400, commhash: 5}]), out)
    expect(out[0]).toBeUndefined()
    expect(cache.size).toBe(0)
  })

  it('prunes gone processes once they add up', () => {
    const cache = new StaticCache((pid) => st(pid, 'p'))
    const out: (StaticInfo | undefined)[] = []
    const many = Array.from({length: 400}, (_, i) => ({pid: i + 1, starttime: i + 1, commhash: 1}))
    cache.resolve(reading(0, many), out)
    cache.resolve(reading(0, many.slice(0, 10)), out)
    expect(cache.size).toBe(10)
  })
})

describe('snapshots (fixture tree)', () => {
  function snapshot(): ProcSnapshot {
    const sampler = new ProcSampler({root: TREE, users: new UserNames(PASSWD)})
    try {
      sampler.start()
      return sampler.sample()
    } finally {
      sampler.close()
    }
  }

  it('rows carry the documented fields in bytes and seconds', () => {
    const s = snapshot()
    const i = findPid(s.reading, 4242)
    const row = processRow(s, i)
    expect(row).toMatchObject({
      pid: 4242,
      ppid: 1,
      uid: OWNER,
      state: 'R',
      threads: 3,
      cpu_percent: 0,
      rss_bytes: 640 * s.pageSize,
      shared_bytes: 512 * s.pageSize,
      virt_bytes: 10223616,
      cpu_time_s: 3.25,
      command: 'sleep 1000',
      comm: 'a) b (c',
      container: 'docker:4f3a2b1c0d9e',
    })
    if (OWNER === 0) expect(row.user).toBe('root')
    expect(row.mem_percent).toBeCloseTo((100 * 640 * s.pageSize) / (24683584 * 1024), 2)
    expect(Date.parse(row.start_ts)).toBeCloseTo((s.bootS + 1082208 / s.clockTicks) * 1000, -2)
    expect(processRow(s, findPid(s.reading, 17)).command).toBe('[kworker/0:1-events]')
    expect(processRow(s, findPid(s.reading, 3))).toMatchObject({state: 'Z', command: '[zombie]', cgroup: '/'})
    expect(s.system.tasks).toMatchObject({total: 3, running: 1, zombie: 1, sleeping: 1, kernelThreads: 1})
    expect(s.system.perCpuPercent).toEqual([0, 0])
    expect(s.system.pressure.memory).toBeNull()
  })

  it('select: filters and sorts with pid as the tie-break', () => {
    const s = snapshot()
    const pids = (idx: number[]) => idx.map((i) => field(s.reading, i, 'pid'))
    expect(pids(selectRows(s))).toEqual([3, 17, 4242]) // all 0% CPU: by pid
    expect(pids(selectRows(s, {sort: 'mem'}))).toEqual([4242, 3, 17])
    expect(pids(selectRows(s, {sort: 'time'}))).toEqual([4242, 17, 3])
    expect(pids(selectRows(s, {comm: 'sleep'}))).toEqual([4242])
    expect(pids(selectRows(s, {comm: 'kworker'}))).toEqual([17])
    expect(pids(selectRows(s, {user: String(OWNER), pids: [3, 17]}))).toEqual([3, 17])
    expect(pids(selectRows(s, {user: String(OWNER + 1)}))).toEqual([])
    expect(pids(selectRows(s, {sort: 'mem', limit: 1}))).toEqual([4242])
  })

  it('JSON and CSV forms', () => {
    const s = snapshot()
    const doc = snapshotJson(s, selectRows(s, {pids: [4242]})) as {type: string; processes: {pid: number}[]; system: {cpus: number}}
    expect(doc.type).toBe('snapshot')
    expect(doc.system.cpus).toBe(2)
    expect(doc.processes.map((p) => p.pid)).toEqual([4242])
    const [line] = snapshotCsv(s, selectRows(s, {pids: [4242]}))
    expect(line).toMatch(new RegExp(`,4242,1,[^,]+,${OWNER},R,20,0,3,0,`))
    expect(line.endsWith(',sleep 1000,a) b (c')).toBe(true)
  })

  it('tree: each process after its parent, siblings in the sort order', () => {
    const s = snapshot()
    const pids = (idx: number[]) => idx.map((i) => field(s.reading, i, 'pid'))
    const t = treeOrder(s, selectRows(s, {sort: 'mem'}))
    expect(pids(t.order)).toEqual([4242, 3, 17]) // 3 is 4242's child (a zombie)
    expect(t.depth).toEqual([0, 1, 0])
    expect(pids(treeOrder(s, selectRows(s, {pids: [3, 17]})).order)).toEqual([3, 17]) // parent filtered out: a root
  })
})
