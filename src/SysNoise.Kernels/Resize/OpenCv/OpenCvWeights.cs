namespace SysNoise.Kernels.Resize.OpenCv;

/// <summary>The interpolation kernels of cv::resize's generic separable path.</summary>
public enum OpenCvKernel
{
    Linear,
    Cubic,
    Lanczos4,
}

/// <summary>How a NEAREST_EXACT build centres its 16.16 fixed-point positions.</summary>
public enum NearestExactCentering
{
    /// <summary>OpenCV ≥ 4.7: <c>ifx/2 − sw % 2</c>.</summary>
    ParityCorrected,

    /// <summary>OpenCV 4.6: <c>ifx/2 − 1</c>, which picks the pixel left of centre on some downscales of even widths.</summary>
    MinusOne,
}

/// <summary>
/// Weight maps for cv::resize (modules/imgproc/src/resize.cpp), one axis at a time, in OpenCV's own
/// arithmetic: double positions rounded to float, float coefficients rounded half-to-even to 11 bits,
/// borders resolved the library's way (clamped taps; no coefficient reset on the vertical axis).
/// </summary>
public static class OpenCvWeights
{
    /// <summary>INTER_RESIZE_COEF_BITS.</summary>
    public const int CoefBits = 11;

    public const int CoefScale = 1 << CoefBits;

    /// <summary><c>scale = 1 / inv_scale</c>, as hal::resize computes it (not exactly src/dst).</summary>
    public static double Scale(int src, int dst) => 1.0 / ((double)dst / src);

    /// <summary>INTER_NEAREST: <c>min(floor(x · scale), src − 1)</c>.</summary>
    public static AxisWeights<byte> Nearest(int src, int dst)
    {
        double scale = Scale(src, dst);
        var index = new int[dst];
        for (int x = 0; x < dst; x++)
        {
            index[x] = Math.Min((int)Math.Floor(x * scale), src - 1);
        }

        return AxisWeights<byte>.Gather(src, index);
    }

    /// <summary>INTER_NEAREST_EXACT (resizeNN_bitexact): 16.16 fixed point positions at pixel centres.</summary>
    public static AxisWeights<byte> NearestExact(int src, int dst, NearestExactCentering centering)
    {
        int step = ((src << 16) + (dst / 2)) / dst;
        int offset = centering == NearestExactCentering.ParityCorrected ? (step / 2) - (src % 2) : (step / 2) - 1;
        var index = new int[dst];
        for (int x = 0; x < dst; x++)
        {
            index[x] = Math.Min(unchecked((step * x) + offset) >> 16, src - 1);
        }

        return AxisWeights<byte>.Gather(src, index);
    }

    /// <summary>
    /// The generic path's fixed-point coefficients (ialpha/ibeta) for one axis. Horizontal linear taps
    /// have their fraction reset at the borders (sx &lt; 0 → 0; sx ≥ src−1 → src−1); vertical taps and
    /// cubic/Lanczos taps keep it. Taps outside the image are clamped to its edge.
    /// With <paramref name="areaMode"/>, positions follow INTER_AREA's upscaling rule.
    /// </summary>
    public static AxisWeights<int> Fixed(OpenCvKernel kernel, int src, int dst, bool horizontal, bool areaMode = false, bool reverseTaps = false)
    {
        float[] coeffs = FloatCoefficients(kernel, src, dst, horizontal, areaMode, out int[] first, out int taps);
        var fixedPoint = new int[coeffs.Length];
        for (int i = 0; i < coeffs.Length; i++)
        {
            // saturate_cast<short>(c · 2048): cvRound, ties to even.
            fixedPoint[i] = Math.Clamp((int)MathF.Round(coeffs[i] * CoefScale, MidpointRounding.ToEven), short.MinValue, short.MaxValue);
        }

        return Build(src, dst, taps, first, fixedPoint, reverseTaps);
    }

    /// <summary>The float coefficients (the CV_32F path) for one axis.</summary>
    public static AxisWeights<float> Float(OpenCvKernel kernel, int src, int dst, bool horizontal, bool areaMode = false, bool reverseTaps = false)
    {
        float[] coeffs = FloatCoefficients(kernel, src, dst, horizontal, areaMode, out int[] first, out int taps);
        return Build(src, dst, taps, first, coeffs, reverseTaps);
    }

    /// <summary>INTER_AREA for integer scales: a box of <paramref name="factor"/> taps of weight 1.</summary>
    public static AxisWeights<int> AreaBox(int src, int dst, int factor)
    {
        var index = new int[dst * factor];
        var count = new int[dst];
        var coeff = new int[dst * factor];
        for (int d = 0; d < dst; d++)
        {
            for (int k = 0; k < factor; k++)
            {
                index[(d * factor) + k] = Math.Min((d * factor) + k, src - 1);
                coeff[(d * factor) + k] = 1;
            }

            count[d] = factor;
        }

        return new AxisWeights<int>(src, dst, factor, index, count, coeff);
    }

