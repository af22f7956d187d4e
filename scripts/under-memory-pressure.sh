#!/usr/bin/env bash
# Runs a command while one core copies 2 × 64 MB back and forth (twice the L3 of this machine), to reproduce the slow
# periods of a shared host: another tenant emptying L3 and taking memory bandwidth. See docs/performance.md, eighth
# session. Usage: scripts/under-memory-pressure.sh [--core N] COMMAND [ARGS...]   (default core: the last one)
set -euo pipefail
core=$(( $(nproc) - 1 ))
if [[ "${1:-}" == "--core" ]]; then
    core=$2
    shift 2
fi

if [[ $# -eq 0 ]]; then
    echo "usage: $0 [--core N] COMMAND [ARGS...]" >&2
    exit 2
fi

taskset -c "$core" /usr/bin/python3 -c '
import numpy as np
a = np.ones(16 << 20, np.float32)
b = np.empty_like(a)
while True:
    np.copyto(b, a)
    np.copyto(a, b)
' &
streamer=$!
trap 'kill $streamer 2>/dev/null || true' EXIT
sleep 1
"$@"
