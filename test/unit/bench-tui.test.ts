/** The live progress of `monitor bench` in a real terminal (tmux, CI unset so Ink draws frames):
 * bar, counts, ETA and each arm's running median while it runs; then the report, progress gone. */
import {afterAll, describe, expect, it} from 'vitest'

import {CLI, waitFor} from '../support/ebpf.js'
import {TmuxSession} from '../support/tmux.js'

const term = new TmuxSession()
afterAll(() => term.kill())

describe('monitor bench live progress', () => {
  it('shows a bar, the ETA and running medians, then the report', async () => {
    term.start(`env -u CI ${process.execPath} ${CLI} bench compare --runs 30 -- 'sleep 0.05' 'sleep 0.05'; echo EXIT=$?; sleep 60`, 150, 30)
    const screen = () => term.screen()
    const live = () => /[█░]{30} \d+\/64 ETA/.test(screen()) && /A: median \d+(\.\d+)?ms \(n=\d+\)\n\s+B: median \d+(\.\d+)?ms/.test(screen())
    expect(await waitFor(live, 20_000), screen()).toBe(true)
    expect(await waitFor(() => /EXIT=\d/.test(screen()), 30_000), screen()).toBe(true)
    expect(screen()).toMatch(/verdict: /)
    expect(screen()).not.toMatch(/[█░]{30}/)
  })
})
