import {Args, Flags} from '@oclif/core'

import {BaseCommand} from '../../cli/base-command.js'

export default class PprofFlame extends BaseCommand {
  static override summary = 'Flame graph of a profile in the terminal (zoom, search, sample types, icicle), or as an HTML / SVG file; --base for a differential flame graph'
  static override description = `On a terminal: the interactive flame graph, full screen. Keys: ← → ↑ ↓ (or h l k j) select a
frame, Enter zooms into it, Esc / Backspace zooms out, / searches (regex: matches highlighted, their
share of the total shown), s / Tab switch the sample type, i flips between flame (callers at the
bottom) and icicle (inverted: the functions samples landed in at the top), ? lists every key, q quits.
Frames narrower than one cell are merged into one cell, never left out of the totals.
--base BASE: a differential flame graph of FILE − BASE (like go tool pprof -diff_base): red grew,
green shrank, the deeper the colour the larger the change.
--to html|svg: write the flame graph as one self-contained file (HTML: click to zoom, search, tooltips;
SVG: static, tooltips) to -O FILE or stdout, e.g. to attach to a ticket.
FILE: profile.proto (gzipped or not), folded stacks, speedscope JSON or a Chrome .cpuprofile.`
  static override examples = [
    '<%= config.bin %> pprof flame cpu.pb.gz',
    '<%= config.bin %> pprof flame heap.pb.gz --sample-index inuse_space',
    '<%= config.bin %> pprof flame new.pb.gz --base old.pb.gz',
    '<%= config.bin %> pprof flame cpu.pb.gz --to html -O cpu.html',
  ]
  static override args = {file: Args.string({description: 'Profile file', required: true})}
  static override flags = {
    base: Flags.string({summary: 'Show FILE minus this profile (a differential flame graph)', helpValue: '<file>'}),
    'sample-index': Flags.string({summary: 'Sample type to show first, by name or number', helpValue: '<type>'}),
    to: Flags.string({summary: 'Write a flame graph file instead of the interactive view', options: ['html', 'svg']}),
    inverted: Flags.boolean({summary: 'With --to: the icicle (inverted) graph'}),
    'output-file': Flags.string({char: 'O', summary: 'With --to: write to this file instead of stdout', helpValue: '<file>'}),
  }

  async run(): Promise<void> {
    const {args, flags} = await this.parse(PprofFlame)
    const {runFlame} = await import('../../cli/pprof-flame.js')
    await runFlame(args.file, {base: flags.base, sampleIndex: flags['sample-index'], to: flags.to as 'html' | 'svg' | undefined, inverted: flags.inverted, outputFile: flags['output-file']})
  }
}
