#!/usr/bin/env node
// Builds the native engine where this copy of monitor lives (npm's install step for the package,
// `npm run build:addon` in a checkout): checks the build tools, compiles the BPF programs against
// the running kernel's BTF and embeds them (addon/Makefile), then builds the addon with node-gyp.
import {spawnSync} from 'node:child_process'
import {existsSync, realpathSync} from 'node:fs'
import {dirname, join, resolve} from 'node:path'
import {fileURLToPath} from 'node:url'

import {buildProblem, isCheckout, which} from './check-build-tools.mjs'

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const checkout = isCheckout()

const problem = buildProblem({checkout})
if (problem) {
  console.error(problem)
  process.exit(69)
}

/** node-gyp as [command, ...args]: npm's own copy (npm names it to its scripts), else one on PATH. */
function nodeGyp() {
  const fromNpm = process.env.npm_config_node_gyp
  if (fromNpm && existsSync(fromNpm)) return [process.execPath, fromNpm]
  const onPath = which(['node-gyp'])
  if (onPath) return [onPath]
  const npm = which(['npm'])
  const bundled = npm && join(dirname(realpathSync(npm)), '..', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js')
  if (bundled && existsSync(bundled)) return [process.execPath, bundled]
  console.error('monitor: building the native addon needs node-gyp, which comes with npm: apt-get install npm (or npm install -g node-gyp)')
  process.exit(69)
}

function run(argv) {
  const res = spawnSync(argv[0], argv.slice(1), {cwd: ROOT, stdio: 'inherit'})
  if (res.error) {
    console.error(`monitor: cannot run ${argv[0]}: ${res.error.message}`)
    process.exit(1)
  }
  if (res.status !== 0) process.exit(res.status ?? 1)
}

// The C test workload (addon/test) is part of a checkout only; an installed package needs just the
// embedded BPF objects.
run(['make', '--no-print-directory', '-C', 'addon', ...(checkout ? [] : ['gen/bpf_objects.h'])])
run([...nodeGyp(), 'rebuild', '--silent'])
