"""Colour round-trip oracle: RGB -> YUV -> RGB, uint8 H x W x 3 in and out.

Usage: color_roundtrip.py DIR. DIR/manifest.json lists cases {"id", "shape": [h, w, 3], "variant"};
DIR/<id>.in holds the raw C-order RGB input; the round-tripped RGB is written raw to DIR/<id>.out.
Prints cv2.__version__.

The paper variants are written here from the formulas alone, independently of the C# code:
  yuv444-float  float64, round = sign(x) * floor(|x| + 0.5), Y/U/V kept unclipped, RGB clipped
  yuv444-int    the "298" integer formulas in int64 with arithmetic shifts
  yuv420-int    yuv444-int luma; chroma from the (a+b+c+d+2)>>2 mean of each 2x2 block of RGB
                (odd sizes: last row/column repeated), replicated back over the block
The OpenCV variants are cv2.cvtColor itself (Debian's OpenCV 4.6).
"""
import json
import sys

import cv2
import numpy as np


def rnd(x):
    return np.sign(x) * np.floor(np.abs(x) + 0.5)


def clip(x):
    return np.clip(x, 0, 255).astype(np.uint8)


def channels(rgb, dtype):
    return [rgb[..., i].astype(dtype) for i in range(3)]


def yuv444_float(rgb):
    R, G, B = channels(rgb, np.float64)
    Y = rnd(0.256788 * R + 0.504129 * G + 0.097906 * B) + 16
    U = rnd(-0.148223 * R - 0.290993 * G + 0.439216 * B) + 128
    V = rnd(0.439216 * R - 0.367788 * G - 0.071427 * B) + 128
    C, D, E = Y - 16, U - 128, V - 128
    return np.stack([
        clip(rnd(1.164383 * C + 1.596027 * E)),
        clip(rnd(1.164383 * C - 0.391762 * D - 0.812968 * E)),
        clip(rnd(1.164383 * C + 2.017232 * D)),
    ], axis=-1)


def int_forward_luma(R, G, B):
    return ((66 * R + 129 * G + 25 * B + 128) >> 8) + 16


def int_forward_chroma(R, G, B):
    U = ((-38 * R - 74 * G + 112 * B + 128) >> 8) + 128
    V = ((112 * R - 94 * G - 18 * B + 128) >> 8) + 128
    return U, V


def int_inverse(Y, U, V):
    C, D, E = Y - 16, U - 128, V - 128
    return np.stack([
        clip((298 * C + 409 * E + 128) >> 8),
        clip((298 * C - 100 * D - 208 * E + 128) >> 8),
        clip((298 * C + 516 * D + 128) >> 8),
    ], axis=-1)


def yuv444_int(rgb):
    R, G, B = channels(rgb, np.int64)
    U, V = int_forward_chroma(R, G, B)
    return int_inverse(int_forward_luma(R, G, B), U, V)


def yuv420_int(rgb):
    h, w, _ = rgb.shape
    R, G, B = channels(rgb, np.int64)
    Y = int_forward_luma(R, G, B)
    padded = np.pad(rgb.astype(np.int64), ((0, h % 2), (0, w % 2), (0, 0)), mode="edge")
    mean = (padded[0::2, 0::2] + padded[0::2, 1::2] + padded[1::2, 0::2] + padded[1::2, 1::2] + 2) >> 2
    U, V = int_forward_chroma(mean[..., 0], mean[..., 1], mean[..., 2])
    up = lambda p: np.repeat(np.repeat(p, 2, axis=0), 2, axis=1)[:h, :w]
    return int_inverse(Y, up(U), up(V))


def opencv_i420(rgb):
    return cv2.cvtColor(cv2.cvtColor(rgb, cv2.COLOR_RGB2YUV_I420), cv2.COLOR_YUV2RGB_I420)


def opencv_yuv(rgb):
    return cv2.cvtColor(cv2.cvtColor(rgb, cv2.COLOR_RGB2YUV), cv2.COLOR_YUV2RGB)


VARIANTS = {
    "yuv444-float": yuv444_float,
    "yuv444-int": yuv444_int,
    "yuv420-int": yuv420_int,
    "opencv-i420": opencv_i420,
    "opencv-yuv": opencv_yuv,
}


def main():
    d = sys.argv[1]
    with open(f"{d}/manifest.json") as f:
        cases = json.load(f)
    for case in cases:
        h, w, c = case["shape"]
        rgb = np.fromfile(f"{d}/{case['id']}.in", dtype=np.uint8).reshape(h, w, c)
        out = VARIANTS[case["variant"]](rgb)
        assert out.shape == (h, w, 3) and out.dtype == np.uint8, (case, out.shape, out.dtype)
        np.ascontiguousarray(out).tofile(f"{d}/{case['id']}.out")
    print(cv2.__version__)


if __name__ == "__main__":
    main()
