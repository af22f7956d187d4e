"""fp16-accumulation reference in NumPy: reads x.npy, w.npy, b.npy (float32 values already binary16-representable)
from DIR and writes conv.npy (2-D conv, stride 1, pad 1, NCHW) and matmul.npy (x2 @ w2), each accumulation step
computed as float16(float32(acc) + float32(w) * float32(x)) in the fixed (ic, kh, kw) / k order, bias added last
and rounded to float16; and convt.npy: ConvTranspose of xt.npy by wt.npy ([C, OC, 3, 3]) + bt.npy, stride 2, pad 1,
each output gathering the inputs that reach it in (ic, kh, kw) order.  usage: fp16_acc16.py DIR"""
import sys

import numpy as np

d = sys.argv[1]
x = np.load(f"{d}/x.npy").astype(np.float32)
w = np.load(f"{d}/w.npy").astype(np.float32)
b = np.load(f"{d}/b.npy").astype(np.float32)
n, c, h, wd = x.shape
oc, _, kh, kw = w.shape
y = np.zeros((n, oc, h, wd), np.float32)
for ni in range(n):
    for o in range(oc):
        for i in range(h):
            for j in range(wd):
                acc = np.float16(0)
                for ic in range(c):
                    for a in range(kh):
                        for e in range(kw):
                            ii, jj = i - 1 + a, j - 1 + e
                            v = x[ni, ic, ii, jj] if 0 <= ii < h and 0 <= jj < wd else np.float32(0)
                            acc = np.float16(np.float32(acc) + w[o, ic, a, e] * v)
                y[ni, o, i, j] = np.float16(np.float32(acc) + b[o])
np.save(f"{d}/conv.npy", y)
x2 = np.load(f"{d}/x2.npy").astype(np.float32)
w2 = np.load(f"{d}/w2.npy").astype(np.float32)
m, k = x2.shape
_, nn = w2.shape
z = np.zeros((m, nn), np.float32)
for i in range(m):
    for j in range(nn):
        acc = np.float16(0)
        for t in range(k):
            acc = np.float16(np.float32(acc) + x2[i, t] * w2[t, j])
        z[i, j] = acc
np.save(f"{d}/matmul.npy", z)
xt = np.load(f"{d}/xt.npy").astype(np.float32)
wt = np.load(f"{d}/wt.npy").astype(np.float32)
bt = np.load(f"{d}/bt.npy").astype(np.float32)
n, c, h, wd = xt.shape
_, oc, kh, kw = wt.shape
s, p = 2, 1
oh, ow = (h - 1) * s - 2 * p + kh, (wd - 1) * s - 2 * p + kw
yt = np.zeros((n, oc, oh, ow), np.float32)
for ni in range(n):
    for o in range(oc):
        for i in range(oh):
            for j in range(ow):
                acc = np.float16(0)
                for ic in range(c):
                    for a in range(kh):
                        th = i + p - a
                        if th < 0 or th % s or th // s >= h:
                            continue
                        for e in range(kw):
                            tw = j + p - e
                            if tw < 0 or tw % s or tw // s >= wd:
                                continue
                            acc = np.float16(np.float32(acc) + wt[ic, o, a, e] * xt[ni, ic, th // s, tw // s])
                yt[ni, o, i, j] = np.float16(np.float32(acc) + bt[o])
np.save(f"{d}/convt.npy", yt)
