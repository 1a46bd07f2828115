import {Flags} from '@oclif/core'

import {BaseCommand} from '../../cli/base-command.js'
import {alphaFlag, benchOutputFlag, benchRunFlags, sessionOptions, thresholdFlag} from '../../cli/bench-flags.js'

export default class BenchCompare extends BaseCommand {
  static override summary = 'A vs B in the same job, interleaved, with a verdict and an exit code a CI gate can use'
  static override description = `Compares a baseline A with a candidate B, runs interleaved in randomised ABBA blocks (drift
on the machine hits both alike). B is the second command; or, with --ref, every command is run both
at that git ref (checked out in a temporary worktree, built there with --build, removed afterwards)
and in the current directory; or, with --baseline, against a result stored with -o json.

Verdict per benchmark (on log times, so differences are ratios B/A; the i-th runs of A and B ran
next to each other, so they are compared as pairs):
  regression    the Hodges-Lehmann estimate of B/A is above 1 + --threshold (default 2%) AND B is
                slower by a one-sided Wilcoxon signed-rank test over the pairs at --alpha (default
                0.01), Holm-adjusted across the benchmarks;
  pass          not a regression, and the 95% upper confidence bound on B/A is below 1 + threshold;
  inconclusive  neither: too few runs or too noisy to tell; run more (--runs).
(--baseline: unpaired, Mann-Whitney; --measure instructions: Welch's t on log counts.)
Every report shows the ratio with a bootstrap 95% interval. Exit codes: 0 pass, 1 regression,
2 usage error, 3 inconclusive, 4 a benchmarked command (or --build, --prepare) failed.
Runs: without --runs, a pre-declared sequential design: 30 runs per arm, then 60, 120 and 240, stopping
at the first look that says pass or regression (each look tests at alpha/4, so stopping early cannot
raise false alarms). --runs N: exactly N runs per arm. Error rates under a 2% noise model are in
bench/gate/README.md.

--measure instructions counts instructions under valgrind's cachegrind instead of timing: nearly
deterministic (a few runs are enough), blind to system calls, I/O and sleeping, 20-100x slower.
Node commands get --single-threaded --predictable under cachegrind so their counts repeat.`
  static override examples = [
    "<%= config.bin %> bench compare -- 'node old.js' 'node new.js'",
    "<%= config.bin %> bench compare --ref origin/main --build 'npm ci && npm run build' -- 'node dist/cli.js --version'",
    "<%= config.bin %> bench compare --baseline base.json -o markdown -- 'node build.js'",
    "<%= config.bin %> bench compare --measure instructions --runs 5 -- './old input' './new input'",
  ]
  static override strict = false
  static override flags = {
    ...benchRunFlags,
    output: benchOutputFlag,
    threshold: thresholdFlag(),
    alpha: alphaFlag(),
    ref: Flags.string({summary: 'Baseline: this git ref, checked out in a temporary worktree', helpValue: '<ref>', exclusive: ['baseline']}),
    build: Flags.string({summary: 'With --ref: command that builds the worktree before the runs', helpValue: '<cmd>', dependsOn: ['ref']}),
    baseline: Flags.string({summary: 'Baseline: a result file saved with -o json (not interleaved: the weaker comparison)', helpValue: '<file>'}),
  }

  async run(): Promise<void> {
    const {flags, argv} = await this.parse(BenchCompare)
    const {runBenchSession} = await import('../../cli/bench-session.js')
    process.exitCode = await runBenchSession({
      mode: 'compare',
      commands: argv as string[],
      ...sessionOptions(flags, {warmup: 2}),
      ref: flags.ref,
      build: flags.build,
      baseline: flags.baseline,
    })
  }
}
