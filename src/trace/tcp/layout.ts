/** Records of `trace tcp`: struct tcp_event in addon/bpf/tcp.h (checked against BTF by
 * test/unit/layout.test.ts). tcp.h says which fields each kind of record fills. */
import {addr, char, enumeration, s32, struct, u16, u32, u64, u64n, u8} from '../../engine/layout.js'

export const TCP_EVENT = struct('tcp', 'tcp_event', {
  ts_ns: u64,
  start_ns: u64,
  /** Kernel address: decoded as a BigInt (a double would merge neighbouring sockets). */
  skaddr: u64n,
  tx_bytes: u64,
  rx_bytes: u64,
  cgroup: u64,
  kind: u32,
  pid: u32,
  netns: u32,
  error: s32,
  family: u16,
  sport: u16,
  dport: u16,
  oldstate: u8,
  newstate: u8,
  flags: u32,
  pad: u32,
  saddr: addr('family'),
  daddr: addr('family'),
  comm: char(16),
})

export const TCP_EVENT_KIND = enumeration('tcp', 'tcp_event_kind', {
  TCP_EVENT_CONNECT: 1,
  TCP_EVENT_ACCEPT: 2,
  TCP_EVENT_CLOSE: 3,
  TCP_EVENT_STATE: 4,
  TCP_EVENT_RETRANS: 5,
  TCP_EVENT_RESET: 6,
})

export const TCP_EVENT_FLAGS = enumeration('tcp', 'tcp_event_flags', {
  TCP_FLAG_OWNER: 1,
  TCP_FLAG_START: 2,
  TCP_FLAG_SYSCALL: 4,
  TCP_FLAG_RESET_SENT: 8,
  TCP_FLAG_NO_SOCKET: 16,
})

export const TCP_LAYOUTS = [TCP_EVENT, TCP_EVENT_KIND, TCP_EVENT_FLAGS] as const
