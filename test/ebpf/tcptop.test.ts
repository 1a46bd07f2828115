/** `monitor top tcp` and `monitor trace tcp rtt` end to end: real loopback traffic between a client
 * and a server in separate processes, on ports of their own (filtered with --port, so other tests'
 * traffic on this host does not count), checked against the bytes the client says it sent. */
import {type ChildProcess, spawn} from 'node:child_process'
import {readFileSync} from 'node:fs'
import {afterEach, expect, it} from 'vitest'

import {openInterval} from '../../src/trace/interval.js'
import {topTcpSpec} from '../../src/trace/tcptop/top.js'
import {runCli, startCli, startReady} from '../support/cli.js'
import {describeEbpf, programsGone, programsOf, waitFor} from '../support/ebpf.js'

/** A server that reads and discards; prints its port, and "got N" for each connection that ended. */
const SERVER = `
const net = require('net')
const s = net.createServer((c) => { let n = 0; c.on('data', (d) => (n += d.length)); c.on('end', () => { console.log('got ' + n); c.end() }) })
s.listen(0, process.argv[1], () => console.log('port ' + s.address().port))`

/** A client sending at a steady rate: every 10 ms it writes what brings the total to rate x time.
 * Prints start, each write ("w <ms> <total>": what it sent by then), end and the bytes. */
const CLIENT = `
const net = require('net')
const [host, port, rate, seconds] = process.argv.slice(1).map((a, i) => (i ? Number(a) : a))
const c = net.connect(port, host, () => {
  const t0 = Date.now(); let sent = 0
  console.log('start ' + t0)
  const t = setInterval(() => {
    const now = Date.now()
    const due = Math.floor(rate * Math.min(now - t0, seconds * 1000) / 1000)
    if (due > sent) { c.write(Buffer.alloc(due - sent)); sent = due; console.log('w ' + now + ' ' + sent) }
    if (now - t0 >= seconds * 1000) { clearInterval(t); c.end(() => console.log('end ' + Date.now() + ' sent ' + sent)) }
  }, 10)
})
c.on('data', () => {})
c.on('close', () => process.exit(0))`

const children = new Set<ChildProcess>()
afterEach(() => {
  for (const c of children) c.kill('SIGKILL')
  children.clear()
})

/** A process's name as ps shows it (its main thread's: "node" on Node 20, "MainThread" on Node 24). */
const commOf = (pid: number) => readFileSync(`/proc/${pid}/comm`, 'utf8').trim()

function node(script: string, args: (string | number)[]): {child: ChildProcess; out: () => string; exited: Promise<void>} {
  const child = spawn(process.execPath, ['-e', script, ...args.map(String)], {stdio: ['ignore', 'pipe', 'inherit']})
  children.add(child)
  let out = ''
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d))
  const exited = new Promise<void>((resolve) => child.on('close', () => resolve()))
  return {child, out: () => out, exited}
}

async function server(host: string): Promise<{port: number; got: () => number[]; child: ChildProcess}> {
  const s = node(SERVER, [host])
  expect(await waitFor(() => /port (\d+)/.test(s.out()), 10_000)).toBe(true)
  const port = Number(/port (\d+)/.exec(s.out())![1])
  return {port, child: s.child, got: () => [...s.out().matchAll(/got (\d+)/g)].map((m) => Number(m[1]))}
}

/** What the client had written by `ms` (wall clock), from its "w" lines. */
function sentBy(clientOut: string, ms: number): number {
  let total = 0
  for (const m of clientOut.matchAll(/^w (\d+) (\d+)$/gm)) {
    if (Number(m[1]) > ms) break
    total = Number(m[2])
  }
  return total
}

/** The rate the client sent at over an interval of the tool (its end `ts`, its length), bytes/s:
 * what the test's sender actually wrote then, which a loaded machine can make uneven. */
function sentRate(clientOut: string, o: {ts: string; interval_s: number}): number {
  const to = Date.parse(o.ts)
  return (sentBy(clientOut, to) - sentBy(clientOut, to - o.interval_s * 1000)) / o.interval_s
}

const lines = (stdout: string) =>
  stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l))

interface Proc {
  pid: number
  comm: string
  tx_bytes: number
  rx_bytes: number
  tx_bytes_per_s: number
  rx_bytes_per_s: number
}

