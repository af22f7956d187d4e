#!/usr/bin/env bash
# Runs on the GPU machine (see bundle.sh): every CUDA-vs-host parity test, then the peer GPU timings.
# Usage: bash scripts/gpu/check.sh OUTDIR [xunit -method filters...]
set -uo pipefail
out="${1:?OUTDIR}"; shift
cd "$(dirname "$0")/../.."
mkdir -p "$out" /tmp/sn-dotnet /tmp/sn-models
tar -C /tmp/sn-dotnet -xJf .gpu/dotnet.tar.xz
tar -xJf .gpu/tests.tar.xz
export DOTNET_ROOT=/tmp/sn-dotnet PATH=/tmp/sn-dotnet:$PATH DOTNET_ROLL_FORWARD=Major DOTNET_CLI_TELEMETRY_OPTOUT=1
export LD_LIBRARY_PATH="$PWD/.gpu/libs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
export SYSNOISE_MODEL_CACHE=/tmp/sn-models SYSNOISE_JPEG_CORPUS="$PWD/.gpu/corpus"
cp .gpu/models/* /tmp/sn-models/
# The tests call Debian's /usr/bin/python3 for the model exports; here the PyTorch interpreter is the one on PATH.
py="$(command -v python3)"
export SYSNOISE_PYTHON="$py"
[ -d /usr/share/libonnx-testdata/data/node ] || tar -C / -xJf .gpu/onnx-testdata.tar.xz
[ -f /usr/share/doc/opencv-doc/examples/data/sudoku.png ] || tar -C / -xf .gpu/opencv-doc-text.tar
nvidia-smi -L; "$py" -c 'import torch, torchvision; print("torch", torch.__version__, "torchvision", torchvision.__version__)'
"$py" scripts/export-models.py --cache /tmp/sn-models 2>&1 | tail -n 12
bin=tests/SysNoise.Tests/bin/Release/net10.0
dotnet "$bin/sysnoise.dll" devices
d=/usr/share/libonnx-testdata/data
dotnet "$bin/sysnoise.dll" onnx-test --device cuda $d/node $d/pytorch-converted $d/pytorch-operator $d/simple > "$out/onnx-test-cuda.log" 2>&1
echo "onnx-test --device cuda exit $?: $(tail -n 1 "$out/onnx-test-cuda.log")"; grep -E "^FAIL|failed:" "$out/onnx-test-cuda.log" | head -20
filters=("$@"); [ ${#filters[@]} -gt 0 ] || filters=("*Cuda*")
args=(); for f in "${filters[@]}"; do args+=(-method "$f"); done
dotnet .gpu/xunit/xunit.console.dll "$bin/SysNoise.Tests.dll" "${args[@]}" -verbose -nocolor -xml "$out/cuda-tests.xml" > "$out/cuda-tests.log" 2>&1
echo "xunit exit $?"
grep -E "\[FAIL\]|Total:" "$out/cuda-tests.log" | head -40
[ -n "${SKIP_PEERS:-}" ] || "$py" scripts/gpu/peers.py --corpus .gpu/corpus --json "$out/peers.json" > "$out/peers.log" 2>&1; echo "peers exit $?"; tail -n 25 "$out/peers.log"
