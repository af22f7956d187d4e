namespace SysNoise.Kernels.Resize.Pillow;

/// <summary>
/// Pillow's weight maps: <c>precompute_coeffs</c> and <c>normalize_coeffs_8bpc</c> of Resample.c,
/// and the source positions of <c>ImagingScaleAffine</c> (NEAREST).
/// </summary>
public static class PillowWeights
{
    /// <summary>Fixed-point bits of the 8-bit path: 32 − 8 − 2.</summary>
    public const int PrecisionBits = 32 - 8 - 2;

    /// <summary>Normalised double coefficients for an axis of <paramref name="inSize"/> → <paramref name="outSize"/>
    /// with box [in0, in1) (Pillow's default box is the whole axis).</summary>
    public static AxisWeights<double> Coefficients(PillowFilter filter, int inSize, int outSize, float in0, float in1)
    {
        // Pillow parses the box as C floats, so the subtraction happens in float.
        double scale = (double)(in1 - in0) / outSize;
        double filterScale = scale < 1.0 ? 1.0 : scale;
        double support = PillowFilterFunctions.Support(filter) * filterScale;
        int taps = ((int)Math.Ceiling(support) * 2) + 1;
        var index = new int[outSize * taps];
        var count = new int[outSize];
        var coeff = new double[outSize * taps];
        double inverseFilterScale = 1.0 / filterScale;
        for (int xx = 0; xx < outSize; xx++)
        {
            double center = in0 + ((xx + 0.5) * scale);
            int xmin = (int)(center - support + 0.5);
            if (xmin < 0)
            {
                xmin = 0;
            }

            int xmax = (int)(center + support + 0.5);
            if (xmax > inSize)
            {
                xmax = inSize;
            }

            xmax -= xmin;
            double sum = 0.0;
            int row = xx * taps;
            for (int x = 0; x < xmax; x++)
            {
                double w = PillowFilterFunctions.Evaluate(filter, (x + xmin - center + 0.5) * inverseFilterScale);
                coeff[row + x] = w;
                sum += w;
            }

            for (int x = 0; x < xmax; x++)
            {
                if (sum != 0.0)
                {
                    coeff[row + x] /= sum;
                }

                index[row + x] = x + xmin;
            }

            count[xx] = Math.Max(0, xmax);
        }

        return new AxisWeights<double>(inSize, outSize, taps, index, count, coeff);
    }

    /// <summary>The 8-bit fixed-point version of a coefficient map (round half away from zero, in double).</summary>
    public static AxisWeights<int> ToFixedPoint(AxisWeights<double> weights)
    {
        const double one = 1 << PrecisionBits;
        var fixedPoint = new int[weights.Coeff.Length];
        for (int i = 0; i < fixedPoint.Length; i++)
        {
            double k = weights.Coeff[i];
            fixedPoint[i] = k < 0 ? (int)(-0.5 + (k * one)) : (int)(0.5 + (k * one));
        }

        return new AxisWeights<int>(weights.SourceLength, weights.Length, weights.Taps, weights.Index, weights.Count, fixedPoint);
    }

    /// <summary>
    /// NEAREST as <c>ImagingScaleAffine</c> computes it: the position starts at box0 + a/2 and
    /// <em>accumulates</em> <c>+= a</c> per output sample in double; a position outside the image
    /// has no tap (the sample stays 0).
    /// </summary>
    public static AxisWeights<byte> Nearest(int inSize, int outSize, float in0, float in1)
    {
        double a = (double)(in1 - in0) / outSize;
        double position = in0 + (a * 0.5);
        var index = new int[outSize];
        var count = new int[outSize];
        for (int x = 0; x < outSize; x++)
        {
            int source = position < 0.0 ? -1 : (int)position;
            if (source >= 0 && source < inSize)
            {
                index[x] = source;
                count[x] = 1;
            }

            position += a;
        }

        return new AxisWeights<byte>(inSize, outSize, 1, index, count, new byte[outSize]);
    }
}
