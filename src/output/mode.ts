/** Output conventions shared by every command: a live table on a terminal, aligned columns when
 * stdout is not one, NDJSON (`-o json`) for programs. */
import {ExitCode, MonitorError} from '../errors.js'

export type OutputMode = 'table' | 'json' | 'columns'

export function resolveOutput(requested: string | undefined, isTTY = Boolean(process.stdout.isTTY)): OutputMode {
  if (requested === 'json' || requested === 'columns' || requested === 'table') {
    if (requested === 'table' && !isTTY)
      throw new MonitorError('-o table needs a terminal: use -o columns or -o json when piping', {exitCode: ExitCode.usage})
    return requested
  }
  return isTTY ? 'table' : 'columns'
}
