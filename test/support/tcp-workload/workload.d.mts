// Types of workload.mjs (plain ESM so that bench/tcp shares it).
import type {ChildProcess} from 'node:child_process'

export declare const PROGRAMS: string[]
export interface WorkloadPaths {
  server: string
  client: string
  connect: string
  storm: string
}
export declare function buildWorkload(): WorkloadPaths
export declare function killAll(): void

export interface End {
  addr: string
  port: number
}
/** One line a program printed (event: ready | conn | connect | done, plus its fields). */
export interface WorkloadLine {
  event: string
  pid: number
  [key: string]: any
}
export interface ConnLine extends WorkloadLine {
  event: 'conn'
  i: number
  local: End
  remote: End
  sent: number
  received: number
  closer: 'client' | 'server' | 'reset'
  end_errno: string | null
  tcpi: {bytes_acked: number; bytes_received: number; total_retrans: number} | null
}
export interface ConnectLine extends WorkloadLine {
  event: 'connect'
  i: number
  nonblock: boolean
  errno: string | null
  first_errno: string | null
  local: End | null
  elapsed_ns: number
}
export interface Program {
  child: ChildProcess
  pid: number
  lines: WorkloadLine[]
  readonly stderr: string
  exited: Promise<number | null>
  ready: Promise<WorkloadLine & {port?: number; addr?: string; family?: string}>
  line(event: string): Promise<WorkloadLine>
  go(): void
  done(): Promise<WorkloadLine[]>
  kill(): void
}
export declare function startProgram(path: string, args: string[], options?: {go?: boolean; netns?: string}): Program

export interface PairResult {
  client: ConnLine[]
  server: ConnLine[]
  clientPid: number
  serverPid: number
}
export interface Pair {
  server: Program
  client: Program
  port: number
  addr: string
  connect(): Promise<WorkloadLine>
  run(): Promise<PairResult>
}
export declare function startPair(paths: WorkloadPaths, options: {family?: 4 | 6; plan: string; netns?: string; addr?: string; port?: number; hold?: boolean}): Promise<Pair>

export declare function kernelBytes(conn: ConnLine, side: 'client' | 'server'): {tx: number; rx: number}
export interface ExpectedLife {
  side: 'client' | 'server'
  pid: number
  family: 'ipv4' | 'ipv6'
  saddr: string
  sport: number
  daddr: string
  dport: number
  payload_tx: number
  payload_rx: number
  tx_bytes: number
  rx_bytes: number
  closer: 'client' | 'server' | 'reset'
}
export declare function expectedLife(result: PairResult): ExpectedLife[]
export declare function expectedStates(result: PairResult): {connections: Record<string, number>; listener: Record<string, number>}

export interface Netns {
  name: string
  run(cmd: string, args: string[], input?: string): string
  sysctl(key: string, value: string | number): void
  nft(ruleset: string): void
  delete(): void
}
export declare function createNetns(prefix?: string): Netns
export declare function dropSynsRuleset(port: number): string
export declare function randomDropRuleset(port: number, percent: number): string
