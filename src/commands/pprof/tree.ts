import {Args} from '@oclif/core'

import {BaseCommand} from '../../cli/base-command.js'
import {pprofOutputFlag, reportFlags} from '../../cli/pprof-flags.js'

export default class PprofTree extends BaseCommand {
  static override summary = 'The call graph as text, like go tool pprof -tree: each function with its callers above and callees below'
  static override description = 'Shows the top 80 functions by flat value (--nodecount), as go does. -o json: {functions: [{name, flat, cum, callers, callees}]}.'
  static override examples = ['<%= config.bin %> pprof tree cpu.pb.gz', '<%= config.bin %> pprof tree heap.pb.gz --sample-index alloc_space --nodecount 10']
  static override args = {file: Args.string({description: 'Profile file', required: true})}
  static override flags = {output: pprofOutputFlag, ...reportFlags}

  async run(): Promise<void> {
    const {args, flags} = await this.parse(PprofTree)
    const {runTree} = await import('../../cli/pprof-files.js')
    const {reportOptions} = await import('../../cli/pprof-flags.js')
    await runTree(args.file, {...reportOptions(flags), output: flags.output})
  }
}
