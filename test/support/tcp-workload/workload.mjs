// Runs the TCP workload programs (server.c, client.c, connect.c, storm.c in this directory) for the
// acceptance tests (test/ebpf/trace-tcp-*.test.ts) and bench/tcp: compiled with cc on first use, each
// started as its own process that prints JSON lines of what it did, optionally inside a network
// namespace the caller creates (and deletes) here.
//
// Plain ESM with a .d.mts beside it, so the benchmarks (node, no TypeScript) share it with the tests.
import {execFileSync, spawn} from 'node:child_process'
import {createHash} from 'node:crypto'
import {existsSync, mkdirSync, readFileSync, renameSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'

const here = dirname(fileURLToPath(import.meta.url))
export const PROGRAMS = ['server', 'client', 'connect', 'storm']

/** Compiles the programs (once per source version: the directory is named by the sources' hash,
 * so worktrees and runs never pick up a stale binary) and returns their paths by name. */
export function buildWorkload() {
  const hash = createHash('sha256')
  for (const f of ['common.h', ...PROGRAMS.map((p) => `${p}.c`)]) hash.update(readFileSync(join(here, f)))
  const dir = join(tmpdir(), `monitor-tcp-workload-${hash.digest('hex').slice(0, 12)}`)
  mkdirSync(dir, {recursive: true})
  const paths = {}
  for (const p of PROGRAMS) {
    const out = join(dir, `tcp-${p}`)
    if (!existsSync(out)) {
      // Build beside the target and rename: a concurrent build (another test run) never sees half a file.
      const tmp = `${out}.${process.pid}.tmp`
      execFileSync(process.env.CC || 'cc', ['-O2', '-Wall', '-o', tmp, join(here, `${p}.c`)], {stdio: ['ignore', 'inherit', 'inherit']})
      renameSync(tmp, out)
    }
    paths[p] = out
  }
  return paths
}

/** Every program started here that still runs: killed by killAll() (tests call it after each test). */
const live = new Set()

export function killAll() {
  for (const p of live) p.kill()
  live.clear()
}

/**
 * Starts one program. With `go: true` it is given -g: it prints its "ready" line and waits until
 * go() before doing anything (the caller attaches tracers to the ports it printed first).
 * `netns` runs it inside that namespace (`ip netns exec` execs it: the pid is the program's own).
 */
export function startProgram(path, args, {go = false, netns} = {}) {
  const argv = [...args, ...(go ? ['-g'] : [])]
  const [cmd, cmdArgs] = netns ? ['ip', ['netns', 'exec', netns, path, ...argv]] : [path, argv]
  const child = spawn(cmd, cmdArgs, {stdio: ['pipe', 'pipe', 'pipe']})
  let out = ''
  let err = ''
  const lines = []
  const waiters = new Set() // re-checked on every line and at exit
  let closed = false // exited, and all its output read
  const onLine = () => {
    for (const w of waiters) w()
  }
  child.stdout.setEncoding('utf8').on('data', (d) => {
    out += d
    let nl
    while ((nl = out.indexOf('\n')) >= 0) {
      const line = out.slice(0, nl)
      out = out.slice(nl + 1)
      if (line) lines.push(JSON.parse(line))
      onLine()
    }
  })
  child.stderr.setEncoding('utf8').on('data', (d) => (err += d))
  const handle = {
    child,
    pid: child.pid,
    lines,
    get stderr() {
      return err
    },
    exited: new Promise((resolve) =>
      // 'close', not 'exit': every line it printed has been read by then.
      child.on('close', (code, signal) => {
        live.delete(handle)
        closed = true
        onLine()
        resolve(code ?? (signal ? -1 : null))
      }),
    ),
    /** The first line of this event (rejects if the program exits before printing one). */
    line(event) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const r = lines.find((l) => l.event === event)
          if (r) {
            waiters.delete(check)
            resolve(r)
          } else if (closed) {
            waiters.delete(check)
            reject(new Error(`${path} exited before printing ${event}: ${err.trim()}`))
          }
        }
        waiters.add(check)
        check()
      })
    },
    go() {
      child.stdin.write('go\n')
    },
    /** Resolves with the lines once the program exits 0; rejects with its stderr otherwise. */
    async done() {
      const code = await handle.exited
      if (code !== 0) throw new Error(`${path} ${argv.join(' ')} exited ${code}: ${err.trim()}`)
      return lines
    },
    kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
    },
  }
  handle.ready = handle.line('ready')
  handle.ready.catch(() => {}) // awaited by whoever needs it; never an unhandled rejection
  child.on('error', (e) => (err += String(e))) // a spawn failure: 'close' follows, with this as the reason
  live.add(handle)
  return handle
}

/**
 * Server and client of one plan (see common.h: "C:S:X,…" with N* repeats), as two processes.
 * Returns once both listen/are ready; `run()` lets them go and resolves with both sides' lines.
 * In between, the caller starts its tracers on the server's port. With `hold`, run() is split:
 * `connect()` lets the client go and resolves once its first connection is up ({"event":"connected"}),
 * `run()` then lets it finish (a connection that existed before a tracer started).
 */
export async function startPair(paths, {family = 4, plan, netns, addr, port, hold = false}) {
  const fam = String(family)
  const server = startProgram(paths.server, ['-f', fam, '-P', plan, ...(addr ? ['-a', addr] : []), ...(port ? ['-p', String(port)] : [])], {netns})
  const ready = await server.ready
  const client = startProgram(paths.client, ['-f', fam, '-p', String(ready.port), '-P', plan, ...(addr ? ['-a', addr] : []), ...(hold ? ['-W'] : [])], {
    go: true,
    netns,
  })
  await client.ready
  return {
    server,
    client,
    port: ready.port,
    addr: ready.addr,
    async connect() {
      client.go()
      return client.line('connected')
    },
    async run() {
      client.go() // with hold: the line the client waits for after its first connect
      const [c, s] = await Promise.all([client.done(), server.done()])
      return {client: c.filter((l) => l.event === 'conn'), server: s.filter((l) => l.event === 'conn'), clientPid: client.pid, serverPid: server.pid}
    },
  }
}

