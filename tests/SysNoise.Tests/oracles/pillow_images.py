"""Image oracle: writes random images with Pillow and the pixels Pillow decodes from them.

Usage: pillow_images.py DIR SEED. For each image DIR/<name>.<ext> it writes DIR/<name>.raw (Pillow's decode,
H×W×C uint8 in RGB order) and lists {name, file, shape} in DIR/manifest.json.
"""
import json
import sys

import numpy as np
from PIL import Image


def content(rng, h, w, c):
    a = rng.integers(0, 256, size=(h, w, c), dtype=np.uint8)
    # Smooth regions too, so JPEG is exercised on more than noise.
    y, x = np.mgrid[0:h, 0:w]
    a[: h // 2] = ((x[: h // 2, :, None] * 3 + y[: h // 2, :, None] * 2 + np.arange(c) * 40) % 256).astype(np.uint8)
    return a


def main():
    d, seed = sys.argv[1], int(sys.argv[2])
    rng = np.random.default_rng(seed)
    manifest = []

    def add(name, im, ext, mode, **save):
        path = f"{d}/{name}.{ext}"
        im.save(path, **save)
        decoded = np.asarray(Image.open(path).convert(mode))
        if decoded.ndim == 2:
            decoded = decoded[:, :, None]
        decoded.tofile(f"{d}/{name}.raw")
        manifest.append({"name": name, "file": path, "shape": list(decoded.shape)})

    for i in range(4):
        h, w = int(rng.integers(1, 90)), int(rng.integers(1, 90))
        add(f"png_l_{i}", Image.fromarray(content(rng, h, w, 1)[:, :, 0], "L"), "png", "L")
        add(f"png_rgb_{i}", Image.fromarray(content(rng, h, w, 3), "RGB"), "png", "RGB")
        add(f"png_rgba_{i}", Image.fromarray(content(rng, h, w, 4), "RGBA"), "png", "RGBA")
        add(f"bmp_rgb_{i}", Image.fromarray(content(rng, h, w, 3), "RGB"), "bmp", "RGB")
        add(f"bmp_pal_{i}", Image.fromarray(content(rng, h, w, 3), "RGB").quantize(64), "bmp", "RGB")
        add(f"jpg_420_{i}", Image.fromarray(content(rng, h, w, 3), "RGB"), "jpg", "RGB", quality=90, subsampling=2)
        add(f"jpg_444_{i}", Image.fromarray(content(rng, h, w, 3), "RGB"), "jpg", "RGB", quality=90, subsampling=0)
        add(f"jpg_gray_{i}", Image.fromarray(content(rng, h, w, 1)[:, :, 0], "L"), "jpg", "L", quality=85)
    with open(f"{d}/manifest.json", "w") as f:
        json.dump(manifest, f)


if __name__ == "__main__":
    main()
