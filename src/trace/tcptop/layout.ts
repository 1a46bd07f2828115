/** Map layouts of `top tcp` and `trace tcp rtt`: the structs of addon/bpf/tcptop.h (checked against
 * BTF by test/unit/layout.test.ts). */
import {addr, char, struct, u16, u32, u64, u64n} from '../../engine/layout.js'

/** A connection as both value structs carry it: ports in host order, local side first. */
const TUPLE = {family: u16, sport: u16, dport: u16, pad: u16, saddr: addr('family'), daddr: addr('family')}

/** Key of `conn_bytes`. */
export const TCPTOP_KEY = struct('tcptop', 'tcptop_key', {sk: u64n, pid: u32, pad: u32})

/** Value of `conn_bytes`: one interval's bytes of one (socket, process). */
export const TCPTOP_BYTES = struct('tcptop', 'tcptop_bytes', {
  tx_bytes: u64,
  rx_bytes: u64,
  tx_calls: u64,
  rx_calls: u64,
  ...TUPLE,
  comm: char(16),
  ino: u64,
})

/** Key of `rtt_hist` (values: struct hist). */
export const TCPTOP_ADDR_KEY = struct('tcptop', 'tcptop_addr_key', {family: u16, pad: u16, addr: addr('family')})

/** Value of `rtt_conns` (keyed by the socket's address, a u64). */
export const TCPTOP_RTT_CONN = struct('tcptop', 'tcptop_rtt_conn', {
  pid: u32,
  count: u32,
  srtt_us: u32,
  min_us: u32,
  max_us: u32,
  ...TUPLE,
  comm: char(16),
  sum_us: u64,
})

/** Value of `owners`. */
export const TCPTOP_OWNER = struct('tcptop', 'tcptop_owner', {pid: u32, comm: char(16)})

export const TCPTOP_LAYOUTS = [TCPTOP_KEY, TCPTOP_BYTES, TCPTOP_ADDR_KEY, TCPTOP_RTT_CONN, TCPTOP_OWNER]
