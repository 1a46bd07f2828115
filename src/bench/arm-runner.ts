/** One arm of a JS benchmark file, in a fresh process: `node arm-runner.js FILE --list` prints the
 * names the file registers; `node arm-runner.js FILE NAME [ITERATIONS]` runs that benchmark and
 * prints its time per call in ns. The file calls the global `bench(name, fn)` this script installs
 * (a global, so benchmark files need no import of monitor and package.json needs no "exports").
 * Without ITERATIONS, the batch size is calibrated to ~50 ms and one batch is timed after a warm
 * batch; with it (instruction counting), exactly that many calls, so the count repeats. */
import {pathToFileURL} from 'node:url'

type BenchFn = () => unknown
const benches = new Map<string, BenchFn>()
;(globalThis as {bench?: unknown}).bench = (name: string, fn: BenchFn) => {
  if (typeof name !== 'string' || typeof fn !== 'function') throw new TypeError('bench(name, fn): a string and a function')
  if (benches.has(name)) throw new Error(`bench "${name}" is defined twice`)
  benches.set(name, fn)
}

async function batch(fn: BenchFn, n: number): Promise<number> {
  const start = process.hrtime.bigint()
  for (let i = 0; i < n; i++) {
    const r = fn()
    if (r instanceof Promise) await r
  }
  return Number(process.hrtime.bigint() - start)
}

const [file, name, fixed] = process.argv.slice(2)
await import(pathToFileURL(file).href)
if (name === '--list') {
  process.stdout.write(`${JSON.stringify([...benches.keys()])}\n`)
} else {
  const fn = benches.get(name)
  if (!fn) throw new Error(`no bench "${name}" in ${file} (it has: ${[...benches.keys()].join(', ')})`)
  if (fixed) {
    await batch(fn, Number(fixed))
  } else {
    let n = 1
    while ((await batch(fn, n)) < 50e6 && n < 2 ** 30) n *= 2
    await batch(fn, n) // warm at the final size
    process.stdout.write(`${(await batch(fn, n)) / n}\n`)
  }
}
