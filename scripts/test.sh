#!/usr/bin/env bash
# Runs the whole vitest suite (unit + real-kernel eBPF tests) and ends with "N passed, N failed"
# (", N skipped" when any); exits non-zero when vitest does or when anything failed.
# MONITOR_TEST_NODE picks another Node binary (CI runs the suite on Node 20 and 24).
# MONITOR_TEST_DIR runs another suite: that directory with its own vitest.config.ts (arguments still
# pass through, e.g. a file filter). test/unit/runner.test.ts tests this script on test/fixtures/runner.
set -uo pipefail
cd "$(dirname "$0")/.."
root=$PWD
node_bin=${MONITOR_TEST_NODE:-node}
major=$("$node_bin" -p 'process.versions.node.split(".")[0]') || exit 1
label=${MONITOR_TEST_LABEL:-node$major}
mkdir -p build/test-results
out=$root/build/test-results/$label.json
rm -f "$out" "${out%.json}".{status,exit}.json

args=()
if [ -n "${MONITOR_TEST_DIR:-}" ]; then
  dir=$(realpath "$MONITOR_TEST_DIR") || exit 1
  args+=(--root "$dir" --config "$dir/vitest.config.ts")
fi
MONITOR_RUN_STATUS="${out%.json}.status.json" "$node_bin" "$root/node_modules/vitest/vitest.mjs" run \
  "${args[@]}" --reporter=default --reporter=json --outputFile.json="$out" \
  --reporter="$root/scripts/run-status-reporter.mjs" "$@"
echo "{\"exitCode\": $?}" >"${out%.json}.exit.json"
node scripts/test-summary.mjs "$out"
