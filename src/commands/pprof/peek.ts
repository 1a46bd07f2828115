import {Args} from '@oclif/core'

import {BaseCommand} from '../../cli/base-command.js'
import {pprofOutputFlag, reportFlags} from '../../cli/pprof-flags.js'

export default class PprofPeek extends BaseCommand {
  static override summary = 'Callers and callees of the functions matching REGEX, like go tool pprof -peek'
  static override examples = ["<%= config.bin %> pprof peek cpu.pb.gz 'main\\.walk'"]
  static override args = {
    file: Args.string({description: 'Profile file', required: true}),
    regex: Args.string({description: 'Function name regex', required: true}),
  }
  static override flags = {output: pprofOutputFlag, ...reportFlags}

  async run(): Promise<void> {
    const {args, flags} = await this.parse(PprofPeek)
    const {runTree} = await import('../../cli/pprof-files.js')
    const {reportOptions} = await import('../../cli/pprof-flags.js')
    await runTree(args.file, {...reportOptions(flags), output: flags.output, peek: args.regex})
  }
}
