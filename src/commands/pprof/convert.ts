import {Args, Flags} from '@oclif/core'

import {BaseCommand} from '../../cli/base-command.js'

export default class PprofConvert extends BaseCommand {
  static override summary = 'Convert a profile between pprof, folded stacks, speedscope JSON and JSON (reads Chrome .cpuprofile too)'
  static override description = `Input: profile.proto (gzipped or raw), folded stacks, speedscope JSON, Chrome .cpuprofile, or
this command's --to json. Output (--to):
  pprof       gzipped profile.proto, readable by go tool pprof
  folded      "root;...;leaf value" lines (flamegraph.pl, inferno), one sample type (--sample-index)
  speedscope  speedscope's file format (open in speedscope.app), one sample type
  json        {format, sampleTypes, frames: [{name, file, line, inlined?}], samples: [{stack (leaf first), values}]}
  html        a flame graph in one self-contained page (click to zoom, search, tooltips), one sample type
  svg         a static flame graph (tooltips), one sample type`
  static override examples = [
    '<%= config.bin %> pprof convert cpu.pb.gz --to speedscope -O cpu.speedscope.json',
    '<%= config.bin %> pprof convert heap.pb.gz --to folded --sample-index alloc_space > heap.folded',
    '<%= config.bin %> pprof convert app.cpuprofile --to pprof -O app.pb.gz',
    '<%= config.bin %> pprof convert cpu.pb.gz --to html -O cpu.html',
  ]
  static override args = {file: Args.string({description: 'Profile file', required: true})}
  static override flags = {
    to: Flags.string({summary: 'Output format', options: ['pprof', 'folded', 'speedscope', 'json', 'html', 'svg'], required: true}),
    'output-file': Flags.string({char: 'O', summary: 'Write to this file instead of stdout', helpValue: '<file>'}),
    'sample-index': Flags.string({summary: 'Sample type for folded, speedscope, html and svg (name or number)', helpValue: '<type>'}),
  }

  async run(): Promise<void> {
    const {args, flags} = await this.parse(PprofConvert)
    const {runConvert} = await import('../../cli/pprof-files.js')
    await runConvert(args.file, {to: flags.to as 'pprof' | 'folded' | 'speedscope' | 'json' | 'html' | 'svg', outputFile: flags['output-file'], sampleIndex: flags['sample-index']})
  }
}
