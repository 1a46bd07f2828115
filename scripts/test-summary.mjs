// Prints "N passed, N failed[, N skipped]" over vitest JSON reports; exits 1 on any failure or if no
// test ran (a missing report counts as a failure: the runner itself crashed).
import {existsSync, readFileSync} from 'node:fs'

let passed = 0
let failed = 0
let skipped = 0
for (const file of process.argv.slice(2)) {
  if (!existsSync(file)) {
    console.error(`test-summary: ${file} is missing (the test run crashed)`)
    failed++
    continue
  }
  const r = JSON.parse(readFileSync(file, 'utf8'))
  passed += r.numPassedTests
  // A test file that failed to load has no failed tests of its own: count it once.
  const brokenFiles = r.testResults.filter((f) => f.status === 'failed' && !f.assertionResults.some((a) => a.status === 'failed'))
  failed += r.numFailedTests + brokenFiles.length
  skipped += r.numPendingTests + r.numTodoTests
}

console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`)
process.exit(failed > 0 || passed === 0 ? 1 : 0)
