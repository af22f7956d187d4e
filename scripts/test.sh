#!/usr/bin/env bash
# Runs the whole test suite (installing any missing apt packages first): live oracles, kernel parity, CLI.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
log=$(mktemp)
status=0
# Detailed verbosity prints each oracle test's seed and case counts.
dotnet test SysNoise.sln -c Release --logger "console;verbosity=detailed" "$@" 2>&1 | tee "$log" || status=$?
# One plain closing line for CI: "N passed, N failed, N skipped".
count() { { grep -E "^\s*$1:? +[0-9]+" "$log" || true; } | tail -n 1 | { grep -oE "[0-9]+" || true; } | tail -n 1; }
passed=$(count Passed); failed=$(count Failed); skipped=$(count Skipped)
echo "tests: ${passed:-0} passed, ${failed:-0} failed, ${skipped:-0} skipped"
rm -f "$log"
exit "$status"
