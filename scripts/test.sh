#!/usr/bin/env bash
# Runs the whole vitest suite (unit + real-kernel eBPF tests) and ends with "N passed, N failed".
# MONITOR_TEST_NODE picks another Node binary (CI runs the suite on Node 20 and 24).
set -uo pipefail
cd "$(dirname "$0")/.."
node_bin=${MONITOR_TEST_NODE:-node}
label=${MONITOR_TEST_LABEL:-node$("$node_bin" -p 'process.versions.node.split(".")[0]')}
mkdir -p build/test-results
out=build/test-results/$label.json
rm -f "$out"
"$node_bin" node_modules/vitest/vitest.mjs run --reporter=default --reporter=json --outputFile.json="$out" "$@"
node scripts/test-summary.mjs "$out"
