/** `monitor trace exec` end to end: the real CLI, real processes, NDJSON checked record by record. */
import {execFileSync, spawn, spawnSync} from 'node:child_process'
import {mkdirSync, mkdtempSync, readFileSync, realpathSync, rmdirSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {dirname, join} from 'node:path'
import {beforeAll, expect, it, onTestFinished} from 'vitest'

import {startCli, startReady} from '../support/cli.js'
import {cgroup2Mount, CLI, describeEbpf, programsGone, programsOf, ROOT, sleep, waitFor} from '../support/ebpf.js'

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

function parse(stdout: string): {ready: Record<string, unknown>; runs: Run[]; starts: Run[]; summary: Record<string, any>} {
  const lines = stdout.trim().split('\n').map((l) => JSON.parse(l))
  const ready = lines[0]
  expect(ready.type).toBe('ready')
  const summary = lines.at(-1)
  expect(summary.type).toBe('summary')
  const body = lines.slice(1, -1)
  return {ready, runs: body.filter((l) => l.type === 'run'), starts: body.filter((l) => l.type === 'start'), summary}
}

const NO_LOSS = {ringbuf_reserve: 0, map_full: 0, read_fault: 0, queue: 0, recursion_misses: 0}

describeEbpf('trace exec', () => {
  it('reports 200 runs of /bin/true exactly, with ppid and exit code 0, and no losses', async () => {
    const cli = await startReady(['trace', 'exec', '--comm', 'true', '--duration', '4'])
    const shell = spawn('sh', ['-c', 'i=0; while [ $i -lt 200 ]; do /bin/true; i=$((i+1)); done'])
    const shellPid = shell.pid
    await new Promise((r) => shell.on('exit', r))
    expect(await cli.exited).toBe(0)
    const {ready, runs: all, summary} = parse(cli.stdout)
    expect(ready).toMatchObject({command: 'trace exec'})
    // Other processes on the host may run `true` too: the storm's are the shell's children.
    const runs = all.filter((r) => r.ppid === shellPid)
    expect(runs.length).toBe(200)
    for (const r of runs) {
      expect(r).toMatchObject({type: 'run', comm: 'true', argv: ['/bin/true'], ppid: shellPid, exit_code: 0, signal: null, end: 'exit'})
      expect(r.duration_ns).toBeGreaterThan(0)
      expect(r.ts).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/)
    }
    expect(new Set(runs.map((r) => r.pid)).size).toBe(200)
    expect(summary.runs + summary.still_running).toBe(all.length) // a `true` of the host still running at stop is a run line too
    expect(summary.lost_total).toBe(0)
    expect(summary.lost).toEqual(NO_LOSS)
  })

  it('shows exit codes, signals, argv and the still-running', async () => {
    const cli = await startReady(['trace', 'exec', '--duration', '3'])
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
    expect(summary.still_running).toBeGreaterThanOrEqual(1)
    // This run sees every exec on the host. A record of someone else's exec may come incomplete
    // (read_fault: memory a BPF program could not read, as it cannot fault pages in; seen 12 times
    // during a parallel build); it is delivered and counted, and this test's own rows are checked
    // whole above. No record may be dropped.
    expect({...summary.lost, read_fault: 0}, JSON.stringify(summary.lost)).toEqual(NO_LOSS)
  })

  it('filters by pid (the process and its children) and uid', async () => {
    const cli = await startReady(['trace', 'exec', '--pid', String(process.pid), '--uid', '0', '--duration', '2'])
    spawnSync('/bin/true')
    spawnSync('sh', ['-c', '/bin/true; /bin/true']) // grandchildren: not ours
    expect(await cli.exited).toBe(0)
    const {runs} = parse(cli.stdout)
    expect(runs.every((r) => r.ppid === process.pid || r.pid === process.pid)).toBe(true)
    expect(runs.filter((r) => r.comm === 'true').length).toBe(1)
    expect(runs.filter((r) => r.comm === 'sh').length).toBe(1)
  })

  it('filters command lines by substring and by regex, and prints a row at exec with --starts', async () => {
    const cli = await startReady(['trace', 'exec', '--pid', String(process.pid), '--args', 'needle-', '--starts', '--duration', '2'])
    spawnSync('/bin/true', ['hay'])
    spawnSync('/bin/true', ['needle-1'])
    expect(await cli.exited).toBe(0)
    const {runs, starts} = parse(cli.stdout)
    expect(runs.map((r) => r.argv)).toEqual([['/bin/true', 'needle-1']])
    expect(starts).toHaveLength(1)
    expect(starts[0]).toMatchObject({type: 'start', pid: runs[0].pid, argv: ['/bin/true', 'needle-1']})
    expect(starts[0]).not.toHaveProperty('exit_code')

    const re = await startReady(['trace', 'exec', '--pid', String(process.pid), '--comm', '^tr.e$', '--args', 'x[0-9]+$', '--regex', '--duration', '2'])
    spawnSync('/bin/true', ['x12'])
    spawnSync('/bin/true', ['x12y'])
    spawnSync('/bin/echo', ['x3'], {stdio: 'ignore'})
    expect(await re.exited).toBe(0)
    expect(parse(re.stdout).runs.map((r) => r.argv)).toEqual([['/bin/true', 'x12']])
  })

  it('shows failed execs with their errno, and the resolved path of what ran', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'monitor-exec-'))
    const notExecutable = join(dir, 'plain-file')
    writeFileSync(notExecutable, 'not a program\n')
    const cli = await startReady(['trace', 'exec', '--pid', String(process.pid), '--duration', '2'])
    expect(spawnSync(join(dir, 'missing'), ['a1']).error).toBeTruthy()
    expect(spawnSync(notExecutable, ['a2']).error).toBeTruthy()
    spawnSync('/bin/true', ['resolved'])
    expect(await cli.exited).toBe(0)
    rmSync(dir, {recursive: true, force: true})
    const {runs, summary} = parse(cli.stdout)
    expect(runs.find((r) => r.argv[1] === 'a1')).toMatchObject({exec_errno: 'ENOENT', end: 'failed', filename: join(dir, 'missing'), exit_code: null, ppid: process.pid})
    expect(runs.find((r) => r.argv[1] === 'a2')).toMatchObject({exec_errno: 'EACCES', end: 'failed', filename: notExecutable})
    expect(runs.find((r) => r.argv[1] === 'resolved')).toMatchObject({exec_errno: null, end: 'exit', filename: realpathSync('/bin/true'), origin: 'exec'})
    expect(summary.exec_failures).toBe(2)
  })

  it('with --all-exits also reports children that never exec, and filters by comm substring in the kernel', async () => {
    // A shell that forks a subshell which exits 7 without exec'ing (exitsnoop's case); the shell
    // itself started before tracing did.
    const shell = spawn('sh', ['-c', 'read x; (exit 7); exit 0'], {stdio: ['pipe', 'ignore', 'ignore']})
    const forks = await startReady(['trace', 'exec', '--pid', String(shell.pid), '--all-exits', '--comm', 's', '--duration', '2'])
    shell.stdin!.end('go\n')
    await new Promise((r) => shell.on('exit', r))
    expect(await forks.exited).toBe(0)
    const forked = parse(forks.stdout).runs
    const child = forked.find((r) => r.ppid === shell.pid)
    expect(child, forks.stdout).toMatchObject({origin: 'fork', comm: 'sh', exit_code: 7, argv: [], end: 'exit'})
    // The shell itself was running before tracing started.
    expect(forked.find((r) => r.pid === shell.pid)).toMatchObject({origin: 'before', exit_code: 0})
  })

  it('with --cgroup reports only processes in that cgroup v2 directory', async () => {
    const mount = cgroup2Mount()
    expect(mount, 'no cgroup2 mount in /proc/mounts').toBeDefined()
    const cgroup = join(mount!, `monitor-test-${process.pid}`)
    mkdirSync(cgroup)
    try {
      const cli = await startReady(['trace', 'exec', '--cgroup', cgroup, '--duration', '2'])
      spawnSync('sh', ['-c', `echo $$ > ${cgroup}/cgroup.procs && exec /bin/true inside`])
      spawnSync('/bin/true', ['outside'])
      expect(await cli.exited).toBe(0)
      const {runs} = parse(cli.stdout)
      expect(runs.map((r) => r.argv)).toEqual([['/bin/true', 'inside']])
    } finally {
      await waitFor(() => {
        try {
          rmdirSync(cgroup) // once its last process is gone
          return true
        } catch {
          return false
        }
      })
    }
  })

  it('refuses a --cgroup that is not a cgroup v2 directory, in one line', () => {
    for (const dir of ['/nonexistent-cgroup', '/tmp']) {
      const res = spawnSync(process.execPath, [CLI, 'trace', 'exec', '--cgroup', dir, '--duration', '1'], {encoding: 'utf8'})
      expect(res.status).toBe(2)
      expect(res.stderr.trim().split('\n')).toHaveLength(1)
      expect(res.stderr).toMatch(/^monitor: --cgroup: /)
    }
  })

  it('refuses a bad regular expression in one line, and says a long --comm was cut', async () => {
    const bad = spawnSync(process.execPath, [CLI, 'trace', 'exec', '--args', '(', '--regex', '--duration', '1'], {encoding: 'utf8'})
    expect(bad.status).toBe(2)
    expect(bad.stderr.trim().split('\n')).toHaveLength(1)
    expect(bad.stderr).toMatch(/^monitor: --args: not a regular expression/)
    const long = await startReady(['trace', 'exec', '--pid', String(process.pid), '--comm', 'abcdefghijklmnopqrst', '--duration', '1'])
    expect(await long.exited).toBe(0)
    expect(long.stderr).toMatch(/^monitor: --comm: the kernel keeps 15 characters of a command name: matching "abcdefghijklmno"\n/)
  })

  it('prints aligned columns when not on a terminal: the header is the ready line', async () => {
    const cli = startCli(['trace', 'exec', '--pid', String(process.pid), '--comm', 'true', '--duration', '2'])
    expect(await cli.waitForLine(/^TIME\s+PID/)).toBe(true)
    spawnSync('/bin/true', ['hello world'])
    expect(await cli.exited).toBe(0)
    const lines = cli.stdout.trim().split('\n')
    expect(lines[0]).toMatch(/^TIME\s+PID\s+PPID\s+UID COMM\s+EXIT\s+DURATION ARGS$/)
    expect(lines[1]).toMatch(/^\d\d:\d\d:\d\d\.\d{3} +\d+ +\d+ +0 true +0 +\S+ \/bin\/true "hello world"$/)
    expect(cli.stderr).toMatch(/^1 run, 0 running in .*, lost 0\n$/)
  })

  it('on Ctrl-C (SIGINT) prints what it saw plus the summary, exits 0 and detaches', async () => {
    const cli = await startReady(['trace', 'exec', '--pid', String(process.pid), '--comm', 'true'])
    const ours = programsOf(cli.pid)
    expect([...ours.values()].sort()).toEqual(['exec_exec', 'exec_exit', 'exec_ve_exit', 'exec_veat_exit'])
    spawnSync('/bin/true', ['before-ctrl-c'])
    expect(await cli.waitForLine(/before-ctrl-c/, 5000)).toBe(true)
    cli.child.kill('SIGINT')
    expect(await cli.exited).toBe(0)
    const {runs, summary} = parse(cli.stdout)
    expect(runs.map((r) => r.argv)).toEqual([['/bin/true', 'before-ctrl-c']])
    expect(summary).toMatchObject({runs: 1, lost_total: 0})
    expect(await programsGone(ours.keys())).toBe(true)
  })

  it('leaves no programs and no children behind after kill -9', async () => {
    const cli = await startReady(['trace', 'exec'])
    const ours = programsOf(cli.pid)
    expect(ours.size).toBeGreaterThanOrEqual(2)
    cli.child.kill('SIGKILL')
    await cli.exited
    expect(await programsGone(ours.keys())).toBe(true)
    const orphans = spawnSync('ps', ['-o', 'pid=', '--ppid', String(cli.pid)], {encoding: 'utf8'}).stdout.trim()
    expect(orphans).toBe('')
  })

  it('ends within a second, non-zero, in one line, detached, when its reducer fails while tracing', async () => {
    const cli = await startReady(['trace', 'exec'], {env: {MONITOR_TEST_FAULT: 'reducer:FAULT-MARKER'}})
    const ours = programsOf(cli.pid)
    expect(ours.size).toBeGreaterThanOrEqual(2)
    const t0 = performance.now()
    spawnSync('/bin/true', ['FAULT-MARKER'])
    const code = await cli.exited
    const elapsed = performance.now() - t0
    expect(code).toBe(1)
    expect(elapsed).toBeLessThan(1000)
    expect(cli.stderr.trim().split('\n'), cli.stderr).toHaveLength(1)
    expect(cli.stderr).toMatch(/^monitor: trace exec failed while tracing: injected reducer fault/)
    expect(await programsGone(ours.keys())).toBe(true)
  })
})

