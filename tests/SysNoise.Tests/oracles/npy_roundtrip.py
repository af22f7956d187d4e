"""NumPy .npy oracle.

write DIR SEED: writes random arrays of every dtype and several shapes as DIR/<name>.npy (format 1.0, and
2.0 for some) plus DIR/manifest.json listing name, dtype, shape and a raw little-endian copy DIR/<name>.raw.
check DIR: loads every DIR/<name>.npy that SysNoise wrote and compares with DIR/<name>.raw and the manifest;
prints "ok N" or raises.
"""
import json
import sys

import numpy as np
from numpy.lib import format as npformat

DTYPES = ["uint8", "int8", "int16", "int32", "int64", "float16", "float32", "float64"]
SHAPES = [(), (0,), (5,), (3, 4), (2, 3, 4), (1, 7, 3), (4, 0, 2)]


def write(d, seed):
    rng = np.random.default_rng(seed)
    manifest = []
    for dt in DTYPES:
        for i, shape in enumerate(SHAPES):
            if np.dtype(dt).kind == "f":
                a = (rng.standard_normal(shape) * 1000).astype(dt)
            else:
                info = np.iinfo(dt)
                a = rng.integers(info.min, info.max, size=shape, dtype=dt, endpoint=True)
            name = f"{dt}_{i}"
            version = (2, 0) if i % 2 else (1, 0)
            with open(f"{d}/{name}.npy", "wb") as f:
                npformat.write_array(f, a, version=version)
            a.astype(a.dtype.newbyteorder("<")).tofile(f"{d}/{name}.raw")
            manifest.append({"name": name, "dtype": dt, "shape": list(shape), "version": list(version)})
    with open(f"{d}/manifest.json", "w") as f:
        json.dump(manifest, f)


def check(d):
    with open(f"{d}/manifest.json") as f:
        manifest = json.load(f)
    for m in manifest:
        a = np.load(f"{d}/{m['name']}.npy")
        expected = np.fromfile(f"{d}/{m['name']}.raw", dtype=m["dtype"]).reshape(m["shape"])
        assert a.dtype == np.dtype(m["dtype"]), (m, a.dtype)
        assert list(a.shape) == m["shape"], (m, a.shape)
        assert a.tobytes() == expected.tobytes(), m
    print("ok", len(manifest))


if __name__ == "__main__":
    if sys.argv[1] == "write":
        write(sys.argv[2], int(sys.argv[3]))
    else:
        check(sys.argv[2])
