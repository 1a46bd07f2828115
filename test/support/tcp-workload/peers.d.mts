// Types of peers.mjs (plain ESM so that bench/tcp shares it).
import type {ChildProcess} from 'node:child_process'

export type PeerName = 'tcplife' | 'tcpstates'
export declare const PEER_PATHS: Record<PeerName, string>
export declare function peerInstalled(name: PeerName): boolean

/** The endpoint fields both tools print (local = s, remote = d). */
export interface PeerEndpoint {
  pid: number
  comm: string
  family: 'ipv4' | 'ipv6'
  saddr: string
  sport: number
  daddr: string
  dport: number
}
export interface TcplifeRecord extends PeerEndpoint {
  tx_kb: string
  rx_kb: string
  ms: number
}
export interface TcpstatesRecord extends PeerEndpoint {
  sock: string
  oldstate: string
  newstate: string
  ms: number
}
export declare function parseTcplife(text: string): TcplifeRecord[]
export declare function parseTcpstates(text: string): TcpstatesRecord[]
export declare function kb(bytes: number): string
export declare function lostEvents(stderr: string): number
export declare function peerDisagrees(what: string, ours: number, theirs: number, by: {lost: number; skipped: number}): string | undefined
export declare function transitionCounts(records: {oldstate: string; newstate: string}[]): Record<string, number>

export interface Peer<R> {
  name: PeerName
  child: ChildProcess
  pid: number
  exited: Promise<{code: number | null; signal: NodeJS.Signals | null}>
  /** Runs of its programs the kernel skipped since it attached (recursion misses). */
  skipped(): number
  records(): R[]
  waitForRecords(enough: (records: R[]) => boolean, timeoutMs?: number): Promise<boolean>
  stop(): Promise<{exit: {code: number | null; signal: NodeJS.Signals | null}; records: R[]; lost: number; skipped: number; stderr: string}>
  kill(): void
}
interface PeerOptions {
  args?: string[]
  lineBuffered?: boolean
  outFile?: string
  errFile?: string
}
export declare function startPeer(name: 'tcplife', options?: PeerOptions): Promise<Peer<TcplifeRecord>>
export declare function startPeer(name: 'tcpstates', options?: PeerOptions): Promise<Peer<TcpstatesRecord>>
