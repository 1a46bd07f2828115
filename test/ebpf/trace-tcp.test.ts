/** `monitor trace tcp` end to end: real loopback connections between a client and a server in two
 * child processes (so their pids differ), on ports the test's own server chose; every assertion
 * filters on those ports or pids, as other people's TCP traffic shares this kernel. */
import {type ChildProcess, spawn, spawnSync} from 'node:child_process'
import {mkdirSync, mkdtempSync, rmdirSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {expect, it, onTestFinished} from 'vitest'

import {runCli, startReady} from '../support/cli.js'
import {cgroup2Mount, describeEbpf, programsGone, programsOf, ROOT} from '../support/ebpf.js'

/** The kernel's name of a process of this Node, as the peers run: `node`, but Node 24 names its main
 * thread `MainThread`, and the owner's name is its main thread's (as ps shows it). */
const NODE_COMM = spawnSync(process.execPath, ['-e', "process.stdout.write(require('fs').readFileSync('/proc/self/comm', 'utf8').trim())"], {encoding: 'utf8'}).stdout

const PEER = `${ROOT}test/fixtures/tcp/peer.mjs`
const NO_LOSS = {ringbuf_reserve: 0, map_full: 0, read_fault: 0, queue: 0, recursion_misses: 0}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- NDJSON objects
type Line = Record<string, any>

function parse(stdout: string): {ready: Line; rows: Line[]; summary: Line} {
  const lines = stdout.trim().split('\n').map((l) => JSON.parse(l) as Line)
  expect(lines[0].type).toBe('ready')
  expect(lines.at(-1)!.type).toBe('summary')
  return {ready: lines[0], rows: lines.slice(1, -1), summary: lines.at(-1)!}
}

/** A peer process; resolves with its first stdout line (parsed) and its exit. */
function peer(args: string[]): {child: ChildProcess; first: Promise<Line>; exited: Promise<number | null>} {
  const child = spawn(process.execPath, [PEER, ...args], {stdio: ['ignore', 'pipe', 'inherit']})
  let text = ''
  const first = new Promise<Line>((resolve, reject) => {
    child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      text += d
      const nl = text.indexOf('\n')
      if (nl >= 0) resolve(JSON.parse(text.slice(0, nl)) as Line)
    })
    child.on('exit', () => reject(new Error(`peer ${args[0]} exited before printing`)))
  })
  first.catch(() => undefined)
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)))
  return {child, first, exited}
}

/** N connections from a client process to a server process: the server's port and both pids. */
async function exchange(host: string, n: number, closer: 'server' | 'client', trace: (port: number) => Promise<void>) {
  const server = peer(['server', host, String(n), '3000', '1000', closer])
  const {port} = await server.first
  await trace(port)
  const client = peer(['client', host, String(port), String(n), '1000', '3000'])
  await client.first
  expect(await client.exited).toBe(0)
  expect(await server.exited).toBe(0)
  return {port, serverPid: server.child.pid!, clientPid: client.child.pid!}
}