    /// <summary>INTER_AREA decimation table (computeResizeAreaTab): partial cells below 1e-3 are dropped.</summary>
    public static AxisWeights<float> AreaTable(int src, int dst)
    {
        double scale = Scale(src, dst);
        var rows = new List<(int Source, float Alpha)>[dst];
        int taps = 1;
        for (int dx = 0; dx < dst; dx++)
        {
            var row = new List<(int, float)>();
            double fsx1 = dx * scale;
            double fsx2 = fsx1 + scale;
            double cellWidth = Math.Min(scale, src - fsx1);
            int sx1 = (int)Math.Ceiling(fsx1), sx2 = (int)Math.Floor(fsx2);
            sx2 = Math.Min(sx2, src - 1);
            sx1 = Math.Min(sx1, sx2);
            if (sx1 - fsx1 > 1e-3)
            {
                row.Add((sx1 - 1, (float)((sx1 - fsx1) / cellWidth)));
            }

            for (int sx = sx1; sx < sx2; sx++)
            {
                row.Add((sx, (float)(1.0 / cellWidth)));
            }

            if (fsx2 - sx2 > 1e-3)
            {
                row.Add((sx2, (float)(Math.Min(Math.Min(fsx2 - sx2, 1.0), cellWidth) / cellWidth)));
            }

            rows[dx] = row;
            taps = Math.Max(taps, row.Count);
        }

        var index = new int[dst * taps];
        var count = new int[dst];
        var coeff = new float[dst * taps];
        for (int dx = 0; dx < dst; dx++)
        {
            count[dx] = rows[dx].Count;
            for (int k = 0; k < rows[dx].Count; k++)
            {
                index[(dx * taps) + k] = rows[dx][k].Source;
                coeff[(dx * taps) + k] = rows[dx][k].Alpha;
            }
        }

        return new AxisWeights<float>(src, dst, taps, index, count, coeff);
    }

    /// <summary>
    /// INTER_LINEAR_EXACT coefficients (interpolationLinear, softdouble): <c>c1 = cvRound((f − ⌊f⌋)·256)</c>,
    /// <c>c0 = 256 − c1</c>; positions left of the first pixel or at/after the last take that pixel whole (256).
    /// </summary>
    public static AxisWeights<int> LinearExact(int src, int dst)
    {
        const int one = 256;
        double scale = 1.0 / ((double)dst / src);
        var index = new int[dst * 2];
        var count = new int[dst];
        var coeff = new int[dst * 2];
        for (int d = 0; d < dst; d++)
        {
            double f = (scale * (d + 0.5)) - 0.5;
            int i = (int)Math.Floor(f);
            if (i >= 0 && src > 1 && i < src - 1)
            {
                int c1 = Math.Max(0, (int)Math.Round((f - i) * one, MidpointRounding.ToEven));
                index[d * 2] = i;
                index[(d * 2) + 1] = i + 1;
                coeff[d * 2] = one - c1;
                coeff[(d * 2) + 1] = c1;
                count[d] = 2;
            }
            else
            {
                index[d * 2] = i < 0 ? 0 : src - 1;
                coeff[d * 2] = one;
                count[d] = 1;
            }
        }

        return new AxisWeights<int>(src, dst, 2, index, count, coeff);
    }

    /// <summary>
    /// IPP's cubic taps (B = 0, C = 0.75, as OpenCV configures ippiResizeCubic): positions and the
    /// Mitchell–Netravali weights in double, each weight then stored as float; taps clamped to the edge.
    /// </summary>
    public static AxisWeights<float> IppCubic(int src, int dst)
    {
        const double b = 0, c = 0.75;
        double ratio = (double)src / dst;
        var index = new int[dst * 4];
        var count = new int[dst];
        var coeff = new float[dst * 4];
        for (int d = 0; d < dst; d++)
        {
            double position = ((d + 0.5) * ratio) - 0.5;
            int s = (int)Math.Floor(position);
            double fraction = position - s;
            for (int k = 0; k < 4; k++)
            {
                double t = Math.Abs(fraction - (k - 1));
                double w = t < 1
                    ? ((((12 - (9 * b) - (6 * c)) * t * t * t) + ((-18 + (12 * b) + (6 * c)) * t * t) + (6 - (2 * b))) / 6)
                    : t < 2
                        ? (((-b - (6 * c)) * t * t * t) + (((6 * b) + (30 * c)) * t * t) + (((-12 * b) - (48 * c)) * t) + ((8 * b) + (24 * c))) / 6
                        : 0;
                index[(d * 4) + k] = Math.Clamp(s - 1 + k, 0, src - 1);
                coeff[(d * 4) + k] = (float)w;
            }

            count[d] = 4;
        }

        return new AxisWeights<float>(src, dst, 4, index, count, coeff);
    }

