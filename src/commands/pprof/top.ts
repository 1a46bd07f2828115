import {Args} from '@oclif/core'

import {BaseCommand} from '../../cli/base-command.js'
import {pprofOutputFlag, reportFlags} from '../../cli/pprof-flags.js'

export default class PprofTop extends BaseCommand {
  static override summary = 'The top functions of a profile by flat value: flat, flat%, sum%, cum, cum% exactly as go tool pprof -top prints them'
  static override description = `Reads profile.proto (gzipped or not), folded stacks, speedscope JSON or a Chrome .cpuprofile.
Functions whose cum is below 0.5% of the total are dropped (said in the header), as go does.
-o json: {type, unit, total, rows: [{name, flat, flat_pct, sum_pct, cum, cum_pct}]} in the sample unit.`
  static override examples = [
    '<%= config.bin %> pprof top cpu.pb.gz',
    '<%= config.bin %> pprof top heap.pb.gz --sample-index alloc_space --nodecount 20',
    "<%= config.bin %> pprof top cpu.pb.gz --focus 'main\\.' --ignore runtime -o json",
  ]
  static override args = {file: Args.string({description: 'Profile file', required: true})}
  static override flags = {output: pprofOutputFlag, ...reportFlags}

  async run(): Promise<void> {
    const {args, flags} = await this.parse(PprofTop)
    const {runTop} = await import('../../cli/pprof-files.js')
    const {reportOptions} = await import('../../cli/pprof-flags.js')
    await runTop(args.file, {...reportOptions(flags), output: flags.output})
  }
}
