/**
 * What a profile source does with the profile it got. THE HOOK for the interactive viewer:
 * `showProfile` prints the top table today; on a terminal (mode 'view') the lead wires the Ink
 * flame graph here.
 */
import {ExitCode, MonitorError} from '../errors.js'
import {formatTopTable, topJson} from '../output/pprof-top.js'
import type {Profile} from '../pprof/profile.js'
import type {ReportOptions} from '../pprof/report.js'
import {topReport} from '../pprof/report.js'

export interface ShowOptions extends ReportOptions {
  /** 'view': stdout is a terminal and no -o was given (the flame viewer's place); else columns / json. */
  mode: 'view' | 'columns' | 'json'
  /** Where the profile came from (a URL, "pid N"). */
  source?: string
}

export function showMode(output: string | undefined, isTTY = Boolean(process.stdout.isTTY)): ShowOptions['mode'] {
  if (output === 'json' || output === 'columns') return output
  if (output === 'table') {
    if (!isTTY) throw new MonitorError('-o table needs a terminal: use -o columns or -o json when piping', {exitCode: ExitCode.usage})
    return 'view'
  }
  return isTTY ? 'view' : 'columns'
}

export async function showProfile(profile: Profile, options: ShowOptions): Promise<void> {
  // TODO(lead): mode 'view' → the interactive flame graph (src/tui), with `stackSource(profile)`.
  printTop(profile, options)
}

export function printTop(profile: Profile, options: ShowOptions): void {
  const report = topReport(profile, options)
  if (options.mode === 'json') process.stdout.write(JSON.stringify(topJson(report)) + '\n')
  else process.stdout.write(formatTopTable(report))
}
