import {spawn, spawnSync, type SpawnSyncReturns} from 'node:child_process'

import {CLI} from './ebpf.js'

/** Runs the real CLI (bin/run.js) with the Node running the tests. */
export function runCli(args: string[], options: {env?: NodeJS.ProcessEnv; user?: string} = {}): SpawnSyncReturns<string> {
  const argv = options.user
    ? ['setpriv', `--reuid=${options.user}`, `--regid=${options.user === 'nobody' ? 'nogroup' : options.user}`, '--clear-groups', '--inh-caps=-all', process.execPath, CLI, ...args]
    : [process.execPath, CLI, ...args]
  return spawnSync(argv[0], argv.slice(1), {encoding: 'utf8', env: {...process.env, ...options.env}, timeout: 60_000})
}

/** Starts the CLI in the background, collecting stdout. */
export function startCli(args: string[]) {
  const child = spawn(process.execPath, [CLI, ...args], {stdio: ['ignore', 'pipe', 'pipe']})
  let stdout = ''
  let stderr = ''
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d))
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d))
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code, signal) => resolve(code ?? (signal ? -1 : null))))
  return {
    child,
    exited,
    get stdout() {
      return stdout
    },
    get stderr() {
      return stderr
    },
  }
}
