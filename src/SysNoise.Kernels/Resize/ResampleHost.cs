using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace SysNoise.Kernels.Resize;

/// <summary>
/// The host path of <see cref="ResampleKernels"/>: the same taps in the same order through the
/// same op, as plain loops over arrays (ILGPU's CPU accelerator is a simulator, far too slow for real work).
/// Passes with a short inner axis (horizontal passes: inner = channels) loop per output sample and keep
/// one accumulator per channel; passes with a long inner axis (vertical passes) stream whole source rows.
/// Either way every element sees its taps in the weight map's order, so the result is the kernel's.
/// </summary>
public static class ResampleHost
{
    /// <summary>Below this many inner elements a pass loops per output sample; above it, row by row.</summary>
    private const int RowwiseInnerThreshold = 16;

    /// <summary>Output elements × taps below which a pass runs on one thread.</summary>
    private const long ParallelWorkThreshold = 200_000;

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
        if (geometry.OutputElements == 0)
        {
            return;
        }

        bool rowwise = geometry.Inner >= RowwiseInnerThreshold;

        // Work items: output lines (rowwise) or outer blocks (per-sample loops).
        int items = rowwise ? geometry.Outer * geometry.OutLength : geometry.Outer;
        long work = geometry.OutputElements * Math.Max(1, weights.Taps);
        int threads = work < ParallelWorkThreshold ? 1 : Math.Min(Math.Max(1, maxThreads), items);
        if (threads <= 1)
        {
            TAcc[]? scratch = rowwise ? new TAcc[geometry.Inner] : null;
            Range(input, output, weights, geometry, op, rowwise, 0, items, scratch);
            return;
        }

