using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using ILGPU;
using SysNoise.Kernels.Numerics;

namespace SysNoise.Kernels.Model.Resize;

/// <summary>Shape of one Resize axis pass over a C-order tensor viewed as [Outer, InLength, Inner] → [Outer, OutLength, Inner].</summary>
public readonly struct ResizePassGeometry(int outer, int inLength, int outLength, int inner, int taps)
{
    public readonly int Outer = outer;
    public readonly int InLength = inLength;
    public readonly int OutLength = outLength;
    public readonly int Inner = inner;
    public readonly int Taps = taps;

    public long OutputElements => (long)Outer * OutLength * Inner;
}

/// <summary>The arithmetic of a weighted (linear/cubic) Resize tap sum: the first product, then each further product added, in tap order.</summary>
public interface IResizeSumOp<T>
    where T : unmanaged
{
    T First(T value, float weight);

    T Accumulate(T acc, T value, float weight);
}

/// <summary>float32: each product and each sum rounded once (<see cref="StrictFloat"/>, no FMA contraction on CUDA).</summary>
public readonly struct Float32ResizeSum : IResizeSumOp<float>
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float First(float value, float weight) => StrictFloat.Mul(value, weight);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float Accumulate(float acc, float value, float weight) => StrictFloat.Add(acc, StrictFloat.Mul(value, weight));
}

/// <summary>float64 data: float32 weights widened exactly, products and sums in float64.</summary>
public readonly struct Float64ResizeSum : IResizeSumOp<double>
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public double First(double value, float weight) => StrictFloat.Mul(value, (double)weight);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public double Accumulate(double acc, double value, float weight) => StrictFloat.Add(acc, StrictFloat.Mul(value, (double)weight));
}

/// <summary>
/// One output element of a Resize axis pass. The ILGPU kernels and the host loops both call these, so the
/// accumulation order (tap order) and rounding are written once.
/// </summary>
public static class ResizeElement
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Weighted<T, TOp>(ArrayView<T> input, long rowBase, int inner, ArrayView<int> index, ArrayView<int> count, ArrayView<float> coeff, int j, int taps, T extrapolation, TOp op)
        where T : unmanaged
        where TOp : struct, IResizeSumOp<T>
    {
        int n = count[j];
        if (n == 0)
        {
            return extrapolation;
        }

        int t = j * taps;
        T acc = op.First(input[rowBase + ((long)index[t] * inner)], coeff[t]);
        for (int k = 1; k < n; k++)
        {
            acc = op.Accumulate(acc, input[rowBase + ((long)index[t + k] * inner)], coeff[t + k]);
        }

        return acc;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Weighted<T, TOp>(T[] input, long rowBase, int inner, int[] index, int[] count, float[] coeff, int j, int taps, T extrapolation, TOp op)
        where T : unmanaged
        where TOp : struct, IResizeSumOp<T>
    {
        int n = count[j];
        if (n == 0)
        {
            return extrapolation;
        }

        int t = j * taps;
        T acc = op.First(input[rowBase + ((long)index[t] * inner)], coeff[t]);
        for (int k = 1; k < n; k++)
        {
            acc = op.Accumulate(acc, input[rowBase + ((long)index[t + k] * inner)], coeff[t + k]);
        }

        return acc;
    }
}

/// <summary>ILGPU kernels of the Resize/Upsample operators. Index: X = inner, Y = output position on the axis, Z = outer.</summary>
public static class ResizeKernels
{
    /// <summary>Nearest: output copies one input element (or the extrapolation value when the map has no tap).</summary>
    public static void Gather<T>(Index3D i, ArrayView<T> input, ArrayView<T> output, ArrayView<int> index, ArrayView<int> count, ResizePassGeometry g, T extrapolation)
        where T : unmanaged
    {
        int inner = i.X, j = i.Y, outer = i.Z;
        long o = ((((long)outer * g.OutLength) + j) * g.Inner) + inner;
        output[o] = count[j] == 0 ? extrapolation : input[((((long)outer * g.InLength) + index[j * g.Taps]) * g.Inner) + inner];
    }

