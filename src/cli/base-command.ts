/** Every command's errors are formatted once, by reportError. */
import {Command, Flags} from '@oclif/core'

import {isDebug, isExitSignal, reportError} from './report-error.js'

export abstract class BaseCommand extends Command {
  static override baseFlags = {
    debug: Flags.boolean({description: 'Show stack traces and libbpf logs on errors', helpGroup: 'GLOBAL'}),
  }

  protected override async catch(error: Error): Promise<void> {
    if (isExitSignal(error)) throw error // help, version, this.exit()
    const exitCode = reportError(error, isDebug(this.argv))
    process.exitCode = exitCode
    this.exit(exitCode)
  }
}
