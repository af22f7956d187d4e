using System.Runtime.CompilerServices;

namespace SysNoise.Kernels.Resize;

/// <summary>
/// The host path of <see cref="ResampleKernels"/>: the same taps in the same order through the
/// same op, as plain loops over arrays (ILGPU's CPU accelerator is a simulator, far too slow for real work).
/// </summary>
public static class ResampleHost
{
    /// <summary>Below this many inner elements a pass loops element by element; above it, row by row.</summary>
    private const int RowwiseInnerThreshold = 64;

    public static void AxisPass<TIn, TCoeff, TAcc, TOut, TOp>(
        TIn[] input,
        TOut[] output,
        AxisWeights<TCoeff> weights,
        PassGeometry geometry,
        TOp op,
        int maxThreads)
        where TIn : unmanaged
        where TCoeff : unmanaged
        where TAcc : unmanaged
        where TOut : unmanaged
        where TOp : struct, IResampleOp<TIn, TCoeff, TAcc, TOut>
    {
        int lines = geometry.Outer * geometry.OutLength;
        if (lines == 0 || geometry.Inner == 0)
        {
            return;
        }

        bool rowwise = geometry.Inner >= RowwiseInnerThreshold;
        long work = geometry.OutputElements * Math.Max(1, weights.Taps);
        int threads = work < 200_000 ? 1 : Math.Max(1, maxThreads);
        if (threads == 1)
        {
            TAcc[]? scratch = rowwise ? new TAcc[geometry.Inner] : null;
            for (int line = 0; line < lines; line++)
            {
                Line(input, output, weights, geometry, op, line, scratch);
            }

            return;
        }

        var options = new ParallelOptions { MaxDegreeOfParallelism = threads };
        int chunk = Math.Max(1, lines / (threads * 4));
        int chunks = (lines + chunk - 1) / chunk;
        Parallel.For(0, chunks, options, () => rowwise ? new TAcc[geometry.Inner] : null, (c, _, scratch) =>
        {
            int end = Math.Min(lines, (c + 1) * chunk);
            for (int line = c * chunk; line < end; line++)
            {
                Line(input, output, weights, geometry, op, line, scratch);
            }

            return scratch;
        }, static _ => { });
    }

    public static void Pixel4Map<T, TOp>(T[] data, TOp op)
        where T : unmanaged
        where TOp : struct, IPixel4Op<T>
    {
        for (int b = 0; b + 3 < data.Length; b += 4)
        {
            op.Apply(ref data[b], ref data[b + 1], ref data[b + 2], ref data[b + 3]);
        }
    }

    // One output line: all inner elements of output position j in outer block o.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Line<TIn, TCoeff, TAcc, TOut, TOp>(
        TIn[] input, TOut[] output, AxisWeights<TCoeff> weights, PassGeometry g, TOp op, int line, TAcc[]? scratch)
        where TIn : unmanaged
        where TCoeff : unmanaged
        where TAcc : unmanaged
        where TOut : unmanaged
        where TOp : struct, IResampleOp<TIn, TCoeff, TAcc, TOut>
    {
        int outer = line / g.OutLength;
        int j = line - (outer * g.OutLength);
        int inner = g.Inner;
        long rowBase = (long)(g.InputOuterOffset + outer) * g.InLength * inner;
        long outBase = (long)line * inner;
        int tapBase = j * weights.Taps;
        int count = weights.Count[j];
        ReadOnlySpan<int> index = weights.Index.AsSpan(tapBase, count);
        ReadOnlySpan<TCoeff> coeff = weights.Coeff.AsSpan(tapBase, count);
        Span<TOut> dst = output.AsSpan((int)outBase, inner);

        if (scratch is null)
        {
            for (int i = 0; i < inner; i++)
            {
                TAcc acc = op.Begin();
                for (int k = 0; k < count; k++)
                {
                    acc = op.Accumulate(acc, input[rowBase + ((long)index[k] * inner) + i], coeff[k]);
                }

                dst[i] = op.Finish(acc, i);
            }

            return;
        }

        // Row-wise: stream whole source rows tap by tap. Each element still sees its taps in order k = 0..count-1.
        Span<TAcc> acc2 = scratch.AsSpan(0, inner);
        TAcc start = op.Begin();
        acc2.Fill(start);
        for (int k = 0; k < count; k++)
        {
            ReadOnlySpan<TIn> src = input.AsSpan((int)(rowBase + ((long)index[k] * inner)), inner);
            TCoeff w = coeff[k];
            for (int i = 0; i < src.Length; i++)
            {
                acc2[i] = op.Accumulate(acc2[i], src[i], w);
            }
        }

        for (int i = 0; i < inner; i++)
        {
            dst[i] = op.Finish(acc2[i], i);
        }
    }
}
