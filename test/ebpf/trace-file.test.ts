/** Trace files end to end: `trace exec --record` on a known workload, then `trace convert` gives the
 * live run's objects and `trace report` its counts; a recorder killed with -9 leaves a file that
 * still reads (up to its last whole batch) and no BPF programs. */
import {spawn, spawnSync} from 'node:child_process'
import {mkdtempSync, rmSync, statSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, expect, it} from 'vitest'

import {runCli, startCli, startReady} from '../support/cli.js'
import {CLI, describeEbpf, programsGone, programsOf, waitFor} from '../support/ebpf.js'
import {TmuxSession} from '../support/tmux.js'

const dir = mkdtempSync(join(tmpdir(), 'monitor-record-'))
afterAll(() => rmSync(dir, {recursive: true, force: true}))

function storm(count: number): Promise<unknown> {
  const shell = spawn('sh', ['-c', `i=0; while [ $i -lt ${count} ]; do /bin/true; i=$((i+1)); done`])
  return new Promise((r) => shell.on('exit', r))
}

const lines = (text: string) => text.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>)

describeEbpf('trace files', () => {
  it('record → convert gives the live run objects and summary, report the live counts', async () => {
    const file = join(dir, 'exec.trace')
    const cli = await startReady(['trace', 'exec', '--comm', 'true', '--starts', '--record', file, '--duration', '3'])
    await storm(200)
    expect(await cli.exited).toBe(0)
    const live = lines(cli.stdout)
    expect(live.filter((l) => l.type === 'run').length).toBeGreaterThanOrEqual(200)
    expect(live.at(-1)).toMatchObject({type: 'summary', lost_total: 0})

    const converted = runCli(['trace', 'convert', file, '--to', 'json'])
    expect(converted.status, converted.stderr).toBe(0)
    expect(converted.stderr).toBe('')
    const replayed = lines(converted.stdout)
    expect(replayed[0]).toMatchObject({type: 'ready', command: 'trace exec', programs: live[0].programs})
    // Every start, run and the summary, in the same order (only the ready line's time differs).
    expect(replayed.slice(1)).toEqual(live.slice(1))

    const report = runCli(['trace', 'report', file, '-o', 'json'])
    expect(report.status, report.stderr).toBe(0)
    const doc = JSON.parse(report.stdout)
    const {type, duration_s, lost, lost_total, ...counts} = live.at(-1)!
    expect(type).toBe('summary')
    expect(doc).toMatchObject({command: 'trace exec', options: {comm: 'true', starts: true}, cut: null, counts, lost, lost_total, duration_s})
    expect(doc.sections.top_by_runs.rows[0]).toMatchObject({comm: 'true'})
    expect(doc.sections.run_duration.count).toBeGreaterThanOrEqual(200)

    const chrome = runCli(['trace', 'convert', file, '--to', 'chrome'])
    expect(chrome.status, chrome.stderr).toBe(0)
    const events = JSON.parse(chrome.stdout).traceEvents as {ph: string}[]
    expect(events.filter((e) => e.ph === 'X').length).toBe(counts.runs as number)
  })

  it('records in columns mode too, the same counts', async () => {
    const file = join(dir, 'columns.trace')
    const cli = startCli(['trace', 'exec', '--comm', 'true', '--record', file, '-o', 'columns', '--duration', '2'])
    expect(await cli.waitForLine(/^TIME\s+PID/)).toBe(true)
    await storm(20)
    expect(await cli.exited).toBe(0)
    const runs = Number(/^(\d+) runs?,/m.exec(cli.stderr)?.[1])
    expect(runs).toBeGreaterThanOrEqual(20)
    const doc = JSON.parse(runCli(['trace', 'report', file, '-o', 'json']).stdout)
    expect(doc.counts.runs).toBe(runs)
  })

  it('records behind the live table too (a terminal: tmux)', async () => {
    const file = join(dir, 'table.trace')
    const term = new TmuxSession()
    const screen = () => term.screen()
    // Only this test's children, so the counts are known.
    const cmd = `env -u CI ${process.execPath} ${CLI} trace exec --pid ${process.pid} --record ${file} --duration 3; echo "EXITED $?"; sleep 60`
    term.start(cmd, 120, 30)
    try {
      expect(await waitFor(() => /lost 0/.test(screen()), 20_000), screen()).toBe(true)
      for (let i = 0; i < 5; i++) spawnSync('/bin/true', [`table-marker-${i}`])
      expect(await waitFor(() => screen().includes('EXITED 0'), 20_000), screen()).toBe(true)
    } finally {
      term.kill()
    }
    const converted = runCli(['trace', 'convert', file, '--to', 'json'])
    expect(converted.status, converted.stderr).toBe(0)
    const runs = lines(converted.stdout).filter((l) => l.type === 'run' && String((l.argv as string[])[1]).startsWith('table-marker-'))
    expect(runs.map((r) => (r.argv as string[])[1])).toEqual([0, 1, 2, 3, 4].map((i) => `table-marker-${i}`))
  })

  it('a recorder killed with -9 leaves a file that reads up to its last whole batch, and no programs', async () => {
    const file = join(dir, 'killed.trace')
    const cli = await startReady(['trace', 'exec', '--comm', 'true', '--record', file])
    const programs = programsOf(cli.pid)
    expect(programs.size).toBeGreaterThan(0)
    const shell = spawn('sh', ['-c', 'while :; do /bin/true; done'])
    try {
      // Batches reach the file within a flush period (50 ms) of reaching the ring.
      expect(await waitFor(() => statSync(file).size > 20_000, 20_000)).toBe(true)
      cli.child.kill('SIGKILL')
      await cli.exited
    } finally {
      shell.kill('SIGKILL')
    }
    expect(await programsGone(programs.keys())).toBe(true)

    const report = runCli(['trace', 'report', file, '-o', 'json'])
    expect(report.status, report.stderr).toBe(0)
    expect(report.stderr).toMatch(/killed\.trace: (it has no end frame|it is cut inside|checksum mismatch).*read up to byte \d+/)
    const doc = JSON.parse(report.stdout)
    expect(doc.cut).toMatchObject({offset: expect.any(Number)})
    expect(doc.counts.runs).toBeGreaterThan(10)
    const converted = runCli(['trace', 'convert', file, '--to', 'json'])
    expect(converted.status).toBe(0)
    const objects = lines(converted.stdout)
    expect(objects.at(-1)).toMatchObject({type: 'summary', runs: doc.counts.runs, cut: doc.cut})
  })
})
