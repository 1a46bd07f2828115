import {Args, Flags} from '@oclif/core'

import {BaseCommand} from '../../cli/base-command.js'

export default class TraceConvert extends BaseCommand {
  static override summary = 'Convert a recorded trace (--record FILE) to NDJSON or Chrome trace-event JSON (Perfetto, chrome://tracing)'
  static override description = `--to json: the NDJSON the live run printed with -o json (ready, the records, the summary; the
summary carries "cut" when the recording was cut short).
--to chrome: Chrome trace-event JSON: each run a complete event from its start to its end, instants
for events without a duration, processes named; open it in ui.perfetto.dev or chrome://tracing.`
  static override examples = [
    '<%= config.bin %> trace convert exec.trace --to json | jq \'select(.type == "run")\'',
    '<%= config.bin %> trace convert exec.trace --to chrome -O exec.json',
  ]
  static override args = {file: Args.string({description: 'A trace file written by --record', required: true})}
  static override flags = {
    to: Flags.string({summary: 'Output format', options: ['json', 'chrome'], required: true}),
    'output-file': Flags.string({char: 'O', summary: 'Write to this file instead of stdout', helpValue: '<file>'}),
  }

  async run(): Promise<void> {
    const {args, flags} = await this.parse(TraceConvert)
    const {runConvert} = await import('../../cli/trace-file.js')
    await runConvert(args.file, {to: flags.to as 'json' | 'chrome', outputFile: flags['output-file']})
  }
}
