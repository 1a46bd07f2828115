/** Every command's errors are formatted here, once: one line on stderr and an exit code; the stack
 * only with --debug (or MONITOR_DEBUG=1). */
import {Command, Flags} from '@oclif/core'

import {ExitCode, MonitorError} from '../errors.js'

export abstract class BaseCommand extends Command {
  static override baseFlags = {
    debug: Flags.boolean({description: 'Show stack traces and libbpf logs on errors', helpGroup: 'GLOBAL'}),
  }

  protected get debugging(): boolean {
    return this.argv.includes('--debug') || process.env.MONITOR_DEBUG === '1'
  }

  protected override async catch(error: Error & {exitCode?: number; oclif?: {exit?: number}; code?: string}): Promise<void> {
    if (error.oclif?.exit === 0 || error.code === 'EEXIT') throw error // help/version/explicit exit
    let message: string
    let exitCode: number
    let detail: string | undefined
    if (error instanceof MonitorError) {
      message = error.message
      exitCode = error.exitCode
      detail = error.detail
    } else if (error.oclif) {
      // oclif parse errors (unknown flag, bad value): the first line is the useful one.
      message = `${error.message.split('\n')[0]} (see --help)`
      exitCode = ExitCode.usage
    } else {
      message = `internal error: ${error.message}${this.debugging ? '' : ' (run with --debug for details)'}`
      exitCode = ExitCode.failure
    }
    process.stderr.write(`monitor: ${message}\n`)
    if (this.debugging) {
      if (detail) process.stderr.write(`${detail}\n`)
      if (error.stack) process.stderr.write(`${error.stack}\n`)
    }
    process.exitCode = exitCode
    this.exit(exitCode)
  }
}
