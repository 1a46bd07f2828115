import {spawn, type ChildProcessWithoutNullStreams} from 'node:child_process'

import {ROOT} from './ebpf.js'

export const TEST_TARGET = `${ROOT}addon/gen/test_target`

export interface Target {
  child: ChildProcessWithoutNullStreams
  pid: number
  /** Lets the workload run; resolves with its output once it exits. */
  go(): Promise<{code: number | null; stdout: string}>
}

/** Starts addon/test/test_target and waits until it is ready (attach probes before go()). */
export async function startTarget(mode: 'calls' | 'getppid' | 'spin', n: number): Promise<Target> {
  const child = spawn(TEST_TARGET, [mode, String(n)])
  let stdout = ''
  child.stdout.setEncoding('utf8')
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (d: string) => {
      stdout += d
      if (stdout.includes('ready')) resolve()
    })
    child.on('error', reject)
  })
  return {
    child,
    pid: child.pid!,
    async go() {
      child.stdin.write('go\n')
      const code = await exited
      return {code, stdout}
    },
  }
}
