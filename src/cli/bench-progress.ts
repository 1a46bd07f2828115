/** Progress of a bench session on stderr: the live Ink view when stderr is a terminal (and CI is
 * unset), otherwise nothing (CI logs get the report only). */
import type {Measure} from '../bench/runner.js'
import type {BenchProgress} from './bench-live.js'

const silent: BenchProgress = {update() {}, status() {}, async stop() {}}

export async function startBenchProgress(measure: Measure): Promise<BenchProgress> {
  if (!process.stderr.isTTY || process.env.CI) return silent
  const {startLiveProgress} = await import('./bench-live.js')
  return startLiveProgress(measure)
}
