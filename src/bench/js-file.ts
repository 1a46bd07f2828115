/** JS/TS benchmark files (`monitor bench FILE`): each `bench(name, fn)` is an arm run in a fresh Node
 * process (src/bench/arm-runner.ts), so one benchmark's JIT state, garbage and caches never reach
 * another's. TypeScript: Node 20 cannot run .ts (type stripping arrived in 22.6), so the file is
 * bundled once with esbuild (its own imports included, packages left external) into a hidden file
 * beside it — beside it so its package imports resolve as the original's do — and removed after. */
import {spawnSync} from 'node:child_process'
import {existsSync, rmSync} from 'node:fs'
import {basename, dirname, join, resolve} from 'node:path'
import {fileURLToPath} from 'node:url'

import {ExitCode, MonitorError} from '../errors.js'
import type {Argv} from './command-line.js'
import {BenchExit} from './exit-codes.js'

const ARM_RUNNER = join(dirname(fileURLToPath(import.meta.url)), 'arm-runner.js')

export interface JsBenchFile {
  /** The file Node runs (the original, or the bundle of a .ts file). */
  runnable: string
  names: string[]
  argv(name: string, iterations?: number): Argv
  dispose(): void
}

async function transpile(file: string): Promise<string> {
  const out = join(dirname(file), `.${basename(file)}.monitor-bench.mjs`)
  let esbuild: typeof import('esbuild')
  try {
    esbuild = await import('esbuild')
  } catch {
    throw new MonitorError('running a .ts benchmark file needs esbuild (npm install esbuild), or Node >= 22.6 with a .js file', {exitCode: BenchExit.failed})
  }
  try {
    await esbuild.build({entryPoints: [file], outfile: out, bundle: true, packages: 'external', platform: 'node', format: 'esm', target: 'node20', logLevel: 'silent'})
  } catch (error) {
    throw new MonitorError(`${file}: does not compile: ${(error as Error).message.split('\n').slice(0, 2).join(' ')}`, {exitCode: BenchExit.failed})
  }
  return out
}

export async function openJsBenchFile(path: string): Promise<JsBenchFile> {
  const file = resolve(path)
  if (!existsSync(file)) throw new MonitorError(`${path}: no such file`, {exitCode: ExitCode.usage})
  const isTs = /\.[mc]?tsx?$/.test(file)
  const runnable = isTs ? await transpile(file) : file
  const dispose = () => {
    if (isTs) rmSync(runnable, {force: true})
  }
  try {
    const list = spawnSync(process.execPath, [ARM_RUNNER, runnable, '--list'], {encoding: 'utf8'})
    if (list.status !== 0) {
      const tail = list.stderr.trim().split('\n').filter((l) => !/^\s+at /.test(l)).slice(-3).join(' | ')
      throw new MonitorError(`${path}: failed to load: ${tail}`, {exitCode: BenchExit.failed})
    }
    const names = JSON.parse(list.stdout.trim().split('\n').pop()!) as string[]
    if (names.length === 0) throw new MonitorError(`${path} defines no benchmark: call bench('name', () => { ... })`, {exitCode: ExitCode.usage})
    return {
      runnable,
      names,
      argv: (name, iterations) => ({file: process.execPath, args: [ARM_RUNNER, runnable, name, ...(iterations ? [String(iterations)] : [])], shell: false}),
      dispose,
    }
  } catch (error) {
    dispose()
    throw error
  }
}
