"""Writes a CMYK JPEG (Adobe marker) with Pillow: make_cmyk_jpeg.py OUT.jpg SEED"""
import sys

import numpy as np
from PIL import Image

rng = np.random.default_rng(int(sys.argv[2]))
a = rng.integers(0, 256, size=(23, 37, 4), dtype=np.uint8)
Image.fromarray(a, "CMYK").save(sys.argv[1], quality=80)
