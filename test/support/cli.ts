import {type ChildProcess, spawn, spawnSync, type SpawnSyncReturns} from 'node:child_process'
import {afterEach} from 'vitest'

import {CLI, waitFor} from './ebpf.js'

/** CLIs a test started and that still run when it ends (a failed assertion on the way): killed, so a
 * failing test leaves no tracer behind. */
const running = new Set<ChildProcess>()
afterEach(() => {
  for (const child of running) child.kill('SIGKILL')
  running.clear()
})

/** Runs the real CLI (bin/run.js) with the Node running the tests. */
export function runCli(args: string[], options: {env?: NodeJS.ProcessEnv; user?: string} = {}): SpawnSyncReturns<string> {
  const argv = options.user
    ? ['setpriv', `--reuid=${options.user}`, `--regid=${options.user === 'nobody' ? 'nogroup' : options.user}`, '--clear-groups', '--inh-caps=-all', process.execPath, CLI, ...args]
    : [process.execPath, CLI, ...args]
  return spawnSync(argv[0], argv.slice(1), {encoding: 'utf8', env: {...process.env, ...options.env}, timeout: 60_000})
}

export interface RunningCli {
  child: ReturnType<typeof spawn>
  pid: number
  exited: Promise<number | null>
  readonly stdout: string
  readonly stderr: string
  /** Resolves once stdout has a line matching `pattern` (false after the timeout or an exit). */
  waitForLine(pattern: RegExp, timeoutMs?: number): Promise<boolean>
}

/** Starts the CLI in the background, collecting its output. */
export function startCli(args: string[], options: {env?: NodeJS.ProcessEnv} = {}): RunningCli {
  const child = spawn(process.execPath, [CLI, ...args], {stdio: ['ignore', 'pipe', 'pipe'], env: {...process.env, ...options.env}})
  running.add(child)
  let stdout = ''
  let stderr = ''
  let done = false
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d))
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d))
  const exited = new Promise<number | null>((resolve) =>
    // 'close', not 'exit': only then has all of stdout/stderr been read (after 'exit' the last
    // chunks, e.g. the summary line, may still be in the pipe).
    child.on('close', (code, signal) => {
      done = true
      running.delete(child)
      resolve(code ?? (signal ? -1 : null))
    }),
  )
  return {
    child,
    pid: child.pid!,
    exited,
    get stdout() {
      return stdout
    },
    get stderr() {
      return stderr
    },
    async waitForLine(pattern, timeoutMs = 20_000) {
      return waitFor(() => done || stdout.split('\n').some((l) => pattern.test(l)), timeoutMs, 20).then(
        () => stdout.split('\n').some((l) => pattern.test(l)),
      )
    },
  }
}

/** Starts a streaming command with -o json and waits for its {"type":"ready"} line. */
export async function startReady(args: string[], options: {env?: NodeJS.ProcessEnv} = {}): Promise<RunningCli> {
  const cli = startCli([...args, '-o', 'json'], options)
  if (!(await cli.waitForLine(/^\{"type":"ready"/))) throw new Error(`not ready: ${cli.stderr}`)
  return cli
}
