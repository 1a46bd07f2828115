import {Args, Flags} from '@oclif/core'

import {BaseCommand} from '../../cli/base-command.js'
import {utcFlag} from '../../cli/flags.js'

export default class TraceReport extends BaseCommand {
  static override summary = 'Summarise a recorded trace (--record FILE): what was traced, counts, losses, top entries, histograms'
  static override description = `Replays the recording through its tracer, so the counts are the live run's. A recording that
was cut short (killed, disk full) is read up to its last whole batch, and the report says so.
trace exec: top commands by runs and by run time, how runs ended, the run-duration histogram.
trace tcp life: top processes and remote endpoints by bytes, connections by family and start, durations;
connect: results by errno, destinations, processes, connect latency; accept: processes, local endpoints,
accept-queue wait; states: changes per transition, time in each state; retrans: by remote address and
state; resets: by direction and remote address.

JSON (-o json): one document: command, host, kernel, monitor_version, start_ts, options, programs,
duration_s, batches, records, cut (null or {offset, reason}), counts, lost, lost_total, and sections
keyed by name (tables: columns and rows; histograms: count, sum, mean, p50, p90, p99, buckets).`
  static override examples = ['<%= config.bin %> trace report exec.trace', '<%= config.bin %> trace report exec.trace -o json | jq .sections.top_by_runs.rows']
  static override args = {file: Args.string({description: 'A trace file written by --record', required: true})}
  static override flags = {
    output: Flags.string({char: 'o', summary: 'Output: text, or json (one document)', options: ['text', 'json'], default: 'text'}),
    'output-file': Flags.string({char: 'O', summary: 'Write to this file instead of stdout', helpValue: '<file>'}),
    utc: utcFlag,
  }

  async run(): Promise<void> {
    const {args, flags} = await this.parse(TraceReport)
    const {runReport} = await import('../../cli/trace-file.js')
    await runReport(args.file, {json: flags.output === 'json', utc: flags.utc, outputFile: flags['output-file']})
  }
}
