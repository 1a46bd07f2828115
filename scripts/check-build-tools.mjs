#!/usr/bin/env node
// Checks, before anything is compiled, that this host can build the native engine: the BPF programs
// (clang-16 against the running kernel's BTF, dumped by bpftool) and the libbpf addon (node-gyp:
// make, g++, python3). Whatever is missing is named in ONE line with the Debian packages that bring
// it, and the exit status is 69 (the host lacks something), instead of a make or ENOENT trace later.
// Run by scripts/build-addon.mjs (npm's install step, `npm run build:addon`); usable alone too.
// The lookups mirror addon/Makefile: $CLANG / $STRIP / $BPFTOOL when set, else PATH (bpftool also
// in /usr/sbin, which a non-root PATH lacks).
import {accessSync, constants, existsSync, readdirSync} from 'node:fs'
import {execFileSync} from 'node:child_process'
import {delimiter, dirname, join, resolve} from 'node:path'
import {fileURLToPath} from 'node:url'

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..')
export const BTF_PATH = '/sys/kernel/btf/vmlinux'
const BPF = 'building the BPF programs'
const ADDON = 'building the native addon'
// The oldest clang this project's CO-RE programs are known to build with (Debian 12's default, 14, is not).
const MIN_CLANG = 16

function isExecutable(file) {
  try {
    accessSync(file, constants.X_OK)
    return true
  } catch {
    return false
  }
}

/** Full path of the first executable called one of `names` on `path` (then in `extraDirs`). */
export function which(names, path = process.env.PATH ?? '', extraDirs = []) {
  const dirs = [...path.split(delimiter).filter(Boolean), ...extraDirs]
  for (const name of names) {
    if (name.includes('/')) {
      if (isExecutable(name)) return name
      continue
    }
    for (const dir of dirs) if (isExecutable(join(dir, name))) return join(dir, name)
  }
  return undefined
}

function clangMajor(clang) {
  try {
    const m = /clang version (\d+)/.exec(execFileSync(clang, ['--version'], {encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore']}))
    return m ? Number(m[1]) : undefined
  } catch {
    return undefined
  }
}

function hasHeaders(names, includeDirs) {
  return names.every((h) => includeDirs.some((d) => existsSync(join(d, h))))
}

function multiarchLibDirs() {
  const dirs = ['/usr/local/lib', '/usr/lib64', '/usr/lib', '/lib64', '/lib']
  try {
    for (const d of readdirSync('/usr/lib')) if (/-linux-gnu/.test(d)) dirs.unshift(join('/usr/lib', d))
  } catch {}
  return dirs
}

/**
 * What this host lacks to build the engine: [{need, purpose, apt}] (empty when nothing), where `need`
 * is what is missing, `purpose` what it is for and `apt` the Debian package that brings it.
 * `checkout`: building in a clone of the repository, which also builds the C test workload.
 */
export function missingBuildTools({env = process.env, checkout = false} = {}) {
  const path = env.PATH ?? ''
  const missing = []
  const need = (found, what, purpose, apt) => {
    if (!found) missing.push({need: what, purpose, apt})
  }

  need(which(['make'], path), 'make', ADDON, 'make')
  need(which([env.BPFTOOL || 'bpftool'], path, ['/usr/sbin', '/sbin']), 'bpftool', BPF, 'bpftool')

  const clang = which(env.CLANG ? [env.CLANG] : ['clang-16', 'clang'], path)
  const major = clang && clangMajor(clang)
  if (!clang || (!env.CLANG && major !== undefined && major < MIN_CLANG)) {
    missing.push({need: clang ? `clang-16 (found clang ${major})` : 'clang-16', purpose: BPF, apt: 'clang-16'})
  }
  need(which(env.STRIP ? [env.STRIP] : ['llvm-strip-16', 'llvm-strip'], path), 'llvm-strip-16', BPF, 'llvm-16')

  const includeDirs = ['/usr/local/include', '/usr/include']
  need(hasHeaders(['bpf/bpf_helpers.h', 'bpf/bpf_tracing.h', 'bpf/bpf_core_read.h', 'bpf/libbpf.h', 'bpf/btf.h'], includeDirs), 'the libbpf headers', BPF, 'libbpf-dev')
  need(multiarchLibDirs().some((d) => existsSync(join(d, 'libbpf.so'))), 'libbpf.so', ADDON, 'libbpf-dev')

  need(which([env.CXX || 'g++'], path), env.CXX || 'g++', ADDON, 'g++')
  if (checkout) need(which([env.CC || 'cc'], path), env.CC || 'cc', 'building the test workload', 'gcc')
  need(which(['python3'], path), 'python3', ADDON, 'python3')
  return missing
}

/** One line naming what is missing and the command that installs it. */
export function describeMissing(missing) {
  const purposes = [...new Set(missing.map((m) => m.purpose))]
  const packages = [...new Set(missing.map((m) => m.apt))]
  return `monitor: ${purposes.join(' and ')} needs ${missing.map((m) => m.need).join(', ')}: apt-get install ${packages.join(' ')}`
}

/** null when the engine can be built here, else the one line that says why not. */
export function buildProblem(options = {}) {
  const missing = missingBuildTools(options)
  if (missing.length) return describeMissing(missing)
  // The BPF programs are compiled against the running kernel's types (CO-RE), dumped from its BTF.
  if (!existsSync(BTF_PATH)) return `monitor: ${BPF} needs the kernel's BTF (${BTF_PATH}), which this kernel lacks: boot a kernel built with CONFIG_DEBUG_INFO_BTF=y`
  return null
}

export const isCheckout = () => existsSync(join(ROOT, 'addon', 'test', 'test_target.c'))

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const problem = buildProblem({checkout: isCheckout()})
  if (problem) {
    console.error(problem)
    process.exit(69)
  }
}
