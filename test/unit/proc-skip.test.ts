/** What the /proc reader may skip when the scheduler tracepoints say which processes ran
 * (ProcReader.read(ran)), on a copy of the fixture tree whose files the test changes between reads;
 * and the live frames' row reuse (FrameRows), which must give the very rows fresh ones would. */
import {cpSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {afterEach, describe, expect, it} from 'vitest'

import {P, PROC_STRIDE, ProcReader, type ProcReading} from '../../src/engine/proc.js'
import {frameOf, FrameRows} from '../../src/proc/frame.js'
import {ProcSampler} from '../../src/proc/sampler.js'

const TREE = fileURLToPath(new URL('../fixtures/proc/tree', import.meta.url))
const temps: string[] = []
afterEach(() => {
  for (const t of temps.splice(0)) rmSync(t, {recursive: true, force: true})
})

/** The fixture tree plus a sleeping process 1001 (S, 5 ticks used) and a running one 1002. */
function tree(): string {
  const root = mkdtempSync(join(tmpdir(), 'monitor-proc-skip-'))
  temps.push(root)
  cpSync(TREE, root, {recursive: true})
  for (const [pid, state] of [[1001, 'S'], [1002, 'R']] as const) {
    cpSync(join(root, '4242'), join(root, String(pid)), {recursive: true})
    stat(root, pid, state, 5)
  }
  return root
}

function stat(root: string, pid: number, state: string, utime: number, nice = 0): void {
  const f = [pid, '(sleepy)', state, 1, pid, pid, 0, -1, 4194304, 10, 0, 0, 0, utime, 1, 0, 0, 20, nice, 1, 0, 5000, 10223616, 640, 0]
  writeFileSync(join(root, String(pid), 'stat'), f.join(' ') + ' 0'.repeat(27) + '\n')
}

const field = (r: ProcReading, pid: number, f: keyof typeof P) => {
  for (let i = 0; i < r.count; i++) if (r.data[i * PROC_STRIDE + P.pid] === pid) return r.data[i * PROC_STRIDE + P[f]]
  return undefined
}

/** Reads until the k-th read (0-based) of this reader is the next one. */
function readsSoFar(reader: ProcReader, k: number, ran?: Int32Array) {
  let last: ProcReading | undefined
  for (let i = 0; i < k; i++) last = reader.read(ran)
  return last!
}

describe('ProcReader.read(ran)', () => {
  it('keeps the last record of a process that slept, used no CPU and is not in ran', () => {
    const root = tree()
    const reader = new ProcReader(root)
    // Reads 0 and 1 see 1001 sleep with the same CPU time: quiet from read 1 on. Read 2 is not a
    // periodic full read for pid 1001 ((2 + 1001) % 10 = 3).
    readsSoFar(reader, 2)
    stat(root, 1001, 'S', 5, 7) // reniced by someone else: stat changes although 1001 never ran
    stat(root, 1002, 'R', 9)
    const r = reader.read(new Int32Array([]))
    expect(field(r, 1001, 'nice')).toBe(0) // kept
    expect(field(r, 1002, 'utime')).toBe(9) // running at its last read: always read
    expect(reader.skipped).toBeGreaterThanOrEqual(1)
    reader.close()
  })

  it('reads a process the scheduler switched in, and every process every 10th read', () => {
    const root = tree()
    const reader = new ProcReader(root)
    readsSoFar(reader, 2)
    stat(root, 1001, 'T', 6)
    expect(field(reader.read(new Int32Array([17, 1001])), 1001, 'state')).toBe('T'.charCodeAt(0))

    stat(root, 1001, 'S', 6)
    const other = new ProcReader(root)
    readsSoFar(other, 2)
    stat(root, 1001, 'S', 6, 3)
    // Reads 2..8: not periodic for 1001; read 9 is ((9 + 1001) % 10 = 0).
    for (let k = 2; k < 9; k++) expect(field(other.read(new Int32Array([])), 1001, 'nice')).toBe(0)
    expect(field(other.read(new Int32Array([])), 1001, 'nice')).toBe(3)
    reader.close()
    other.close()
  })

  it('without ran every process is read', () => {
    const root = tree()
    const reader = new ProcReader(root)
    readsSoFar(reader, 2)
    stat(root, 1001, 'S', 5, 4)
    expect(field(reader.read(), 1001, 'nice')).toBe(4)
    expect(reader.skipped).toBe(0)
    reader.close()
  })

  it('a process that used CPU time at its last read is read again even when asleep', () => {
    // A thread alone on a CPU runs without being switched in: its process may sleep (the main
    // thread's state) while its CPU time grows.
    const root = tree()
    const reader = new ProcReader(root)
    reader.read()
    stat(root, 1001, 'S', 8)
    reader.read() // 5 -> 8 ticks between reads 0 and 1: not quiet
    stat(root, 1001, 'S', 11)
    expect(field(reader.read(new Int32Array([])), 1001, 'utime')).toBe(11)
    expect(field(reader.read(new Int32Array([])), 1001, 'utime')).toBe(11) // still used CPU: read
    stat(root, 1001, 'S', 11, 2)
    expect(field(reader.read(new Int32Array([])), 1001, 'nice')).toBe(0) // quiet now: kept
    reader.close()
  })
})

describe('FrameRows', () => {
  it('hands out the previous row where nothing changed, and frames equal to fresh ones', async () => {
    const root = tree()
    const sampler = new ProcSampler({root})
    const rows = new FrameRows()
    sampler.start()
    let previous: ReturnType<typeof frameOf> | undefined
    for (let k = 0; k < 4; k++) {
      if (k === 2) stat(root, 1002, 'R', 20 + k)
      const snap = sampler.sample()
      const a = frameOf(snap, null)
      const b = frameOf(snap, null, undefined, rows)
      expect(b.processes).toEqual(a.processes)
      if (previous) {
        const same = b.processes.filter((p) => previous!.processes.includes(p))
        expect(same.length).toBe(rows.reused)
        // 1002 changed in read 2: a new row there; the sleepers' rows come back as they were.
        if (k === 2) expect(same.map((p) => p.pid)).not.toContain(1002)
        expect(rows.reused).toBeGreaterThanOrEqual(2)
      }
      previous = b
    }
    sampler.close()
  })

  it('a row with eBPF columns is never reused (the columns are the interval’s)', () => {
    const root = tree()
    const sampler = new ProcSampler({root})
    const rows = new FrameRows()
    sampler.start()
    const cols = new Map([[1001, {runq_count: 3, runq_avg_ns: 10, runq_p99_ns: 20}]])
    const bpf = {byPid: cols, shortLived: [], lost: 0, bpfRunNs: 0}
    const a = frameOf(sampler.sample(), bpf, undefined, rows)
    const b = frameOf(sampler.sample(), {...bpf, byPid: new Map()}, undefined, rows)
    const row = (f: typeof a) => f.processes.find((p) => p.pid === 1001)!
    expect(row(a).runq_count).toBe(3)
    expect(row(b)).not.toBe(row(a))
    expect(row(b).runq_count).toBeUndefined()
    sampler.close()
  })
})
