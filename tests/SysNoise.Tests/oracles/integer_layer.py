"""NumPy int64 reference of one int8-int layer (README "INT8 integer path"), computed from the float inputs, the int8
weights and the scales/zero points alone, for SysNoise's Int8IntegerLayerTests.

usage: integer_layer.py DIR   (DIR/case*/ each hold case.json and .npy inputs; writes ref.npy uint8 and ref.json)

case.json: kind (conv | matmul), rounding (half-to-even | half-away-from-zero), requantization (double-rounding |
single-rounding), x_scale, x_zp, w_scale [..], w_zp [..], y_scale, y_zp, clip_lo, clip_hi (null = none),
conv: strides, pads (begin..., end...), dilations, group; matmul: trans_b, right (weights | activation), b_scale, b_zp.
npy: x.npy float32; w.npy int8 (weights) or b.npy float32 (activation); bias.npy float32 (optional).
ref.json: bias_q, multiplier, shift (what the reference derived), y_min, y_max.
"""
import json
import math
import os
import sys

import numpy as np


def round_half(v, rounding):
    """Round float values exactly: half to even (np.rint) or half away from zero (floor of |v| and an exact remainder)."""
    v = np.asarray(v, np.float64)
    if rounding == "half-to-even":
        return np.rint(v)
    a = np.abs(v)
    f = np.floor(a)
    f = f + (a - f >= 0.5)
    return np.copysign(f, v)


def quantize(x, scale, zp, rounding):
    """q = clamp(round(x / scale) + zp, 0, 255) with x / scale in float32; the clamp to [-zp, 255 - zp] comes first."""
    v = np.float32(x) / np.float32(scale)
    v = np.asarray(v, np.float32)
    v = np.clip(v, np.float32(0 - zp), np.float32(255 - zp))
    q = round_half(v, rounding).astype(np.int64) + zp
    q = np.where(np.isnan(v), 0, q)
    return q.astype(np.int64)


def quantize_multiplier(d):
    q, shift = math.frexp(d)
    v = q * (1 << 31)
    fixed = math.floor(v + 0.5)
    if fixed == (1 << 31):
        fixed //= 2
        shift += 1
    if shift < -31:
        return 0, 0
    return fixed, shift


def wrap32(v):
    v = np.asarray(v, np.int64) & 0xFFFFFFFF
    return np.where(v >= (1 << 31), v - (1 << 32), v)


def requantize(acc, m, shift, mode):
    """acc, m, shift: int64 arrays broadcast together."""
    acc = wrap32(acc)
    if mode == "single-rounding":
        total = 31 - shift
        return wrap32((acc * m + (np.int64(1) << (total - 1))) >> total)
    left = np.where(shift > 0, shift, 0)
    right = np.where(shift > 0, 0, -shift)
    a = wrap32(acc * (np.int64(1) << left))
    ab = a * m
    nudged = np.where(ab >= 0, ab + (1 << 30), ab + 1 - (1 << 30))
    high = np.where(nudged >= 0, nudged >> 31, -((-nudged) >> 31))
    high = np.where((a == -(1 << 31)) & (m == -(1 << 31)), (1 << 31) - 1, high)
    mask = (np.int64(1) << right) - 1
    remainder = high & mask
    threshold = (mask >> 1) + (high < 0)
    return (high >> right) + (remainder > threshold)


def conv(xq, x_zp, wq, w_zp, c):
    """Direct integer convolution (2-D), padding with the zero point: sum (x - x_zp) * (w - w_zp[oc])."""
    n, ch, h, w = xq.shape
    oc, icg, kh, kw = wq.shape
    sh, sw = c["strides"]
    dh, dw = c["dilations"]
    pt, pl, pb, pr = c["pads"]
    group = c["group"]
    xp = np.pad(xq, ((0, 0), (0, 0), (pt, pb), (pl, pr)), constant_values=x_zp).astype(np.int64) - x_zp
    oh = (h + pt + pb - dh * (kh - 1) - 1) // sh + 1
    ow = (w + pl + pr - dw * (kw - 1) - 1) // sw + 1
    wc = wq.astype(np.int64) - np.asarray(w_zp, np.int64).reshape(-1, 1, 1, 1)
    acc = np.zeros((n, oc, oh, ow), np.int64)
    ocg = oc // group
    for o in range(oc):
        g = o // ocg
        for i in range(icg):
            for a in range(kh):
                for b in range(kw):
                    patch = xp[:, g * icg + i, a * dh: a * dh + sh * (oh - 1) + 1: sh, b * dw: b * dw + sw * (ow - 1) + 1: sw]
                    acc[:, o] += patch * wc[o, i, a, b]
    return acc


