import {Args} from '@oclif/core'

import {BaseCommand} from '../../cli/base-command.js'
import {pprofOutputFlag, reportFlags} from '../../cli/pprof-flags.js'

export default class PprofDiff extends BaseCommand {
  static override summary = 'What changed from BASE to NEW, as go tool pprof -top -diff_base BASE NEW: negative values got smaller'
  static override description = `The base's samples are subtracted from the new profile's; percentages are of the base's total,
as go computes them. Same flags and -o json as \`pprof top\`.`
  static override examples = ['<%= config.bin %> pprof diff before.pb.gz after.pb.gz', '<%= config.bin %> pprof diff before.pb.gz after.pb.gz -o json']
  static override args = {
    base: Args.string({description: 'The base profile', required: true}),
    new: Args.string({description: 'The new profile', required: true}),
  }
  static override flags = {output: pprofOutputFlag, ...reportFlags}

  async run(): Promise<void> {
    const {args, flags} = await this.parse(PprofDiff)
    const {runDiff} = await import('../../cli/pprof-files.js')
    const {reportOptions} = await import('../../cli/pprof-flags.js')
    await runDiff(args.base, args.new, {...reportOptions(flags), output: flags.output})
  }
}
