/**
 * Against the real peers: a Go program serving net/http/pprof (test/fixtures/pprof/goserver,
 * inlined helpers and recursion) and `go tool pprof -top`. Every kind is fetched through the CLI;
 * `monitor pprof top` must print what go prints (totals and every row, flat and cum); files we
 * write must be read by go with the same totals; `diff` must equal go's -diff_base.
 */
import {type ChildProcess, execFileSync, spawn, spawnSync} from 'node:child_process'
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {syntheticProfile} from '../../bench/pprof/synthetic.mjs'
import {encodeProfile} from '../../src/pprof/encode.js'
import {fromStacks} from '../../src/pprof/from-stacks.js'
import {runCli} from '../support/cli.js'

const FIXTURE = join(import.meta.dirname, '../fixtures/pprof/goserver')
const hasGo = spawnSync('go', ['version']).status === 0
if (!hasGo && process.env.CI === 'true') throw new Error('go is missing (apt-get install golang-go): under CI these tests must run')

let dir = ''
let server: ChildProcess | undefined
let base = ''
const goEnv = () => ({...process.env, GOCACHE: join(dir, 'gocache'), GOPATH: join(dir, 'gopath'), GOFLAGS: '-mod=mod', GOPROXY: 'off', GOTOOLCHAIN: 'local'})

/** Without the "Time:" line: go and Intl may name a time zone differently (CET / GMT+1). */
const noTime = (text: string) =>
  text
    .split('\n')
    .filter((l) => !l.startsWith('Time: '))
    .join('\n')

function goTop(args: string[]): string {
  return noTime(execFileSync('go', ['tool', 'pprof', '-top', ...args], {encoding: 'utf8', env: goEnv(), stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 1 << 28}))
}

function ourTop(args: string[]): string {
  const res = runCli(['pprof', 'top', ...args])
  expect(res.stderr).toBe('')
  expect(res.status).toBe(0)
  expect(res.stdout).toMatch(/^Type: /m)
  return noTime(res.stdout)
}

function totalsLine(top: string): string {
  return top.split('\n').find((l) => l.startsWith('Showing nodes accounting for')) ?? 'none'
}

