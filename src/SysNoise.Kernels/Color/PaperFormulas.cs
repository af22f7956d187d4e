using SysNoise.Kernels.Numerics;

namespace SysNoise.Kernels.Color;

/// <summary>
/// The SysNoise paper's BT.601 limited-range formulas in double: round half away from zero, evaluated
/// left to right exactly as written, each product and sum rounded once (StrictFloat: no FMA on any backend).
/// Y, U and V are kept as unclipped ints: for any RGB in 0..255 they land in 16..235 / 16..240 anyway.
/// </summary>
public readonly struct PaperFloat444Op : IPixelRoundTripOp
{
    public Rgb RoundTrip(Rgb pixel) => PaperFloat.ToRgb(PaperFloat.ToYuv(pixel));
}

/// <summary>The paper's 8-bit integer ("298") formulas, pixel by pixel.</summary>
public readonly struct PaperInt444Op : IPixelRoundTripOp
{
    public Rgb RoundTrip(Rgb pixel) => PaperInt.ToRgb(PaperInt.ToYuv(pixel));
}

/// <summary>
/// The paper's integer formulas with 4:2:0 chroma (NV12-like): U and V from the rounded mean of the
/// block's RGB, replicated over the block on the way back.
/// </summary>
public readonly struct PaperInt420Op : IBlock420RoundTripOp
{
    public int Luma(Rgb pixel) => PaperInt.Luma(pixel);

    public Yuv Chroma(Rgb topLeft, Rgb topRight, Rgb bottomLeft, Rgb bottomRight)
    {
        var mean = new Rgb(
            (topLeft.R + topRight.R + bottomLeft.R + bottomRight.R + 2) >> 2,
            (topLeft.G + topRight.G + bottomLeft.G + bottomRight.G + 2) >> 2,
            (topLeft.B + topRight.B + bottomLeft.B + bottomRight.B + 2) >> 2);
        return new Yuv(0, PaperInt.U(mean), PaperInt.V(mean));
    }

    public Rgb ToRgb(int y, int u, int v) => PaperInt.ToRgb(new Yuv(y, u, v));
}

/// <summary>Per-pixel arithmetic of the paper's double-precision formulas.</summary>
public static class PaperFloat
{
    public static Yuv ToYuv(Rgb p)
    {
        double r = p.R, g = p.G, b = p.B;
        double y = StrictFloat.Add(StrictFloat.Add(StrictFloat.Mul(0.256788, r), StrictFloat.Mul(0.504129, g)), StrictFloat.Mul(0.097906, b));
        // a − k·x is computed as a + (−k)·x: negating a constant and a rounded product are both exact.
        double u = StrictFloat.Add(StrictFloat.Add(StrictFloat.Mul(-0.148223, r), StrictFloat.Mul(-0.290993, g)), StrictFloat.Mul(0.439216, b));
        double v = StrictFloat.Add(StrictFloat.Add(StrictFloat.Mul(0.439216, r), StrictFloat.Mul(-0.367788, g)), StrictFloat.Mul(-0.071427, b));
        return new Yuv(RoundHalfAwayFromZero(y) + 16, RoundHalfAwayFromZero(u) + 128, RoundHalfAwayFromZero(v) + 128);
    }

    public static Rgb ToRgb(Yuv yuv)
    {
        double c = yuv.Y - 16, d = yuv.U - 128, e = yuv.V - 128;
        double luma = StrictFloat.Mul(1.164383, c);
        double r = StrictFloat.Add(luma, StrictFloat.Mul(1.596027, e));
        double g = StrictFloat.Add(StrictFloat.Add(luma, StrictFloat.Mul(-0.391762, d)), StrictFloat.Mul(-0.812968, e));
        double b = StrictFloat.Add(luma, StrictFloat.Mul(2.017232, d));
        return new Rgb(
            ColorMath.Clip(RoundHalfAwayFromZero(r)),
            ColorMath.Clip(RoundHalfAwayFromZero(g)),
            ColorMath.Clip(RoundHalfAwayFromZero(b)));
    }

    /// <summary>
    /// sign(x)·floor(|x| + 0.5) exactly as NumPy computes it, |x| + 0.5 rounded to double first (so
    /// 0.49999999999999994 rounds to 1, like the oracle). For x &lt; 0 that is −floor(−x + 0.5) = ceil(x − 0.5),
    /// because round-to-nearest is symmetric under negation; and truncation toward zero is floor for the
    /// non-negative sum and ceil for the negative one. One add and one convert, no data-dependent branch
    /// around the arithmetic (random chroma signs would defeat the branch predictor on the host).
    /// </summary>
    public static int RoundHalfAwayFromZero(double x) => (int)StrictFloat.Add(x, x < 0 ? -0.5 : 0.5);
}

/// <summary>Per-pixel arithmetic of the paper's integer formulas (arithmetic shifts, clip only at the end).</summary>
public static class PaperInt
{
    public static int Luma(Rgb p) => ((66 * p.R + 129 * p.G + 25 * p.B + 128) >> 8) + 16;

    public static int U(Rgb p) => ((-38 * p.R - 74 * p.G + 112 * p.B + 128) >> 8) + 128;

    public static int V(Rgb p) => ((112 * p.R - 94 * p.G - 18 * p.B + 128) >> 8) + 128;

    public static Yuv ToYuv(Rgb p) => new(Luma(p), U(p), V(p));

    public static Rgb ToRgb(Yuv yuv)
    {
        int c = yuv.Y - 16, d = yuv.U - 128, e = yuv.V - 128;
        return new Rgb(
            ColorMath.Clip((298 * c + 409 * e + 128) >> 8),
            ColorMath.Clip((298 * c - 100 * d - 208 * e + 128) >> 8),
            ColorMath.Clip((298 * c + 516 * d + 128) >> 8));
    }
}
