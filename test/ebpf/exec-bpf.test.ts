/** exec.bpf.c against the real kernel, driven through the engine facade (no CLI): failed execs with
 * their errno, the resolved path of what ran (across mount points), the comm-substring and cgroup
 * filters, and exits of processes that never exec'd under tracing. Other worktrees' tests share this
 * kernel, so every check picks records by the pids this file started. */
import {execFileSync, spawn} from 'node:child_process'
import {
  chmodSync,
  closeSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  readdirSync,
  realpathSync,
  rmdirSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, afterEach, beforeAll, expect, it} from 'vitest'

import {BpfObject, type ConfigValue} from '../../src/engine/bpf.js'
import {monotonicNowNs} from '../../src/engine/clock.js'
import {forEachRecord} from '../../src/engine/records.js'
import {EXEC_EVENT} from '../../src/trace/exec/layout.js'
import {decodeExecRecord, ExecEventKind, ExecFlag, type ExecRecord} from '../../src/trace/exec/record.js'
import {cgroup2Mount, describeEbpf, programsGone, waitFor} from '../support/ebpf.js'

const ENOENT = 2
const EACCES = 13
const PROGRAMS = ['exec_exec', 'exec_exit', 'exec_ve_exit', 'exec_veat_exit']

interface Seen extends ExecRecord {
  /** The header as the layout decodes it (lengths the decoded record folds away). */
  head: ReturnType<typeof EXEC_EVENT.decode>
}

interface Tracer {
  records: Seen[]
  /** Resolves once a record matching `pred` arrived (fails the test after 10 s). */
  until(pred: (r: Seen) => boolean, what: string): Promise<Seen>
  stop(): Promise<void>
}

let active: Tracer | undefined

/** Opens exec.bpf.c with `config`, loads it, lets `afterLoad` fill maps, attaches every program. */
async function trace(config: Record<string, ConfigValue>, afterLoad?: (obj: BpfObject) => void): Promise<Tracer> {
  const obj = BpfObject.open('exec', {config})
  const records: Seen[] = []
  const links: number[] = []
  let ids: number[] = []
  let stream: ReturnType<BpfObject['stream']> | undefined
  let stopped = false
  const stop = async () => {
    if (stopped) return
    stopped = true
    if (stream) await obj.stopStream(stream)
    for (const l of links) obj.detach(l)
    await obj.close()
    // Programs go once their last fd does, asynchronously (RCU).
    expect(await programsGone(ids)).toBe(true)
  }
  try {
    obj.load()
    expect(obj.handle.programs().map((p) => p.name).sort()).toEqual([...PROGRAMS].sort())
    ids = PROGRAMS.map((p) => obj.handle.progInfo(p).id)
    afterLoad?.(obj)
    stream = obj.stream({
      flushMs: 20,
      onBatch: (batch) =>
        forEachRecord(batch, (view, offset, length) => {
          records.push({...decodeExecRecord(view, offset, length), head: EXEC_EVENT.decode(view, offset)})
        }),
    })
    // attach() returns once the link exists: from here on the hooks fire.
    for (const p of PROGRAMS) links.push(obj.attach(p))
  } catch (error) {
    await stop().catch(() => undefined)
    throw error
  }
  const tracer: Tracer = {
    records,
    async until(pred, what) {
      expect(await waitFor(() => records.some(pred), 10_000), `no record: ${what}`).toBe(true)
      return records.find(pred)!
    },
    async stop() {
      const lost = obj.losses()
      await stop()
      expect(lost).toEqual({ringbuf_reserve: 0, map_full: 0, read_fault: 0, queue: 0, recursion_misses: 0})
    },
  }
  active = tracer
  return tracer
}

interface Ran {
  pid: number
  code: number | null
  signal: NodeJS.Signals | null
}

/** Runs a command to its end (reaped), stdio ignored. */
function run(cmd: string, args: string[] = []): Promise<Ran> {
  const child = spawn(cmd, args, {stdio: 'ignore'})
  return new Promise((resolve, reject) => {
    child.on('error', reject)
    child.on('exit', (code, signal) => resolve({pid: child.pid!, code, signal}))
  })
}

/** A Node process with a few dozen threads (24 workers). */
const MANY_THREADS =
  "const {Worker} = require('node:worker_threads'); for (let i = 0; i < 24; i++) new Worker('setInterval(() => {}, 1000)', {eval: true}); setInterval(() => {}, 1000)"

