#!/usr/bin/env node
// Development entry: runs tsc's output in dist/ as is - no bundle, no code cache, no manifest - so
// `tsc -w` changes (new commands too) show up without `npm run build`. Slower to start than bin/run.js.
import {readFileSync} from 'node:fs'
import {fileURLToPath} from 'node:url'

import {Plugin, flush, handle, run, settings} from '@oclif/core'

// What execute({development: true}) sets; run() is called directly to report errors like bin/run.js.
process.env.NODE_ENV = 'development'
settings.debug = true
settings.enableAutoTranspile = false // dist/ is JavaScript already: no ts-node/tsx lookup

const root = fileURLToPath(new URL('..', import.meta.url))
const pjson = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'))
// package.json points oclif at the bundle; here commands are found in dist/commands instead,
// and oclif.manifest.json (made for the bundle, possibly stale) is ignored.
pjson.oclif.commands = './dist/commands'
const plugin = new Plugin({root, isRoot: true, pjson, ignoreManifest: true})
await plugin.load()

const {isExitSignal, reportError} = await import('../dist/cli/report-error.js').catch(() => ({}))
try {
  await run(process.argv.slice(2), {root, plugins: new Map([[plugin.name, plugin]])})
  await flush()
} catch (error) {
  if (!reportError || isExitSignal(error)) await handle(error)
  else process.exitCode = reportError(error)
}
