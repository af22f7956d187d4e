using SysNoise.Kernels.Numerics;

namespace SysNoise.Kernels.Model.Reduce;

/// <summary>
/// The host loops of <see cref="ReduceKernels"/>: the same element order and arithmetic, parallel over outputs
/// (each output is still reduced sequentially), so the thread count never changes a bit.
/// </summary>
public static class ReduceHost
{
    private static void For(int count, long work, int threads, Action<int, int> body)
    {
        if (work < (1 << 16) || threads <= 1 || count < 2)
        {
            body(0, count);
            return;
        }

        int chunks = Math.Min(threads * 4, count);
        HostParallel.For(chunks, threads, c =>
            body((int)((long)count * c / chunks), (int)((long)count * (c + 1) / chunks)));
    }

    public static void Reduce<TOp>(float[] input, float[] output, int[] bases, int[] offsets, TOp op, int threads)
        where TOp : struct, IReduceOp
    {
        int count = offsets.Length;
        For(output.Length, (long)output.Length * count, threads, (s, e) =>
        {
            for (int o = s; o < e; o++)
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
        });
    }

    public static void Reduce<TOp>(double[] input, double[] output, int[] bases, int[] offsets, TOp op, int threads)
        where TOp : struct, IReduceOp
    {
        int count = offsets.Length;
        For(output.Length, (long)output.Length * count, threads, (s, e) =>
        {
            for (int o = s; o < e; o++)
            {
                int b = bases[o];
                double shift = 0;
                if (op.NeedsMax)
                {
                    double m = double.NegativeInfinity;
                    for (int k = 0; k < count; k++)
                    {
                        double x = input[b + offsets[k]];
                        m = double.IsNaN(m) || double.IsNaN(x) ? double.NaN : Math.Max(m, x);
                    }

                    shift = double.IsFinite(m) ? m : 0;
                }

                double acc = op.Init64();
                for (int k = 0; k < count; k++)
                {
                    acc = op.Step(acc, input[b + offsets[k]], shift);
                }

                output[o] = op.Finish(acc, count, shift);
            }
        });
    }

    public static void Reduce<TOp>(long[] input, long[] output, int[] bases, int[] offsets, TOp op, int threads)
        where TOp : struct, IReduceOp
    {
        int count = offsets.Length;
        For(output.Length, (long)output.Length * count, threads, (s, e) =>
        {
            for (int o = s; o < e; o++)
            {
                int b = bases[o];
                long acc = op.InitInt();
                for (int k = 0; k < count; k++)
                {
                    acc = op.Step(acc, input[b + offsets[k]]);
                }

                output[o] = op.Finish(acc, count);
            }
        });
    }

    public static void Softmax(float[] x, float[] y, int rows, SoftmaxGeometry g, int threads)
    {
        For(rows, (long)rows * g.Length, threads, (s, e) =>
        {
            for (int r = s; r < e; r++)
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
        });
    }

    /// <summary>Softmax/LogSoftmax of float64 rows (host only).</summary>
    public static void Softmax(double[] x, double[] y, int rows, SoftmaxGeometry g, int threads)
    {
        For(rows, (long)rows * g.Length, threads, (s, e) =>
        {
            for (int r = s; r < e; r++)
            {
                long start = g.RowStart(r);
                double m = double.NegativeInfinity;
                for (int k = 0; k < g.Length; k++)
                {
                    m = Math.Max(m, x[start + ((long)k * g.Stride)]);
                }

                double sum = 0;
                for (int k = 0; k < g.Length; k++)
                {
                    sum += Math.Exp(x[start + ((long)k * g.Stride)] - m);
                }

                double logSum = Math.Log(sum);
                for (int k = 0; k < g.Length; k++)
                {
                    long i = start + ((long)k * g.Stride);
                    y[i] = g.Log != 0 ? x[i] - m - logSum : Math.Exp(x[i] - m) / sum;
                }
            }
        });
    }

    public static void Normalize(float[] x, float[] scale, float[]? bias, float[] y, float[] mean, float[] invStd, int rows, NormGeometry g, int threads)
    {
        For(rows, (long)rows * g.Length, threads, (s, e) =>
        {
            for (int r = s; r < e; r++)
            {
                long start = (long)r * g.Length;
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
                    y[start + k] = ReduceMath.NormValue(x[start + k], mu, inv, scale[si], bias is not null && g.HasBias != 0 ? bias[si] : 0f);
                }

                mean[r] = mu;
                invStd[r] = inv;
            }
        });
    }
}
