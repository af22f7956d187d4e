#!/usr/bin/env bash
# Packs what a bare GPU machine (no .NET SDK, no Debian packages) needs to run SysNoise's CUDA tests and timings
# into .gpu/ (git-ignored via .git/info/exclude): the .NET runtime, the Release test build (which also holds the
# sysnoise CLI), the xunit console runner, libjpeg-turbo/libpng, a JPEG corpus and the PP-OCR models.
# Then, on the GPU machine, from the repository root: bash scripts/gpu/check.sh OUTDIR
set -euo pipefail
cd "$(dirname "$0")/../.."
mkdir -p "$(git rev-parse --git-path info)"; grep -qx '/.gpu/' "$(git rev-parse --git-path info/exclude)" 2>/dev/null || echo '/.gpu/' >> "$(git rev-parse --git-path info/exclude)"
rm -rf .gpu && mkdir -p .gpu/libs .gpu/models .gpu/corpus
dotnet build tests/SysNoise.Tests -c Release -v q -nologo >/dev/null
dotnet_root="$(dirname "$(readlink -f "$(command -v dotnet)")")"
runtime="$(ls -d "$dotnet_root"/shared/Microsoft.NETCore.App/10.* | sort -V | tail -1)"
tar -C "$dotnet_root" -cJf .gpu/dotnet.tar.xz dotnet host "shared/Microsoft.NETCore.App/$(basename "$runtime")"
bin=tests/SysNoise.Tests/bin/Release/net10.0
# The test build without the other platforms' native libraries (OpenCV, ONNX Runtime, Skia): the CUDA tests use none.
tar -cJf .gpu/tests.tar.xz --exclude="$bin/runtimes" "$bin"
runner="$HOME/.nuget/packages/xunit.runner.console/2.4.1/tools/netcoreapp2.0"
if [ ! -d "$runner" ]; then
  tmp=$(mktemp -d)
  printf '<Project Sdk="Microsoft.NET.Sdk"><PropertyGroup><TargetFramework>net10.0</TargetFramework><ManagePackageVersionsCentrally>false</ManagePackageVersionsCentrally></PropertyGroup><ItemGroup><PackageReference Include="xunit.runner.console" Version="2.4.1" /></ItemGroup></Project>' > "$tmp/r.csproj"
  dotnet restore "$tmp/r.csproj" >/dev/null
fi
cp -r "$runner" .gpu/xunit
for lib in libjpeg.so.62 libpng16.so.16 libturbojpeg.so.0; do cp -L "/lib/x86_64-linux-gnu/$lib" .gpu/libs/; done
cp artifacts/models/ch_*.onnx .gpu/models/
/usr/bin/python3 scripts/make-jpeg-corpus.py --seed "${SYSNOISE_SEED:-$RANDOM}" --count 170 .gpu/corpus >/dev/null
# The ONNX backend test suites, for `sysnoise onnx-test --device cuda` (restored to their Debian path there).
tar -C / -cJf .gpu/onnx-testdata.tar.xz usr/share/libonnx-testdata/data/node usr/share/libonnx-testdata/data/pytorch-converted usr/share/libonnx-testdata/data/pytorch-operator usr/share/libonnx-testdata/data/simple
# The opencv-doc photographs of text that the OCR detector's parity inputs are cropped from (restored to their path there).
tar -C / -cf .gpu/opencv-doc-text.tar usr/share/doc/opencv-doc/examples/data/imageTextN.png usr/share/doc/opencv-doc/examples/data/imageTextR.png usr/share/doc/opencv-doc/examples/data/sudoku.png
# 60 images per class of the bundled Fashion-MNIST JPEG test set (scripts/make-fashion-dataset.py), for the bench timings.
if [ -d artifacts/fashion/test ]; then
  for class in artifacts/fashion/test/*/; do
    mkdir -p ".gpu/fashion/$(basename "$class")"
    ls "$class" | sort | awk 'NR % 3 == 1' | head -n 60 | while read -r f; do cp "$class/$f" ".gpu/fashion/$(basename "$class")/"; done
  done
fi
du -sh .gpu
