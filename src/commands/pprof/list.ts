import {Args} from '@oclif/core'

import {BaseCommand} from '../../cli/base-command.js'
import {pprofOutputFlag, reportFlags} from '../../cli/pprof-flags.js'

export default class PprofList extends BaseCommand {
  static override summary = 'Flat and cum per source line of the functions matching REGEX, with the source text when the file is readable (like go tool pprof -list)'
  static override examples = ["<%= config.bin %> pprof list cpu.pb.gz 'main\\.walk'"]
  static override args = {
    file: Args.string({description: 'Profile file', required: true}),
    regex: Args.string({description: 'Function name regex', required: true}),
  }
  static override flags = {output: pprofOutputFlag, ...reportFlags}

  async run(): Promise<void> {
    const {args, flags} = await this.parse(PprofList)
    const {runList} = await import('../../cli/pprof-files.js')
    const {reportOptions} = await import('../../cli/pprof-flags.js')
    await runList(args.file, args.regex, {...reportOptions(flags), output: flags.output})
  }
}
