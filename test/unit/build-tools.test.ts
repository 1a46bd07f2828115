/** A host that lacks a build tool hears, in one line, which Debian package to install — before make
 * or node-gyp start (scripts/check-build-tools.mjs, run by the install step). Each tool is hidden
 * for real: a PATH without it, or (for files found outside PATH) an empty mount over its directory. */
import {spawnSync} from 'node:child_process'
import {cpSync, mkdtempSync, rmSync, symlinkSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, describe, expect, it} from 'vitest'

import {runCli} from '../support/cli.js'
import {ROOT} from '../support/ebpf.js'

const CHECK = `${ROOT}scripts/check-build-tools.mjs`
// Every command the build uses, found where this machine has it.
const TOOLS = ['make', 'bpftool', 'clang-16', 'llvm-strip-16', 'g++', 'cc', 'python3', 'sh']
const isRoot = process.getuid?.() === 0
const canUnshare = isRoot && spawnSync('unshare', ['--mount', 'true']).status === 0

const work = mkdtempSync(join(tmpdir(), 'monitor-build-tools-'))
afterAll(() => rmSync(work, {recursive: true, force: true}))

function which(tool: string): string | undefined {
  const res = spawnSync('sh', ['-c', `command -v ${tool} || { [ -x /usr/sbin/${tool} ] && echo /usr/sbin/${tool}; }`], {encoding: 'utf8'})
  return res.stdout.trim() || undefined
}

/** A directory holding every build tool except `without`, to use as the whole PATH. */
function pathWithout(without: string[], extra: Record<string, string> = {}): string {
  const dir = mkdtempSync(join(work, 'bin-'))
  for (const tool of TOOLS) {
    if (without.includes(tool)) continue
    const found = which(tool)
    if (found) symlinkSync(found, join(dir, tool))
  }
  for (const [name, script] of Object.entries(extra)) writeFileSync(join(dir, name), script, {mode: 0o755})
  return dir
}

function check(path: string, script = CHECK, env: NodeJS.ProcessEnv = {}) {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !['CLANG', 'STRIP', 'BPFTOOL', 'CC', 'CXX'].includes(k)))
  return spawnSync(process.execPath, [script], {encoding: 'utf8', env: {...clean, ...env, PATH: path}})
}

/** Runs the check in a private mount namespace where `dirs` are empty. */
function checkWithHidden(dirs: string[], path: string) {
  const mounts = dirs.map((d) => `mount -t tmpfs none ${d}`).join(' && ')
  return spawnSync('unshare', ['--mount', '--propagation', 'private', 'sh', '-c', `${mounts} && PATH=${path} exec ${process.execPath} ${CHECK}`], {encoding: 'utf8'})
}

function expectOneLine(res: {status: number | null; stdout: string; stderr: string}, line: string) {
  expect(res.stdout).toBe('')
  expect(res.stderr).toBe(`${line}\n`)
  expect(res.status).toBe(69)
}

describe('build tool check', () => {
  it('passes on this machine (it builds the engine)', () => {
    const res = check(pathWithout([]))
    expect(res.stderr).toBe('')
    expect(res.status).toBe(0)
  })

  it.each([
    ['clang-16', 'monitor: building the BPF programs needs clang-16: apt-get install clang-16'],
    ['llvm-strip-16', 'monitor: building the BPF programs needs llvm-strip-16: apt-get install llvm-16'],
    ['make', 'monitor: building the native addon needs make: apt-get install make'],
    ['g++', 'monitor: building the native addon needs g++: apt-get install g++'],
    ['python3', 'monitor: building the native addon needs python3: apt-get install python3'],
    ['cc', 'monitor: building the test workload needs cc: apt-get install gcc'],
  ])('without %s: one line naming the package, exit 69', (tool, line) => {
    expectOneLine(check(pathWithout([tool])), line)
  })

  it('several missing tools still make one line', () => {
    expectOneLine(
      check(pathWithout(['clang-16', 'g++'])),
      'monitor: building the BPF programs and building the native addon needs clang-16, g++: apt-get install clang-16 g++',
    )
  })

  it('an old clang is not taken for clang-16', () => {
    const oldClang = '#!/bin/sh\necho "Debian clang version 14.0.6"\n'
    expectOneLine(check(pathWithout(['clang-16'], {clang: oldClang})), 'monitor: building the BPF programs needs clang-16 (found clang 14): apt-get install clang-16')
  })

  it.runIf(canUnshare || process.env.CI)('without bpftool (not on PATH, not in /usr/sbin)', () => {
    expectOneLine(checkWithHidden(['/usr/sbin'], pathWithout(['bpftool'])), 'monitor: building the BPF programs needs bpftool: apt-get install bpftool')
  })

  it.runIf(canUnshare || process.env.CI)('without the libbpf headers', () => {
    expectOneLine(checkWithHidden(['/usr/include/bpf'], pathWithout([])), 'monitor: building the BPF programs needs the libbpf headers: apt-get install libbpf-dev')
  })

  it.runIf(canUnshare || process.env.CI)('without the kernel BTF', () => {
    const res = checkWithHidden(['/sys/kernel/btf'], pathWithout([]))
    expect(res.stderr).toMatch(/^monitor: building the BPF programs needs the kernel's BTF \(\/sys\/kernel\/btf\/vmlinux\).*CONFIG_DEBUG_INFO_BTF=y\n$/)
    expect(res.status).toBe(69)
  })

  it('the install step stops at the check, before make runs', () => {
    // A copy with no addon/ beside it: had the check let it through, make would fail differently.
    const copy = mkdtempSync(join(work, 'pkg-'))
    cpSync(`${ROOT}scripts/build-addon.mjs`, join(copy, 'scripts', 'build-addon.mjs'))
    cpSync(CHECK, join(copy, 'scripts', 'check-build-tools.mjs'))
    expectOneLine(check(pathWithout(['clang-16']), join(copy, 'scripts', 'build-addon.mjs')), 'monitor: building the BPF programs needs clang-16: apt-get install clang-16')
  })
})

describe('engine not built', () => {
  it.runIf(isRoot || process.env.CI)('a checkout is told to run npm run build:addon', () => {
    const res = runCli(['trace', 'exec', '--duration', '1'], {env: {MONITOR_ADDON: join(work, 'missing.node')}})
    expect(res.stderr).toBe('monitor: the native engine is not built: run `npm run build:addon`\n')
    expect(res.status).toBe(69)
  })
})
