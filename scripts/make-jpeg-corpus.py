#!/usr/bin/python3
"""Builds the JPEG test corpus: real photographs Debian ships (opencv-doc's examples/data), cropped and
re-encoded with libjpeg-turbo's cjpeg across qualities, sampling layouts, grayscale, RGB, progressive,
restart intervals, optimised Huffman tables and odd sizes (1x1, 1xN, 17x9, ...).

usage: make-jpeg-corpus.py --seed S --count N OUT_DIR
Writes OUT_DIR/*.jpg and OUT_DIR/manifest.tsv (file, source, crop, cjpeg arguments). Deterministic per seed.
"""
import argparse
import glob
import os
import random
import subprocess
import sys

SOURCES = "/usr/share/doc/opencv-doc/examples/data"
LAYOUTS = [("444", ["-sample", "1x1"]), ("422", ["-sample", "2x1"]), ("420", ["-sample", "2x2"]),
           ("440", ["-sample", "1x2"]), ("411", ["-sample", "4x1"]), ("gray", ["-grayscale"]),
           ("rgb", ["-rgb"])]
TINY = [(1, 1), (1, 7), (7, 1), (1, 33), (33, 1), (2, 2), (3, 5), (17, 9), (9, 17), (8, 8), (15, 15), (16, 16),
        (31, 2), (2, 31), (24, 13)]


def read_ppm(path):
    with open(path, "rb") as f:
        data = f.read()
    # P6 header: magic, width, height, maxval, each separated by whitespace (djpeg writes no comments)
    parts = data.split(maxsplit=4)
    w, h = int(parts[1]), int(parts[2])
    if parts[0] == b"P5":  # a grayscale photograph: expand to RGB
        gray = parts[4][: w * h]
        return w, h, bytes(v for g in gray for v in (g, g, g))
    assert parts[0] == b"P6", path
    return w, h, parts[4][: w * h * 3]


def write_ppm(path, w, h, pixels):
    with open(path, "wb") as f:
        f.write(b"P6\n%d %d\n255\n" % (w, h))
        f.write(pixels)


def crop(w, h, pixels, x0, y0, cw, ch):
    rows = []
    for y in range(y0, y0 + ch):
        start = (y * w + x0) * 3
        rows.append(pixels[start:start + cw * 3])
    return b"".join(rows)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seed", type=int, required=True)
    ap.add_argument("--count", type=int, default=160)
    ap.add_argument("--max-side", type=int, default=320)
    ap.add_argument("out")
    a = ap.parse_args()
    sources = sorted(glob.glob(os.path.join(SOURCES, "*.jpg")))
    if not sources:
        sys.exit(f"no photographs in {SOURCES}: install opencv-doc (scripts/install-deps.sh)")
    os.makedirs(a.out, exist_ok=True)
    rng = random.Random(a.seed)
    decoded = {}
    manifest = []
    tmp = os.path.join(a.out, "crop.ppm")
    for i in range(a.count):
        src = sources[rng.randrange(len(sources))]
        if src not in decoded:
            ppm = os.path.join(a.out, "source.ppm")
            subprocess.run(["djpeg", "-pnm", "-outfile", ppm, src], check=True)
            decoded[src] = read_ppm(ppm)
            os.remove(ppm)
        w, h, pixels = decoded[src]
        if i % 4 == 3:
            cw, ch = TINY[(i // 4) % len(TINY)]
        else:
            cw = rng.randint(1, min(w, a.max_side))
            ch = rng.randint(1, min(h, a.max_side))
        cw, ch = min(cw, w), min(ch, h)
        x0, y0 = rng.randint(0, w - cw), rng.randint(0, h - ch)
        write_ppm(tmp, cw, ch, crop(w, h, pixels, x0, y0, cw, ch))

        layout, layout_args = LAYOUTS[i % len(LAYOUTS)]
        quality = rng.choice([30, 50, 75, 90, 95, 100, rng.randint(30, 100)])
        args = ["-quality", str(quality)] + layout_args
        args += ["-dct", rng.choice(["int", "fast", "float"])]
        tags = [layout, f"q{quality}"]
        if i % 3 == 1:
            args.append("-progressive")
            tags.append("prog")
        if i % 5 == 2:
            args += ["-restart", rng.choice(["1", "2", "5", "1B", "3B", "7B"])]
            tags.append("rst")
        if i % 4 == 0:
            args.append("-optimize")
            tags.append("opt")
        name = f"{i:03d}_{'_'.join(tags)}_{cw}x{ch}.jpg"
        subprocess.run(["cjpeg"] + args + ["-outfile", os.path.join(a.out, name), tmp], check=True)
        manifest.append(f"{name}\t{os.path.basename(src)}\t{x0},{y0},{cw},{ch}\t{' '.join(args)}")
    os.remove(tmp)
    with open(os.path.join(a.out, "manifest.tsv"), "w") as f:
        f.write("\n".join(manifest) + "\n")
    print(f"corpus: {a.count} files in {a.out} (seed {a.seed})")


if __name__ == "__main__":
    main()
