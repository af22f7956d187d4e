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
# The tests call /usr/bin/python3 for the model exports; here the PyTorch interpreter is the one on PATH.
py="$(command -v python3)"
if ! /usr/bin/python3 -c 'import torch, torchvision' 2>/dev/null; then ln -sf "$py" /usr/bin/python3; fi
nvidia-smi -L; "$py" -c 'import torch, torchvision; print("torch", torch.__version__, "torchvision", torchvision.__version__)'
"$py" scripts/export-models.py --cache /tmp/sn-models 2>&1 | tail -n 12
bin=tests/SysNoise.Tests/bin/Release/net10.0
dotnet "$bin/sysnoise.dll" devices
filters=("$@"); [ ${#filters[@]} -gt 0 ] || filters=("*Cuda*")
args=(); for f in "${filters[@]}"; do args+=(-method "$f"); done
dotnet .gpu/xunit/xunit.console.dll "$bin/SysNoise.Tests.dll" "${args[@]}" -verbose -nocolor -xml "$out/cuda-tests.xml" > "$out/cuda-tests.log" 2>&1
echo "xunit exit $?"
grep -E "\[FAIL\]|Total:" "$out/cuda-tests.log" | head -40
"$py" scripts/gpu/peers.py --corpus .gpu/corpus --json "$out/peers.json" > "$out/peers.log" 2>&1; echo "peers exit $?"; tail -n 25 "$out/peers.log"
