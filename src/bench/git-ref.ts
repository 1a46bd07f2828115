/** A git ref checked out in a temporary worktree, built there, and removed afterwards: the baseline
 * arm of `compare --ref`. Removal runs in a finally, so it also happens on Ctrl-C (the session turns
 * SIGINT into an abort that ends the running command and unwinds to here). */
import {spawnSync} from 'node:child_process'
import {mkdtempSync, rmSync} from 'node:fs'
import os from 'node:os'
import {join} from 'node:path'

import {MonitorError} from '../errors.js'
import {BenchExit} from './exit-codes.js'

function git(args: string[], cwd?: string): string {
  const r = spawnSync('git', args, {cwd, encoding: 'utf8'})
  if (r.error) throw new MonitorError(`--ref needs git: ${r.error.message}`, {exitCode: BenchExit.failed})
  if (r.status !== 0) throw new MonitorError(`git ${args.join(' ')}: ${r.stderr.trim().split('\n').pop()}`, {exitCode: BenchExit.failed})
  return r.stdout.trim()
}

export interface RefCheckout {
  ref: string
  commit: string
  /** The directory matching the current directory inside the worktree. */
  cwd: string
}

export async function withRefWorktree<T>(
  ref: string,
  build: string | undefined,
  runBuild: (command: string, cwd: string) => Promise<void>,
  fn: (checkout: RefCheckout) => Promise<T>,
): Promise<T> {
  const top = git(['rev-parse', '--show-toplevel'])
  const prefix = git(['rev-parse', '--show-prefix'])
  let commit: string
  try {
    commit = git(['rev-parse', '--verify', '--quiet', `${ref}^{commit}`])
  } catch {
    throw new MonitorError(`--ref ${ref}: no such commit in ${top}`, {exitCode: BenchExit.failed})
  }
  const dir = mkdtempSync(join(os.tmpdir(), 'monitor-bench-ref-'))
  try {
    git(['worktree', 'add', '--detach', '--quiet', dir, commit], top)
    const cwd = join(dir, prefix)
    if (build) await runBuild(build, cwd)
    return await fn({ref, commit, cwd})
  } finally {
    spawnSync('git', ['worktree', 'remove', '--force', dir], {cwd: top})
    rmSync(dir, {recursive: true, force: true})
    spawnSync('git', ['worktree', 'prune'], {cwd: top})
  }
}
