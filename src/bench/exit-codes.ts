/** `monitor bench` exit codes, so CI can tell a slowdown from a setup problem. 2 is oclif's usage
 * error (ExitCode.usage). */
export const BenchExit = {
  pass: 0,
  regression: 1,
  inconclusive: 3,
  /** A benchmarked command failed, or another runtime error (valgrind missing, git worktree …). */
  failed: 4,
} as const