describeEbpf('trace exec into a slow reader', () => {
  const storm = join(mkdtempSync(join(tmpdir(), 'monitor-storm-')), 'storm')
  beforeAll(() => {
    execFileSync('cc', ['-O2', '-o', storm, join(ROOT, 'bench/exec/storm.c')])
  })

  it('pauses instead of buffering: memory stays bounded and every run not printed is a counted loss', async () => {
    // The acceptance case: monitor -o json | (sleep 20; cat) during a 20 s storm of /bin/true, each
    // run's JSON ~2 KB (a long argument), so the stalled output would be tens of MB if buffered.
    const out = join(dirname(storm), 'out.ndjson')
    const script = `${process.execPath} ${CLI} trace exec -o json --comm true --duration 24 | (sleep 20; cat > ${out})`
    // Its own process group, so a failing test can kill the whole pipeline.
    const pipeline = spawn('sh', ['-c', script], {stdio: 'ignore', detached: true})
    const pipelineDone = new Promise((r) => pipeline.on('exit', r))
    onTestFinished(() => {
      try {
        process.kill(-pipeline.pid!, 'SIGKILL')
      } catch {
        // already gone
      }
    })
    const monitorPid = await waitForMonitor(pipeline.pid!)
    expect(monitorPid).toBeGreaterThan(0)
    // The ready line waits in the pipe with the rest: wait for the programs instead.
    expect(await waitFor(() => programsOf(monitorPid).size >= 2, 20_000)).toBe(true)
    const rssAtStart = rssBytes(monitorPid)
    let maxRss = rssAtStart
    const sampler = setInterval(() => (maxRss = Math.max(maxRss, rssBytes(monitorPid))), 100)
    const pad = 'x'.repeat(2000)
    const storms = [0, 1].map(() => spawn(storm, ['18s', '/bin/true', pad], {stdio: ['ignore', 'pipe', 'inherit']}))
    const counts = await Promise.all(
      storms.map(
        (p) =>
          new Promise<number>((resolve) => {
            let text = ''
            p.stdout!.setEncoding('utf8').on('data', (d: string) => (text += d))
            // 'close', not 'exit': the line may still be in the pipe at exit (Node 24 often reports exit first).
            p.on('close', () => resolve(JSON.parse(text).n))
          }),
      ),
    )
    await pipelineDone
    clearInterval(sampler)
    const execs = counts[0] + counts[1]
    const text = readFileSync(out, 'utf8')
    const lines = text.trim().split('\n').map((l) => JSON.parse(l))
    const runs = lines.filter((l) => l.type === 'run')
    const summary = lines.at(-1)
    expect(summary.type).toBe('summary')
    expect(maxRss).toBeLessThan(150 * 1024 * 1024)
    // What a writer that buffers for its reader would have held (every run's line) vs what monitor's
    // memory grew by.
    const full = text.split('\n').filter((l) => l.includes(pad))
    const bytesPerRun = full.reduce((n, l) => n + l.length + 1, 0) / full.length
    const wouldBuffer = execs * bytesPerRun
    expect(wouldBuffer, `only ${execs} execs in the storm: too few to tell`).toBeGreaterThan(20 * 1024 * 1024)
    expect(maxRss - rssAtStart).toBeLessThan(wouldBuffer / 2)
    // Every exec of the storm is a printed run unless its records were lost, and losses are counted.
    const stormRuns = runs.filter((r) => r.argv?.[1] === pad || r.argv?.length === 0)
    expect(stormRuns.length + summary.lost_total).toBeGreaterThanOrEqual(execs)
    expect(summary.runs + summary.still_running).toBe(runs.length)
  }, 90_000)
})

async function waitForMonitor(shellPid: number): Promise<number> {
  let pid = 0
  await waitFor(() => {
    const ps = spawnSync('ps', ['-o', 'pid=,args=', '--ppid', String(shellPid)], {encoding: 'utf8'}).stdout
    const line = ps.split('\n').find((l) => l.includes('bin/run.js'))
    pid = line ? Number(line.trim().split(/\s+/)[0]) : 0
    return pid > 0
  }, 10_000)
  return pid
}

function rssBytes(pid: number): number {
  try {
    const m = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
    return m ? Number(m[1]) * 1024 : 0
  } catch {
    return 0 // exited
  }
}
