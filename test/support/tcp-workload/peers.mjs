// libbpf-tools' tcplife and tcpstates as reference tracers on a workload: start one, wait until its
// BPF program is attached, stop it with SIGINT (SIGTERM loses their buffered output) and parse what
// it printed. Shared by the acceptance tests and bench/tcp (plain ESM, a .d.mts beside it).
import {spawn} from 'node:child_process'
import {closeSync, existsSync, openSync, readdirSync, readFileSync, readlinkSync} from 'node:fs'

import {heldProgramIds, runTimeNs} from '../../../bench/lib.mjs'

export const PEER_PATHS = {tcplife: '/usr/sbin/tcplife', tcpstates: '/usr/sbin/tcpstates'}

/** Whether libbpf-tools' tool is installed (`apt-get install libbpf-tools`). */
export function peerInstalled(name) {
  return existsSync(PEER_PATHS[name])
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms))

/** Whether the process holds a bpf_link fd: libbpf-tools attach with links, so this is "attached". */
function holdsLink(pid) {
  try {
    for (const fd of readdirSync(`/proc/${pid}/fd`)) {
      try {
        if (readlinkSync(`/proc/${pid}/fd/${fd}`).includes('bpf_link')) return true
      } catch {}
    }
  } catch {}
  return false
}

// ---- parsing ----------------------------------------------------------------------------------
const familyOf = (addr) => (addr.includes(':') ? 'ipv6' : 'ipv4')

/** tcplife -w lines: PID COMM LADDR LPORT RADDR RPORT TX_KB RX_KB MS (COMM may hold spaces, so the
 * fixed fields are taken from both ends). TX_KB/RX_KB stay strings: tcplife prints bytes / 1024 with
 * two decimals, compare them with kb(bytes). */
export function parseTcplife(text) {
  const out = []
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/)
    if (f.length < 9 || !/^\d+$/.test(f[0])) continue
    const t = f.slice(-7)
    out.push({pid: Number(f[0]), comm: f.slice(1, -7).join(' '), family: familyOf(t[0]), saddr: t[0], sport: Number(t[1]), daddr: t[2], dport: Number(t[3]), tx_kb: t[4], rx_kb: t[5], ms: Number(t[6])})
  }
  return out
}

/** tcplife's rendering of a byte count (printf "%.2f" of bytes / 1024). */
export function kb(bytes) {
  return (bytes / 1024).toFixed(2)
}

/** tcpstates -w lines: SKADDR PID COMM IP LADDR LPORT RADDR RPORT OLDSTATE -> NEWSTATE MS. */
export function parseTcpstates(text) {
  const out = []
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/)
    if (f.length < 12 || !/^[0-9a-f]{8,}$/.test(f[0]) || f.at(-3) !== '->') continue
    const t = f.slice(-9)
    out.push({
      sock: f[0],
      pid: Number(f[1]),
      comm: f.slice(2, -9).join(' '),
      family: t[0] === '6' ? 'ipv6' : 'ipv4',
      saddr: t[1],
      sport: Number(t[2]),
      daddr: t[3],
      dport: Number(t[4]),
      oldstate: t[5],
      newstate: t[7],
      ms: Number(t[8]),
    })
  }
  return out
}

/** "lost N events on CPU #C" lines (perf buffer overflows), summed. */
export function lostEvents(stderr) {
  return [...stderr.matchAll(/lost (\d+) events?/gi)].reduce((s, m) => s + Number(m[1]), 0)
}

/**
 * Whether a peer's count agrees with ours: equal when the peer neither reported a loss nor had runs
 * skipped by the kernel; otherwise it may fall short of ours by at most what it lost or skipped (a
 * skipped run of tcplife's program need not cost a record, one of tcpstates' always does). Returns
 * a message when it does not agree, undefined when it does.
 */
