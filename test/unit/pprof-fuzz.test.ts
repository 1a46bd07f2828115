/** A short fuzz run of the decoder and format detection (bench/pprof/fuzz.mjs runs 100k+):
 * every mutated input decodes or throws a one-line MonitorError, quickly. */
import {gunzipSync, gzipSync} from 'node:zlib'
import {expect, it} from 'vitest'

import {mutate} from '../../bench/pprof/mutate.mjs'
import {syntheticProfile} from '../../bench/pprof/synthetic.mjs'
import {MonitorError} from '../../src/errors.js'
import {parseProfile} from '../../src/pprof/parse.js'

it('5,000 mutated profiles: no crash, no hang, one-line errors', () => {
  const raw = gunzipSync(syntheticProfile({samples: 40, functions: 30, seed: 5}))
  const seeds = [raw, gzipSync(raw), new TextEncoder().encode('main;a;b 3\nmain;c 4\n')]
  let decoded = 0
  let rejected = 0
  let slowest = 0
  for (let i = 0; i < 5000; i++) {
    const input = mutate(seeds[i % 10 < 8 ? 0 : 1 + (i % 2)], i)
    const t = performance.now()
    try {
      parseProfile(input)
      decoded++
    } catch (error) {
      if (!(error instanceof MonitorError)) throw new Error(`input ${i}: ${(error as Error).stack}`)
      expect(error.message).not.toContain('\n')
      rejected++
    }
    slowest = Math.max(slowest, performance.now() - t)
  }
  expect(decoded + rejected).toBe(5000)
  expect(rejected).toBeGreaterThan(100) // the mutations do break inputs
  expect(slowest).toBeLessThan(1000)
})
