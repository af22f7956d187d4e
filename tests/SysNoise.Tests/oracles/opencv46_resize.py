"""OpenCV 4.6 (Debian python3-opencv) resize oracle.

Usage: opencv46_resize.py DIR. DIR/manifest.json lists cases
{"id", "shape": [h, w, c], "dtype": "uint8"|"float32", "interpolation": <cv2 flag int>, "size": [w, h]};
DIR/<id>.in holds the raw C-order input; the result is written raw to DIR/<id>.out.
"""
import json
import sys

import cv2
import numpy as np


def main():
    d = sys.argv[1]
    with open(f"{d}/manifest.json") as f:
        cases = json.load(f)
    for case in cases:
        h, w, c = case["shape"]
        a = np.fromfile(f"{d}/{case['id']}.in", dtype=case["dtype"]).reshape(h, w, c)
        out = cv2.resize(a, tuple(case["size"]), interpolation=case["interpolation"])
        np.ascontiguousarray(out).tofile(f"{d}/{case['id']}.out")
    print(cv2.__version__)


if __name__ == "__main__":
    main()
