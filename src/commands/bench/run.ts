import {BaseCommand} from '../../cli/base-command.js'
import {benchOutputFlag, benchRunFlags, sessionOptions} from '../../cli/bench-flags.js'

export default class BenchRun extends BaseCommand {
  static override summary = 'Time one or more commands: warmup, N interleaved runs, min/median/mean/stddev/CV, outliers'
  static override description = `Each command runs --warmup times untimed, then --runs times, all commands interleaved in
randomised ABBA blocks so a machine that slows down during the job slows every command alike.
A run is timed from spawn to exit (process start included). A command with shell syntax (pipes,
quotes, variables, globs) runs through sh -c; plain words are executed directly. A command that
exits non-zero stops the job with exit code 4 and the end of its stderr.
Outliers are counted with Tukey's fences (outside 1.5 IQR of the quartiles) and kept.
-o json has the raw samples, the environment (CPU, cores, kernel, load, governor) and the seed;
a saved file is a --baseline for \`monitor bench compare\`.`
  static override examples = [
    "<%= config.bin %> bench run -- 'sleep 0.1'",
    "<%= config.bin %> bench run --runs 20 -- 'gzip -k -f big.txt' 'zstd -f big.txt'",
    "<%= config.bin %> bench run --prepare 'sync' -o json -- 'node build.js' > base.json",
    "<%= config.bin %> bench run --measure instructions --runs 3 -- 'sha256sum big.bin'",
  ]
  static override strict = false
  static override flags = {...benchRunFlags, output: benchOutputFlag}

  async run(): Promise<void> {
    const {flags, argv} = await this.parse(BenchRun)
    const {runBenchSession} = await import('../../cli/bench-session.js')
    process.exitCode = await runBenchSession({
      mode: 'run',
      commands: argv as string[],
      ...sessionOptions(flags, {runs: 10, warmup: 2}),
      gate: {threshold: 0, alpha: 0, passConfidence: 0},
    })
  }
}