describe.skipIf(!hasGo)('pprof against a Go program and go tool pprof', () => {
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'monitor-pprof-go-'))
    execFileSync('go', ['build', '-o', join(dir, 'goserver'), '.'], {cwd: FIXTURE, env: goEnv(), stdio: 'pipe'})
    server = spawn(join(dir, 'goserver'), [], {stdio: ['ignore', 'pipe', 'inherit'], detached: true})
    const port = await new Promise<number>((resolve, reject) => {
      let out = ''
      server!.stdout!.setEncoding('utf8').on('data', (d: string) => {
        out += d
        const m = /listening (\d+)/.exec(out)
        if (m) resolve(Number(m[1]))
      })
      server!.on('close', (code) => reject(new Error(`goserver exited (${code}) before listening`)))
    })
    base = `http://127.0.0.1:${port}`
  }, 120_000)

  afterAll(() => {
    if (server?.pid) {
      try {
        process.kill(-server.pid, 'SIGKILL')
      } catch {}
    }
    if (dir) rmSync(dir, {recursive: true, force: true})
  })

  const kinds = ['heap', 'allocs', 'goroutine', 'mutex', 'block', 'threadcreate', 'profile'] as const
  it.each(kinds)('%s: fetched, saved, and `pprof top` equals go tool pprof -top', (kind) => {
    const file = join(dir, `${kind}.pb.gz`)
    const res = runCli(['pprof', kind, base, '--save', file, ...(kind === 'profile' ? ['--seconds', '1'] : [])])
    expect(res.stderr).toMatch(/saved .* to /)
    expect(res.status).toBe(0)
    const go = goTop([file])
    const ours = ourTop([file])
    expect(ours).toBe(go)
    if (kind === 'profile') {
      expect(ours).toMatch(/main\.walk/) // recursion
      expect(ours).toMatch(/main\.mix \(inline\)|main\.spin \(inline\)/) // inlined frames
    }
  })

  it('--seconds on allocs asks Go for a delta profile', () => {
    const file = join(dir, 'allocs-delta.pb.gz')
    const res = runCli(['pprof', 'allocs', base, '--seconds', '1', '--save', file])
    expect(res.stderr).toMatch(/debug\/pprof\/allocs\?seconds=1 to /)
    expect(ourTop([file])).toBe(goTop([file]))
  })

  it('sample types and focus/ignore/nodecount equal go on the heap profile', () => {
    const file = join(dir, 'heap2.pb.gz')
    expect(runCli(['pprof', 'heap', base, '--save', file]).status).toBe(0)
    for (const [ours, go] of [
      [['--sample-index', 'alloc_space'], ['-sample_index=alloc_space']],
      [['--sample-index', '1'], ['-sample_index=1']],
      [['--sample-index', 'inuse_objects', '--focus', 'runtime'], ['-sample_index=inuse_objects', '-focus=runtime']],
      [['--ignore', 'allocate'], ['-ignore=allocate']],
      [['--nodecount', '2', '--sample-index', 'alloc_objects'], ['-nodecount=2', '-sample_index=alloc_objects']],
    ])
      expect(ourTop([file, ...ours])).toBe(goTop([...go, file]))
  })

  it('-o json has the rows of the table in the sample unit', () => {
    const file = join(dir, 'heap.pb.gz')
    const res = runCli(['pprof', 'top', file, '-o', 'json'])
    expect(res.status).toBe(0)
    const doc = JSON.parse(res.stdout) as {unit: string; total: number; rows: {name: string; flat: number; flat_pct: number; cum: number; cum_pct: number}[]}
    expect(doc.unit).toBe('bytes')
    const allocate = doc.rows.find((r) => r.name === 'main.allocate')!
    expect(allocate.flat).toBeGreaterThan(0)
    expect(allocate.flat_pct).toBeCloseTo((allocate.flat / doc.total) * 100, 3)
    // go prints the same row scaled (kB, MB): the JSON value rounds to it.
    const row = goTop([file]).split('\n').find((l) => l.endsWith(' main.allocate'))!
    const [, num, unit] = /^\s*([\d.]+)(kB|MB|GB|B)\s/.exec(row)!
    const factor = {B: 1, kB: 2 ** 10, MB: 2 ** 20, GB: 2 ** 30}[unit as 'B']
    expect(Math.abs(allocate.flat / factor - Number(num))).toBeLessThanOrEqual(0.005)
  })

  it('synthetic wide, deep profiles (5,000 functions, inlining, recursion): top equals go', () => {
    const file = join(dir, 'syn.pb.gz')
    writeFileSync(file, syntheticProfile({samples: 20_000, seed: 7}))
    expect(ourTop([file])).toBe(goTop([file]))
    expect(ourTop([file, '--nodecount', '15', '--sample-index', 'samples'])).toBe(goTop(['-nodecount=15', '-sample_index=samples', file]))
  })

  it('files we write (pprof, and converted from folded/speedscope/json) are read by go with equal totals', () => {
    const src = join(dir, 'profile.pb.gz')
    const written = join(dir, 'rewritten.pb.gz')
    expect(runCli(['pprof', 'convert', src, '--to', 'pprof', '-O', written]).status).toBe(0)
    expect(goTop([written])).toBe(goTop([src]))
    for (const to of ['folded', 'speedscope', 'json']) {
      const mid = join(dir, `cpu.${to}`)
      const back = join(dir, `cpu-from-${to}.pb.gz`)
      expect(runCli(['pprof', 'convert', src, '--to', to, '-O', mid]).status).toBe(0)
      const res = runCli(['pprof', 'convert', mid, '--to', 'pprof', '-O', back])
      expect(res.stderr).toBe('')
      const goBack = goTop([back])
      if (to === 'folded') {
        // Folded stacks carry one unitless count: the nanoseconds come back as a plain number.
        const total = (JSON.parse(runCli(['pprof', 'top', src, '-o', 'json']).stdout) as {total: number}).total
        expect(totalsLine(goBack)).toBe(`Showing nodes accounting for ${total}, 100% of ${total} total`)
      } else expect(totalsLine(goBack)).toBe(totalsLine(goTop([src])))
      expect(ourTop([back])).toBe(goBack)
    }
  })

  it("a profile's drop_frames prune frames as go prunes them", () => {
    const frames = [
      {name: 'operator new(unsigned long)', file: '', line: 0},
      {name: 'malloc', file: '', line: 0},
      {name: 'app::alloc', file: '', line: 0},
      {name: 'main', file: '', line: 0},
      {name: 'inl', file: '', line: 0, inlined: true},
      {name: 'tcmalloc::x', file: '', line: 0},
    ]
    const p = fromStacks({
      sampleTypes: [{type: 'space', unit: 'bytes'}],
      frames,
      samples: [
        {stack: [1, 0, 2, 3], values: [100]},
        {stack: [1, 2, 3], values: [50]},
        {stack: [5, 4, 1, 2, 3], values: [70]},
        {stack: [1, 3], values: [10]},
        {stack: [1], values: [5]}, // nothing but dropped frames: kept (go never prunes everything)
      ],
    })
    p.dropFrames = 'malloc|operator new|tcmalloc::.*'
    const file = join(dir, 'prune.pb.gz')
    writeFileSync(file, encodeProfile(p))
    const ours = ourTop([file])
    expect(ours).toBe(goTop([file]))
    expect(ours).toMatch(/^\s+220B .* app::alloc$/m)
  })

  it('a Chrome .cpuprofile converted to pprof is read by go with our totals', () => {
    const cpu = {
      nodes: [
        {id: 1, callFrame: {functionName: '(root)', url: '', lineNumber: -1}, children: [2, 4]},
        {id: 2, callFrame: {functionName: 'main', url: 'file:///app.js', lineNumber: 0}, children: [3]},
        {id: 3, callFrame: {functionName: 'hot', url: 'file:///app.js', lineNumber: 9}},
        {id: 4, callFrame: {functionName: '(garbage collector)', url: '', lineNumber: -1}},
      ],
      startTime: 0,
      endTime: 9000,
      samples: [3, 3, 2, 3, 4, 3],
      timeDeltas: [0, 1000, 1200, 900, 1500, 1000],
    }
    const src = join(dir, 'app.cpuprofile')
    const out = join(dir, 'app.pb.gz')
    writeFileSync(src, JSON.stringify(cpu))
    expect(runCli(['pprof', 'convert', src, '--to', 'pprof', '-O', out]).status).toBe(0)
    const go = goTop([out])
    expect(ourTop([src])).toBe(noTime(ourTop([out])))
    expect(ourTop([out])).toBe(go)
    expect(go).toMatch(/^\s+\S+\s+\S+\s+\S+\s+\S+\s+\S+\s+hot$/m)
    // Each sample stands for the time to the next one, the last for the time to endTime (9000 µs
    // from startTime in all), as DevTools counts a .cpuprofile.
    expect(totalsLine(go)).toBe('Showing nodes accounting for 9000us, 100% of 9000us total')
  })

  it('diff equals go tool pprof -top -diff_base (negative values too)', () => {
    const a = join(dir, 'diff-a.pb.gz')
    const b = join(dir, 'diff-b.pb.gz')
    writeFileSync(a, syntheticProfile({samples: 5_000, seed: 1, functions: 300}))
    writeFileSync(b, syntheticProfile({samples: 5_000, seed: 2, functions: 300}))
    const res = runCli(['pprof', 'diff', a, b])
    expect(res.status).toBe(0)
    expect(noTime(res.stdout)).toBe(goTop(['-diff_base', a, b]))
    expect(res.stdout).toMatch(/^\s+-\S+ /m)
    const heapA = join(dir, 'heap.pb.gz')
    const heapB = join(dir, 'heap2.pb.gz')
    expect(noTime(runCli(['pprof', 'diff', heapA, heapB, '--sample-index', 'alloc_space']).stdout)).toBe(goTop(['-sample_index=alloc_space', '-diff_base', heapA, heapB]))
  })

  it('tree, peek and list equal go -tree, -peek and -list', () => {
    const go = (args: string[]) => noTime(execFileSync('go', ['tool', 'pprof', ...args], {encoding: 'utf8', env: goEnv(), stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 1 << 28}))
    const ours = (args: string[]) => {
      const res = runCli(['pprof', ...args])
      expect(res.stderr).toBe('')
      return noTime(res.stdout)
    }
    const cpu = join(dir, 'profile.pb.gz')
    const heap = join(dir, 'heap.pb.gz')
    const syn = join(dir, 'syn.pb.gz')
    expect(ours(['tree', cpu])).toBe(go(['-tree', cpu]))
    expect(ours(['tree', heap, '--sample-index', 'alloc_space'])).toBe(go(['-tree', '-sample_index=alloc_space', heap]))
    expect(ours(['tree', syn, '--nodecount', '12'])).toBe(go(['-tree', '-nodecount=12', syn]))
    expect(ours(['peek', cpu, 'main\\.walk'])).toBe(go(['-peek', 'main\\.walk', cpu]))
    expect(ours(['peek', syn, 'Method1$'])).toBe(go(['-peek', 'Method1$', syn]))
    const list = ours(['list', cpu, 'main\\.'])
    expect(list).toBe(go(['-list', 'main\\.', cpu]))
    expect(list).toMatch(/ROUTINE =+ main\.walk in .*main\.go/)
    expect(list).toMatch(/^\s+\S+\s+\S+\s+\d+:\s+return walk\(depth-1, spin\(x\)\)$/m) // the source text
  })

  it('one-line errors: unreachable, HTTP error, not a profile, no target', () => {
    const dead = runCli(['pprof', 'heap', 'http://127.0.0.1:9/', '--timeout', '5'])
    expect(dead.status).not.toBe(0)
    expect(dead.stderr.trim().split('\n')).toHaveLength(1)
    expect(dead.stderr).toMatch(/monitor: .*(refused|unreachable|bad port)/)
    const http404 = runCli(['pprof', 'heap', `${base}/nothing/debug/pprof/nosuch`])
    expect(http404.stderr).toMatch(/HTTP 404/)
    expect(http404.stderr.trim().split('\n')).toHaveLength(1)
    const notProfile = runCli(['pprof', 'heap', `${base}/debug/pprof/cmdline`])
    expect(notProfile.stderr).toMatch(/did not return a pprof profile/)
    expect(notProfile.status).not.toBe(0)
    const none = runCli(['pprof', 'heap'])
    expect(none.stderr).toMatch(/URL.*--pid/)
    expect(none.stderr.trim().split('\n')).toHaveLength(1)
    const pid = runCli(['pprof', 'heap', '--pid', String(process.pid)])
    expect(pid.stderr.trim().split('\n')).toHaveLength(1)
    expect(pid.status).not.toBe(0)
  })
})
