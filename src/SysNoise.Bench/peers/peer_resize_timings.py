"""Times the Python-side peers of the resize variants (Pillow 9.4, OpenCV 4.6) on this machine.

Usage: peer_resize_timings.py CASES_JSON -> prints JSON {"<variant>@<W>x<H>": microseconds}.
CASES_JSON: [{"variant": "pillow-bilinear", "in": [W, H], "out": [W, H]}, ...]
Each timing is the best of 5 repeats of the mean over enough calls to fill ~0.2 s, single-threaded
for Pillow (it is) and with OpenCV's default thread count for cv2.
"""
import json
import sys
import timeit

import cv2
import numpy as np
from PIL import Image

PILLOW = {
    "nearest": Image.Resampling.NEAREST, "box": Image.Resampling.BOX, "bilinear": Image.Resampling.BILINEAR,
    "hamming": Image.Resampling.HAMMING, "bicubic": Image.Resampling.BICUBIC, "lanczos": Image.Resampling.LANCZOS,
}
OPENCV = {
    "nearest": cv2.INTER_NEAREST, "linear": cv2.INTER_LINEAR, "area": cv2.INTER_AREA, "cubic": cv2.INTER_CUBIC,
    "lanczos4": cv2.INTER_LANCZOS4, "nearest-exact": cv2.INTER_NEAREST_EXACT, "linear-exact": cv2.INTER_LINEAR_EXACT,
}


def best_us(fn):
    t = timeit.Timer(fn)
    n, _ = t.autorange()
    n = max(1, n)
    return min(t.repeat(repeat=5, number=n)) / n * 1e6


def main():
    cases = json.load(open(sys.argv[1]))
    rng = np.random.default_rng(0)
    out = {}
    for c in cases:
        (w, h), (ow, oh) = c["in"], c["out"]
        a = rng.integers(0, 256, size=(h, w, 3), dtype=np.uint8)
        lib, method = c["variant"].split("-", 1)
        if lib == "pillow":
            im = Image.fromarray(a, "RGB")
            fn = lambda im=im, m=PILLOW[method]: im.resize((ow, oh), m)
        elif lib == "opencv4.6":
            fn = lambda a=a, m=OPENCV[method]: cv2.resize(a, (ow, oh), interpolation=m)
        else:
            continue
        out[f"{c['variant']}@{w}x{h}"] = best_us(fn)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
