using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

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

    /// <summary>The same for the specialised rows, which do several times the work per unit of time.</summary>
    private const long SpecialisedParallelWorkThreshold = 1_000_000;

    /// <summary>
    /// One axis pass through <see cref="ResampleRows"/> (eight-lane forms where the op has one), parallel over output
    /// rows. Same taps, same order, same op as <see cref="AxisPassPlain"/>.
    /// </summary>
    public static unsafe void AxisPass<TIn, TCoeff, TAcc, TOut, TOp>(
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
        PassGeometry g = geometry;
        if (g.OutputElements == 0)
        {
            return;
        }

        long inputElements = (long)(g.InputOuterOffset + g.Outer) * g.InLength * g.Inner;
        if (inputElements > input.LongLength || g.OutputElements > output.LongLength)
        {
            ThrowOutOfRange();
        }

        bool rowwise = g.Inner >= RowwiseInnerThreshold;
        int items = rowwise ? g.Outer * g.OutLength : g.Outer;
        long work = g.OutputElements * Math.Max(1, weights.Taps);
        fixed (TIn* source = input)
        fixed (TOut* destination = output)
        fixed (TCoeff* coeff = weights.Coeff)
        {
            nint src = (nint)source, dst = (nint)destination, w = (nint)coeff;
            HostParallel.ForRanges(items, work, SpecialisedParallelWorkThreshold, maxThreads, 8, Rows);

            [MethodImpl(MethodImplOptions.AggressiveOptimization)]
            void Rows(int start, int end)
            {
                int inner = g.Inner;
                if (!rowwise)
                {
                    for (int outer = start; outer < end; outer++)
                    {
                        long from = (long)(g.InputOuterOffset + outer) * g.InLength * inner;
                        ResampleRows.Horizontal<TIn, TCoeff, TAcc, TOut, TOp>(
                            (TIn*)src + from, (nint)(input.LongLength - from), (TOut*)dst + ((long)outer * g.OutLength * inner), weights, inner, op);
                    }

                    return;
                }

                nint[] tapRows = new nint[Math.Max(1, weights.Taps)];
                fixed (nint* rows = tapRows)
                for (int line = start; line < end; line++)
                {
                    int outer = line / g.OutLength;
                    int j = line - (outer * g.OutLength);
                    long block = (long)(g.InputOuterOffset + outer) * g.InLength;
                    int count = weights.Count[j];
                    for (int k = 0; k < count; k++)
                    {
                        rows[k] = (nint)((TIn*)src + ((block + weights.Index[(j * weights.Taps) + k]) * inner));
                    }

                    ResampleRows.Vertical<TIn, TCoeff, TAcc, TOut, TOp>(rows, (TCoeff*)w + (j * weights.Taps), count, (TOut*)dst + ((long)line * inner), inner, op);
                }
            }
        }
    }

    /// <summary>
    /// The plain form of <see cref="ResampleKernels.AxisPass{TIn,TCoeff,TAcc,TOut,TOp}"/>: the scalar op in generic
    /// loops, nothing specialised. The reference the specialised host paths are tested against.
    /// </summary>
    public static void AxisPassPlain<TIn, TCoeff, TAcc, TOut, TOp>(
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
    /// <param name="plain">Copy pixel by pixel only (the reference the eight-pixel steps are tested against).</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static unsafe void Gather2D<T>(T[] input, T[] output, AxisWeights<byte> rows, AxisWeights<byte> columns, GatherGeometry g, bool plain = false)
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

            if (typeof(T) == typeof(byte) && !plain && ResampleRows.LanesSupported && c is 1 or 3 or 4 && columns.Taps == 1)
            {
                long start = (long)rows.Index[y * rows.Taps] * g.InWidth * c;
                fixed (T* sourceRow = &src[0])
                fixed (T* destinationRow = &row[0])
                fixed (int* columnIndex = columns.Index)
                fixed (int* columnPresent = columns.Count)
                {
                    nint readable = (nint)(input.LongLength - start);
                    int done = Avx512Vbmi.IsSupported && columns.WindowsFor(c) is { } windows
                        ? PermuteRow((byte*)sourceRow, readable, (byte*)destinationRow, windows, c)
                        : 0;
                    GatherBytes((byte*)sourceRow, readable, (byte*)destinationRow + (done * c), columnIndex + done, columnPresent + done, g.OutWidth - done, c, columns.LanesFor(1));
                }

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

    /// <summary>
    /// The leading chunks of an output row of a byte gather as 128-byte-window permutes (<see cref="PixelWindows"/>):
    /// two 64-byte loads and one <c>vpermi2b</c> per 16 (3-channel) pixels. Stops at the first chunk whose window
    /// would read past <paramref name="readable"/>; returns the number of pixels written.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe int PermuteRow(byte* source, nint readable, byte* destination, PixelWindows windows, int c)
    {
        byte* permute = (byte*)Unsafe.AsPointer(ref windows.Permute[0]);
        int pixels = windows.PixelsPerChunk;
        int chunk = 0;
        for (; chunk < windows.Chunks; chunk++)
        {
            int start = windows.Base[chunk];
            if (start + PixelWindows.Window > readable)
            {
                break;
            }

            Vector512<byte> row = Avx512Vbmi.PermuteVar64x8x2(Vector512.Load(source + start), Vector512.Load(permute + (chunk * 64)), Vector512.Load(source + start + 64));
            byte* d = destination + (chunk * pixels * c);
            if (c == 3)
            {
                row.GetLower().Store(d);
                row.GetUpper().GetLower().Store(d + 32);
            }
            else
            {
                row.Store(d);
            }
        }

        return chunk * pixels;
    }

    /// <summary>
    /// One output row of a byte gather, eight pixels per step: each pixel's bytes are read as one 32-bit gather at
    /// column·C (a 1- or 3-byte pixel reads past itself, so a step runs only where those bytes lie inside
    /// <paramref name="readable"/>) and packed; columns with no tap, and what is left, are copied one by one.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void GatherBytes(byte* source, nint readable, byte* destination, int* column, int* present, int width, int c, HorizontalLanes<byte> map)
    {
        int x = 0;
        int lastOffset = (int)Math.Min(int.MaxValue, readable - 4);
        Vector128<byte> pack3 = Vector128.Create((byte)0, 1, 2, 4, 5, 6, 8, 9, 10, 12, 13, 14, 0x80, 0x80, 0x80, 0x80);
        Vector256<byte> pack3x2 = Vector256.Create(pack3, pack3);

        // A 3-byte step stores 28 bytes for 24: it must leave two more pixels of this row to overwrite.
        int lastStep = c == 3 ? width - 10 : width - 8;
        if (c == 3 && map.Uniform && map.Taps == 1 && ((long)map.MaxReach * 3) + 4 <= readable)
        {
            // Every column present and every read in bounds (checked once for the map): no per-step checks.
            for (; x <= lastStep; x += 8)
            {
                Vector256<int> index = Avx.LoadVector256(column + x);
                Vector256<byte> packed = Avx2.Shuffle(Avx2.GatherVector256((int*)source, index + index + index, 1).AsByte(), pack3x2);
                byte* d = destination + (x * 3);
                Sse2.Store(d, packed.GetLower());
                Sse2.Store(d + 12, packed.GetUpper());
            }
        }

        for (; x <= lastStep; x += 8)
        {
            Vector256<int> index = Avx.LoadVector256(column + x);
            Vector256<int> offsets = c == 3 ? index + index + index : c == 4 ? Vector256.ShiftLeft(index, 2) : index;
            if (!Vector256.EqualsAll(Avx.LoadVector256(present + x), Vector256<int>.One)
                || Vector256.GreaterThanAny(offsets, Vector256.Create(lastOffset)))
            {
                break;
            }

            Vector256<int> pixels = Avx2.GatherVector256((int*)source, offsets, 1);
            byte* d = destination + (x * c);
            if (c == 4)
            {
                Avx.Store((int*)d, pixels);
            }
            else if (c == 1)
            {
                Int32Lanes.Store(d, pixels & Vector256.Create(0xFF));
            }
            else
            {
                Vector256<byte> packed = Avx2.Shuffle(pixels.AsByte(), pack3x2);
                Sse2.Store(d, packed.GetLower());
                Sse2.Store(d + 12, packed.GetUpper());
            }
        }

        for (; x < width; x++)
        {
            byte* d = destination + (x * c);
            if (present[x] == 0)
            {
                new Span<byte>(d, c).Clear();
                continue;
            }

            byte* p = source + ((long)column[x] * c);
            for (int i = 0; i < c; i++)
            {
                d[i] = p[i];
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
