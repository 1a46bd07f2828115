import {spawn, type ChildProcessWithoutNullStreams} from 'node:child_process'

import {ROOT} from './ebpf.js'

export const TEST_TARGET = `${ROOT}addon/gen/test_target`

export interface Target {
  child: ChildProcessWithoutNullStreams
  pid: number
  /** Lets the workload run; resolves with its output once it exits. */
  go(): Promise<{code: number | null; stdout: string}>
  /** The number test_target printed after "done" (burn: CPU ns used). */
  result(): number
  kill(): void
}

/** Modes of addon/test/test_target.c: calls N | getppid N [gap µs] | burn MS | values FILE. */
export type TargetMode = 'calls' | 'getppid' | 'burn' | 'values'

/** Starts addon/test/test_target and waits until it is ready (attach probes before go()). */
export async function startTarget(mode: TargetMode, ...args: (number | string)[]): Promise<Target> {
  const child = spawn(TEST_TARGET, [mode, ...args.map(String)])
  let stdout = ''
  child.stdout.setEncoding('utf8')
  // 'close': go() returns stdout, which is only complete once the pipe is.
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)))
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (d: string) => {
      stdout += d
      if (stdout.includes('ready')) resolve()
    })
    child.on('error', reject)
    child.on('exit', (code) => reject(new Error(`test_target ${mode} exited with ${code} before it was ready`)))
  })
  return {
    child,
    pid: child.pid!,
    async go() {
      child.stdin.write('go\n')
      const code = await exited
      return {code, stdout}
    },
    result() {
      const m = /done (-?\d+)/.exec(stdout)
      if (!m) throw new Error(`test_target has not finished: ${stdout}`)
      return Number(m[1])
    },
    kill() {
      child.kill('SIGKILL')
    },
  }
}
