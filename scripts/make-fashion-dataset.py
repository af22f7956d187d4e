#!/usr/bin/python3
"""Builds SysNoise's bundled default benchmark data set from Debian's dataset-fashion-mnist package.

usage: make-fashion-dataset.py [--out DIR] [--train-count N] [--test-count N] [--subset balanced|first|random]
                               [--seed S] [--size PX] [--quality Q] [--source DIR]

Run it with Debian's /usr/bin/python3 (numpy 1.24, Pillow 9.4 on libjpeg-turbo 2.1.5). Needs nothing but the
apt package dataset-fashion-mnist (the four IDX files in /usr/share/datasets/fashion-mnist).

What it writes (defaults: --out artifacts/fashion, 12000 train, 2000 test, 112x112, quality 90):

    OUT/train/<class>/<index>.jpg     (only if --train-count > 0)
    OUT/test/<class>/<index>.jpg
    OUT/test_meta.txt                 one "test/<class>/<index>.jpg <label>" line per test image, sorted by path
    OUT/train_meta.txt                the same for the train split (if written)
    OUT/classes.txt                   "<label> <folder> <Fashion-MNIST name>" per class
    OUT/README.txt                    the exact command and settings that produced OUT

  <class> folders are 0_tshirt_top 1_trouser 2_pullover 3_dress 4_coat 5_sandal 6_shirt 7_sneaker 8_bag
  9_ankle_boot, so sorted folder order = label order (torchvision ImageFolder assigns the same labels).
  <index> is the image's 0-based index in the Fashion-MNIST IDX file of its split, zero-padded to 5 digits.
  Paths in the meta files are relative to OUT and use '/'.  This is the released SysNoise code's meta format
  ("relative/path.jpg label").

How each image is made (all integer / table arithmetic, so the output is the same bytes on every run):

  1. Parse the IDX file (gzip + big-endian header: magic 0x00000803 for images, 0x00000801 for labels, then
     the dimensions) with numpy: a 28x28 uint8 image, 0 = background, 255 = brightest cloth.
  2. Upscale the gray image to SIZE x SIZE (default 112, i.e. 4x) with Pillow 9.4's Image.resize(...,
     Image.BICUBIC) in mode "L" (Pillow's fixed-point bicubic, a = -0.5, clipped to 0..255).  A source
     four times larger than the model input makes the deployment-side resize a real downscale, as with
     camera pictures.
  3. Colourise with one fixed 256-entry colour ramp (the same for every class, so colour carries no label
     information): gray level v -> RGB by piecewise-linear interpolation between the control points
         v:   0 -> ( 14,  18,  52)  dark navy   (background)
             64 -> ( 92,  34, 112)  purple
            128 -> (196,  64,  64)  brick red
            192 -> (240, 160,  48)  orange
            255 -> (252, 246, 204)  pale cream
     with integer rounding (round half up).  Why a ramp and not gray -> RGB: a gray image has Cb = Cr = 128
     everywhere, so chroma subsampling, chroma upsampling and every RGB<->YUV colour-conversion variant
     would be (nearly) exact and the colour-noise columns of the benchmark would measure nothing.  The ramp
     gives strong chroma that changes along every garment edge (as real photographs do), while luminance
     stays monotone in the original intensity, so the task is the same Fashion-MNIST task.
  4. Encode as baseline JPEG with Pillow: quality=90, subsampling=2 (4:2:0, 2x2 chroma), optimize=False,
     progressive=False, no EXIF/ICC/JFIF density extras beyond Pillow's defaults -- a typical camera /
     phone setting.  The encoder is Debian 12's libjpeg-turbo 2.1.5 through Pillow 9.4.

Subset selection (--train-count / --test-count, each at most the split size; 0 skips the split):
  balanced (default): classes taken round-robin in label order, each class's images in file order, i.e.
                      the first ceil/floor(N/10) images of every class -- balanced, no randomness.
  first:              the first N images of the IDX file.
  random:             numpy.random.RandomState(seed).permutation(split size)[:N], then sorted; the legacy
                      RandomState stream is frozen by numpy's compatibility policy.  --seed only matters here.

Determinism: no clocks, no randomness (except the seeded 'random' subset), files written in sorted order,
meta files sorted.  Re-running gives identical bytes with the same Pillow/libjpeg-turbo (checked by running
twice and comparing sha256 of every file).
"""
import argparse
import gzip
import os
import sys

import numpy as np
from PIL import Image

SOURCE = "/usr/share/datasets/fashion-mnist"
CLASSES = [("0_tshirt_top", "T-shirt/top"), ("1_trouser", "Trouser"), ("2_pullover", "Pullover"),
           ("3_dress", "Dress"), ("4_coat", "Coat"), ("5_sandal", "Sandal"), ("6_shirt", "Shirt"),
           ("7_sneaker", "Sneaker"), ("8_bag", "Bag"), ("9_ankle_boot", "Ankle boot")]
RAMP = [(0, (14, 18, 52)), (64, (92, 34, 112)), (128, (196, 64, 64)), (192, (240, 160, 48)),
        (255, (252, 246, 204))]
SPLITS = {"train": "train", "test": "t10k"}


