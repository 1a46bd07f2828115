// One contender's decode of one file, in a process of its own (so its peak RSS is its own):
// `node decode-one.mjs ours|pprof-format FILE` prints {ms, samples} as JSON. Timed from the
// compressed bytes in memory to the decoded profile: gunzip included for both.
import {readFileSync} from 'node:fs'
import {gunzipSync} from 'node:zlib'

const [which, file] = process.argv.slice(2)
const bytes = readFileSync(file)
let samples
const t0 = performance.now()
if (which === 'ours') {
  const {decodeProfile} = await import('../../dist/pprof/decode.js')
  const p = decodeProfile(bytes)
  samples = p.sampleCount
} else {
  const {Profile} = await import('pprof-format')
  const p = Profile.decode(gunzipSync(bytes))
  samples = p.sample.length
}
const ms = performance.now() - t0
console.log(JSON.stringify({ms, samples}))