    /// <summary>interpolateCubic (A = −0.75), in float as OpenCV evaluates it.</summary>
    public static void Cubic(float x, Span<float> c)
    {
        const float a = -0.75f;
        c[0] = ((((a * (x + 1)) - (5 * a)) * (x + 1)) + (8 * a)) * (x + 1) - (4 * a);
        c[1] = ((((a + 2) * x) - (a + 3)) * x * x) + 1;
        c[2] = ((((a + 2) * (1 - x)) - (a + 3)) * (1 - x) * (1 - x)) + 1;
        c[3] = 1f - c[0] - c[1] - c[2];
    }

    /// <summary>interpolateLanczos4: sin/cos recurrence in double, each tap stored as float, normalised by the float sum.</summary>
    public static void Lanczos4(float x, Span<float> c)
    {
        const double s45 = 0.70710678118654752440084436210485;
        ReadOnlySpan<double> cs0 = [1, -s45, 0, s45, -1, s45, 0, -s45];
        ReadOnlySpan<double> cs1 = [0, -s45, 1, -s45, 0, s45, -1, s45];
        float sum = 0;
        double y0 = -(x + 3) * Math.PI * 0.25, s0 = Math.Sin(y0), c0 = Math.Cos(y0);
        for (int i = 0; i < 8; i++)
        {
            float y0i = x + 3 - i;
            if (Math.Abs(y0i) >= 1e-6f)
            {
                double y = -y0i * Math.PI * 0.25;
                c[i] = (float)(((cs0[i] * s0) + (cs1[i] * c0)) / (y * y));
            }
            else
            {
                c[i] = 1e30f;
            }

            sum += c[i];
        }

        sum = 1f / sum;
        for (int i = 0; i < 8; i++)
        {
            c[i] *= sum;
        }
    }

    private static float[] FloatCoefficients(OpenCvKernel kernel, int src, int dst, bool horizontal, bool areaMode, out int[] first, out int taps)
    {
        taps = kernel switch { OpenCvKernel.Linear => 2, OpenCvKernel.Cubic => 4, _ => 8 };
        int half = taps / 2;
        double scale = Scale(src, dst);
        double invScale = (double)dst / src;
        bool resetAtBorders = horizontal && kernel == OpenCvKernel.Linear;
        first = new int[dst];
        var coeffs = new float[dst * taps];
        Span<float> c = stackalloc float[8];
        for (int d = 0; d < dst; d++)
        {
            int s;
            float f;
            if (!areaMode)
            {
                f = (float)(((d + 0.5) * scale) - 0.5);
                s = (int)MathF.Floor(f);
                f -= s;
            }
            else
            {
                s = (int)Math.Floor(d * scale);
                f = (float)((d + 1) - ((s + 1) * invScale));
                f = f <= 0 ? 0f : f - MathF.Floor(f);
            }

            if (resetAtBorders)
            {
                if (s < half - 1 && s < 0)
                {
                    (f, s) = (0f, 0);
                }

                if (s + half >= src && s >= src - 1)
                {
                    (f, s) = (0f, src - 1);
                }
            }

            switch (kernel)
            {
                case OpenCvKernel.Linear:
                    c[0] = 1f - f;
                    c[1] = f;
                    break;
                case OpenCvKernel.Cubic:
                    Cubic(f, c);
                    break;
                default:
                    Lanczos4(f, c);
                    break;
            }

            first[d] = s - half + 1;
            c[..taps].CopyTo(coeffs.AsSpan(d * taps, taps));
        }

        return coeffs;
    }

    private static AxisWeights<T> Build<T>(int src, int dst, int taps, int[] first, T[] coeffs, bool reverseTaps)
        where T : unmanaged
    {
        var index = new int[dst * taps];
        var count = new int[dst];
        var ordered = new T[dst * taps];
        for (int d = 0; d < dst; d++)
        {
            for (int k = 0; k < taps; k++)
            {
                int slot = reverseTaps ? taps - 1 - k : k;
                index[(d * taps) + slot] = Math.Clamp(first[d] + k, 0, src - 1);
                ordered[(d * taps) + slot] = coeffs[(d * taps) + k];
            }

            count[d] = taps;
        }

        return new AxisWeights<T>(src, dst, taps, index, count, ordered);
    }

}
