#!/usr/bin/env bash
# Runs the whole test suite (installing any missing apt packages first): live oracles, kernel parity, CLI.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
dotnet test SysNoise.sln -c Release --logger "console;verbosity=normal" "$@"