    /// <summary>Linear/cubic: the weighted tap sum of <see cref="ResizeElement.Weighted{T,TOp}(ArrayView{T}, long, int, ArrayView{int}, ArrayView{int}, ArrayView{float}, int, int, T, TOp)"/>.</summary>
    public static void Weighted<T, TOp>(Index3D i, ArrayView<T> input, ArrayView<T> output, ArrayView<int> index, ArrayView<int> count, ArrayView<float> coeff, ResizePassGeometry g, T extrapolation, TOp op)
        where T : unmanaged
        where TOp : struct, IResizeSumOp<T>
    {
        int inner = i.X, j = i.Y, outer = i.Z;
        long rowBase = ((long)outer * g.InLength * g.Inner) + inner;
        output[((((long)outer * g.OutLength) + j) * g.Inner) + inner] = ResizeElement.Weighted(input, rowBase, g.Inner, index, count, coeff, j, g.Taps, extrapolation, op);
    }
}

/// <summary>The host loops of the same passes (plain arrays, parallel over outer × output positions).</summary>
public static class ResizeHost
{
    public static void Gather<T>(T[] input, T[] output, int[] index, int[] count, ResizePassGeometry g, T extrapolation, ParallelOptions parallel)
        where T : unmanaged
    {
        if (g.Inner == 1)
        {
            // A pass along the last axis copies single elements: per outer row, one indexed loop over the output
            // positions (no division per element, no copy call per element).
            int lineThreads = (long)g.Outer * g.OutLength < 1 << 15 ? 1 : Math.Max(1, parallel.MaxDegreeOfParallelism);
            int lineBlocks = Math.Min(g.Outer, lineThreads * 8);
            HostParallel.For(lineBlocks, lineThreads, block =>
            {
                int end = (int)((long)g.Outer * (block + 1) / lineBlocks);
                for (int outer = (int)((long)g.Outer * block / lineBlocks); outer < end; outer++)
                {
                    GatherLine(input.AsSpan((int)((long)outer * g.InLength), g.InLength), output.AsSpan((int)((long)outer * g.OutLength), g.OutLength), index, count, g.Taps, extrapolation, 0);
                }
            });
            return;
        }

        // Blocks of (outer, output position) rows, each a copy of Inner elements.
        long rows = (long)g.Outer * g.OutLength;
        int threads = rows * g.Inner < 1 << 15 ? 1 : Math.Max(1, parallel.MaxDegreeOfParallelism);
        int blocks = (int)Math.Min(rows, threads * 8L);
        HostParallel.For(blocks, threads, block =>
        {
            long r1 = rows * (block + 1) / blocks;
            for (long row = rows * block / blocks; row < r1; row++)
            {
                long outer = row / g.OutLength;
                int j = (int)(row % g.OutLength);
                long o = row * g.Inner;
                if (count[j] == 0)
                {
                    output.AsSpan((int)o, g.Inner).Fill(extrapolation);
                    continue;
                }

                long src = ((outer * g.InLength) + index[j * g.Taps]) * g.Inner;
                input.AsSpan((int)src, g.Inner).CopyTo(output.AsSpan((int)o, g.Inner));
            }
        });
    }

