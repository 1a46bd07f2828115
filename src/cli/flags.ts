/** Flags several commands share, defined once so they parse and read the same everywhere. */
import {Flags} from '@oclif/core'

import {ExitCode, MonitorError} from '../errors.js'

export const outputFlag = Flags.string({
  char: 'o',
  summary: 'Output: table (live, on a terminal), json (NDJSON), columns (plain text; the default when piped)',
  options: ['table', 'json', 'columns'],
})

export const durationFlag = Flags.custom<number>({
  summary: 'Stop after this many seconds (default: at Ctrl-C)',
  helpValue: '<s>',
  parse: async (input) => {
    const n = Number(input)
    if (!Number.isFinite(n) || n <= 0) throw new MonitorError(`must be a positive number of seconds, got "${input}"`, {exitCode: ExitCode.usage})
    return n
  },
})

export const utcFlag = Flags.boolean({summary: 'Show times in UTC instead of local time (JSON is always UTC)'})

export const recordFlag = Flags.string({
  summary: 'Also record the trace into this file (read it with `monitor trace report` and `trace convert`)',
  helpValue: '<file>',
})

export const pidFlag = Flags.integer({summary: 'Only this process and its direct children', min: 1})
export const uidFlag = Flags.integer({summary: 'Only processes of this user id', min: 0})

/** The filters of every `trace tcp` mode and `top tcp` (src/trace/tcp/filter.ts says how they match). */
export const tcpFilterFlags = {
  pid: Flags.integer({summary: 'Only connections owned by this process', min: 1}),
  comm: Flags.string({summary: "Only connections whose owner's command name contains this"}),
  port: Flags.integer({summary: 'Only connections with this local or remote port', min: 1, max: 65535}),
  laddr: Flags.string({summary: 'Only connections with this local address', helpValue: '<addr>'}),
  raddr: Flags.string({summary: 'Only connections with this remote address', helpValue: '<addr>'}),
  ipv4: Flags.boolean({summary: 'Only IPv4', exclusive: ['ipv6']}),
  ipv6: Flags.boolean({summary: 'Only IPv6', exclusive: ['ipv4']}),
  cgroup: Flags.string({summary: 'Only connections of processes in this cgroup v2 directory or below it', helpValue: '<dir>'}),
}

/** Interval tools (`top tcp`, `trace tcp rtt`): how often the maps are read, and how many times. */
export const intervalFlag = Flags.custom<number>({
  summary: 'Seconds between readings (default 1)',
  helpValue: '<s>',
  parse: async (input) => {
    const n = Number(input)
    if (!Number.isFinite(n) || n < 0.1 || n > 3600) throw new MonitorError(`must be 0.1 to 3600 seconds, got "${input}"`, {exitCode: ExitCode.usage})
    return n
  },
})
export const countFlag = Flags.integer({summary: 'Stop after this many intervals', min: 1})

/** Every interval tool's flags besides its filters. */
export const intervalFlags = {
  output: outputFlag,
  interval: intervalFlag(),
  count: countFlag,
  duration: durationFlag(),
  utc: utcFlag,
}
