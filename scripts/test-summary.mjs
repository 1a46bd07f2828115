// Prints "N passed, N failed[, N skipped]" over vitest runs and exits 1 on any failure or if no test
// ran. Each run is its JSON report X.json plus what scripts/test.sh writes beside it: X.status.json
// (errors outside tests, from run-status-reporter.mjs) and X.exit.json (vitest's exit status).
// Counted as failures, besides failed tests: a test file that could not load, each unhandled error,
// a missing report (the runner crashed), and a non-zero vitest exit that nothing else explains.
import {existsSync, readFileSync} from 'node:fs'
import {basename} from 'node:path'

const readJson = (file) => (existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : undefined)
const note = (run, text) => console.error(`test-summary: ${run}: ${text}`)

let passed = 0
let failed = 0
let skipped = 0
for (const file of process.argv.slice(2)) {
  const run = basename(file, '.json')
  const report = readJson(file)
  const status = readJson(file.replace(/\.json$/, '.status.json'))
  const exit = readJson(file.replace(/\.json$/, '.exit.json'))
  let runFailed = 0
  if (!report) {
    note(run, `${file} is missing (the test run crashed)`)
    runFailed++
  } else {
    passed += report.numPassedTests
    skipped += report.numPendingTests + report.numTodoTests
    // A test file that failed to load has no failed tests of its own: count it once.
    const brokenFiles = report.testResults.filter((f) => f.status === 'failed' && !f.assertionResults.some((a) => a.status === 'failed'))
    runFailed += report.numFailedTests + brokenFiles.length
  }
  for (const error of status?.unhandledErrors ?? []) {
    note(run, `unhandled error, counted as a failure: ${error}`)
    runFailed++
  }
  if (exit && exit.exitCode !== 0 && runFailed === 0) {
    note(run, `vitest exited with status ${exit.exitCode} although no test failed: counted as a failure`)
    runFailed++
  }
  failed += runFailed
}

console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`)
process.exit(failed > 0 || passed === 0 ? 1 : 0)
