/**
 * What a profile source does with the profile it got: on a terminal (mode 'view') the interactive
 * flame graph, otherwise the top table (or its JSON).
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
  if (options.mode === 'view') {
    const {viewFlame} = await import('./pprof-flame.js')
    await viewFlame({profile, title: options.source ?? 'profile', sampleIndex: options.sampleIndex})
    return
  }
  printTop(profile, options)
}

export function printTop(profile: Profile, options: ShowOptions): void {
  const report = topReport(profile, options)
  if (options.mode === 'json') process.stdout.write(JSON.stringify(topJson(report)) + '\n')
  else process.stdout.write(formatTopTable(report))
}