export function peerDisagrees(what, ours, theirs, {lost, skipped}) {
  if (!lost && !skipped) return ours === theirs ? undefined : `${what}: ours ${ours}, theirs ${theirs}`
  if (theirs <= ours && ours - theirs <= lost + skipped) return undefined
  return `${what}: ours ${ours}, theirs ${theirs} (it lost ${lost}, ${skipped} runs skipped)`
}

/** Counts of "OLD->NEW" over state records. */
export function transitionCounts(records) {
  const counts = {}
  for (const r of records) {
    const k = `${r.oldstate}->${r.newstate}`
    counts[k] = (counts[k] ?? 0) + 1
  }
  return counts
}

/**
 * Starts tcplife or tcpstates (always -w: IPv6 addresses in full) and resolves once its program is
 * attached. `lineBuffered` (tests) runs it under `stdbuf -oL` so waitForRecords() can watch its
 * lines arrive; without it (benchmarks) stdout is a file written in blocks, as a user's redirect
 * would be. It dies with the caller (setpriv --pdeathsig).
 */
export async function startPeer(name, {args = [], lineBuffered = true, outFile, errFile} = {}) {
  const tool = PEER_PATHS[name]
  if (!tool) throw new Error(`unknown peer ${name}`)
  const argv = ['--pdeathsig', 'SIGKILL', '--', ...(lineBuffered ? ['stdbuf', '-oL', tool] : [tool]), '-w', ...args]
  let stdio = ['ignore', 'pipe', 'pipe']
  const fds = []
  if (outFile) stdio = ['ignore', fds[fds.push(openSync(outFile, 'w')) - 1], fds[fds.push(openSync(errFile ?? `${outFile}.err`, 'w')) - 1]]
  const child = spawn('setpriv', argv, {stdio})
  for (const fd of fds) closeSync(fd)
  let stdout = ''
  let stderr = ''
  child.stdout?.setEncoding('latin1').on('data', (d) => (stdout += d))
  child.stderr?.setEncoding('latin1').on('data', (d) => (stderr += d))
  // 'close': its output has been read to the end (not so at 'exit').
  const exited = new Promise((resolve) => child.on('close', (code, signal) => resolve({code, signal})))
  const text = () => (outFile ? readFileSync(outFile, 'latin1') : stdout)
  const errText = () => (outFile ? readFileSync(errFile ?? `${outFile}.err`, 'latin1') : stderr)
  const parse = name === 'tcplife' ? parseTcplife : parseTcpstates

  const deadline = Date.now() + 30_000
  while (!holdsLink(child.pid)) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`${name} exited before attaching: ${errText().trim()}`)
    if (Date.now() > deadline) {
      child.kill('SIGKILL')
      throw new Error(`${name} did not attach within 30 s`)
    }
    await sleep(20)
  }
  // Runs of its programs the kernel skipped (recursion: another BPF program was running on that CPU
  // when the event fired): events the tool never sees and never reports.
  const ids = heldProgramIds(child.pid)
  const misses0 = runTimeNs(ids).misses
  const skipped = () => runTimeNs(ids).misses - misses0
  return {
    name,
    child,
    pid: child.pid,
    exited,
    skipped,
    /** The records printed so far (line-buffered mode). */
    records: () => parse(text()),
    /** Resolves true once `enough(records)` holds (false after the timeout). */
    async waitForRecords(enough, timeoutMs = 10_000) {
      const end = Date.now() + timeoutMs
      while (Date.now() < end) {
        if (enough(parse(text()))) return true
        await sleep(50)
      }
      return enough(parse(text()))
    },
    /** SIGINT, wait for the exit (SIGKILL after 10 s), parse everything it printed. `lost`: what it
     * reported lost; `skipped`: its programs' recursion misses while it ran (never reported by it). */
    async stop() {
      const missed = child.exitCode === null && child.signalCode === null ? skipped() : 0
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGINT')
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000)
      const exit = await exited
      clearTimeout(timer)
      const err = errText()
      return {exit, records: parse(text()), lost: lostEvents(err), skipped: missed, stderr: err}
    },
    kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
    },
  }
}