        int chunk = Math.Max(1, items / (threads * 4));
        int chunks = (items + chunk - 1) / chunk;
        Parallel.For(
            0,
            chunks,
            new ParallelOptions { MaxDegreeOfParallelism = threads },
            () => rowwise ? new TAcc[geometry.Inner] : null,
            (c, _, scratch) =>
            {
                Range(input, output, weights, geometry, op, rowwise, c * chunk, Math.Min(items, (c + 1) * chunk), scratch);
                return scratch;
            },
            static _ => { });
    }

    /// <summary>Host path of <see cref="ResampleKernels.Gather2D{T}"/>: whole pixels copied row by row.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Gather2D<T>(T[] input, T[] output, AxisWeights<byte> rows, AxisWeights<byte> columns, GatherGeometry g)
        where T : unmanaged
    {
        int c = g.Channels;
        int rowLength = g.OutWidth * c;
        Span<T> dst = output.AsSpan(0, checked((int)g.OutputElements));
        for (int y = 0; y < g.OutHeight; y++)
        {
            Span<T> row = dst.Slice(y * rowLength, rowLength);
            if (rows.Count[y] == 0)
            {
                row.Clear();
                continue;
            }

            ReadOnlySpan<T> src = input.AsSpan(rows.Index[y * rows.Taps] * g.InWidth * c, g.InWidth * c);
            if (columns.IsIdentity)
            {
                // A row selection: whole rows move at memcpy speed.
                src.CopyTo(row);
                continue;
            }

            ref T from = ref MemoryMarshal.GetReference(src);
            ref T to = ref MemoryMarshal.GetReference(row);
            ref int column = ref MemoryMarshal.GetArrayDataReference(columns.Index);
            ref int present = ref MemoryMarshal.GetArrayDataReference(columns.Count);
            for (int x = 0; x < g.OutWidth; x++)
            {
                // Column indices were validated against the input width when the map was built (taps = 1).
                ref T d = ref Unsafe.Add(ref to, x * c);
                if (Unsafe.Add(ref present, x) == 0)
                {
                    MemoryMarshal.CreateSpan(ref d, c).Clear();
                    continue;
                }

                ref T p = ref Unsafe.Add(ref from, Unsafe.Add(ref column, x * columns.Taps) * c);
                switch (c)
                {
                    case 1:
                        d = p;
                        break;
                    case 3:
                        d = p;
                        Unsafe.Add(ref d, 1) = Unsafe.Add(ref p, 1);
                        Unsafe.Add(ref d, 2) = Unsafe.Add(ref p, 2);
                        break;
                    default:
                        MemoryMarshal.CreateReadOnlySpan(ref p, c).CopyTo(MemoryMarshal.CreateSpan(ref d, c));
                        break;
                }
            }
        }
    }

    public static void Pixel4Map<T, TOp>(T[] input, T[] output, TOp op)
        where T : unmanaged
        where TOp : struct, IPixel4Op<T>
    {
        input.AsSpan().CopyTo(output);
        for (int b = 0; b + 3 < output.Length; b += 4)
        {
            op.Apply(ref output[b], ref output[b + 1], ref output[b + 2], ref output[b + 3]);
        }
    }

    private static void Range<TIn, TCoeff, TAcc, TOut, TOp>(
        TIn[] input, TOut[] output, AxisWeights<TCoeff> weights, PassGeometry g, TOp op, bool rowwise, int start, int end, TAcc[]? scratch)
        where TIn : unmanaged
        where TCoeff : unmanaged
        where TAcc : unmanaged
        where TOut : unmanaged
        where TOp : struct, IResampleOp<TIn, TCoeff, TAcc, TOut>
    {
        for (int item = start; item < end; item++)
        {
            if (rowwise)
            {
                Line(input, output, weights, g, op, item, scratch!);
            }
            else
            {
                Block<TIn, TCoeff, TAcc, TOut, TOp>(input, output, weights, g, op, item);
            }
        }
    }

    // One outer block with a short inner axis: every output sample, all inner elements together.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Block<TIn, TCoeff, TAcc, TOut, TOp>(
        TIn[] input, TOut[] output, AxisWeights<TCoeff> weights, PassGeometry g, TOp op, int outer)
        where TIn : unmanaged
        where TCoeff : unmanaged
        where TAcc : unmanaged
        where TOut : unmanaged
        where TOp : struct, IResampleOp<TIn, TCoeff, TAcc, TOut>
    {
        int inner = g.Inner;
        int taps = weights.Taps;
        long srcOffset = (long)(g.InputOuterOffset + outer) * g.InLength * inner;
        long dstOffset = (long)outer * g.OutLength * inner;
        if (srcOffset + ((long)g.InLength * inner) > input.LongLength || dstOffset + ((long)g.OutLength * inner) > output.LongLength)
        {
            ThrowOutOfRange();
        }

        ref TIn src = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(input), (nint)srcOffset);
        ref TOut dst = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(output), (nint)dstOffset);
        ref int index = ref MemoryMarshal.GetArrayDataReference(weights.Index);
        ref int counts = ref MemoryMarshal.GetArrayDataReference(weights.Count);
        ref TCoeff coeff = ref MemoryMarshal.GetArrayDataReference(weights.Coeff);
        for (int j = 0; j < g.OutLength; j++)
        {
            int count = Unsafe.Add(ref counts, j);
            ref int tapIndex = ref Unsafe.Add(ref index, j * taps);
            ref TCoeff tapCoeff = ref Unsafe.Add(ref coeff, j * taps);
            ref TOut o = ref Unsafe.Add(ref dst, j * inner);
            if (inner == 3)
            {
                TAcc a0 = op.Begin(0), a1 = op.Begin(1), a2 = op.Begin(2);
                for (int k = 0; k < count; k++)
                {
                    ref TIn s = ref Unsafe.Add(ref src, Unsafe.Add(ref tapIndex, k) * 3);
                    TCoeff w = Unsafe.Add(ref tapCoeff, k);
                    a0 = op.Accumulate(a0, s, w);
                    a1 = op.Accumulate(a1, Unsafe.Add(ref s, 1), w);
                    a2 = op.Accumulate(a2, Unsafe.Add(ref s, 2), w);
                }

                o = op.Finish(a0, 0);
                Unsafe.Add(ref o, 1) = op.Finish(a1, 1);
                Unsafe.Add(ref o, 2) = op.Finish(a2, 2);
            }
            else if (inner == 4)
            {
                TAcc a0 = op.Begin(0), a1 = op.Begin(1), a2 = op.Begin(2), a3 = op.Begin(3);
                for (int k = 0; k < count; k++)
                {
                    ref TIn s = ref Unsafe.Add(ref src, Unsafe.Add(ref tapIndex, k) * 4);
                    TCoeff w = Unsafe.Add(ref tapCoeff, k);
                    a0 = op.Accumulate(a0, s, w);
                    a1 = op.Accumulate(a1, Unsafe.Add(ref s, 1), w);
                    a2 = op.Accumulate(a2, Unsafe.Add(ref s, 2), w);
                    a3 = op.Accumulate(a3, Unsafe.Add(ref s, 3), w);
                }

                o = op.Finish(a0, 0);
                Unsafe.Add(ref o, 1) = op.Finish(a1, 1);
                Unsafe.Add(ref o, 2) = op.Finish(a2, 2);
                Unsafe.Add(ref o, 3) = op.Finish(a3, 3);
            }
            else
            {
                for (int i = 0; i < inner; i++)
                {
                    TAcc a = op.Begin(i);
                    for (int k = 0; k < count; k++)
                    {
                        a = op.Accumulate(a, Unsafe.Add(ref src, (Unsafe.Add(ref tapIndex, k) * inner) + i), Unsafe.Add(ref tapCoeff, k));
                    }

                    Unsafe.Add(ref o, i) = op.Finish(a, i);
                }
            }
        }
    }

    // One output line with a long inner axis: stream whole source rows tap by tap.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Line<TIn, TCoeff, TAcc, TOut, TOp>(
        TIn[] input, TOut[] output, AxisWeights<TCoeff> weights, PassGeometry g, TOp op, int line, TAcc[] scratch)
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
        int tapBase = j * weights.Taps;
        int count = weights.Count[j];
        long dstOffset = (long)line * inner;
        if (dstOffset + inner > output.LongLength || scratch.Length < inner)
        {
            ThrowOutOfRange();
        }

        ref TAcc acc = ref MemoryMarshal.GetArrayDataReference(scratch);
        if (count == 0)
        {
            for (int i = 0; i < inner; i++)
            {
                Unsafe.Add(ref acc, i) = op.Begin(i);
            }
        }

        for (int k = 0; k < count; k++)
        {
            long srcOffset = rowBase + ((long)weights.Index[tapBase + k] * inner);
            if (srcOffset + inner > input.LongLength)
            {
                ThrowOutOfRange();
            }

            ref TIn src = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(input), (nint)srcOffset);
            TCoeff w = weights.Coeff[tapBase + k];
            if (k == 0)
            {
                // The first tap starts each accumulator: one sweep instead of an initialising one plus this one.
                for (int i = 0; i < inner; i++)
                {
                    Unsafe.Add(ref acc, i) = op.Accumulate(op.Begin(i), Unsafe.Add(ref src, i), w);
                }
            }
            else
            {
                for (int i = 0; i < inner; i++)
                {
                    Unsafe.Add(ref acc, i) = op.Accumulate(Unsafe.Add(ref acc, i), Unsafe.Add(ref src, i), w);
                }
            }
        }

        ref TOut dst = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(output), (nint)dstOffset);
        for (int i = 0; i < inner; i++)
        {
            Unsafe.Add(ref dst, i) = op.Finish(Unsafe.Add(ref acc, i), i);
        }
    }

    private static void ThrowOutOfRange() => throw new ArgumentException("Pass geometry does not fit the buffers.");
}