def read_idx(path, magic):
    with gzip.open(path, "rb") as f:
        data = f.read()
    got = int.from_bytes(data[0:4], "big")
    if got != magic:
        sys.exit(f"{path}: magic {got:#010x}, expected {magic:#010x}")
    ndim = data[3]
    dims = [int.from_bytes(data[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim)]
    arr = np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim)
    if arr.size != int(np.prod(dims)):
        sys.exit(f"{path}: {arr.size} bytes of data, header says {dims}")
    return arr.reshape(dims)


def colour_lut():
    """256x3 uint8 table: piecewise-linear ramp, integer round-half-up."""
    lut = np.zeros((256, 3), dtype=np.uint8)
    for (v0, c0), (v1, c1) in zip(RAMP, RAMP[1:]):
        span = v1 - v0
        for v in range(v0, v1 + 1):
            t = v - v0
            for ch in range(3):
                num = c0[ch] * (span - t) + c1[ch] * t  # exact integer interpolation * span
                lut[v, ch] = (2 * num + span) // (2 * span)
    return lut


def select(labels, count, mode, seed):
    n = len(labels)
    if count > n:
        sys.exit(f"asked for {count} images, the split has {n}")
    if mode == "first":
        return np.arange(count)
    if mode == "random":
        return np.sort(np.random.RandomState(seed).permutation(n)[:count])
    # balanced: round-robin over classes, each class in file order
    per_class = [list(np.nonzero(labels == c)[0]) for c in range(len(CLASSES))]
    chosen, rank = [], 0
    while len(chosen) < count:
        for c in range(len(CLASSES)):
            if rank < len(per_class[c]) and len(chosen) < count:
                chosen.append(per_class[c][rank])
        rank += 1
    return np.sort(np.array(chosen, dtype=np.int64))


def make_split(args, split, count, lut):
    prefix = SPLITS[split]
    images = read_idx(os.path.join(args.source, f"{prefix}-images-idx3-ubyte.gz"), 0x00000803)
    labels = read_idx(os.path.join(args.source, f"{prefix}-labels-idx1-ubyte.gz"), 0x00000801)
    if len(images) != len(labels):
        sys.exit(f"{split}: {len(images)} images but {len(labels)} labels")
    idx = select(labels, count, args.subset, args.seed)
    for folder, _ in CLASSES:
        os.makedirs(os.path.join(args.out, split, folder), exist_ok=True)
    lines = []
    for i in idx:
        label = int(labels[i])
        rel = f"{split}/{CLASSES[label][0]}/{i:05d}.jpg"
        gray = Image.fromarray(images[i], mode="L").resize((args.size, args.size), Image.BICUBIC)
        rgb = Image.fromarray(lut[np.asarray(gray)], mode="RGB")
        rgb.save(os.path.join(args.out, rel), format="JPEG", quality=args.quality, subsampling=2,
                 optimize=False, progressive=False)
        lines.append(f"{rel} {label}\n")
    lines.sort()
    with open(os.path.join(args.out, f"{split}_meta.txt"), "w") as f:
        f.writelines(lines)
    counts = np.bincount(labels[idx], minlength=len(CLASSES))
    print(f"{split}: {len(idx)} images, per class {counts.tolist()}")
    return len(idx), counts


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default="artifacts/fashion")
    ap.add_argument("--train-count", type=int, default=12000)
    ap.add_argument("--test-count", type=int, default=2000)
    ap.add_argument("--subset", choices=["balanced", "first", "random"], default="balanced")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--size", type=int, default=112)
    ap.add_argument("--quality", type=int, default=90)
    ap.add_argument("--source", default=SOURCE)
    args = ap.parse_args()
    for p in ("train-images-idx3-ubyte.gz", "t10k-images-idx3-ubyte.gz"):
        if not os.path.exists(os.path.join(args.source, p)):
            sys.exit(f"{args.source}/{p} missing: apt-get install dataset-fashion-mnist")
    lut = colour_lut()
    os.makedirs(args.out, exist_ok=True)
    summary = []
    for split, count in (("train", args.train_count), ("test", args.test_count)):
        if count > 0:
            n, counts = make_split(args, split, count, lut)
            summary.append(f"{split}: {n} images, per class {counts.tolist()}")
    with open(os.path.join(args.out, "classes.txt"), "w") as f:
        for label, (folder, name) in enumerate(CLASSES):
            f.write(f"{label} {folder} {name}\n")
    with open(os.path.join(args.out, "README.txt"), "w") as f:
        f.write("Made by scripts/make-fashion-dataset.py from Debian's dataset-fashion-mnist:\n")
        f.write(f"  --train-count {args.train_count} --test-count {args.test_count} --subset {args.subset} "
                f"--seed {args.seed} --size {args.size} --quality {args.quality}\n")
        f.write(f"  gray 28x28 -> Pillow BICUBIC {args.size}x{args.size} -> fixed colour ramp {RAMP}\n")
        f.write(f"  -> Pillow JPEG quality {args.quality}, 4:2:0, baseline\n")
        for s in summary:
            f.write(f"  {s}\n")


if __name__ == "__main__":
    main()
