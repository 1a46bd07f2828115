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

export const pidFlag = Flags.integer({summary: 'Only this process and its direct children', min: 1})
export const uidFlag = Flags.integer({summary: 'Only processes of this user id', min: 0})