const isExec = (pid: number) => (r: Seen) => r.kind === ExecEventKind.exec && r.pid === pid
const isExit = (pid: number) => (r: Seen) => r.kind === ExecEventKind.exit && r.pid === pid
const isFailed = (r: Seen) => r.kind === ExecEventKind.execFailed

let dir: string
let execat: string
let staticTrue: string

/** execat DIR NAME ARG...: execveat(open(DIR), NAME, [NAME, ARG...]) — a syscall nothing in the
 * shell makes with a dirfd and a relative name. */
const EXECAT_C = `
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>
extern char **environ;
int main(int argc, char **argv) {
  if (argc < 3) return 2;
  int dfd = open(argv[1], O_RDONLY | O_DIRECTORY);
  if (dfd < 0) { perror("open"); return 3; }
  syscall(SYS_execveat, dfd, argv[2], &argv[2], environ, 0);
  perror("execveat");
  return 100;
}
`

describeEbpf('exec.bpf.c', () => {
  beforeAll(() => {
    dir = realpathSync(mkdtempSync(join(tmpdir(), 'monitor-execbpf-')))
    writeFileSync(join(dir, 'execat.c'), EXECAT_C)
    execat = join(dir, 'execat')
    execFileSync(process.env.CC || 'cc', ['-O1', '-o', execat, join(dir, 'execat.c')])
    // Runs inside an empty chroot: no loader, no libc.
    writeFileSync(join(dir, 'static-true.c'), 'int main(void) { return 0; }\n')
    staticTrue = join(dir, 'static-true')
    execFileSync(process.env.CC || 'cc', ['-static', '-O1', '-o', staticTrue, join(dir, 'static-true.c')])
  })

  afterEach(async () => {
    // A failed assertion left a tracer running: take it down (its own checks no longer matter).
    await active?.stop().catch(() => undefined)
    active = undefined
  })

  afterAll(() => {
    rmSync(dir, {recursive: true, force: true})
  })

  it('passes the verifier with each option alone and with all of them (each turns code on)', () => {
    const all = {targ_pid: process.pid, targ_uid: 0, targ_comm: 'x', targ_cgroup: true, all_exits: true}
    const configs = [{}, all, ...Object.entries(all).map(([k, v]) => ({[k]: v}))]
    for (const config of configs) {
      const obj = BpfObject.open('exec', {config})
      try {
        expect(() => obj.load(), JSON.stringify(config)).not.toThrow()
      } finally {
        obj.closeNow()
      }
    }
  })

  it('reports a failed exec of a missing and of a non-executable file with errno, filename and argv', async () => {
    const missing = join(dir, 'missing')
    const plain = join(dir, 'plain')
    writeFileSync(plain, '#!/bin/sh\n')
    chmodSync(plain, 0o644) // no x bit: EACCES even for root
    const t0 = monotonicNowNs()
    const t = await trace({})
    const a = await run('/bin/sh', ['-c', `exec ${missing} one 'two words'`])
    const b = await run('/bin/sh', ['-c', `exec ${plain} three`])
    expect([a.code, b.code]).toEqual([127, 126])
    await t.until(isExit(b.pid), 'exit of the second shell')
    const t1 = monotonicNowNs()

    const failedA = t.records.filter((r) => isFailed(r) && r.pid === a.pid)
    expect(failedA).toHaveLength(1)
    expect(failedA[0]).toMatchObject({
      error: ENOENT,
      filename: missing,
      argv: [missing, 'one', 'two words'],
      comm: 'sh',
      ppid: process.pid,
      uid: process.getuid!(),
      status: 0,
      flags: 0,
    })
    expect(failedA[0].start_ns).toBe(failedA[0].ts_ns)
    expect(failedA[0].ts_ns).toBeGreaterThan(t0)
    expect(failedA[0].ts_ns).toBeLessThan(t1)
    // The shell ran on after the failure and its exit closes the run its exec began.
    expect(t.records.find(isExit(a.pid))).toMatchObject({status: 127 << 8, flags: 0})

    const failedB = t.records.filter((r) => isFailed(r) && r.pid === b.pid)
    expect(failedB).toHaveLength(1)
    expect(failedB[0]).toMatchObject({error: EACCES, filename: plain, argv: [plain, 'three'], comm: 'sh', flags: 0})
    await t.stop()
  })

  it('reports execveat failures with the relative name as passed, and cuts a long argv at 2,048 bytes', async () => {
    const long = 'y'.repeat(3000)
    const t = await trace({})
    const ran = await run(execat, [dir, 'missing-at', 'x', long])
    expect(ran.code).toBe(100)
    const failed = await t.until((r) => isFailed(r) && r.pid === ran.pid, 'failed execveat')
    expect(failed).toMatchObject({error: ENOENT, filename: 'missing-at', comm: 'execat', ppid: process.pid})
    expect(failed.argv.slice(0, 2)).toEqual(['missing-at', 'x'])
    expect(failed.argv[2]).toBe(long.slice(0, failed.argv[2].length))
    expect(failed.argv[2].length).toBeLessThan(long.length)
    expect(failed.flags & ExecFlag.argsTruncated).toBe(ExecFlag.argsTruncated)
    expect(failed.head.args_len).toBe(2048)
    expect(failed.head.filename_len).toBe('missing-at'.length + 1)
    await t.stop()
  })

  it('gives the real path of what ran: symlinks resolved', async () => {
    const link = join(dir, 'true-link')
    symlinkSync('/bin/true', link)
    const t = await trace({})
    const direct = await run('/bin/true', ['direct'])
    const viaLink = await run(link)
    await t.until(isExit(viaLink.pid), 'exit of the symlinked true')
    const real = realpathSync('/bin/true')
    expect(t.records.find(isExec(direct.pid))).toMatchObject({filename: real, argv: ['/bin/true', 'direct'], comm: 'true', flags: 0})
    expect(t.records.find(isExec(viaLink.pid))).toMatchObject({filename: real, argv: [link], comm: 'true-link', flags: 0})
    await t.stop()
  })

  it('keeps the innermost components of a path too deep or too long, flagged', async () => {
    const deep = join(dir, 'deep', ...Array(45).fill('d'))
    const long = join(dir, 'long', ...Array(11).fill('n'.repeat(200)))
    for (const d of [deep, long]) {
      mkdirSync(d, {recursive: true})
      copyFileSync(staticTrue, join(d, 't'))
      chmodSync(join(d, 't'), 0o755)
    }
    const t = await trace({})
    const a = await run(join(deep, 't'))
    const b = await run(join(long, 't'))
    await t.until(isExit(b.pid), 'exit of the binary deep down a long path')
    for (const [ran, path] of [
      [a, join(deep, 't')],
      [b, join(long, 't')],
    ] as const) {
      const r = t.records.find(isExec(ran.pid))!
      expect(r.flags & ExecFlag.filenameTruncated).toBe(ExecFlag.filenameTruncated)
      expect(r.filename.startsWith('.../')).toBe(true)
      expect(path.endsWith(r.filename.slice(3))).toBe(true)
      expect(r.head.filename_len).toBeLessThanOrEqual(2048)
    }
    expect(t.records.find(isExec(a.pid))!.filename.split('/').length - 1).toBe(32) // EXEC_PATH_DEPTH
    // "t\0" and 10 of the 11 long names (201 bytes each with their NUL) fit in 2,048 bytes.
    expect(t.records.find(isExec(b.pid))!.filename.split('/').length - 1).toBe(11)
    expect(t.records.find(isExec(b.pid))!.flags & ExecFlag.argsTruncated).toBe(ExecFlag.argsTruncated) // argv[0] is that path
    await t.stop()
  })

  it('resolves paths across mount points: a tmpfs and a bind mount', async () => {
    const tmpfs = join(dir, 'tmpfs')
    const bind = join(dir, 'bind')
    mkdirSync(tmpfs)
    mkdirSync(bind)
    const mounted: string[] = []
    try {
      execFileSync('mount', ['-t', 'tmpfs', 'monitor-execbpf', tmpfs])
      mounted.push(tmpfs)
      mkdirSync(join(tmpfs, 'sub'))
      const copy = join(tmpfs, 'sub', 'true-copy')
      copyFileSync(realpathSync('/bin/true'), copy)
      chmodSync(copy, 0o755)
      const binDir = realpathSync('/bin')
      execFileSync('mount', ['--bind', binDir, bind])
      mounted.push(bind)

      const t = await trace({})
      const onTmpfs = await run(copy)
      const viaBind = await run(join(bind, 'true'))
      await t.until(isExit(viaBind.pid), 'exit of true run through the bind mount')
      expect(t.records.find(isExec(onTmpfs.pid))?.filename).toBe(join(dir, 'tmpfs', 'sub', 'true-copy'))
      // The bind mount's root is /usr/bin's dentry: the walk must leave it by the mount point.
      expect(t.records.find(isExec(viaBind.pid))?.filename).toBe(join(dir, 'bind', 'true'))
      await t.stop()
    } finally {
      for (const m of mounted.reverse()) execFileSync('umount', [m])
    }
  })

  it('gives paths as the process sees them: inside a chroot, from its root', async () => {
    // A plain directory (no mount point) as the root, holding a static binary.
    const jail = join(dir, 'jail')
    mkdirSync(join(jail, 'bin'), {recursive: true})
    copyFileSync(staticTrue, join(jail, 'bin', 'st'))
    chmodSync(join(jail, 'bin', 'st'), 0o755)
    const t = await trace({})
    // chroot(8) enters the jail, then execs /bin/st, which resolves inside it.
    const ran = await run('/usr/sbin/chroot', [jail, '/bin/st'])
    expect(ran.code).toBe(0)
    await t.until(isExit(ran.pid), 'exit of the chrooted binary')
    const execs = t.records.filter(isExec(ran.pid))
    expect(execs.map((r) => r.filename)).toEqual([realpathSync('/usr/sbin/chroot'), '/bin/st'])
    await t.stop()
  })

  it('filters on a substring of comm: execs, failed execs and their exits', async () => {
    const xruy = join(dir, 'xruy') // runs sh under the comm "xruy"
    symlinkSync('/bin/sh', xruy)
    const t = await trace({targ_comm: 'ru'})
    const echo = await run('/bin/echo', ['not-me'])
    const shell = await run('/bin/sh', ['-c', `exec ${join(dir, 'nope')}`])
    const named = await run(xruy, ['-c', `exec ${join(dir, 'nope')}`])
    const tru = await run('/bin/true')
    await t.until(isExit(tru.pid), 'exit of true')
    expect(t.records.every((r) => r.comm.includes('ru'))).toBe(true)
    expect(t.records.some((r) => r.pid === echo.pid || r.pid === shell.pid)).toBe(false)
    expect(t.records.find((r) => isFailed(r) && r.pid === named.pid)).toMatchObject({comm: 'xruy', error: ENOENT})
    expect(t.records.find(isExec(tru.pid))).toMatchObject({comm: 'true'})
    await t.stop()
  })

  it('filters failed execs and untracked exits by pid (or parent pid) and by uid', async () => {
    const nope = join(dir, 'nope')
    let t = await trace({targ_pid: process.pid, all_exits: true})
    const sh = await run('/bin/sh', ['-c', `(exit 7); exec ${nope}`])
    await t.until(isExit(sh.pid), 'exit of the shell')
    expect(t.records.find((r) => isFailed(r) && r.pid === sh.pid)).toMatchObject({ppid: process.pid, filename: nope})
    expect(t.records.filter((r) => r.ppid === sh.pid)).toEqual([]) // a grandchild: neither pid nor ppid match
    expect(t.records.every((r) => r.pid === process.pid || r.ppid === process.pid)).toBe(true)
    await t.stop()

    t = await trace({targ_uid: 4242, all_exits: true})
    const mine = await run('/bin/sh', ['-c', `exec ${nope}`])
    const theirs = await run('setpriv', ['--reuid=4242', '--regid=4242', '--clear-groups', '/bin/sh', '-c', `(exit 5); exec ${nope}`])
    await t.until(isExit(theirs.pid), 'exit of the shell run as uid 4242')
    expect(t.records.some((r) => r.pid === mine.pid)).toBe(false)
    // The test directory is 0700: to uid 4242 the path is not even searchable.
    expect(t.records.find((r) => isFailed(r) && r.pid === theirs.pid)).toMatchObject({uid: 4242, filename: nope, error: EACCES})
    expect(t.records.find((r) => r.kind === ExecEventKind.exit && r.ppid === theirs.pid)).toMatchObject({uid: 4242, status: 5 << 8, flags: ExecFlag.untracked})
    expect(t.records.every((r) => r.uid === 4242)).toBe(true)
    await t.stop()
  })

  it('filters on a cgroup v2 directory', async () => {
    const mount = cgroup2Mount()
    expect(mount, 'no cgroup2 mount in /proc/mounts').toBeDefined()
    const cgroup = join(mount!, `monitor-execbpf-${process.pid}`)
    mkdirSync(cgroup)
    const fd = openSync(cgroup, 'r')
    try {
      const t = await trace({targ_cgroup: true}, (obj) => {
        const key = Buffer.alloc(4)
        const value = Buffer.alloc(4)
        value.writeUInt32LE(fd)
        obj.handle.update('cgroup_filter', key, value)
      })
      const outside = await run('/bin/true', ['outside'])
      const inside = await run('/bin/sh', ['-c', `echo $$ > ${cgroup}/cgroup.procs && ${join(dir, 'nope')}; exec /bin/true inside`])
      await t.until(isExit(inside.pid), 'exit of the process moved into the cgroup')
      expect(t.records.find(isExec(inside.pid))).toMatchObject({argv: ['/bin/true', 'inside'], filename: realpathSync('/bin/true')})
      // The shell's child, forked inside the cgroup, failed to exec.
      expect(t.records.find((r) => isFailed(r) && r.ppid === inside.pid)).toMatchObject({error: ENOENT, comm: 'sh'})
      expect(t.records.some((r) => r.pid === outside.pid)).toBe(false)
      // Nothing else runs in this fresh cgroup.
      expect(t.records.every((r) => r.pid === inside.pid || r.ppid === inside.pid)).toBe(true)
      await t.stop()
    } finally {
      closeSync(fd)
      // Empty once its processes are reaped; their release can trail the exit a little.
      expect(
        await waitFor(() => {
          try {
            rmdirSync(cgroup)
            return true
          } catch {
            return !existsSync(cgroup)
          }
        }),
      ).toBe(true)
    }
  })

  it('with all_exits, reports exits of processes that never exec’d while tracing, once per process', async () => {
    // Started before tracing, with a few dozen threads that a SIGTERM ends at once: of the exits
    // racing through the hook, exactly one may count.
    const t0 = monotonicNowNs()
    const early = spawn(process.execPath, ['-e', MANY_THREADS], {stdio: 'ignore'})
    const earlyExit = new Promise((r) => early.on('exit', r))
    expect(await waitFor(() => readdirSync(`/proc/${early.pid}/task`).length > 24, 10_000)).toBe(true)
    const t1 = monotonicNowNs()
    // The process's name as ps shows it: its main thread's (Node 24 names its main thread MainThread).
    const earlyComm = readFileSync(`/proc/${early.pid}/comm`, 'utf8').trim()

    const t = await trace({all_exits: true})
    const sh = await run('/bin/sh', ['-c', '(exit 7); exit 3'])
    early.kill('SIGTERM')
    await earlyExit
    await t.until(isExit(early.pid!), 'exit of the process started before tracing')

    const shExec = t.records.find(isExec(sh.pid))!
    expect(t.records.find(isExit(sh.pid))).toMatchObject({status: 3 << 8, flags: 0, start_ns: shExec.ts_ns})
    const forked = t.records.filter((r) => r.kind === ExecEventKind.exit && r.ppid === sh.pid)
    expect(forked).toHaveLength(1)
    expect(forked[0]).toMatchObject({status: 7 << 8, flags: ExecFlag.untracked, comm: 'sh', argv: [], filename: ''})
    expect(forked[0].start_ns).toBeGreaterThan(shExec.ts_ns) // its fork, after the shell's exec
    expect(forked[0].start_ns).toBeLessThan(forked[0].ts_ns)

    const earlyExits = t.records.filter(isExit(early.pid!))
    expect(earlyExits).toHaveLength(1)
    expect(earlyExits[0]).toMatchObject({status: 15, flags: ExecFlag.untracked, ppid: process.pid, comm: earlyComm})
    expect(earlyExits[0].start_ns).toBeGreaterThan(t0)
    expect(earlyExits[0].start_ns).toBeLessThan(t1)
    await t.stop()
  })

  it('without all_exits, reports only the exits of processes that exec’d while tracing', async () => {
    const early = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], {stdio: 'ignore'})
    const earlyExit = new Promise((r) => early.on('exit', r))
    expect(await waitFor(() => readdirSync(`/proc/${early.pid}/task`).length > 1)).toBe(true)
    const t = await trace({})
    early.kill('SIGTERM')
    await earlyExit
    const sh = await run('/bin/sh', ['-c', '(exit 7); exit 3'])
    await t.until(isExit(sh.pid), 'exit of the shell')
    expect(t.records.filter((r) => r.ppid === sh.pid)).toEqual([])
    expect(t.records.filter((r) => r.pid === early.pid)).toEqual([])
    await t.stop()
  })
})
