using ILGPU;
using SysNoise.Kernels.Numerics;

namespace SysNoise.Kernels.Model.Reduce;

/// <summary>Softmax geometry: rows of <see cref="Length"/> elements <see cref="Stride"/> apart; row r starts at (r / Stride)·Length·Stride + r % Stride.</summary>
public readonly struct SoftmaxGeometry(int length, int stride, bool log)
{
    public readonly int Length = length;
    public readonly int Stride = stride;
    public readonly int Log = log ? 1 : 0;

    public long RowStart(int r) => ((long)(r / Stride) * Length * Stride) + (r % Stride);
}

/// <summary>
/// Row normalization (LayerNormalization, InstanceNormalization): rows of <see cref="Length"/> contiguous elements;
/// the scale/bias index is the position in the row, or, when <see cref="Channels"/> &gt; 0, the row index mod Channels.
/// </summary>
public readonly struct NormGeometry(int length, int channels, float epsilon, bool hasBias)
{
    public readonly int Length = length;
    public readonly int Channels = channels;
    public readonly float Epsilon = epsilon;
    public readonly int HasBias = hasBias ? 1 : 0;
}

/// <summary>
/// ILGPU kernels for reductions, Softmax/LogSoftmax and row normalization: one thread per output (or row), which
/// walks its elements sequentially in index order, so results never depend on the launch shape. The host loops in
/// <see cref="ReduceHost"/> walk the same order with the same arithmetic.
/// </summary>
public static class ReduceKernels
{
    /// <summary>Output o reduces input[bases[o] + offsets[k]] for k = 0…K−1 in order.</summary>
    public static void Reduce<TOp>(Index1D o, ArrayView<float> input, ArrayView<float> output, ArrayView<int> bases, ArrayView<int> offsets, int count, TOp op)
        where TOp : struct, IReduceOp
    {
        int b = bases[o];
        float shift = 0f;
        if (op.NeedsMax)
        {
            float m = float.NegativeInfinity;
            for (int k = 0; k < count; k++)
            {
                m = ReduceMath.Max(m, input[b + offsets[k]]);
            }

            shift = ReduceMath.Shift(m);
        }

        float acc = op.Init();
        for (int k = 0; k < count; k++)
        {
            acc = op.Step(acc, input[b + offsets[k]], shift);
        }

        output[o] = op.Finish(acc, count, shift);
    }

    public static void Softmax(Index1D r, ArrayView<float> x, ArrayView<float> y, SoftmaxGeometry g)
    {
        long start = g.RowStart(r);
        float m = float.NegativeInfinity;
        for (int k = 0; k < g.Length; k++)
        {
            m = ReduceMath.Max(m, x[start + ((long)k * g.Stride)]);
        }

        // The denominator accumulates in double (index order): a float sum over thousands of classes
        // loses ~n·ulp; each exp is float, the total is rounded to float once.
        double wide = 0d;
        for (int k = 0; k < g.Length; k++)
        {
            wide = StrictFloat.Add(wide, (double)DetMath.Exp(StrictFloat.Add(x[start + ((long)k * g.Stride)], -m)));
        }

        float sum = (float)wide;

        float logSum = g.Log != 0 ? DetMath.Log(sum) : 0f;
        for (int k = 0; k < g.Length; k++)
        {
            long i = start + ((long)k * g.Stride);
            y[i] = ReduceMath.SoftmaxValue(x[i], m, sum, logSum, g.Log != 0);
        }
    }

    public static void Normalize(
        Index1D r, ArrayView<float> x, ArrayView<float> scale, ArrayView<float> bias, ArrayView<float> y, ArrayView<float> mean, ArrayView<float> invStd, NormGeometry g)
    {
        long start = (long)r.X * g.Length;
        float sum = 0f;
        for (int k = 0; k < g.Length; k++)
        {
            sum = StrictFloat.Add(sum, x[start + k]);
        }

        float mu = DetMath.Div(sum, (float)g.Length);
        float sq = 0f;
        for (int k = 0; k < g.Length; k++)
        {
            float d = StrictFloat.Add(x[start + k], -mu);
            sq = StrictFloat.Add(sq, StrictFloat.Mul(d, d));
        }

        float inv = ReduceMath.InvStd(sq, g.Length, g.Epsilon);
        for (int k = 0; k < g.Length; k++)
        {
            int si = g.Channels > 0 ? r % g.Channels : k;
            y[start + k] = ReduceMath.NormValue(x[start + k], mu, inv, scale[si], g.HasBias != 0 ? bias[si] : 0f);
        }

        mean[r] = mu;
        invStd[r] = inv;
    }
}

/// <summary>The per-step arithmetic shared by the reduction kernels and host loops.</summary>
public static class ReduceMath
{
    public static float Max(float m, float x) => DetMath.IsNaN(m) || DetMath.IsNaN(x) ? float.NaN : x > m ? x : m;

    /// <summary>The shift for LogSumExp/Softmax: the maximum, or 0 when it is not finite.</summary>
    public static float Shift(float m) => DetMath.IsNaN(m) || DetMath.IsInf(m) ? 0f : m;

    public static float SoftmaxValue(float x, float max, float sum, float logSum, bool log)
    {
        float d = StrictFloat.Add(x, -max);
        return log ? StrictFloat.Add(d, -logSum) : DetMath.Div(DetMath.Exp(d), sum);
    }

    /// <summary>1 / √(Σ(x−μ)²/n + ε).</summary>
    public static float InvStd(float sumSquares, int n, float epsilon) =>
        DetMath.Div(1f, DetMath.Sqrt(StrictFloat.Add(DetMath.Div(sumSquares, (float)n), epsilon)));

    /// <summary>((x − μ)·invStd)·scale + bias, each step rounded once.</summary>
    public static float NormValue(float x, float mean, float invStd, float scale, float bias) =>
        StrictFloat.Add(StrictFloat.Mul(StrictFloat.Mul(StrictFloat.Add(x, -mean), invStd), scale), bias);
}
