"""Reference of gemmlowp/TFLite fixed-point requantization, written from the C sources' definitions with Python's
unbounded ints (no int32/int64 limits to get wrong), checked against a second, independent characterisation of
each function, for SysNoise's FixedPointTests.

usage: fixed_point.py DIR
reads  DIR/cases.npy     int64 [n, 3]: (x, m0, shift) -> writes DIR/mbqm.npy (double rounding), DIR/single.npy
       DIR/pairs.npy     int64 [n, 2]: (a, b)         -> writes DIR/srdhm.npy
       DIR/pot.npy       int64 [n, 2]: (x, exponent)  -> writes DIR/rdbpot.npy
       DIR/reals.npy     float64 [n]                  -> writes DIR/qm.npy int64 [n, 2]: (m0, shift)
Every result is int64; the script exits non-zero if the two characterisations of any function disagree.
"""
import math
import sys
from fractions import Fraction

import numpy as np

I32_MIN, I32_MAX = -(1 << 31), (1 << 31) - 1


def wrap32(v):
    """Two's-complement int32 wrap of an unbounded int."""
    v &= 0xFFFFFFFF
    return v - (1 << 32) if v >= (1 << 31) else v


def trunc_div(n, d):
    """C's integer '/' (truncation toward zero), d > 0."""
    q = abs(n) // d
    return q if n >= 0 else -q


def srdhm(a, b):
    """gemmlowp SaturatingRoundingDoublingHighMul<int32>: (a*b + nudge) / 2^31 in C, saturating -2^31 * -2^31."""
    if a == b == I32_MIN:
        return I32_MAX
    ab = a * b
    nudge = (1 << 30) if ab >= 0 else 1 - (1 << 30)
    return trunc_div(ab + nudge, 1 << 31)


def srdhm_vqrdmulh(a, b):
    """The same as ARM VQRDMULH defines it: saturate((2*a*b + 2^31) >> 32), i.e. round(a*b / 2^31), ties toward +inf."""
    v = (2 * a * b + (1 << 31)) >> 32
    return max(I32_MIN, min(I32_MAX, v))


def rdbpot(x, e):
    """gemmlowp RoundingDivideByPOT: (x >> e) + (remainder > threshold)."""
    mask = (1 << e) - 1
    remainder = x & mask
    threshold = (mask >> 1) + (1 if x < 0 else 0)
    return (x >> e) + (1 if remainder > threshold else 0)


def rdbpot_exact(x, e):
    """x / 2^e rounded to nearest, ties away from zero, from the exact rational."""
    q = Fraction(x, 1 << e)
    f = math.floor(abs(q) + Fraction(1, 2))
    return f if q >= 0 else -f


def mbqm(x, m, shift):
    """TFLite MultiplyByQuantizedMultiplier (default build); x * (1 << left) wraps like the compiled C."""
    left = shift if shift > 0 else 0
    right = 0 if shift > 0 else -shift
    return rdbpot(srdhm(wrap32(x * (1 << left)), m), right)


def single(x, m, shift):
    """TFLite MultiplyByQuantizedMultiplier under TFLITE_SINGLE_ROUNDING: int64 (x*m + round) >> total, cast to int32."""
    total = 31 - shift
    return wrap32((x * m + (1 << (total - 1))) >> total)


def single_exact(x, m, shift):
    """x*m / 2^(31-shift) rounded to nearest with ties toward +inf, from the exact rational, then wrapped to int32."""
    q = Fraction(x * m, 1 << (31 - shift))
    return wrap32(math.floor(q + Fraction(1, 2)))


def quantize_multiplier(d):
    """TFLite QuantizeMultiplier: frexp, round half away from zero of q * 2^31 (exact), 2^31 -> 2^30 with shift+1."""
    if d == 0.0:
        return 0, 0
    q, shift = math.frexp(d)
    v = q * (1 << 31)
    fixed = math.floor(v + 0.5) if v >= 0 else -math.floor(-v + 0.5)
    if fixed == (1 << 31):
        fixed //= 2
        shift += 1
    if shift < -31:
        return 0, 0
    return fixed, shift


def quantize_multiplier_exact(d):
    """The same from the exact rational value of the double: M0 in [2^30, 2^31) nearest to d * 2^(31 - shift)."""
    if d == 0.0:
        return 0, 0
    r = Fraction(d)
    shift = 0
    while r * (1 << 31) / Fraction(2) ** shift >= (1 << 31):
        shift += 1
    while r * (1 << 31) / Fraction(2) ** shift < (1 << 30):
        shift -= 1
    v = r * (1 << 31) / Fraction(2) ** shift
    fixed = math.floor(v + Fraction(1, 2))
    if fixed == (1 << 31):
        fixed //= 2
        shift += 1
    if shift < -31:
        return 0, 0
    return fixed, shift


def main():
    d = sys.argv[1]
    bad = []

    pairs = np.load(f"{d}/pairs.npy")
    out = np.zeros(len(pairs), np.int64)
    for i, (a, b) in enumerate(pairs.tolist()):
        out[i] = srdhm(a, b)
        if out[i] != srdhm_vqrdmulh(a, b):
            bad.append(f"srdhm({a}, {b}): {out[i]} vs VQRDMULH {srdhm_vqrdmulh(a, b)}")
    np.save(f"{d}/srdhm.npy", out)

    pot = np.load(f"{d}/pot.npy")
    out = np.zeros(len(pot), np.int64)
    for i, (x, e) in enumerate(pot.tolist()):
        out[i] = rdbpot(x, e)
        if out[i] != rdbpot_exact(x, e):
            bad.append(f"rdbpot({x}, {e}): {out[i]} vs exact {rdbpot_exact(x, e)}")
    np.save(f"{d}/rdbpot.npy", out)

    cases = np.load(f"{d}/cases.npy")
    out = np.zeros(len(cases), np.int64)
    out1 = np.zeros(len(cases), np.int64)
    for i, (x, m, s) in enumerate(cases.tolist()):
        out[i] = mbqm(x, m, s)
        out1[i] = single(x, m, s)
        if out1[i] != single_exact(x, m, s):
            bad.append(f"single({x}, {m}, {s}): {out1[i]} vs exact {single_exact(x, m, s)}")
    np.save(f"{d}/mbqm.npy", out)
    np.save(f"{d}/single.npy", out1)

    reals = np.load(f"{d}/reals.npy")
    out = np.zeros((len(reals), 2), np.int64)
    for i, r in enumerate(reals.tolist()):
        out[i] = quantize_multiplier(r)
        if tuple(out[i]) != quantize_multiplier_exact(r):
            bad.append(f"quantize_multiplier({r!r}): {tuple(out[i])} vs exact {quantize_multiplier_exact(r)}")
    np.save(f"{d}/qm.npy", out)

    if bad:
        sys.stderr.write(f"{len(bad)} disagreements between the two characterisations, e.g.\n" + "\n".join(bad[:10]) + "\n")
        sys.exit(3)


main()
