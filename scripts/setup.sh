#!/usr/bin/env bash
# Installs everything SysNoise needs (apt packages, native shim), builds it, builds the bundled Fashion-MNIST
# JPEG test set from Debian's dataset-fashion-mnist, and runs the main job: `sysnoise bench` with no arguments
# (the bundled default: five models, every noise type, the first 1000 test images), which prints the ΔACC table
# and writes bench-out/ (results.csv, results.json, report.md, charts).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
dotnet build src/SysNoise.Cli -c Release -o out/cli
if [ ! -f artifacts/fashion/test_meta.txt ]; then
  /usr/bin/python3 scripts/make-fashion-dataset.py --out artifacts/fashion --train-count 0
fi
# The text-detection bench set (real text photographs and scans, README "Text detection") and the PP-OCR models.
if [ ! -f artifacts/text/README.txt ]; then
  /usr/bin/python3 scripts/make-text-dataset.py --out artifacts/text
fi
bash scripts/fetch-ocr-models.sh
dotnet out/cli/sysnoise.dll bench
