"""NumPy/Python numerics that pycocotools' numbers depend on, for NumpyCompat's tests.

Usage: numpy_compat.py CASES.json  ->  prints JSON:
  linspace: [[float.hex, ...], ...]  for each [start_hex, stop_hex, num]
  mean:     [float.hex, ...]          np.mean of each array (given as float.hex lists)
  nanmean:  [float.hex, ...]          np.nanmean of each array
  format:   [str, ...]                '{:0.Nf}'.format(x) for each [x_hex, N]
"""
import json
import sys

import numpy as np

with open(sys.argv[1]) as f:
    cases = json.load(f)

fromhex = float.fromhex
out = {
    "linspace": [[float(v).hex() for v in np.linspace(fromhex(a), fromhex(b), n)] for a, b, n in cases["linspace"]],
    "mean": [float(np.mean(np.array([fromhex(v) for v in arr], dtype=np.float64))).hex() for arr in cases["mean"]],
    "nanmean": [float(np.nanmean(np.array([fromhex(v) for v in arr], dtype=np.float64))).hex() for arr in cases["nanmean"]],
    "format": [("{:0.%df}" % n).format(fromhex(x)) for x, n in cases["format"]],
}
print(json.dumps(out))