def main():
    root = sys.argv[1]
    for case in sorted(os.listdir(root)):
        d = os.path.join(root, case)
        c = json.load(open(os.path.join(d, "case.json")))
        rounding, mode = c["rounding"], c["requantization"]
        x = np.load(os.path.join(d, "x.npy"))
        xq = quantize(x, c["x_scale"], c["x_zp"], rounding)
        bias = np.load(os.path.join(d, "bias.npy")) if os.path.exists(os.path.join(d, "bias.npy")) else None
        if c["kind"] == "conv" or c["right"] == "weights":
            w_scale = np.asarray(c["w_scale"], np.float32)
            w_zp = np.asarray(c["w_zp"], np.int64)
        else:
            w_scale = np.asarray([c["b_scale"]], np.float32)
            w_zp = np.asarray([c["b_zp"]], np.int64)

        if c["kind"] == "conv":
            wq = np.load(os.path.join(d, "w.npy")).astype(np.int64)
            zp = w_zp if len(w_zp) == wq.shape[0] else np.repeat(w_zp, wq.shape[0])
            acc = conv(xq, c["x_zp"], wq, zp, c)
            channels = wq.shape[0]
            axis = 1
        else:
            if c["right"] == "weights":
                wq = np.load(os.path.join(d, "w.npy")).astype(np.int64)
                b = wq.T if c["trans_b"] else wq
                bc = b - (w_zp.reshape(1, -1) if len(w_zp) > 1 else w_zp[0])
            else:
                bq = quantize(np.load(os.path.join(d, "b.npy")), c["b_scale"], c["b_zp"], rounding)
                bc = bq - c["b_zp"]
            acc = np.matmul(xq - c["x_zp"], bc)
            channels = acc.shape[-1]
            axis = acc.ndim - 1

        # Per-channel scales -> int32 bias and fixed-point multipliers, from the float scales.
        sc = np.broadcast_to(w_scale, (channels,)) if len(w_scale) == 1 else w_scale
        # JSON holds the float32 scales' shortest decimal forms: back to float32 first, then widen exactly.
        product = np.float64(np.float32(c["x_scale"])) * sc.astype(np.float64)
        mult = [quantize_multiplier(float(p) / float(np.float32(c["y_scale"]))) for p in product]
        m = np.asarray([v[0] for v in mult], np.int64)
        s = np.asarray([v[1] for v in mult], np.int64)
        bias_q = None
        if bias is not None:
            bias_q = np.clip(round_half(bias.astype(np.float64) / product, rounding), -(1 << 31), (1 << 31) - 1).astype(np.int64)
        shape = [1] * acc.ndim
        shape[axis] = channels
        total = acc + (bias_q.reshape(shape) if bias_q is not None else 0)
        y = requantize(total, m.reshape(shape), s.reshape(shape), mode) + c["y_zp"]
        lo, hi = 0, 255
        if c["clip_lo"] is not None:
            lo = max(lo, int(quantize(np.float32(c["clip_lo"]), c["y_scale"], c["y_zp"], rounding)))
        if c["clip_hi"] is not None:
            hi = min(hi, int(quantize(np.float32(c["clip_hi"]), c["y_scale"], c["y_zp"], rounding)))
        hi = max(lo, hi)
        y = np.clip(y, lo, hi).astype(np.uint8)
        np.save(os.path.join(d, "ref.npy"), y)
        json.dump({
            "bias_q": None if bias_q is None else bias_q.tolist(),
            "multiplier": m.tolist(), "shift": s.tolist(), "y_min": lo, "y_max": hi,
        }, open(os.path.join(d, "ref.json"), "w"))


main()
