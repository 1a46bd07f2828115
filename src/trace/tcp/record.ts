/** Decodes `struct tcp_event` (addon/bpf/tcp.h) records, and names what they carry as numbers. */
import {TCP_EVENT, TCP_EVENT_FLAGS, TCP_EVENT_KIND} from './layout.js'

export const TcpKind = {
  connect: TCP_EVENT_KIND.values.TCP_EVENT_CONNECT,
  accept: TCP_EVENT_KIND.values.TCP_EVENT_ACCEPT,
  close: TCP_EVENT_KIND.values.TCP_EVENT_CLOSE,
  state: TCP_EVENT_KIND.values.TCP_EVENT_STATE,
  retrans: TCP_EVENT_KIND.values.TCP_EVENT_RETRANS,
  reset: TCP_EVENT_KIND.values.TCP_EVENT_RESET,
} as const

export const TcpFlag = {
  owner: TCP_EVENT_FLAGS.values.TCP_FLAG_OWNER,
  start: TCP_EVENT_FLAGS.values.TCP_FLAG_START,
  syscall: TCP_EVENT_FLAGS.values.TCP_FLAG_SYSCALL,
  resetSent: TCP_EVENT_FLAGS.values.TCP_FLAG_RESET_SENT,
  noSocket: TCP_EVENT_FLAGS.values.TCP_FLAG_NO_SOCKET,
} as const

export type TcpRecord = ReturnType<typeof TCP_EVENT.decode>

/** include/net/tcp_states.h, by number. */
const STATES = ['', 'ESTABLISHED', 'SYN_SENT', 'SYN_RECV', 'FIN_WAIT1', 'FIN_WAIT2', 'TIME_WAIT', 'CLOSE', 'CLOSE_WAIT', 'LAST_ACK', 'LISTEN', 'CLOSING', 'NEW_SYN_RECV', 'BOUND_INACTIVE']

/** "ESTABLISHED" for 1; null for 0 (no socket); "STATE_42" for a number this list lacks. */
export function tcpStateName(n: number): string | null {
  if (n === 0) return null
  return STATES[n] ?? `STATE_${n}`
}

export function decodeTcpRecord(view: DataView, offset: number, length: number): TcpRecord {
  if (length < TCP_EVENT.size) throw new RangeError(`tcp record of ${length} bytes is shorter than struct tcp_event (${TCP_EVENT.size})`)
  return TCP_EVENT.decode(view, offset)
}

/** A socket's id as printed: the kernel address in hex. */
export function sockId(skaddr: bigint): string {
  return `0x${skaddr.toString(16)}`
}
