using System.Runtime.Intrinsics;

namespace SysNoise.Kernels.Model.Elementwise;

/// <summary>An element function of one lane type (what the host loops are generic over).</summary>
public interface IUnaryLane<TIn, TOut>
{
    TOut Apply(TIn x);
}

public interface IBinaryLane<TIn, TOut>
{
    TOut Apply(TIn a, TIn b);
}

public readonly struct FloatUnary<TOp>(TOp op) : IUnaryLane<float, float>
    where TOp : struct, IUnaryOp
{
    private readonly TOp op = op;

    public float Apply(float x) => op.Apply(x);
}

public readonly struct DoubleUnary<TOp>(TOp op) : IUnaryLane<double, double>
    where TOp : struct, IUnaryOp
{
    private readonly TOp op = op;

    public double Apply(double x) => op.Apply(x);
}

public readonly struct FloatBinary<TOp>(TOp op) : IBinaryLane<float, float>
    where TOp : struct, IBinaryOp
{
    private readonly TOp op = op;

    public float Apply(float a, float b) => op.Apply(a, b);
}

public readonly struct DoubleBinary<TOp>(TOp op) : IBinaryLane<double, double>
    where TOp : struct, IBinaryOp
{
    private readonly TOp op = op;

    public double Apply(double a, double b) => op.Apply(a, b);
}

public readonly struct LongBinary<TOp>(TOp op) : IBinaryLane<long, long>
    where TOp : struct, IBinaryOp
{
    private readonly TOp op = op;

    public long Apply(long a, long b) => op.Apply(a, b);
}

public readonly struct FloatCompare<TOp>(TOp op) : IBinaryLane<float, bool>
    where TOp : struct, ICompareOp
{
    private readonly TOp op = op;

    public bool Apply(float a, float b) => op.Apply(a, b);
}

public readonly struct DoubleCompare<TOp>(TOp op) : IBinaryLane<double, bool>
    where TOp : struct, ICompareOp
{
    private readonly TOp op = op;

    public bool Apply(double a, double b) => op.Apply(a, b);
}

public readonly struct LongCompare<TOp>(TOp op) : IBinaryLane<long, bool>
    where TOp : struct, ICompareOp
{
    private readonly TOp op = op;

    public bool Apply(long a, long b) => op.Apply(a, b);
}

/// <summary>
/// Host loops for elementwise ops: per element, so the thread count never changes a result. Large tensors are
/// split into chunks of rows run in parallel.
/// </summary>
public static class ElementwiseHost
{
    /// <summary>Elements below which a loop runs on one thread.</summary>
    public const int ParallelThreshold = 1 << 16;

    public static void Unary<TIn, TOut, TLane>(TIn[] input, TOut[] output, TLane lane, int threads)
        where TLane : struct, IUnaryLane<TIn, TOut>
    {
        int n = output.Length;
        if (n < ParallelThreshold || threads <= 1)
        {
            UnaryRange(input, output, 0, n, lane);
            return;
        }

        int chunks = Math.Min(threads * 4, (n + 16383) / 16384);
        HostParallel.For(chunks, threads, c =>
            UnaryRange(input, output, (int)((long)n * c / chunks), (int)((long)n * (c + 1) / chunks), lane));
    }

    private static void UnaryRange<TIn, TOut, TLane>(TIn[] input, TOut[] output, int start, int end, TLane lane)
        where TLane : struct, IUnaryLane<TIn, TOut>
    {
        Span<TOut> o = output.AsSpan(start, end - start);
        ReadOnlySpan<TIn> x = input.AsSpan(start, end - start);
        for (int i = 0; i < o.Length; i++)
        {
            o[i] = lane.Apply(x[i]);
        }
    }

    /// <summary>A float unary op 16 lanes at a time (scalar form for the tail and without AVX-512: the same bits).</summary>
    public static void UnaryVector<TOp>(float[] input, float[] output, TOp op, int threads)
        where TOp : struct, IVectorUnaryOp
    {
        if (!Vector512.IsHardwareAccelerated)
        {
            Unary<float, float, FloatUnary<TOp>>(input, output, new FloatUnary<TOp>(op), threads);
            return;
        }

        int n = output.Length;
        if (n < ParallelThreshold || threads <= 1)
        {
            UnaryVectorRange(input, output, 0, n, op);
            return;
        }

        int chunks = Math.Min(threads * 4, (n + 16383) / 16384);
        HostParallel.For(chunks, threads, c =>
            UnaryVectorRange(input, output, (int)((long)n * c / chunks), (int)((long)n * (c + 1) / chunks), op));
    }

