/** What the top view reads of a TopFrame (src/proc/frame.ts). Views may not import services, so
 * this is the shape it is handed, field for field a subset of TopFrame: any TopFrame is one. */
export interface ViewProcess {
  pid: number
  ppid: number
  user: string
  uid: number
  state: string
  priority: number
  nice: number
  threads: number
  cpu_percent: number
  mem_percent: number
  rss_bytes: number
  shared_bytes: number
  virt_bytes: number
  cpu_time_s: number
  start_ts: string
  cgroup: string | null
  container: string | null
  command: string
  comm: string
  tx_bytes_per_s?: number
  rx_bytes_per_s?: number
  runq_avg_ns?: number | null
  runq_p99_ns?: number | null
}

export interface ViewPressure {
  some: {avg10: number} | null
  full: {avg10: number} | null
}

export interface ViewShortLived {
  pid: number
  ppid: number
  comm: string
  command: string | null
  uid: number
  exit_code: number
  start_ts: string
  duration_ns: number
}

export interface ViewFrame {
  epochMs: number
  intervalS: number
  mode: 'core' | 'machine'
  system: {
    cpuPercent: number
    perCpuPercent: number[]
    memory: {totalBytes: number; availableBytes: number; swapTotalBytes: number; swapFreeBytes: number}
    load: {load1: number; load5: number; load15: number}
    uptimeS: number
    pressure: Record<'cpu' | 'memory' | 'io', ViewPressure | null>
    tasks: {total: number; running: number; sleeping: number; stopped: number; zombie: number; threads: number}
  }
  self: {pid: number; cpu_percent: number; rss_bytes: number} | null
  processes: readonly ViewProcess[]
  shortLived: readonly ViewShortLived[] | null
  bpf: {state: 'on' | 'off'; note: string | null; lost: number}
}

/** A process as the view names it across refreshes: a pid alone could be a new process. */
export interface ProcessId {
  pid: number
  start_ts: string
}