    /// <summary>
    /// Nearest along the last two axes in one pass (what the W pass then the H pass give, element for element): each
    /// output row gathers its input row through the W map, or copies the output row above when both read the same input
    /// row (an upsampling's repeated rows), so the output is written once and no intermediate is built. A 2× map
    /// (column j reads j / 2) of float32 runs 16 outputs per permute.
    /// </summary>
    public static unsafe void Gather2D<T>(T[] input, T[] output, ResizeAxisMap rows, ResizeAxisMap cols, int planes, T extrapolation, ParallelOptions parallel)
        where T : unmanaged
    {
        int inH = rows.InLength, inW = cols.InLength, outH = rows.OutLength, outW = cols.OutLength;
        bool doubling = typeof(T) == typeof(float) && Avx512F.IsSupported && outW == 2 * inW && IsDoubling(cols);
        int threads = (long)planes * outH * outW < 1 << 15 ? 1 : Math.Max(1, parallel.MaxDegreeOfParallelism);
        int blocks = Math.Min(planes * outH, threads * 8);
        HostParallel.For(blocks, threads, block =>
        {
            long r0 = (long)planes * outH * block / blocks, r1 = (long)planes * outH * (block + 1) / blocks;
            for (long r = r0; r < r1; r++)
            {
                int plane = (int)(r / outH), oh = (int)(r % outH);
                Span<T> dst = output.AsSpan((int)(r * outW), outW);
                if (rows.Count[oh] == 0)
                {
                    dst.Fill(extrapolation);
                    continue;
                }

                int ih = rows.Index[oh * rows.Taps];
                // The row above, when this block wrote it.
                if (oh > 0 && r > r0 && rows.Count[oh - 1] != 0 && rows.Index[(oh - 1) * rows.Taps] == ih)
                {
                    output.AsSpan((int)((r - 1) * outW), outW).CopyTo(dst);
                    continue;
                }

                ReadOnlySpan<T> src = input.AsSpan((int)((((long)plane * inH) + ih) * inW), inW);
                int j = 0;
                if (doubling)
                {
                    fixed (T* sp = src, dp = dst)
                    {
                        j = DoubleFloats((float*)sp, (float*)dp, inW);
                    }
                }

                GatherLine(src, dst, cols.Index, cols.Count, cols.Taps, extrapolation, j);
            }
        });
    }

    /// <summary>Nearest along one line from output position <paramref name="from"/>: each output copies its first tap, or is the extrapolation value.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void GatherLine<T>(ReadOnlySpan<T> src, Span<T> dst, int[] index, int[] count, int taps, T extrapolation, int from)
        where T : unmanaged
    {
        for (int j = from; j < dst.Length; j++)
        {
            dst[j] = count[j] == 0 ? extrapolation : src[index[j * taps]];
        }
    }

    private static bool IsDoubling(ResizeAxisMap map)
    {
        for (int j = 0; j < map.OutLength; j++)
        {
            if (map.Count[j] == 0 || map.Index[j * map.Taps] != j / 2)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>dst[j] = src[j / 2] for whole vectors of 16 outputs; returns how many outputs it wrote.</summary>
    private static unsafe int DoubleFloats(float* src, float* dst, int inW)
    {
        var lo = Vector512.Create(0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7);
        var hi = Vector512.Create(8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13, 14, 14, 15, 15);
        int i = 0;
        for (; i + 16 <= inW; i += 16)
        {
            Vector512<float> v = Vector512.Load(src + i);
            Vector512.Store(Avx512F.PermuteVar16x32(v, lo), dst + (2 * i));
            Vector512.Store(Avx512F.PermuteVar16x32(v, hi), dst + (2 * i) + 16);
        }

        return 2 * i;
    }

    public static void Weighted<T, TOp>(T[] input, T[] output, int[] index, int[] count, float[] coeff, ResizePassGeometry g, T extrapolation, TOp op, ParallelOptions parallel)
        where T : unmanaged
        where TOp : struct, IResizeSumOp<T>
    {
        Parallel.For(0, (long)g.Outer * g.OutLength, parallel, row =>
        {
            long outer = row / g.OutLength;
            int j = (int)(row % g.OutLength);
            long o = row * g.Inner;
            long rowBase = outer * g.InLength * g.Inner;
            for (int inner = 0; inner < g.Inner; inner++)
            {
                output[o + inner] = ResizeElement.Weighted(input, rowBase + inner, g.Inner, index, count, coeff, j, g.Taps, extrapolation, op);
            }
        });
    }
}