    private static unsafe void UnaryVectorRange<TOp>(float[] input, float[] output, int start, int end, TOp op)
        where TOp : struct, IVectorUnaryOp
    {
        fixed (float* x = input)
        {
            fixed (float* y = output)
            {
                int i = start;
                for (; i + 16 <= end; i += 16)
                {
                    Vector512.Store(op.Apply(Vector512.Load(x + i)), y + i);
                }

                for (; i < end; i++)
                {
                    y[i] = op.Apply(x[i]);
                }
            }
        }
    }

    /// <summary>A float binary op with broadcasting, 16 lanes at a time along contiguous or repeated rows.</summary>
    public static void BinaryVector<TOp>(float[] a, float[] b, float[] output, BroadcastPlan plan, TOp op, int threads)
        where TOp : struct, IVectorBinaryOp
    {
        int sa = plan.Strides[0][^1], sb = plan.Strides[1][^1];
        if (!Vector512.IsHardwareAccelerated || sa > 1 || sb > 1)
        {
            Binary<float, float, FloatBinary<TOp>>(a, b, output, plan, new FloatBinary<TOp>(op), threads);
            return;
        }

        int inner = plan.Inner;
        int rows = inner == 0 ? 0 : plan.Count / inner;
        if (plan.Count < ParallelThreshold || threads <= 1)
        {
            BinaryVectorRows(a, b, output, plan, op, 0, rows, 0, inner);
            return;
        }

        if (rows < threads)
        {
            // Few long rows (a tensor and a scalar merge into one row): split the rows into column ranges.
            int parts = Math.Max(1, (threads * 4) / Math.Max(1, rows));
            HostParallel.For(rows * parts, threads, c =>
            {
                int r = c / parts, p = c % parts;
                BinaryVectorRows(a, b, output, plan, op, r, r + 1, (int)((long)inner * p / parts) & ~15, p == parts - 1 ? inner : (int)((long)inner * (p + 1) / parts) & ~15);
            });
            return;
        }

        int chunks = Math.Min(threads * 4, rows);
        HostParallel.For(chunks, threads, c =>
            BinaryVectorRows(a, b, output, plan, op, (int)((long)rows * c / chunks), (int)((long)rows * (c + 1) / chunks), 0, inner));
    }

    /// <summary>Rows [start, end), columns [j0, j1) of each.</summary>
    private static unsafe void BinaryVectorRows<TOp>(float[] a, float[] b, float[] output, BroadcastPlan plan, TOp op, int start, int end, int j0, int j1)
        where TOp : struct, IVectorBinaryOp
    {
        int inner = plan.Inner;
        int sa = plan.Strides[0][^1], sb = plan.Strides[1][^1];
        fixed (float* pa = a)
        {
            fixed (float* pb = b)
            {
                fixed (float* po = output)
                {
                    for (int r = start; r < end; r++)
                    {
                        float* x = pa + plan.RowOffset(0, r), y = pb + plan.RowOffset(1, r), o = po + ((long)r * inner);
                        int j = j0;
                        if (sa == 1 && sb == 1)
                        {
                            for (; j + 16 <= j1; j += 16)
                            {
                                Vector512.Store(op.Apply(Vector512.Load(x + j), Vector512.Load(y + j)), o + j);
                            }

                            for (; j < j1; j++)
                            {
                                o[j] = op.Apply(x[j], y[j]);
                            }
                        }
                        else if (sa == 1)
                        {
                            Vector512<float> yv = Vector512.Create(*y);
                            for (; j + 16 <= j1; j += 16)
                            {
                                Vector512.Store(op.Apply(Vector512.Load(x + j), yv), o + j);
                            }

                            for (; j < j1; j++)
                            {
                                o[j] = op.Apply(x[j], *y);
                            }
                        }
                        else if (sb == 1)
                        {
                            Vector512<float> xv = Vector512.Create(*x);
                            for (; j + 16 <= j1; j += 16)
                            {
                                Vector512.Store(op.Apply(xv, Vector512.Load(y + j)), o + j);
                            }

                            for (; j < j1; j++)
                            {
                                o[j] = op.Apply(*x, y[j]);
                            }
                        }
                        else
                        {
                            float v = op.Apply(*x, *y);
                            for (; j < j1; j++)
                            {
                                o[j] = v;
                            }
                        }
                    }
                }
            }
        }
    }

