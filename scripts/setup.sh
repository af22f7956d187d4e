#!/usr/bin/env bash
# Installs everything SysNoise needs, builds it (native shim included) and runs the main job:
# the resize-noise demo on a real photograph from Debian's opencv-doc.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh --demo
dotnet build src/SysNoise.Cli -c Release -o out/cli
photo=/usr/share/doc/opencv-doc/examples/data/fruits.jpg
dotnet out/cli/sysnoise.dll resize-noise "$photo" --size 224x224 --reference pillow-bilinear --out-dir out/resize-noise
