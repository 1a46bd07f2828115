#!/usr/bin/env node
/**
 * The project build: tsc -> dist/ (what tests, benchmarks and bin/dev.js use), then the fast-start
 * artefacts bin/run.js needs (see bench/startup/README.md for why each exists):
 *   dist/bundle/monitor.cjs        every command + @oclif/core in one CommonJS file (CommonJS
 *                                  because only scripts, not ES modules, can use a V8 code cache
 *                                  on Node 20)
 *   dist/bundle/shared.mjs         re-exports the dist/ modules the commands share with their
 *                                  lazily imported code, so both see ONE copy (MonitorError)
 *   dist/bundle/monitor.cjs.cache  V8 code cache, written by a first run of bin/run.js
 *   dist/bundle/ui/*.js            the full-screen views (Ink, React, yoga) as ES-module chunks,
 *                                  loaded only when a view starts; see uiBundle()
 *   oclif.manifest.json            so oclif lists commands without loading them
 * Everything is regenerated on every build. Exits non-zero on any failure.
 */
import {execFileSync} from 'node:child_process'
import {existsSync, readdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {createRequire} from 'node:module'
import {dirname, join, relative, resolve, sep} from 'node:path'
import {fileURLToPath, pathToFileURL} from 'node:url'

import * as esbuild from 'esbuild'

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const DIST = join(ROOT, 'dist')
const OUT = join(DIST, 'bundle')
const BUNDLE = join(OUT, 'monitor.cjs')
const MANIFEST = join(ROOT, 'oclif.manifest.json')
// Startup code: bundled. Any other dist/ module is loaded as the plain ES module tsc emitted.
const STARTUP_DIRS = [join(DIST, 'commands'), join(DIST, 'cli')]
// Symbol.for() keys of the globals bin/run.js sets before it runs the bundle.
const SHARED_KEY = 'monitor.shared'
const IMPORT_KEY = 'monitor.import'

const posix = (p) => p.split(sep).join('/')
const rel = (from, to) => {
  const r = posix(relative(from, to))
  return r.startsWith('.') ? r : `./${r}`
}

function step(name, fn) {
  const t0 = performance.now()
  const result = fn()
  const done = () => console.log(`build: ${name} (${Math.round(performance.now() - t0)} ms)`)
  return result instanceof Promise ? result.then((r) => (done(), r)) : (done(), result)
}

/** Command files under src/commands, with the ids oclif's "pattern" discovery would give them. */
function listCommands() {
  const dir = join(ROOT, 'src', 'commands')
  const found = []
  for (const entry of readdirSync(dir, {recursive: true, withFileTypes: true})) {
    if (!entry.isFile() || !/\.tsx?$/.test(entry.name) || /\.(d|test|spec)\.tsx?$/.test(entry.name)) continue
    const file = join(entry.parentPath ?? entry.path, entry.name)
    const parts = posix(relative(dir, file)).replace(/\.tsx?$/, '').split('/')
    if (parts.at(-1) === 'index') parts.pop()
    found.push({id: parts.join(':'), dist: join(DIST, 'commands', posix(relative(dir, file)).replace(/\.tsx?$/, '.js'))})
  }
  return found.sort((a, b) => a.id.localeCompare(b.id))
}

/**
 * Keeps the bundle to startup code, and keeps import() out of it.
 * - Static imports of non-startup dist/ modules become a lookup in the namespaces bin/run.js
 *   preloads from shared.mjs, so a class like MonitorError is ONE object for the commands and for
 *   the code they import lazily (instanceof in error reporting).
 * - import() cannot run in a script compiled from a V8 code cache on Node 20 (no callback without
 *   --experimental-vm-modules, and the cache drops it anyway), so every dynamic import still left
 *   at run time calls the importer bin/run.js provides: the commands' lazy dist/ modules (paths made
 *   relative to the bundle) and oclif's import(<computed path>) for ES-module plugins.
 */
/**
 * oclif sorts each plugin's commands with localeCompare, and the first localeCompare in a process
 * sets up ICU collation: ~15 ms, a sixth of a bare `node -e 0` here. The root plugin's commands
 * come from oclif.manifest.json (or COMMANDS), which this build writes already in localeCompare
 * order, so a stable sort with a neutral comparator gives the very same order without ICU.
 */
const PLUGIN_JS = join('@oclif', 'core', 'lib', 'config', 'plugin.js')
const SORT_BY_LOCALE = '.sort((a, b) => a.id.localeCompare(b.id))'
function keepCommandOrder(source) {
  if (!source.includes(SORT_BY_LOCALE)) {
    console.warn(`build: warning: ${SORT_BY_LOCALE} not found in @oclif/core ${PLUGIN_JS}: startup pays for ICU again`)
    return source
  }
  return source.replace(SORT_BY_LOCALE, ' /* already sorted: scripts/build.mjs */')
}

const IMPORTER = `globalThis[Symbol.for(${JSON.stringify(IMPORT_KEY)})]`
function startupBoundary(shared) {
  const inStartup = (file) => STARTUP_DIRS.some((d) => file.startsWith(d + sep))
  return {
    name: 'startup-boundary',
    setup(build) {
      build.onResolve({filter: /^\./}, (args) => {
        if (!inStartup(args.importer)) return
        const target = resolve(args.resolveDir, args.path)
        if (inStartup(target)) return
        if (!shared.includes(target)) shared.push(target)
        return {path: target, namespace: 'shared'}
      })
      build.onLoad({filter: /.*/, namespace: 'shared'}, (args) => ({
        contents: `module.exports = globalThis[Symbol.for(${JSON.stringify(SHARED_KEY)})][${shared.indexOf(args.path)}]`,
        loader: 'js',
      }))
      build.onLoad({filter: /\.[cm]?js$/}, (args) => {
        let source = readFileSync(args.path, 'utf8')
        if (args.path.endsWith(PLUGIN_JS)) source = keepCommandOrder(source)
        if (!source.includes('import(')) return {contents: source, loader: 'js'}
        const startup = inStartup(args.path)
        // import('<literal>'): bundled by esbuild, except our startup code's relative lazy imports.
        // import(<expression>): always the importer. `import()` with no argument is text in a message.
        const contents = source.replace(/(?<![\w$.])import\((?!\))(\s*(['"])([^'"]*)\2\s*\))?/g, (all, literal, _q, spec) => {
          if (!literal) return `${IMPORTER}(`
          if (!startup || !spec.startsWith('.')) return all
          return `${IMPORTER}(${JSON.stringify(rel(OUT, resolve(dirname(args.path), spec)))})`
        })
        return {contents, loader: 'js'}
      })
    },
  }
}

/** Packages whose modules make a dist/ module part of the UI bundle. */
const UI_PACKAGES = /^(ink|react|react\/jsx-runtime|react-reconciler|yoga-layout)$/
const UI_OUT = join(OUT, 'ui')
/** src/tui/ink-fast-output.ts's import of Ink's internal Output module (not in Ink's exports). */
const INK_OUTPUT = /import\(\s*\/\* ink-output \*\/\s*[\w$.]+\s*\)/
const importsOf = (source) => [...source.matchAll(/(?:^|\n)\s*(?:import|export)\b[^'"]*?from\s*["']([^"']+)["']|(?:^|\n)\s*import\s*["']([^"']+)["']/g)].map((m) => m[1] ?? m[2])

/** dist/ modules that import Ink or React, directly or through another dist/ module. */
function uiModules() {
  const memo = new Map()
  const needsUi = (file) => {
    if (memo.has(file)) return memo.get(file)
    memo.set(file, false) // cycles: decided by the other edges
    const source = readFileSync(file, 'utf8')
    const result = INK_OUTPUT.test(source) || importsOf(source).some((s) => UI_PACKAGES.test(s) || (s.startsWith('.') && needsUi(resolve(dirname(file), s))))
    memo.set(file, result)
    return result
  }
  const all = readdirSync(DIST, {recursive: true, withFileTypes: true})
    .filter((e) => e.isFile() && e.name.endsWith('.js') && !(e.parentPath ?? e.path).startsWith(OUT))
    .map((e) => join(e.parentPath ?? e.path, e.name))
  return {all, needsUi}
}

/**
 * The views, bundled apart from the startup bundle: every dist/ module a command imports lazily
 * that needs Ink/React becomes an entry of one ES-module build with shared chunks, with Ink, React,
 * react-reconciler and yoga inside it and every other dist/ module left as an import of that module
 * (one instance of the services and of MonitorError). Then every import('./x.js') of such an entry
 * in dist/ is pointed at its bundle.
 * Why: loading Ink as plain modules loads all of es-toolkit/compat (Ink uses its throttle) and
 * React's unminified sources: 88 MB RSS for `import('ink')` against 63 MB bundled, tree-shaken and
 * minified (measured 2026-12-03), and `monitor top`'s view must stay within 100 MB.
 */
async function uiBundle() {
  const {all, needsUi} = uiModules()
  const lazy = new Set()
  for (const file of all) {
    for (const m of readFileSync(file, 'utf8').matchAll(/(?<![\w$.])import\(\s*(['"])(\.[^'"]*)\1\s*\)/g)) {
      const target = resolve(dirname(file), m[2])
      if (needsUi(target)) lazy.add(target)
    }
  }
  if (lazy.size === 0) return []
  const entries = [...lazy].sort()
  const names = new Map(entries.map((f) => [f, posix(relative(DIST, f)).replace(/\.js$/, '').replaceAll('/', '-')]))
  await esbuild.build({
    entryPoints: Object.fromEntries(entries.map((f) => [names.get(f), f])),
    outdir: UI_OUT,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    minify: true,
    keepNames: true,
    legalComments: 'none',
    logLevel: 'warning',
    define: {'process.env.NODE_ENV': '"production"'},
    // CommonJS dependencies (React, signal-exit) call require() for Node's own modules.
    banner: {js: `import {createRequire as __monitorRequire} from 'node:module'; const require = __monitorRequire(import.meta.url);`},
    plugins: [
      {
        name: 'ui-boundary',
        setup(build) {
          build.onResolve({filter: /^\./}, (args) => {
            if (!args.importer.startsWith(DIST + sep)) return
            const target = resolve(args.resolveDir, args.path)
            if (needsUi(target)) return
            return {path: rel(UI_OUT, target), external: true}
          })
          // Ink imports its React DevTools bridge only when DEV is set; never in monitor.
          build.onResolve({filter: /devtools(-window-polyfill)?\.js$/}, (args) =>
            /[\\/]ink[\\/]/.test(args.importer) ? {path: args.path, namespace: 'no-devtools'} : undefined,
          )
          build.onLoad({filter: /.*/, namespace: 'no-devtools'}, () => ({contents: 'export default undefined', loader: 'js'}))
          // The Output class the fast-output patch changes must be the bundle's own (see INK_OUTPUT).
          const inkOutput = join(dirname(createRequire(import.meta.url).resolve('ink')), 'output.js')
          build.onLoad({filter: /\.js$/}, (args) => {
            if (!args.path.startsWith(DIST + sep)) return
            const source = readFileSync(args.path, 'utf8')
            if (!INK_OUTPUT.test(source)) return
            return {contents: source.replace(INK_OUTPUT, `import(${JSON.stringify(inkOutput)})`), loader: 'js'}
          })
        },
      },
    ],
  })
  for (const file of all) {
    const source = readFileSync(file, 'utf8')
    const next = source.replace(/(?<![\w$.])import\(\s*(['"])(\.[^'"]*)\1\s*\)/g, (all, _q, spec) => {
      const target = resolve(dirname(file), spec)
      return lazy.has(target) ? `import(${JSON.stringify(rel(dirname(file), join(UI_OUT, `${names.get(target)}.js`)))})` : all
    })
    if (next !== source) writeFileSync(file, next)
  }
  return entries.map((f) => names.get(f))
}

async function bundle() {
  const commands = listCommands()
  // bin/run.js reports errors raised before a command exists (unknown command) with the same
  // reportError the commands use, when the source has one.
  const reportError = existsSync(join(DIST, 'cli', 'report-error.js'))
  const entry = [
    `export {flush, handle, run} from '@oclif/core'`,
    reportError ? `export {isExitSignal, reportError} from './dist/cli/report-error.js'` : '',
    ...commands.map((c, i) => `import c${i} from ${JSON.stringify(rel(ROOT, c.dist))}`),
    `export const COMMANDS = {${commands.map((c, i) => `${JSON.stringify(c.id)}: c${i}`).join(', ')}}`,
  ].join('\n')
  const shared = []
  await esbuild.build({
    stdin: {contents: entry, resolveDir: ROOT, sourcefile: 'monitor-entry.js', loader: 'js'},
    outfile: BUNDLE,
    bundle: true,
    format: 'cjs',
    platform: 'node',
    target: 'node20',
    minify: true, // less to read and hash; identifiers stay readable in stacks via keepNames
    keepNames: true, // oclif and error output use class/function names
    treeShaking: true,
    legalComments: 'none',
    logLevel: 'warning',
    // oclif checks its own package.json's engines on load; from a bundle it never finds that file,
    // so the check only costs a failed require() and loading semver (~4 ms).
    define: {'process.env.OCLIF_DISABLE_ENGINE_WARNING': '"1"'},
    // Only oclif's TypeScript support (dev, never with a bundle) loads these; keep them out.
    external: ['typescript', 'ts-node', 'tsx', 'pnpapi'],
    plugins: [startupBoundary(shared)],
  })
  // One namespace per shared module, by index: the bundle's shims read globalThis[key][i].
  writeFileSync(
    join(OUT, 'shared.mjs'),
    `// Generated by scripts/build.mjs: dist/ modules the bundle shares with lazily imported code.\n` +
      shared.map((p, i) => `import * as m${i} from ${JSON.stringify(rel(OUT, p))}`).join('\n') +
      `\nexport default [${shared.map((_, i) => `m${i}`).join(', ')}]\n`,
  )
  return commands
}

/** oclif.manifest.json, built by @oclif/core's own Plugin loader from the bundled command classes. */
async function manifest() {
  rmSync(MANIFEST, {force: true})
  const shared = await import(pathToFileURL(join(OUT, 'shared.mjs')).href)
  globalThis[Symbol.for(SHARED_KEY)] = shared.default
  const {Plugin} = createRequire(BUNDLE)('@oclif/core')
  // Same options as `oclif manifest`: ignore any old manifest, fail on a command that cannot load.
  const plugin = new Plugin({root: ROOT, isRoot: true, ignoreManifest: true, errorOnManifestCreate: true, respectNoCacheDefault: true})
  await plugin.load()
  const ids = Object.keys(plugin.manifest.commands)
  if (ids.length === 0) throw new Error('manifest: no commands found (is oclif.commands the explicit bundle target?)')
  writeFileSync(MANIFEST, JSON.stringify(plugin.manifest, null, 2) + '\n')
  return ids
}

try {
  await step('tsc', () => {
    rmSync(DIST, {recursive: true, force: true}) // no stale outputs from deleted sources
    execFileSync(process.execPath, [createRequire(import.meta.url).resolve('typescript/bin/tsc'), '-p', ROOT], {stdio: 'inherit'})
  })
  const views = await step('ui bundle', uiBundle)
  await step('bundle', bundle)
  const ids = await step('manifest', manifest)
  await step('code cache', () => {
    // bin/run.js writes the cache when it finds none; the run it is made from decides which
    // functions are already compiled in it, so make it the run that must be fast.
    execFileSync(process.execPath, [join(ROOT, 'bin', 'run.js'), 'trace', 'exec', '--help'], {stdio: 'ignore'})
    if (!existsSync(BUNDLE + '.cache')) throw new Error('bin/run.js did not write the code cache')
  })
  const size = (f) => `${Math.round(readFileSync(f).length / 1024)} KiB`
  console.log(`build: ok: ${ids.join(', ')}; bundle ${size(BUNDLE)}, cache ${size(BUNDLE + '.cache')}; views ${views.join(', ')}`)
} catch (error) {
  console.error(`build: failed: ${error.message ?? error}`)
  process.exit(1)
}
