/** A terminal for TUI tests: a tmux session on a tmux server of its own (-L), so tests and benchmarks
 * that run tmux at the same time never share, or kill, each other's server. */
import {execFileSync, spawnSync} from 'node:child_process'

let count = 0

export class TmuxSession {
  readonly socket = `monitor-test-${process.pid}-${++count}`
  readonly name = 'main'

  private run(...args: string[]): string {
    return execFileSync('tmux', ['-L', this.socket, ...args], {encoding: 'utf8'})
  }

  /** Starts `command` (a shell line) in a width x height terminal. */
  start(command: string, width: number, height: number): void {
    this.run('new-session', '-d', '-s', this.name, '-x', String(width), '-y', String(height), command)
  }

  /** The visible screen, one line per row. */
  screen(): string {
    return this.run('capture-pane', '-p', '-t', this.name)
  }

  /** Keys as tmux names them ('q', 'Enter', 'Escape', 'Up', 'C-c', …). */
  keys(...keys: string[]): void {
    this.run('send-keys', '-t', this.name, ...keys)
  }

  /** The pid of the pane's process (the shell that runs the command). */
  panePid(): number {
    return Number(this.run('list-panes', '-t', this.name, '-F', '#{pane_pid}').trim())
  }

  /** Ends the session and its server (harmless if already gone). */
  kill(): void {
    spawnSync('tmux', ['-L', this.socket, 'kill-server'], {stdio: 'ignore'})
  }
}