/**
 * What a tracer reading tcp_sock.bytes_acked / bytes_received at TCP_CLOSE (tcplife's figures, the
 * contract's tx_bytes / rx_bytes) must report for one side of a connection, given the payload the
 * workload moved. Measured here with TCP_INFO (the programs print it): the kernel counts sequence
 * space, so the active opener's SYN adds 1 to its bytes_acked, and a FIN adds 1 to the sender's
 * bytes_acked once acknowledged and to the receiver's bytes_received. A reset (plan "r") sends
 * no FIN from either side.
 */
export function kernelBytes(conn, side) {
  const fin = conn.closer === 'reset' ? 0 : 1
  const syn = side === 'client' ? 1 : 0
  return {tx: conn.sent + syn + fin, rx: conn.received + fin}
}

/**
 * One expected life record per connection side: pid, addresses from that side's view, exact
 * payload bytes and the kernel's counters (kernelBytes).
 */
export function expectedLife(result) {
  const out = []
  for (const [side, conns, pid] of [
    ['client', result.client, result.clientPid],
    ['server', result.server, result.serverPid],
  ]) {
    for (const c of conns) {
      const k = kernelBytes(c, side)
      out.push({
        side,
        pid,
        family: c.local.addr.includes(':') ? 'ipv6' : 'ipv4',
        saddr: c.local.addr,
        sport: c.local.port,
        daddr: c.remote.addr,
        dport: c.remote.port,
        payload_tx: c.sent,
        payload_rx: c.received,
        tx_bytes: k.tx,
        rx_bytes: k.rx,
        closer: c.closer,
      })
    }
  }
  return out
}

/**
 * The state transitions a run of the plan must produce on our sockets (both sides), as
 * "OLD->NEW" counts. The passive closer closes only after reading the active closer's FIN, so its
 * FIN acks that one: the active side always goes FIN_WAIT1->FIN_WAIT2->CLOSE (never CLOSING), and
 * every transition is determined by the plan. The listener is counted apart (`listener`): started
 * before the tracer attaches, it shows only LISTEN->CLOSE when the server exits.
 */
export function expectedStates(result) {
  const n = result.client.length
  const graceful = result.client.filter((c) => c.closer !== 'reset').length
  const resets = n - graceful
  const counts = {
    'CLOSE->SYN_SENT': n,
    'SYN_SENT->ESTABLISHED': n,
    'LISTEN->SYN_RECV': n,
    'SYN_RECV->ESTABLISHED': n,
    'ESTABLISHED->FIN_WAIT1': graceful,
    'FIN_WAIT1->FIN_WAIT2': graceful,
    'FIN_WAIT2->CLOSE': graceful,
    'ESTABLISHED->CLOSE_WAIT': graceful,
    'CLOSE_WAIT->LAST_ACK': graceful,
    'LAST_ACK->CLOSE': graceful,
    'ESTABLISHED->CLOSE': 2 * resets,
  }
  for (const k of Object.keys(counts)) if (!counts[k]) delete counts[k]
  return {connections: counts, listener: {'LISTEN->CLOSE': 1}}
}

// ---- network namespaces ---------------------------------------------------------------------

let nsCount = 0

/** Creates a network namespace with lo up (named after this process: several runs coexist). Its
 * delete() must be called (tests: in a finally or onTestFinished); deleting it also drops its
 * nftables rules and sysctls. */
export function createNetns(prefix = 'montcp') {
  const name = `${prefix}-${process.pid}-${++nsCount}`
  execFileSync('ip', ['netns', 'add', name])
  const ns = {
    name,
    run(cmd, args, input) {
      return execFileSync('ip', ['netns', 'exec', name, cmd, ...args], {encoding: 'utf8', input})
    },
    sysctl(key, value) {
      ns.run('sysctl', ['-q', '-w', `${key}=${value}`])
    },
    nft(ruleset) {
      ns.run('nft', ['-f', '-'], ruleset)
    },
    delete() {
      try {
        execFileSync('ip', ['netns', 'del', name], {stdio: 'ignore'})
      } catch {}
    },
  }
  try {
    ns.run('ip', ['link', 'set', 'lo', 'up'])
  } catch (e) {
    ns.delete()
    throw e
  }
  return ns
}

// Drops happen on the input hook, i.e. after TCP sent the packet: a drop on output is a local
// transmit error to TCP, which keeps the segment queued and sends it again later without counting a
// retransmit (and a SYN dropped there fails the connect the same way, not as a lost SYN).

/** nftables rules (inside a namespace) that drop every SYN arriving for `port`: connects time out. */
export function dropSynsRuleset(port) {
  return `table inet monitor_test {
  chain input {
    type filter hook input priority 0; policy accept;
    tcp dport ${port} tcp flags & (syn | ack) == syn drop
  }
}
`
}

/** nftables rules (inside a namespace) that drop `percent`% of the TCP packets to or from `port`,
 * at random: retransmits. */
export function randomDropRuleset(port, percent) {
  return `table inet monitor_test {
  chain input {
    type filter hook input priority 0; policy accept;
    tcp dport ${port} numgen random mod 100 < ${percent} drop
    tcp sport ${port} numgen random mod 100 < ${percent} drop
  }
}
`
}
