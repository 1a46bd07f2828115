/** `compare --ref`: a temporary repository whose second commit is 20% slower; the baseline is the
 * first commit, checked out and built in a temporary worktree that is gone afterwards. */
import {spawn, spawnSync} from 'node:child_process'
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import os from 'node:os'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {CLI, waitFor} from '../support/ebpf.js'

const repo = mkdtempSync(join(os.tmpdir(), 'bench-ref-'))
afterAll(() => rmSync(repo, {recursive: true, force: true}))

function git(...args: string[]): string {
  const r = spawnSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', ...args], {cwd: repo, encoding: 'utf8'})
  expect(r.status, r.stderr).toBe(0)
  return r.stdout.trim()
}

function cli(args: string[]) {
  return spawnSync(process.execPath, [CLI, ...args], {cwd: repo, encoding: 'utf8', timeout: 280_000})
}

describe('monitor bench compare --ref', () => {
  beforeAll(() => {
    git('init', '-q')
    writeFileSync(join(repo, 'work.sh'), 'sleep 0.05\n')
    git('add', 'work.sh')
    git('commit', '-qm', 'fast')
    writeFileSync(join(repo, 'work.sh'), 'sleep 0.06\n')
    git('commit', '-qam', 'slower by 20%')
  })

  it('flags the slower head against the older ref (exit 1), naming the ref; the worktree is removed', () => {
    // --build makes the command's file, as a real build would: it must run inside the worktree.
    spawnSync('sh', ['-c', 'cp work.sh built.sh'], {cwd: repo})
    const base = git('rev-parse', '--short=12', 'HEAD~1')
    // The adaptive design (no --runs): a loaded machine takes more runs, not a wrong verdict.
    const r = cli(['bench', 'compare', '--ref', 'HEAD~1', '--build', 'cp work.sh built.sh', '--', 'sh built.sh'])
    expect(r.status, r.stderr + r.stdout).toBe(1)
    expect(r.stdout).toMatch(new RegExp(`^sh built\\.sh +HEAD~1 ${base}: .* current: .* (1\\.\\d+) .* REGRESSION$`, 'm'))
    expect(Number(/ (1\.\d+) {2}\[/.exec(r.stdout)![1])).toBeGreaterThan(1.05)
    expect(git('worktree', 'list').split('\n')).toHaveLength(1)
  }, 300_000)

  it('a failing build exits 4 with its stderr, and still removes the worktree', () => {
    const r = cli(['bench', 'compare', '--ref', 'HEAD~1', '--build', 'echo no compiler >&2; exit 1', '--', 'sh work.sh'])
    expect(r.status).toBe(4)
    expect(r.stderr).toContain('no compiler')
    expect(git('worktree', 'list').split('\n')).toHaveLength(1)
  })

  it('Ctrl-C during the runs still removes the worktree', async () => {
    const child = spawn(process.execPath, [CLI, 'bench', 'compare', '--ref', 'HEAD~1', '--runs', '200', '--', 'sh work.sh'], {cwd: repo, stdio: 'ignore'})
    const closed = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)))
    try {
      // Ready signal: the worktree exists (the runs have started or are about to).
      expect(await waitFor(() => git('worktree', 'list').split('\n').length === 2, 30_000)).toBe(true)
      child.kill('SIGINT')
      expect(await closed).toBe(130)
      expect(git('worktree', 'list').split('\n')).toHaveLength(1)
    } finally {
      child.kill('SIGKILL')
    }
  }, 60_000)

  it('an unknown ref exits 4 naming it', () => {
    const r = cli(['bench', 'compare', '--ref', 'no-such-ref', '--', 'sh work.sh'])
    expect(r.status).toBe(4)
    expect(r.stderr).toContain('no-such-ref')
  })
})
