// A vitest reporter that records what the JSON report leaves out: errors raised outside any test
// (unhandled rejections, uncaught exceptions), which vitest counts as a failed run.
// scripts/test.sh names the file through MONITOR_RUN_STATUS; test-summary.mjs reads it.
import {writeFileSync} from 'node:fs'

export default class RunStatusReporter {
  onTestRunEnd(_testModules, unhandledErrors, reason) {
    const file = process.env.MONITOR_RUN_STATUS
    if (!file) return
    const errors = unhandledErrors.map((e) => String(e?.message ?? e).split('\n')[0])
    writeFileSync(file, JSON.stringify({reason, unhandledErrors: errors}) + '\n')
  }
}
