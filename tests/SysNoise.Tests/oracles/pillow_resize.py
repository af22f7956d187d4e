"""Pillow resize oracle: resizes every case of a batch with the real Pillow.

Usage: pillow_resize.py DIR. DIR/manifest.json lists cases
{"id", "shape": [h, w, c], "dtype": "uint8"|"float32", "filter", "size": [w, h]};
DIR/<id>.in holds the raw C-order input; the result is written raw to DIR/<id>.out.
uint8 maps C=1/3/4 to modes L/RGB/RGBA; float32 resizes each channel as a mode-F band.
"""
import json
import sys

import numpy as np
from PIL import Image

FILTERS = {
    "nearest": Image.Resampling.NEAREST,
    "box": Image.Resampling.BOX,
    "bilinear": Image.Resampling.BILINEAR,
    "hamming": Image.Resampling.HAMMING,
    "bicubic": Image.Resampling.BICUBIC,
    "lanczos": Image.Resampling.LANCZOS,
}
MODES = {1: "L", 3: "RGB", 4: "RGBA"}


def resize(a, dtype, flt, size):
    h, w, c = a.shape
    if dtype == "float32":
        bands = [np.asarray(Image.fromarray(a[:, :, i], mode="F").resize(size, flt)) for i in range(c)]
        return np.stack(bands, axis=2).astype(np.float32)
    src = a[:, :, 0] if c == 1 else a
    out = np.asarray(Image.fromarray(src, mode=MODES[c]).resize(size, flt))
    return out.reshape(size[1], size[0], c)


def main():
    d = sys.argv[1]
    with open(f"{d}/manifest.json") as f:
        cases = json.load(f)
    for case in cases:
        a = np.fromfile(f"{d}/{case['id']}.in", dtype=case["dtype"]).reshape(case["shape"])
        out = resize(a, case["dtype"], FILTERS[case["filter"]], tuple(case["size"]))
        np.ascontiguousarray(out).tofile(f"{d}/{case['id']}.out")


if __name__ == "__main__":
    main()
