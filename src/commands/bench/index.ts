import {Args, Flags} from '@oclif/core'

import {BaseCommand} from '../../cli/base-command.js'
import {alphaFlag, benchOutputFlag, benchRunFlags, sessionOptions, thresholdFlag} from '../../cli/bench-flags.js'

export default class Bench extends BaseCommand {
  static override summary = 'Run the bench(name, fn) micro-benchmarks of a JS/TS file, each in a fresh Node process'
  static override description = `FILE calls bench('name', fn) (a global: no import needed) once per benchmark; fn may be async.
Every run of every benchmark is a new Node process (no JIT state or garbage shared between arms),
runs interleaved in randomised ABBA blocks. Each run calibrates a batch of calls to ~50 ms, runs it
once to warm up and once timed, and reports the time per call.
.ts/.mts files are bundled with esbuild first (Node 20 cannot strip types; its own imports are
bundled, packages stay external). --compare: the file's two benchmarks as A (first) and B
(second), with the verdict and exit codes of \`monitor bench compare\`.
--measure instructions: each run makes exactly --iterations calls under cachegrind (node with
--single-threaded --predictable); the count includes Node's start-up (~0.5G instructions), the
same in both arms.
See also: monitor bench run, monitor bench compare.`
  static override examples = [
    '<%= config.bin %> bench parse.bench.ts',
    '<%= config.bin %> bench sort.bench.mjs --compare -o markdown',
    '<%= config.bin %> bench sort.bench.mjs --compare --measure instructions --runs 5 --iterations 10000',
  ]
  static override args = {file: Args.string({description: 'A .js/.mjs/.ts/.mts file calling bench(name, fn)', required: true})}
  static override flags = {
    ...benchRunFlags,
    output: benchOutputFlag,
    compare: Flags.boolean({summary: 'Compare the two benchmarks of the file (A = first, B = second) with a verdict'}),
    iterations: Flags.integer({summary: 'Calls per run with --measure instructions (default 1000)', min: 1}),
    threshold: thresholdFlag(),
    alpha: alphaFlag(),
  }

  async run(): Promise<void> {
    const {args, flags} = await this.parse(Bench)
    const {runJsBenchSession} = await import('../../cli/bench-session.js')
    process.exitCode = await runJsBenchSession({
      file: args.file,
      compare: flags.compare,
      iterations: flags.iterations ?? 1000,
      ...sessionOptions(flags, {runs: flags.compare ? undefined : 10, warmup: 1}),
    })
  }
}
