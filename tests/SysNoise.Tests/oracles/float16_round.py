"""Reads little-endian float32 values from argv[1], writes NumPy's float16 conversion (uint16 bits) to argv[2]."""
import sys

import numpy as np

x = np.fromfile(sys.argv[1], dtype="<f4")
with np.errstate(over="ignore", invalid="ignore"):
    np.ascontiguousarray(x.astype(np.float16).view("<u2")).tofile(sys.argv[2])
