namespace SysNoise.Kernels.Model.Resize;

/// <summary>ONNX Resize coordinate_transformation_mode.</summary>
public enum ResizeCoordinateMode
{
    HalfPixel,
    HalfPixelSymmetric,
    PytorchHalfPixel,
    AlignCorners,
    Asymmetric,
    TfHalfPixelForNn,
    TfCropAndResize,
}

/// <summary>ONNX Resize nearest_mode, plus <see cref="Simple"/>: Resize-10 and Upsample, as ONNX Runtime runs them.</summary>
public enum ResizeNearestMode
{
    RoundPreferFloor,
    RoundPreferCeil,
    Floor,
    Ceil,

    /// <summary>Resize-10/Upsample-7/9 in ONNX Runtime: <c>scale &lt; 1 ? ceil(x) : (int)x</c> (truncation), clamped.</summary>
    Simple,
}

/// <summary>Resize interpolation mode.</summary>
public enum ResizeInterpolation
{
    Nearest,
    Linear,
    Cubic,
}

/// <summary>Everything that decides one axis' map.</summary>
public readonly record struct ResizeAxisSpec(
    ResizeInterpolation Mode,
    ResizeCoordinateMode Coordinates,
    ResizeNearestMode Nearest,
    double CubicA,
    bool ExcludeOutside,
    bool Antialias,
    int InLength,
    int OutLength,
    double Scale,
    double RoiStart,
    double RoiEnd);

/// <summary>
/// One axis of a Resize as data: for output j, <c>Count[j]</c> taps at <c>Index[j·Taps + k]</c> with float32 weights
/// <c>Coeff[j·Taps + k]</c>, summed in tap order; <c>Count[j] == 0</c> means the extrapolation value
/// (tf_crop_and_resize outside the input). Built in float64 exactly as the ONNX reference implementation
/// (<c>onnx/reference/ops/op_resize.py</c>) computes coordinates and coefficients; the coefficients are then rounded
/// to float32 once. Taps whose weight is exactly zero are dropped (the reference multiplies them by zero).
/// </summary>
public sealed class ResizeAxisMap
{
    private ResizeAxisMap(int inLength, int outLength, int taps, int[] index, int[] count, float[] coeff)
    {
        InLength = inLength;
        OutLength = outLength;
        Taps = taps;
        Index = index;
        Count = count;
        Coeff = coeff;
        bool identity = inLength == outLength;
        for (int j = 0; j < outLength && identity; j++)
        {
            identity = count[j] == 1 && index[j * taps] == j && coeff[j * taps] == 1f;
        }

        IsIdentity = identity;
    }

    public int InLength { get; }

    public int OutLength { get; }

    public int Taps { get; }

    public int[] Index { get; }

    public int[] Count { get; }

    public float[] Coeff { get; }

    /// <summary>Output j is input j with weight 1 for every j: the pass can be skipped.</summary>
    public bool IsIdentity { get; }

    public static ResizeAxisMap Identity(int length)
    {
        var index = new int[length];
        var count = new int[length];
        var coeff = new float[length];
        for (int j = 0; j < length; j++)
        {
            index[j] = j;
            count[j] = 1;
            coeff[j] = 1f;
        }

        return new ResizeAxisMap(length, length, 1, index, count, coeff);
    }

    public static ResizeAxisMap Build(ResizeAxisSpec s)
    {
        if (s.InLength <= 0)
        {
            throw new ArgumentException($"cannot resize an axis of length {s.InLength}");
        }

        int n = TapCount(s);
        int m = n / 2;
        int taps = s.Mode == ResizeInterpolation.Nearest ? 1 : n;
        var index = new int[s.OutLength * taps];
        var count = new int[s.OutLength];
        var coeff = new float[s.OutLength * taps];
        var c = new double[n];
        for (int j = 0; j < s.OutLength; j++)
        {
            double x = Original(s, j, out bool outside);
            if (outside)
            {
                continue;
            }

            if (s.Mode == ResizeInterpolation.Nearest && s.Nearest == ResizeNearestMode.Simple)
            {
                // ONNX Runtime's rule for Resize-10/Upsample (a float32 computation there; float64 here).
                long v = s.Scale < 1 ? (long)Math.Ceiling(x) : (long)x;
                index[j] = (int)Math.Clamp(v, 0, s.InLength - 1);
                count[j] = 1;
                coeff[j] = 1f;
                continue;
            }

            // The reference prefers the left neighbour: ratio in (0, 1], f = ceil(x) − 1.
            double fl = Math.Floor(x);
            double ratio = x == fl ? 1.0 : x - fl;
            long f = x == fl ? (long)fl - 1 : (long)fl;

            // The n nearest indices of the edge-padded signal (pad m each side): a window starting at f − m + 1,
            // kept inside [−m, in + m).
            long start = Math.Clamp(f - m + 1, -m, (long)s.InLength - m);
            if (s.Mode == ResizeInterpolation.Nearest)
            {
                int pick = s.Nearest switch
                {
                    _ when ratio == 1.0 => 1,
                    ResizeNearestMode.RoundPreferFloor => ratio <= 0.5 ? 0 : 1,
                    ResizeNearestMode.RoundPreferCeil => ratio < 0.5 ? 0 : 1,
                    ResizeNearestMode.Floor => 0,
                    _ => 1,
                };
                index[j] = (int)Math.Clamp(start + pick, 0, s.InLength - 1);
                count[j] = 1;
                coeff[j] = 1f;
                continue;
            }

            Coefficients(s, ratio, c);
            if (s.ExcludeOutside)
            {
                double sum = 0;
                for (int k = 0; k < n; k++)
                {
                    long idx = start + k;
                    if (idx < 0 || idx >= s.InLength)
                    {
                        c[k] = 0;
                    }

                    sum += c[k];
                }

                for (int k = 0; k < n; k++)
                {
                    c[k] /= sum;
                }
            }

            int used = 0;
            for (int k = 0; k < n; k++)
            {
                float w = (float)c[k];
                if (w == 0f)
                {
                    continue;
                }

                index[(j * taps) + used] = (int)Math.Clamp(start + k, 0, s.InLength - 1);
                coeff[(j * taps) + used] = w;
                used++;
            }

            count[j] = used;
            if (used == 0)
            {
                // Every weight rounded to zero: the output is 0, not the extrapolation value.
                index[j * taps] = 0;
                coeff[j * taps] = 0f;
                count[j] = 1;
            }
        }

        return new ResizeAxisMap(s.InLength, s.OutLength, taps, index, count, coeff);
    }

