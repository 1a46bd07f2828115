/** `monitor trace exec` end to end: the real CLI, real processes, NDJSON checked record by record. */
import {spawn, spawnSync} from 'node:child_process'
import {expect, it} from 'vitest'

import {describeEbpf, loadedProgramIds, sleep, waitFor} from '../support/ebpf.js'
import {startCli} from '../support/cli.js'

interface Run {
  type: string
  pid: number
  ppid: number
  comm: string
  argv: string[]
  argv_truncated: boolean
  exit_code: number | null
  signal: string | null
  duration_ns: number | null
  end: string
  ts: string
}

/** Starts the tracer and waits until its programs are attached. */
async function startTracer(args: string[]) {
  const before = loadedProgramIds()
  const cli = startCli(['trace', 'exec', '-o', 'json', ...args])
  const attached = await waitFor(() => [...loadedProgramIds()].filter((id) => !before.has(id)).length >= 2, 15_000)
  expect(attached, `tracer did not attach: ${cli.stderr}`).toBe(true)
  await sleep(200) // links are created right after the programs load
  return cli
}

function parse(stdout: string): {runs: Run[]; summary: Record<string, any>} {
  const lines = stdout.trim().split('\n').map((l) => JSON.parse(l))
  const summary = lines.at(-1)
  expect(summary.type).toBe('summary')
  return {runs: lines.slice(0, -1), summary}
}

describeEbpf('trace exec', () => {
  it('reports 200 runs of /bin/true exactly, with ppid and exit code 0, and no losses', async () => {
    const cli = await startTracer(['--comm', 'true', '--duration', '5'])
    const shell = spawn('sh', ['-c', 'i=0; while [ $i -lt 200 ]; do /bin/true; i=$((i+1)); done'])
    const shellPid = shell.pid
    await new Promise((r) => shell.on('exit', r))
    expect(await cli.exited).toBe(0)
    const {runs, summary} = parse(cli.stdout)
    expect(runs.length).toBe(200)
    for (const r of runs) {
      expect(r).toMatchObject({type: 'run', comm: 'true', argv: ['/bin/true'], ppid: shellPid, exit_code: 0, signal: null, end: 'exit'})
      expect(r.duration_ns).toBeGreaterThan(0)
      expect(r.ts).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/)
    }
    expect(new Set(runs.map((r) => r.pid)).size).toBe(200)
    expect(summary.runs).toBe(200)
    expect(summary.lost_total).toBe(0)
    expect(summary.lost).toEqual({ringbuf_reserve: 0, map_full: 0, read_fault: 0, queue: 0, recursion_misses: 0})
  })

  it('shows exit codes, signals, argv and the still-running', async () => {
    const cli = await startTracer(['--duration', '3'])
    spawnSync('sh', ['-c', 'exit 3'])
    const victim = spawn('sleep', ['30'])
    await sleep(300)
    victim.kill('SIGTERM')
    const longArg = 'x'.repeat(3000)
    spawnSync('/bin/echo', ['first', longArg], {stdio: 'ignore'})
    const stayer = spawn('sleep', ['8'])
    expect(await cli.exited).toBe(0)
    stayer.kill('SIGKILL')
    const {runs, summary} = parse(cli.stdout)
    const sh = runs.find((r) => r.comm === 'sh' && r.argv.join(' ') === 'sh -c exit 3')
    expect(sh).toMatchObject({exit_code: 3, signal: null, end: 'exit', ppid: process.pid})
    const killed = runs.find((r) => r.pid === victim.pid)
    expect(killed).toMatchObject({comm: 'sleep', argv: ['sleep', '30'], exit_code: null, signal: 'SIGTERM', end: 'exit'})
    expect(killed!.duration_ns).toBeGreaterThan(200e6)
    const echo = runs.find((r) => r.comm === 'echo')
    expect(echo).toMatchObject({argv_truncated: true, exit_code: 0})
    expect(echo!.argv[0]).toBe('/bin/echo')
    expect(echo!.argv[1]).toBe('first')
    expect(echo!.argv[2].length).toBeLessThan(longArg.length)
    const running = runs.find((r) => r.pid === stayer.pid)
    expect(running).toMatchObject({end: 'running', exit_code: null, duration_ns: null})
    expect(summary.lost_total).toBe(0)
  })

  it('filters by pid (the process and its children) and uid', async () => {
    const cli = await startTracer(['--pid', String(process.pid), '--uid', '0', '--duration', '2'])
    spawnSync('/bin/true')
    spawnSync('sh', ['-c', '/bin/true; /bin/true']) // grandchildren: not ours
    expect(await cli.exited).toBe(0)
    const {runs} = parse(cli.stdout)
    expect(runs.every((r) => r.ppid === process.pid || r.pid === process.pid)).toBe(true)
    expect(runs.filter((r) => r.comm === 'true').length).toBe(1)
    expect(runs.filter((r) => r.comm === 'sh').length).toBe(1)
  })

  it('prints aligned columns when not on a terminal', async () => {
    const before = loadedProgramIds()
    const cli = startCli(['trace', 'exec', '--comm', 'true', '--duration', '2'])
    await waitFor(() => [...loadedProgramIds()].filter((id) => !before.has(id)).length >= 2, 15_000)
    await sleep(200)
    spawnSync('/bin/true', ['hello world'])
    expect(await cli.exited).toBe(0)
    const lines = cli.stdout.trim().split('\n')
    expect(lines[0]).toMatch(/^TIME\s+PID\s+PPID\s+UID COMM\s+EXIT\s+DURATION ARGS$/)
    expect(lines[1]).toMatch(/ true +0 +\S+ \/bin\/true "hello world"$/)
    expect(cli.stderr).toMatch(/^1 runs \(0 still running\) in .*, lost 0\n$/)
  })

  it('on Ctrl-C (SIGINT) prints what it saw plus the summary, exits 0 and detaches', async () => {
    const before = loadedProgramIds()
    const cli = await startTracer(['--comm', 'true'])
    const ours = [...loadedProgramIds()].filter((id) => !before.has(id))
    spawnSync('/bin/true', ['before-ctrl-c'])
    await sleep(200)
    cli.child.kill('SIGINT')
    expect(await cli.exited).toBe(0)
    const {runs, summary} = parse(cli.stdout)
    expect(runs.map((r) => r.argv)).toEqual([['/bin/true', 'before-ctrl-c']])
    expect(summary).toMatchObject({runs: 1, lost_total: 0})
    expect(await waitFor(() => ours.every((id) => !loadedProgramIds().has(id)), 10_000)).toBe(true)
  })

  it('leaves no programs and no children behind after kill -9', async () => {
    const before = loadedProgramIds()
    const cli = startCli(['trace', 'exec', '-o', 'json'])
    expect(await waitFor(() => [...loadedProgramIds()].filter((id) => !before.has(id)).length >= 2, 15_000)).toBe(true)
    const ours = [...loadedProgramIds()].filter((id) => !before.has(id))
    const pid = cli.child.pid!
    cli.child.kill('SIGKILL')
    await cli.exited
    // The kernel frees programs once the last fd/link goes; that is asynchronous (RCU).
    expect(await waitFor(() => ours.every((id) => !loadedProgramIds().has(id)), 10_000)).toBe(true)
    const orphans = spawnSync('ps', ['-o', 'pid=', '--ppid', String(pid)], {encoding: 'utf8'}).stdout.trim()
    expect(orphans).toBe('')
  })
})