    public static void Binary<TIn, TOut, TLane>(TIn[] a, TIn[] b, TOut[] output, BroadcastPlan plan, TLane lane, int threads)
        where TLane : struct, IBinaryLane<TIn, TOut>
    {
        int inner = plan.Inner;
        int rows = inner == 0 ? 0 : plan.Count / inner;
        if (plan.Count < ParallelThreshold || threads <= 1 || rows < 2)
        {
            BinaryRows(a, b, output, plan, lane, 0, rows);
            return;
        }

        int chunks = Math.Min(threads * 4, rows);
        HostParallel.For(chunks, threads, c =>
            BinaryRows(a, b, output, plan, lane, (int)((long)rows * c / chunks), (int)((long)rows * (c + 1) / chunks)));
    }

    private static void BinaryRows<TIn, TOut, TLane>(TIn[] a, TIn[] b, TOut[] output, BroadcastPlan plan, TLane lane, int start, int end)
        where TLane : struct, IBinaryLane<TIn, TOut>
    {
        int inner = plan.Inner;
        int sa = plan.Strides[0][^1], sb = plan.Strides[1][^1];
        for (int r = start; r < end; r++)
        {
            int ia = plan.RowOffset(0, r), ib = plan.RowOffset(1, r);
            Span<TOut> o = output.AsSpan(r * inner, inner);
            if (sa == 1 && sb == 1)
            {
                ReadOnlySpan<TIn> x = a.AsSpan(ia, inner), y = b.AsSpan(ib, inner);
                for (int j = 0; j < o.Length; j++)
                {
                    o[j] = lane.Apply(x[j], y[j]);
                }
            }
            else if (sa == 1 && sb == 0)
            {
                ReadOnlySpan<TIn> x = a.AsSpan(ia, inner);
                TIn y = b[ib];
                for (int j = 0; j < o.Length; j++)
                {
                    o[j] = lane.Apply(x[j], y);
                }
            }
            else if (sa == 0 && sb == 1)
            {
                TIn x = a[ia];
                ReadOnlySpan<TIn> y = b.AsSpan(ib, inner);
                for (int j = 0; j < o.Length; j++)
                {
                    o[j] = lane.Apply(x, y[j]);
                }
            }
            else
            {
                for (int j = 0; j < o.Length; j++)
                {
                    o[j] = lane.Apply(a[ia + (j * sa)], b[ib + (j * sb)]);
                }
            }
        }
    }

    /// <summary>Where: output = cond ? x : y, broadcast three ways.</summary>
    public static void Select<T>(bool[] cond, T[] x, T[] y, T[] output, BroadcastPlan plan, int threads)
    {
        int inner = plan.Inner;
        int rows = inner == 0 ? 0 : plan.Count / inner;
        int sc = plan.Strides[0][^1], sx = plan.Strides[1][^1], sy = plan.Strides[2][^1];
        Action<int, int> body = (start, end) =>
        {
            for (int r = start; r < end; r++)
            {
                int ic = plan.RowOffset(0, r), ix = plan.RowOffset(1, r), iy = plan.RowOffset(2, r), o = r * inner;
                for (int j = 0; j < inner; j++)
                {
                    output[o + j] = cond[ic + (j * sc)] ? x[ix + (j * sx)] : y[iy + (j * sy)];
                }
            }
        };
        if (plan.Count < ParallelThreshold || threads <= 1 || rows < 2)
        {
            body(0, rows);
            return;
        }

        int chunks = Math.Min(threads * 4, rows);
        HostParallel.For(chunks, threads, c =>
            body((int)((long)rows * c / chunks), (int)((long)rows * (c + 1) / chunks)));
    }
}