describeEbpf('trace tcp', () => {
  for (const [host, family, closer] of [
    ['127.0.0.1', 'ipv4', 'server'],
    ['127.0.0.1', 'ipv4', 'client'],
    ['::1', 'ipv6', 'server'],
  ] as const) {
    it(`life: one record per side with its bytes and its own pid (${family}, ${closer} closes first)`, async () => {
      const n = 5
      let cli!: Awaited<ReturnType<typeof startReady>>
      const {port, serverPid, clientPid} = await exchange(host, n, closer, async (p) => {
        cli = await startReady(['trace', 'tcp', 'life', '--port', String(p), '--duration', '4'])
      })
      expect(await cli.exited).toBe(0)
      const {rows, summary} = parse(cli.stdout)
      const server = rows.filter((r) => r.sport === port)
      const client = rows.filter((r) => r.dport === port)
      expect(server).toHaveLength(n)
      expect(client).toHaveLength(n)
      // bytes_acked counts the SYN an active open sends and an acknowledged FIN; bytes_received the
      // peer's FIN (as tcplife reports them).
      for (const r of server) expect(r).toMatchObject({type: 'life', pid: serverPid, comm: NODE_COMM, family, saddr: host, daddr: host, tx_bytes: 3001, rx_bytes: 1001, partial: false})
      for (const r of client) expect(r).toMatchObject({type: 'life', pid: clientPid, comm: NODE_COMM, family, saddr: host, daddr: host, tx_bytes: 1002, rx_bytes: 3001, partial: false})
      for (const r of rows) {
        expect(r.duration_ns).toBeGreaterThan(0)
        expect(r.ts).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/)
      }
      expect(summary).toMatchObject({connections: 2 * n, partial: 0, lost: NO_LOSS, lost_total: 0})
    })
  }

  it('life: connections older than tracing are reported partial, with their owners from the start-up snapshot', async () => {
    const server = peer(['server', '127.0.0.1', '1', '10', '10', 'client'])
    const {port} = await server.first
    const client = peer(['hold', '127.0.0.1', String(port)])
    const {connected: clientPort} = await client.first
    const cli = await startReady(['trace', 'tcp', 'life', '--port', String(port), '--duration', '2'])
    // The client resets the connection: the server's side closes in softirq, where no process
    // context names its owner; the client's closes in close() without a FIN.
    client.child.kill('SIGTERM')
    expect(await client.exited).toBe(0)
    expect(await server.exited).toBe(0)
    expect(await cli.exited).toBe(0)
    const {rows, summary} = parse(cli.stdout)
    expect(rows).toHaveLength(2)
    expect(rows.find((r) => r.sport === port)).toMatchObject({partial: true, ts: null, duration_ns: null, pid: server.child.pid, comm: NODE_COMM, dport: clientPort})
    expect(rows.find((r) => r.dport === port)).toMatchObject({partial: true, ts: null, duration_ns: null, pid: client.child.pid, comm: NODE_COMM, sport: clientPort})
    expect(summary).toMatchObject({connections: 2, partial: 2})
  })

  it('connect: latency of connects, and refused connects (blocking and non-blocking) with ECONNREFUSED and the pid', async () => {
    // A port nobody listens on: one a server of ours had, closed again.
    const gone = peer(['server', '127.0.0.1', '1', '1', '1', 'client'])
    const {port: closedPort} = await gone.first
    gone.child.kill('SIGKILL')
    await gone.exited
    const cli = await startReady(['trace', 'tcp', 'connect', '--port', String(closedPort), '--duration', '3'])
    const nonBlocking = peer(['refuse', '127.0.0.1', String(closedPort)])
    expect((await nonBlocking.first).code).toBe('ECONNREFUSED')
    const blocking = spawnSync('python3', ['-c', `import socket,os\ntry:\n  socket.create_connection(("127.0.0.1", ${closedPort}))\nexcept ConnectionRefusedError: print(os.getpid())`], {encoding: 'utf8'})
    const blockingPid = Number(blocking.stdout.trim())
    expect(blockingPid).toBeGreaterThan(0)
    expect(await cli.exited).toBe(0)
    const {rows, summary} = parse(cli.stdout)
    expect(rows.map((r) => [r.pid, r.errno, r.latency_ns, r.daddr, r.dport])).toEqual([
      [nonBlocking.child.pid, 'ECONNREFUSED', null, '127.0.0.1', closedPort],
      [blockingPid, 'ECONNREFUSED', null, '127.0.0.1', closedPort],
    ])
    expect(rows.map((r) => r.comm)).toEqual([NODE_COMM, 'python3'])
    expect(summary).toMatchObject({connects: 2, failed: 2, lost_total: 0})

    let traced!: Awaited<ReturnType<typeof startReady>>
    const {port, clientPid} = await exchange('::1', 3, 'client', async (p) => {
      traced = await startReady(['trace', 'tcp', 'connect', '--port', String(p), '--duration', '3'])
    })
    expect(await traced.exited).toBe(0)
    const ok = parse(traced.stdout).rows
    expect(ok).toHaveLength(3)
    for (const r of ok) {
      expect(r).toMatchObject({type: 'connect', pid: clientPid, family: 'ipv6', saddr: '::1', daddr: '::1', dport: port, errno: null})
      expect(r.latency_ns).toBeGreaterThan(0)
      expect(r.sport).toBeGreaterThan(0)
    }
  })

  it('connect: ETIMEDOUT (SYNs dropped), EHOSTUNREACH (ICMP) and ENETUNREACH (no route, before any state change), in a namespace of its own', async () => {
    const ns = `monitor-tcpcore-${process.pid}`
    const sh = (cmd: string, input?: string) => {
      const r = spawnSync('sh', ['-c', cmd], {encoding: 'utf8', input})
      if (r.status !== 0) throw new Error(`${cmd}: ${r.stderr}`)
      return r.stdout
    }
    sh(`ip netns add ${ns} && ip -n ${ns} link set lo up`)
    onTestFinished(() => void spawnSync('ip', ['netns', 'del', ns]))
    sh(`ip netns exec ${ns} nft -f -`, 'table inet t {\n chain in {\n  type filter hook input priority 0;\n  tcp dport 9 tcp flags syn drop\n  tcp dport 10 reject with icmp type host-unreachable\n }\n}\n')
    // One SYN retry: the timeout comes after ~3 s instead of ~2 min.
    const connect = (host: string, port: number) =>
      `ip netns exec ${ns} python3 -c 'import socket,os\ns=socket.socket()\ns.setsockopt(socket.IPPROTO_TCP, socket.TCP_SYNCNT, 1)\ntry: s.connect(("${host}", ${port}))\nexcept OSError as e: print(os.getpid(), e.errno)'`
    const cli = await startReady(['trace', 'tcp', 'connect', '--duration', '6'])
    const outcomes = sh(`${connect('127.0.0.1', 9)} & ${connect('127.0.0.1', 10)}; ${connect('10.9.9.9', 80)}; wait`)
    const pidOf = new Map(outcomes.trim().split('\n').map((l) => l.split(' ').map(Number)).map(([pid, errno]) => [errno, pid]))
    expect([...pidOf.keys()].sort()).toEqual([101, 110, 113])
    expect(await cli.exited).toBe(0)
    const rows = parse(cli.stdout).rows.filter((r) => [...pidOf.values()].includes(r.pid))
    expect(rows.map((r) => [r.pid, r.errno, r.daddr, r.dport]).sort()).toEqual(
      [
        [pidOf.get(110), 'ETIMEDOUT', '127.0.0.1', 9],
        [pidOf.get(113), 'EHOSTUNREACH', '127.0.0.1', 10],
        [pidOf.get(101), 'ENETUNREACH', '10.9.9.9', 80],
      ].sort(),
    )
  })

  it('accept: the accepting process and the accept-queue wait', async () => {
    let cli!: Awaited<ReturnType<typeof startReady>>
    const {port, serverPid, clientPid} = await exchange('127.0.0.1', 4, 'client', async (p) => {
      cli = await startReady(['trace', 'tcp', 'accept', '--port', String(p), '--duration', '3'])
    })
    expect(clientPid).not.toBe(serverPid)
    expect(await cli.exited).toBe(0)
    const {rows, summary} = parse(cli.stdout)
    expect(rows).toHaveLength(4)
    for (const r of rows) {
      expect(r).toMatchObject({type: 'accept', pid: serverPid, comm: NODE_COMM, sport: port, saddr: '127.0.0.1'})
      expect(r.latency_ns).toBeGreaterThanOrEqual(0)
    }
    expect(summary.accepts).toBe(4)
  })

  it('states: five changes per side of each connection, with the time spent in the state left', async () => {
    const n = 4
    let cli!: Awaited<ReturnType<typeof startReady>>
    const {port, serverPid, clientPid} = await exchange('127.0.0.1', n, 'client', async (p) => {
      cli = await startReady(['trace', 'tcp', 'states', '--port', String(p), '--duration', '3'])
    })
    expect(await cli.exited).toBe(0)
    const {rows, summary} = parse(cli.stdout)
    // The listener: LISTEN -> CLOSE when the server exits (its CLOSE -> LISTEN came before tracing).
    // One life per socket: a freed socket's address may be reused (by the next connection's other side).
    const open = new Map<string, Line[]>()
    const lives: Line[][] = []
    for (const r of rows) {
      let life = open.get(r.sock)
      if (!life) open.set(r.sock, (life = []))
      life.push(r)
      if (r.newstate === 'CLOSE') {
        lives.push(life)
        open.delete(r.sock)
      }
    }
    expect(open.size).toBe(0)
    const conns = lives.filter((s) => s[0].oldstate !== 'LISTEN' || s[0].newstate !== 'CLOSE')
    const client = conns.filter((s) => s[0].oldstate === 'CLOSE' && s[0].newstate === 'SYN_SENT')
    const server = conns.filter((s) => s[0].oldstate === 'LISTEN' && s[0].newstate === 'SYN_RECV')
    expect(client).toHaveLength(n)
    expect(server).toHaveLength(n)
    for (const s of client) {
      expect(s.map((r) => r.newstate)).toEqual(['SYN_SENT', 'ESTABLISHED', 'FIN_WAIT1', 'FIN_WAIT2', 'CLOSE'])
      expect(s.every((r) => r.pid === clientPid)).toBe(true)
      expect(s.slice(1).every((r) => r.duration_ns > 0)).toBe(true)
    }
    for (const s of server) {
      expect(s.map((r) => r.newstate)).toEqual(['SYN_RECV', 'ESTABLISHED', 'CLOSE_WAIT', 'LAST_ACK', 'CLOSE'])
      // From accept() on, the accepting process (before it, the listener's owner: not known here,
      // as the server listened before tracing started).
      expect(s.slice(2).every((r) => r.pid === serverPid)).toBe(true)
    }
    expect(rows.every((r) => r.sport === port || r.dport === port)).toBe(true)
    expect(summary).toMatchObject({transitions: rows.length, lost_total: 0})
  })

  it('resets: a connect to a closed port — the reset sent (no socket) and the one received', async () => {
    const gone = peer(['server', '127.0.0.1', '1', '1', '1', 'client'])
    const {port} = await gone.first
    gone.child.kill('SIGKILL')
    await gone.exited
    const cli = await startReady(['trace', 'tcp', 'resets', '--port', String(port), '--duration', '2'])
    const refused = peer(['refuse', '127.0.0.1', String(port)])
    await refused.first
    expect(await cli.exited).toBe(0)
    const {rows, summary} = parse(cli.stdout)
    const sent = rows.find((r) => r.direction === 'sent')
    const received = rows.find((r) => r.direction === 'received')
    expect(sent).toMatchObject({type: 'reset', pid: null, state: null, saddr: '127.0.0.1', sport: port})
    expect(received).toMatchObject({type: 'reset', pid: refused.child.pid, state: 'SYN_SENT', dport: port})
    expect(summary).toMatchObject({resets: 2, sent: 1, received: 1})
  })

  it('--cgroup: only connections whose owner is in that cgroup v2 directory or below it', async () => {
    const mount = cgroup2Mount()
    expect(mount).toBeTruthy()
    const dir = `${mount}/monitor-tcpcore-${process.pid}`
    mkdirSync(`${dir}/child`, {recursive: true})
    onTestFinished(() => {
      rmdirSync(`${dir}/child`)
      rmdirSync(dir)
    })
    const server = peer(['server', '127.0.0.1', '2', '100', '100', 'client'])
    const {port} = await server.first
    const cli = await startReady(['trace', 'tcp', 'life', '--cgroup', dir, '--port', String(port), '--duration', '3'])
    // The client moves itself into the child cgroup before it connects; the server stays outside.
    const client = spawnSync('sh', ['-c', `echo $$ > ${dir}/child/cgroup.procs && exec ${process.execPath} ${PEER} client 127.0.0.1 ${port} 2 100 100`], {encoding: 'utf8'})
    expect(client.status, client.stderr).toBe(0)
    const clientPid = JSON.parse(client.stdout).pid
    expect(await server.exited).toBe(0)
    expect(await cli.exited).toBe(0)
    const {rows} = parse(cli.stdout)
    expect(rows.map((r) => [r.pid, r.dport])).toEqual([
      [clientPid, port],
      [clientPid, port],
    ])
  })

  it('--record: convert gives the rows the live run printed, report its counts, chrome its spans', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'monitor-tcp-')), 'life.trace')
    let cli!: Awaited<ReturnType<typeof startReady>>
    await exchange('127.0.0.1', 3, 'server', async (p) => {
      cli = await startReady(['trace', 'tcp', 'life', '--port', String(p), '--duration', '3', '--record', file])
    })
    expect(await cli.exited).toBe(0)
    const live = parse(cli.stdout)
    expect(live.rows).toHaveLength(6)
    const converted = runCli(['trace', 'convert', file, '--to', 'json'])
    expect(converted.status, converted.stderr).toBe(0)
    const replay = parse(converted.stdout)
    expect(replay.rows).toEqual(live.rows)
    expect(replay.summary.connections).toBe(6)
    const report = runCli(['trace', 'report', file])
    expect(report.stdout).toMatch(/6 connections, lost 0/)
    const chrome = JSON.parse(runCli(['trace', 'convert', file, '--to', 'chrome']).stdout)
    const spans = (chrome.traceEvents ?? chrome).filter((e: Line) => e.cat === 'tcp_life')
    expect(spans).toHaveLength(6)
    expect(spans.every((e: Line) => e.ph === 'X' && e.dur > 0)).toBe(true)
  })

  it('leaves no programs behind after kill -9', async () => {
    const cli = await startReady(['trace', 'tcp', 'resets'])
    const ours = programsOf(cli.pid)
    expect([...ours.values()].sort()).toEqual(['tcp_accept4_exit', 'tcp_accept_exit', 'tcp_destroy', 'tcp_reset_received', 'tcp_reset_sent', 'tcp_state', 'tcp_state_backup'].sort())
    cli.child.kill('SIGKILL')
    await cli.exited
    expect(await programsGone(ours.keys())).toBe(true)
  })
})
