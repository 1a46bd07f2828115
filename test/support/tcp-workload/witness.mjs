// A witness of TCP state changes that is not BPF: an ftrace instance of its own recording
// sock:inet_sock_set_state for one port, with the task each change ran on. bench/tcp uses it to say
// where the records a tracer missed went.
//
// Why: on the VM monitor is built on, the kernel never runs a BPF program while the sandbox's agent
// (PID 1, "process_api") is on the CPU -- bpftrace counts none of its syscalls -- and a network
// softirq that runs on top of one of its threads is then invisible to every BPF tool, without a
// recursion miss. ftrace still records those changes. A change the witness saw on a thread of a
// process BPF cannot see is the environment's; any other missing record is the tracer's.
import {existsSync, mkdirSync, readFileSync, readdirSync, rmdirSync, writeFileSync} from 'node:fs'

const TRACEFS = ['/sys/kernel/tracing', '/sys/kernel/debug/tracing']
const STATES = ['', 'ESTABLISHED', 'SYN_SENT', 'SYN_RECV', 'FIN_WAIT1', 'FIN_WAIT2', 'TIME_WAIT', 'CLOSE', 'CLOSE_WAIT', 'LAST_ACK', 'LISTEN', 'CLOSING', 'NEW_SYN_RECV']

/** Thread ids of a process (empty when it is gone or hidden). */
function threadsOf(pid) {
  try {
    return readdirSync(`/proc/${pid}/task`).map(Number)
  } catch {
    return []
  }
}

/** Whether BPF sees PID 1's syscalls is not asked here (it needs a BPF program); what is known of this
 * VM is that it does not, so PID 1's threads are the hidden ones. */
export function hiddenTids() {
  return new Set(threadsOf(1))
}

/** Starts recording the state changes of connections on `port` (either end); undefined without
 * tracefs. stop() returns {events: [{tid, comm, cpu, oldstate, newstate, sport, dport}], overrun}. */
export function startWitness(port, {bufferKb = 32768} = {}) {
  const root = TRACEFS.find((t) => existsSync(`${t}/instances`))
  if (!root) return undefined
  const dir = `${root}/instances/monitor-witness-${process.pid}-${port}`
  mkdirSync(dir)
  const hidden = hiddenTids()
  try {
    writeFileSync(`${dir}/buffer_size_kb`, String(bufferKb))
    writeFileSync(`${dir}/events/sock/inet_sock_set_state/filter`, `protocol == 6 && (sport == ${port} || dport == ${port})`)
    writeFileSync(`${dir}/events/sock/inet_sock_set_state/enable`, '1')
  } catch (error) {
    rmdirSync(dir)
    throw error
  }
  let stopped = false
  return {
    dir,
    stop() {
      if (stopped) return {events: [], overrun: 0, hidden}
      stopped = true
      writeFileSync(`${dir}/events/sock/inet_sock_set_state/enable`, '0')
      const text = readFileSync(`${dir}/trace`, 'latin1')
      let overrun = 0
      for (const cpu of readdirSync(`${dir}/per_cpu`)) {
        const m = /overrun: (\d+)/.exec(readFileSync(`${dir}/per_cpu/${cpu}/stats`, 'latin1'))
        if (m) overrun += Number(m[1])
      }
      rmdirSync(dir)
      for (const tid of hiddenTids()) hidden.add(tid)
      return {events: parseEvents(text), overrun, hidden}
    },
    /** Removes the instance without reading it (cleanup on interruption). */
    discard() {
      if (stopped) return
      stopped = true
      try {
        writeFileSync(`${dir}/events/sock/inet_sock_set_state/enable`, '0')
        rmdirSync(dir)
      } catch {
        // already gone
      }
    },
  }
}

// "  tcp-storm-14298   [000] ..s3. 43017.794952: inet_sock_set_state: family=AF_INET ... sport=58938 dport=55983 ... oldstate=TCP_FIN_WAIT2 newstate=TCP_CLOSE"
const LINE = /^\s*(.+)-(\d+)\s+\[(\d+)\].*?inet_sock_set_state: .*?sport=(\d+) dport=(\d+) .*?oldstate=TCP_(\w+) newstate=TCP_(\w+)/

function parseEvents(text) {
  const events = []
  for (const line of text.split('\n')) {
    const m = LINE.exec(line)
    if (!m) continue
    events.push({comm: m[1].trim(), tid: Number(m[2]), cpu: Number(m[3]), sport: Number(m[4]), dport: Number(m[5]), oldstate: STATES.indexOf(m[6]), newstate: STATES.indexOf(m[7])})
  }
  return events
}

export const TCP_CLOSE = 7
export const TCP_LISTEN = 10
