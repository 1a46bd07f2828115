/** The live table in a real terminal (tmux). Ink stops drawing live frames under CI, so the
 * program runs with CI unset. */
import {execFileSync, spawnSync} from 'node:child_process'
import {afterEach, expect, it} from 'vitest'

import {CLI, describeEbpf, sleep, waitFor} from '../support/ebpf.js'

const SESSION = `monitor-tui-${process.pid}`

function tmux(...args: string[]): string {
  return execFileSync('tmux', args, {encoding: 'utf8'})
}

function screen(): string {
  return tmux('capture-pane', '-p', '-t', SESSION)
}

afterEach(() => {
  spawnSync('tmux', ['kill-session', '-t', SESSION])
})

describeEbpf('trace exec live table', () => {
  it('shows runs as they happen, pauses, filters and quits on q with a summary', async () => {
    const cmd = `env -u CI ${process.execPath} ${CLI} trace exec; echo "EXITED $?"; sleep 60`
    tmux('new-session', '-d', '-s', SESSION, '-x', '150', '-y', '30', cmd)
    expect(await waitFor(() => /runs · \d+ running · lost 0/.test(screen()), 20_000), screen()).toBe(true)
    await sleep(300)
    spawnSync('sh', ['-c', 'exit 3'])
    spawnSync('/bin/true', ['marker-one'])
    expect(await waitFor(() => screen().includes('marker-one'), 5000), screen()).toBe(true)
    const text = screen()
    expect(text).toMatch(/^TIME +PID +PPID +UID COMM +EXIT DURATION ARGS/m)
    expect(text).toMatch(/ sh +3 +\S+ sh -c "exit 3"/)
    expect(text).toMatch(/ true +0 +\S+ \/bin\/true marker-one/)

    tmux('send-keys', '-t', SESSION, 'p')
    expect(await waitFor(() => screen().includes('PAUSED'), 3000)).toBe(true)
    spawnSync('/bin/true', ['marker-two'])
    await sleep(400)
    expect(screen()).not.toContain('marker-two')
    tmux('send-keys', '-t', SESSION, 'p')
    expect(await waitFor(() => screen().includes('marker-two'), 3000)).toBe(true)

    tmux('send-keys', '-t', SESSION, '/', 'm', 'a', 'r', 'k', 'e', 'r', '-', 'o', 'Enter')
    expect(await waitFor(() => screen().includes('filter “marker-o”'), 3000), screen()).toBe(true)
    expect(screen()).not.toContain('marker-two')
    expect(screen()).toContain('marker-one')

    tmux('send-keys', '-t', SESSION, 'q')
    expect(await waitFor(() => screen().includes('EXITED 0'), 10_000), screen()).toBe(true)
    expect(screen()).toMatch(/\d+ runs, lost 0/)
  })
})
