"""Pillow 9.4 resize timings for `sysnoise perf`, timed inside Python so that start-up does not count.

Usage: pillow_resize.py CASES_JSON REPEAT -> prints JSON {"<variant>@<W>x<H>": median milliseconds}.
CASES_JSON: [{"variant": "pillow-bilinear", "in": [W, H], "out": [W, H]}, ...]
Each case: one warm-up call, then REPEAT timed calls (time.perf_counter); the median is reported. The input is
a random RGB image, as SysNoise's side uses.
"""
import json
import statistics
import sys
import time

import numpy as np
from PIL import Image

FILTERS = {
    "nearest": Image.Resampling.NEAREST, "box": Image.Resampling.BOX, "bilinear": Image.Resampling.BILINEAR,
    "hamming": Image.Resampling.HAMMING, "bicubic": Image.Resampling.BICUBIC, "lanczos": Image.Resampling.LANCZOS,
}


def main():
    cases = json.load(open(sys.argv[1]))
    repeat = int(sys.argv[2])
    rng = np.random.default_rng(42)
    out = {}
    for c in cases:
        (w, h), (ow, oh) = c["in"], c["out"]
        method = c["variant"].split("-", 1)[1]
        if method not in FILTERS:
            continue
        im = Image.fromarray(rng.integers(0, 256, size=(h, w, 3), dtype=np.uint8), "RGB")
        f = FILTERS[method]
        im.resize((ow, oh), f)
        times = []
        for _ in range(repeat):
            t0 = time.perf_counter()
            im.resize((ow, oh), f)
            times.append((time.perf_counter() - t0) * 1e3)
        out[f"{c['variant']}@{w}x{h}"] = statistics.median(times)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