describeEbpf('top tcp', () => {
  /** A paced 4 MB/s transfer of 4.5 s traced by `top tcp` at 1 s: the intervals, what the sender
   * sent, each side's bytes over the run, and a check of every interval wholly inside the transfer
   * against what the sender wrote in it (within 5%, to the right processes). */
  async function pacedTransfer(env: NodeJS.ProcessEnv = {}) {
    const RATE = 4_000_000
    const srv = await server('127.0.0.1')
    const cli = await startReady(['top', 'tcp', '--port', String(srv.port), '--interval', '1'], {env})
    const programs = [...programsOf(cli.pid).values()].sort()
    const client = node(CLIENT, ['127.0.0.1', srv.port, RATE, 4.5])
    expect(await waitFor(() => /start/.test(client.out()), 10_000)).toBe(true)
    const comm = commOf(client.child.pid!)
    await client.exited
    expect(await waitFor(() => srv.got().length === 1, 10_000)).toBe(true)
    cli.child.kill('SIGINT')
    expect(await cli.exited).toBe(0)

    const out = lines(cli.stdout)
    expect(out.at(-1)).toMatchObject({type: 'summary', lost_total: 0})
    const intervals = out.filter((o) => o.type === 'interval')
    const start = Number(/start (\d+)/.exec(client.out())![1])
    const [, end, sent] = /end (\d+) sent (\d+)/.exec(client.out())!.map(Number)
    expect(sent).toBe(RATE * 4.5)
    const of = (o: {processes: Proc[]}, pid: number) => o.processes.find((p) => p.pid === pid)
    const sum = (pid: number, field: 'tx_bytes' | 'rx_bytes') => intervals.reduce((n, o) => n + (of(o, pid)?.[field] ?? 0), 0)

    const inside = intervals.filter((o) => {
      const to = Date.parse(o.ts)
      return !o.final && to - o.interval_s * 1000 >= start + 20 && to <= end - 20
    })
    expect(inside.length).toBeGreaterThanOrEqual(2)
    for (const o of inside) {
      const tx = of(o, client.child.pid!)!
      const rx = of(o, srv.child.pid!)!
      const want = sentRate(client.out(), o)
      if (process.env.MONITOR_TEST_VERBOSE) console.log(`interval ${o.interval_s}s: tx ${tx.tx_bytes_per_s} B/s, rx ${rx.rx_bytes_per_s} B/s (sent ${want} B/s)`)
      expect(tx.comm).toBe(comm)
      expect(Math.abs(tx.tx_bytes_per_s - want) / want, `tx ${tx.tx_bytes_per_s} B/s, sent ${want} B/s`).toBeLessThan(0.05)
      expect(Math.abs(rx.rx_bytes_per_s - want) / want, `rx ${rx.rx_bytes_per_s} B/s, sent ${want} B/s`).toBeLessThan(0.05)
    }
    return {cli, srv, client, programs, intervals, inside, sent, of, tx: sum(client.child.pid!, 'tx_bytes'), rx: sum(srv.child.pid!, 'rx_bytes')}
  }

  it('shows the sender and the receiver at the rate sent, within 5% per interval, and every byte', async () => {
    const t = await pacedTransfer()
    expect(t.programs).toEqual(['tcptop_recv', 'tcptop_send'])
    // Every byte, to the byte: the tool's intervals add up to what was sent and received.
    expect(t.tx).toBe(t.sent)
    expect(t.rx).toBe(t.srv.got()[0])
    expect(t.srv.got()[0]).toBe(t.sent)
    for (const o of t.inside) {
      const tx = t.of(o, t.client.child.pid!)!
      expect(Math.abs(tx.tx_bytes / o.interval_s - tx.tx_bytes_per_s)).toBeLessThan(tx.tx_bytes_per_s * 1e-5) // interval_s is rounded to µs
      const conn = o.connections.find((c: {pid: number}) => c.pid === t.client.child.pid)
      expect(conn).toMatchObject({family: 'ipv4', saddr: '127.0.0.1', daddr: '127.0.0.1', dport: t.srv.port, rx_bytes: 0})
    }
  })

  it('before Linux 6.3 (forced here): bytes from tcp_probe, owners by socket inode, the rate within 5%, said on stderr', async () => {
    const t = await pacedTransfer({MONITOR_TCP_BYTES: 'probe'})
    expect(t.programs).toEqual(['tcptop_segbytes', 'tcptop_states'])
    expect(t.cli.stderr).toMatch(/bytes from tcp:tcp_probe/)
    // Counted from the handshake: every byte, plus the FIN when the segment acknowledging it
    // arrived before the socket left ESTABLISHED (sequence space).
    for (const [n, field] of [[t.tx, 'tx_bytes'], [t.rx, 'rx_bytes']] as const) {
      expect(n, field).toBeGreaterThanOrEqual(t.sent)
      expect(n, field).toBeLessThanOrEqual(t.sent + 1)
    }
  })

  it('--count 1 gives one final interval, over IPv6 too', async () => {
    const srv = await server('::1')
    const client = node(CLIENT, ['::1', srv.port, 1_000_000, 3])
    await waitFor(() => /start/.test(client.out()), 10_000)
    const r = runCli(['top', 'tcp', '--port', String(srv.port), '--interval', '1', '--count', '1', '--ipv6', '-o', 'json'])
    expect(r.status).toBe(0)
    const out = lines(r.stdout)
    expect(out.map((o) => o.type)).toEqual(['ready', 'interval', 'summary'])
    expect(out[1].final).toBe(true)
    expect(out[1].interval_s).toBeGreaterThan(0.9)
    const conn = out[1].connections.find((c: {pid: number}) => c.pid === client.child.pid)
    expect(conn).toMatchObject({family: 'ipv6', saddr: '::1', daddr: '::1', dport: srv.port})
    expect(conn.tx_bytes).toBeGreaterThan(0)
  })

  it('counts the connections that found the map full as losses', async () => {
    const srv = await server('127.0.0.1')
    const tracer = openInterval(topTcpSpec, {port: srv.port, maxConnections: 2})
    try {
      // Four connection sides (two clients, two accepted sockets) into a map of two entries.
      const clients = [node(CLIENT, ['127.0.0.1', srv.port, 1_000_000, 0.3]), node(CLIENT, ['127.0.0.1', srv.port, 1_000_000, 0.3])]
      await Promise.all(clients.map((c) => c.exited))
      expect(await waitFor(() => srv.got().length === 2, 10_000)).toBe(true)
      const sample = tracer.sample(true)
      expect(sample.connections.length).toBeLessThanOrEqual(2)
      expect(sample.lost.map_full).toBeGreaterThan(0)
      expect(sample.lost_total).toBe(sample.lost.map_full)
    } finally {
      tracer.close()
    }
  })

  it('refuses bad flags in one line', () => {
    for (const args of [
      ['--interval', '0'],
      ['--ipv4', '--ipv6'],
      ['--raddr', 'nowhere'],
      ['--count', '0'],
    ]) {
      const r = runCli(['top', 'tcp', ...args, '-o', 'json'])
      expect(r.status, args.join(' ')).toBe(2)
      expect(r.stderr.trim().split('\n'), args.join(' ')).toHaveLength(1)
      expect(r.stdout).toBe('')
    }
  })

  it('leaves no programs behind after kill -9', async () => {
    const cli = await startReady(['top', 'tcp', '--port', '1'])
    const ids = [...programsOf(cli.pid).keys()]
    expect(ids.length).toBe(2)
    cli.child.kill('SIGKILL')
    await cli.exited
    expect(await programsGone(ids)).toBe(true)
  })

  it('-o columns ends when its reader goes away', async () => {
    const cli = startCli(['top', 'tcp', '--port', '1', '--interval', '0.2', '-o', 'columns'])
    expect(await cli.waitForLine(/PID COMM/)).toBe(true)
    cli.child.stdout!.destroy()
    expect(await Promise.race([cli.exited, new Promise((r) => setTimeout(() => r('timeout'), 5000))])).not.toBe('timeout')
  })
})

