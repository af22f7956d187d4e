"""Softmax references in NumPy, in the order SysNoise's softmax variants document (SoftmaxSpec), plus torch.softmax
for comparison.  usage: post_softmax.py DIR
Reads, for each variant V in softmax-fp32, softmax-fp32-plain, softmax-fp16, softmax-fp16-plain: V.x.npy (flat float32
values, binary16-representable for the fp16 variants) and V.shapes.npy (C x 2 int64: rows, cols). Writes V.y.npy (flat
float32) and, for softmax-fp32, torch.y.npy (torch.softmax(dim=-1) on the same rows).
  float32: m = row max (if shifting); e = float32(exp(float64(float32(x - m)))); s = float32 sum of e in index order
           starting at 0; y = float32(e / s).
  float16: d = float16(x - m) (computed in float32, as NumPy's float16 arithmetic does); e = float16(float32(exp(float64(d))));
           s = float32 sum of float32(e); y = float16(float32(e) / s).
"""
import sys

import numpy as np
import torch


def softmax_row(row, shift, half):
    if half:
        x = row.astype(np.float16)
        m = x.max()
        d = [np.float16(v - m) if shift else v for v in x]
        e = [np.float16(np.float32(np.exp(np.float64(v)))) for v in d]
        s = np.float32(0)
        for v in e:
            s = np.float32(s + np.float32(v))
        return np.array([np.float16(np.float32(v) / s) for v in e], dtype=np.float16).astype(np.float32)
    m = row.max()
    e = [np.float32(np.exp(np.float64(np.float32(v - m) if shift else v))) for v in row]
    s = np.float32(0)
    for v in e:
        s = np.float32(s + v)
    return np.array([np.float32(v / s) for v in e], dtype=np.float32)


def main():
    d = sys.argv[1]
    with np.errstate(over="ignore", invalid="ignore"):
        for name, shift, half in (("softmax-fp32", True, False), ("softmax-fp32-plain", False, False),
                                  ("softmax-fp16", True, True), ("softmax-fp16-plain", False, True)):
            x = np.load(f"{d}/{name}.x.npy")
            shapes = np.load(f"{d}/{name}.shapes.npy")
            out, tout, at = [], [], 0
            for rows, cols in shapes:
                block = x[at:at + rows * cols].reshape(rows, cols)
                at += rows * cols
                out.extend(softmax_row(r, shift, half) for r in block)
                if name == "softmax-fp32":
                    tout.append(torch.softmax(torch.from_numpy(block.copy()), dim=-1).numpy().reshape(-1))
            np.save(f"{d}/{name}.y.npy", np.concatenate(out).astype(np.float32) if out else np.zeros(0, np.float32))
            if name == "softmax-fp32":
                np.save(f"{d}/torch.y.npy", np.concatenate(tout).astype(np.float32) if tout else np.zeros(0, np.float32))


main()