    /// <summary>Number of neighbours the reference takes (always even).</summary>
    public static int TapCount(ResizeAxisSpec s)
    {
        switch (s.Mode)
        {
            case ResizeInterpolation.Nearest:
                return 2;
            case ResizeInterpolation.Linear when s.Antialias:
                {
                    double scale = Math.Min(s.Scale, 1.0);
                    long start = (long)Math.Floor(-1 / scale) + 1;
                    return checked((int)(2 - (2 * start)));
                }

            case ResizeInterpolation.Linear:
                return 2;
            case ResizeInterpolation.Cubic when s.Antialias:
                {
                    double scale = Math.Min(s.Scale, 1.0);
                    long start = (long)Math.Floor(-2 / scale) + 1;
                    return checked((int)(2 - (2 * start)));
                }

            default:
                return 4;
        }
    }

    /// <summary>The input coordinate of output <paramref name="x"/> (float64, as the reference computes it).</summary>
    public static double Original(ResizeAxisSpec s, int x, out bool outside)
    {
        outside = false;
        double inLength = s.InLength;
        double outputWidth = s.Scale * inLength;
        switch (s.Coordinates)
        {
            case ResizeCoordinateMode.AlignCorners:
                return outputWidth == 1 ? 0.0 : x * (inLength - 1) / (outputWidth - 1);
            case ResizeCoordinateMode.Asymmetric:
                return x / s.Scale;
            case ResizeCoordinateMode.TfHalfPixelForNn:
                return (x + 0.5) / s.Scale;
            case ResizeCoordinateMode.TfCropAndResize:
                {
                    double o = outputWidth == 1
                        ? (s.RoiEnd - s.RoiStart) * (inLength - 1) / 2
                        : x * (s.RoiEnd - s.RoiStart) * (inLength - 1) / (outputWidth - 1);
                    o += s.RoiStart * (inLength - 1);
                    outside = o < 0 || o > inLength - 1;
                    return o;
                }

            case ResizeCoordinateMode.PytorchHalfPixel:
                // The spec and ONNX Runtime use 0 for a length-1 output; the reference implementation uses −0.5.
                // Nearest and (non-antialiased) linear give the same value either way; cubic differs: 0 is used.
                return outputWidth == 1 ? 0.0 : ((x + 0.5) / s.Scale) - 0.5;
            case ResizeCoordinateMode.HalfPixelSymmetric:
                {
                    double adjustment = s.OutLength / outputWidth;
                    double center = inLength / 2;
                    double offset = center * (1 - adjustment);
                    return offset + ((x + 0.5) / s.Scale) - 0.5;
                }

            default:
                return ((x + 0.5) / s.Scale) - 0.5;
        }
    }

    private static void Coefficients(ResizeAxisSpec s, double ratio, double[] c)
    {
        double a = s.CubicA;
        if (s.Mode == ResizeInterpolation.Linear && !s.Antialias)
        {
            c[0] = 1 - ratio;
            c[1] = ratio;
            return;
        }

        if (s.Mode == ResizeInterpolation.Cubic && !s.Antialias)
        {
            double r1 = ratio + 1, q = 1 - ratio, q1 = q + 1;
            c[0] = ((((a * r1) - (5 * a)) * r1) + (8 * a)) * r1 - (4 * a);
            c[1] = ((((a + 2) * ratio) - (a + 3)) * ratio * ratio) + 1;
            c[2] = ((((a + 2) * q) - (a + 3)) * q * q) + 1;
            c[3] = ((((a * q1) - (5 * a)) * q1) + (8 * a)) * q1 - (4 * a);
            return;
        }

        double scale = Math.Min(s.Scale, 1.0);
        int n = c.Length;
        long first = 1 - (n / 2);
        double sum = 0;
        for (int k = 0; k < n; k++)
        {
            double arg = scale * ((first + k) - ratio);
            double v;
            if (s.Mode == ResizeInterpolation.Linear)
            {
                v = Math.Clamp(1 - Math.Abs(arg), 0, 1);
            }
            else
            {
                double t = Math.Abs(arg), t2 = t * t, t3 = t * t2;
                v = t <= 1 ? ((a + 2) * t3) - ((a + 3) * t2) + 1
                    : t < 2 ? (a * t3) - (5 * a * t2) + (8 * a * t) - (4 * a)
                    : 0.0;
            }

            c[k] = v;
            sum += v;
        }

        for (int k = 0; k < n; k++)
        {
            c[k] /= sum;
        }
    }
}
