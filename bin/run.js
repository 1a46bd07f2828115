#!/usr/bin/env -S node --v8-pool-size=2
// (--v8-pool-size=2: V8's background threads, 4 by default here, each keep a malloc arena of their
// own; two are plenty for a CLI and save ~5 MB of RSS in `monitor top`. bench/top/README.md.)
// Starts the CLI from the bundle scripts/build.mjs makes, through oclif's normal run().
// Startup time is mostly V8 compiling @oclif/core, so the bundle is compiled with a V8 code cache:
// that needs a classic script (vm.Script), hence a CommonJS bundle loaded by hand here rather
// than by require(). Measurements: bench/startup/README.md.
import {readFileSync, renameSync, rmSync, writeFileSync} from 'node:fs'
import {createRequire, Module} from 'node:module'
import {dirname, join} from 'node:path'
import {fileURLToPath, pathToFileURL} from 'node:url'
import {Script} from 'node:vm'

const file = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'bundle', 'monitor.cjs')
const cacheFile = `${file}.cache`

let source
try {
  source = readFileSync(file, 'utf8')
} catch {
  process.stderr.write('monitor: not built: run `npm run build`\n')
  process.exit(1)
}
// The dist/ modules the bundle shares with the code its commands import lazily (see
// scripts/build.mjs); loading starts now and overlaps the synchronous work below.
const shared = import('../dist/bundle/shared.mjs')

let cachedData
try {
  cachedData = readFileSync(cacheFile)
} catch {}
const script = new Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, {filename: file, cachedData})
// No cache, or one from another Node/V8: write a fresh one once this run has compiled what it
// needed. Best effort (a read-only install just starts slower); rename so readers never see half a file.
if (cachedData === undefined || script.cachedDataRejected) {
  process.once('exit', () => {
    const tmp = `${cacheFile}.${process.pid}`
    try {
      writeFileSync(tmp, script.createCachedData())
      renameSync(tmp, cacheFile)
    } catch {
      rmSync(tmp, {force: true})
    }
  })
}

// Globals the bundle reads: the shared modules, and the import() it must call through (a script
// compiled from a code cache cannot import() itself on Node 20).
globalThis[Symbol.for('monitor.shared')] = (await shared).default
globalThis[Symbol.for('monitor.import')] = (specifier) =>
  import(specifier.startsWith('.') ? new URL(specifier, pathToFileURL(file)).href : specifier)

// Register it as a loaded CommonJS module, so oclif's require() of the commands target
// (package.json oclif.commands) returns this instance instead of compiling the file again.
const require = createRequire(file)
const module = new Module(file)
module.filename = file
require.cache[file] = module
script.runInThisContext()(module.exports, require, module, file, dirname(file))
module.loaded = true

const {flush, handle, isExitSignal, reportError, run} = module.exports
try {
  // userPlugins: false - monitor has no plugin installer, so skip looking for user-installed plugins.
  await run(process.argv.slice(2), {root: fileURLToPath(import.meta.url), userPlugins: false})
  await flush()
} catch (error) {
  // oclif's own exits (help, this.exit() after a command reported its error) stay oclif's;
  // anything else (unknown command) is reported like a command's error: one `monitor:` line.
  if (!reportError || isExitSignal(error)) await handle(error)
  else process.exitCode = reportError(error)
}
