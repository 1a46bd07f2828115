/** The rows `top tcp` and `trace tcp rtt` produce from one read of their maps. */
import type {IntervalSample} from '../interval.js'
import type {TcpEndpointRow} from '../tcp/filter.js'

export interface TcpConnRow extends TcpEndpointRow {
  /** The socket ("0x…", its kernel address): stable within a run. */
  sock: string
  /** The process that sent / received (process context: always known). */
  pid: number
  comm: string
  tx_bytes: number
  rx_bytes: number
  tx_calls: number
  rx_calls: number
  /** Bytes per second over the interval. */
  tx_rate: number
  rx_rate: number
}

export interface TcpProcRow {
  pid: number
  comm: string
  connections: number
  tx_bytes: number
  rx_bytes: number
  tx_rate: number
  rx_rate: number
}

export interface TopTcpSample extends IntervalSample {
  processes: TcpProcRow[]
  connections: TcpConnRow[]
}

/** srtt of one remote address (µs), from its histogram: percentiles at bucket midpoints (within
 * 6.25%), min and max the midpoints of the lowest and highest buckets, mean exact. */
export interface RttAddrRow {
  family: 'ipv4' | 'ipv6'
  daddr: string
  count: number
  min_us: number
  p50_us: number
  p90_us: number
  p99_us: number
  max_us: number
  mean_us: number
}

/** srtt of one connection since tracing started (µs, exact: min/max/mean of tcp_probe's values). */
export interface RttConnRow extends TcpEndpointRow {
  sock: string
  srtt_us: number
  min_us: number
  max_us: number
  mean_us: number
  count: number
}

export interface RttSample extends IntervalSample {
  /** Samples of this interval, per remote address. */
  addresses: RttAddrRow[]
  /** Since tracing started, per remote address. */
  totals: RttAddrRow[]
  /** Connections with samples in this interval (their figures since tracing started). */
  connections: RttConnRow[]
  /** Every connection seen (the final sample's; else empty). */
  allConnections: RttConnRow[]
}
