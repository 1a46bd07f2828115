/** Every interval tool (map-polling: `top tcp`, `trace tcp rtt`), for what needs them all: the
 * layout test, and `doctor` once it reads this list too (it reads registry.ts's TRACERS today). */
import type {IntervalSample, IntervalSpec} from './interval.js'
import {rttSpec} from './tcptop/rtt.js'
import {topTcpSpec} from './tcptop/top.js'

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a registry of tools of any options type
export const INTERVAL_TOOLS: readonly IntervalSpec<any, IntervalSample>[] = [topTcpSpec, rttSpec]