describeEbpf('trace tcp rtt', () => {
  it("shows the test's connection, its owner and sane percentiles", async () => {
    const srv = await server('127.0.0.1')
    const cli = await startReady(['trace', 'tcp', 'rtt', '--port', String(srv.port), '--interval', '1'])
    const client = node(CLIENT, ['127.0.0.1', srv.port, 2_000_000, 1.5])
    expect(await waitFor(() => /start/.test(client.out()), 10_000)).toBe(true)
    const comm = commOf(client.child.pid!)
    await client.exited
    cli.child.kill('SIGINT')
    expect(await cli.exited).toBe(0)
    const out = lines(cli.stdout)
    expect(out.at(-1)).toMatchObject({type: 'summary', lost_total: 0})
    expect(out.at(-1).samples).toBeGreaterThan(0)

    const total = out.find((o) => o.type === 'rtt' && o.scope === 'total' && o.daddr === '127.0.0.1')
    expect(total).toBeDefined()
    expect(total.count).toBeGreaterThan(0)
    expect(total.min_us).toBeGreaterThan(0)
    expect(total.min_us).toBeLessThanOrEqual(total.p50_us)
    expect(total.p50_us).toBeLessThanOrEqual(total.p90_us)
    expect(total.p90_us).toBeLessThanOrEqual(total.p99_us)
    expect(total.p99_us).toBeLessThanOrEqual(total.max_us)
    expect(total.max_us).toBeLessThan(1_000_000) // loopback: well under a second
    const perInterval = out.filter((o) => o.type === 'rtt' && o.scope === 'interval').reduce((n, o) => n + o.count, 0)
    expect(perInterval).toBe(total.count)

    // The client's side: owned by the client, which sent on it.
    const conn = out.find((o) => o.type === 'rtt_conn' && o.scope === 'total' && o.dport === srv.port)
    expect(conn).toMatchObject({pid: client.child.pid, comm, family: 'ipv4', saddr: '127.0.0.1', daddr: '127.0.0.1'})
    expect(conn.count).toBeGreaterThan(0)
    expect(conn.min_us).toBeLessThanOrEqual(conn.srtt_us)
    expect(conn.srtt_us).toBeLessThanOrEqual(conn.max_us)
  })
})
