/** `-o json`: the whole report, raw samples and environment included (what --baseline reads). */
import type {BenchReport} from '../bench/report.js'

export function benchJson(report: BenchReport): string {
  return `${JSON.stringify(report, null, 2)}\n`
}
