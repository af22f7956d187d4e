#!/usr/bin/env bash
# Runs on the GPU machine after check.sh has unpacked the bundle: SysNoise's throughput on CUDA and on the host
# (same machine, all cores), then the bundled bench on 600 images on each device.
# Usage: bash scripts/gpu/perf.sh OUTDIR
set -uo pipefail
out="${1:?OUTDIR}"
cd "$(dirname "$0")/../.."
mkdir -p "$out" /tmp/sn-dotnet /tmp/sn-models
[ -x /tmp/sn-dotnet/dotnet ] || tar -C /tmp/sn-dotnet -xJf .gpu/dotnet.tar.xz
[ -f tests/SysNoise.Tests/bin/Release/net10.0/sysnoise.dll ] || tar -xJf .gpu/tests.tar.xz
export DOTNET_ROOT=/tmp/sn-dotnet PATH=/tmp/sn-dotnet:$PATH DOTNET_ROLL_FORWARD=Major DOTNET_CLI_TELEMETRY_OPTOUT=1
export LD_LIBRARY_PATH="$PWD/.gpu/libs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
py="$(command -v python3)"
[ -f /tmp/sn-models/resnet50.onnx ] || "$py" scripts/export-models.py --cache /tmp/sn-models --only resnet50 mobilenet_v2 >/dev/null
cp -n .gpu/models/* /tmp/sn-models/ 2>/dev/null
sn() { dotnet tests/SysNoise.Tests/bin/Release/net10.0/sysnoise.dll "$@"; }
for dev in ${PERF_DEVICES:-cuda host}; do
  sn perf --device $dev --jpegs .gpu/corpus --model /tmp/sn-models/resnet50.onnx --batch ${PERF_BATCHES:-1,8,256} --precision ${PERF_PRECISIONS:-fp32,fp16} --json "$out/perf-$dev.json" > "$out/perf-$dev.log" 2>&1
  echo "perf $dev exit $?"; grep -E "batch|decode lib" "$out/perf-$dev.log"
done
for dev in cuda host; do
  SECONDS=0
  sn bench --data .gpu/fashion --out "/tmp/bench-$dev" --device $dev > "$out/bench-$dev.log" 2>&1
  echo "bench $dev exit $? in ${SECONDS} s: $(tail -n 1 "$out/bench-$dev.log")"
done
cmp /tmp/bench-cuda/results.csv /tmp/bench-host/results.csv && echo "bench results.csv identical on cuda and host"
cp /tmp/bench-cuda/results.csv "$out/bench-cuda.csv"
