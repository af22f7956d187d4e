"""Pillow 9.4 decode oracle: for each JPEG given, writes <out_dir>/<basename>.raw with what
Image.open(f).convert('RGB') returns (H x W x 3 uint8) and prints "basename H W" per line,
or "basename ERROR message" when Pillow refuses the file.

usage: pillow_decode.py OUT_DIR FILE...
"""
import os
import sys

import numpy as np
from PIL import Image


def main():
    out = sys.argv[1]
    for path in sys.argv[2:]:
        name = os.path.basename(path)
        try:
            with Image.open(path) as im:
                a = np.asarray(im.convert("RGB"))
        except Exception as e:  # report, do not stop: the test decides
            print(f"{name} ERROR {type(e).__name__}: {e}")
            continue
        a.tofile(os.path.join(out, name + ".raw"))
        print(f"{name} {a.shape[0]} {a.shape[1]}")


if __name__ == "__main__":
    main()
