using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace SysNoise.Kernels.Color;

/// <summary>
/// The host path of <see cref="ColorKernels"/>: the same op structs in plain loops over spans, in parallel
/// over bands of rows when the image is big enough to pay for the threads.
/// </summary>
public static class ColorHost
{
    /// <summary>Pixels below which a round trip runs on one thread.</summary>
    private const int ParallelPixelThreshold = 64 * 1024;

    public static void PixelRoundTrip<TOp>(byte[] input, byte[] output, int height, int width, TOp op, int maxThreads)
        where TOp : struct, IPixelRoundTripOp
    {
        CheckSizes(input, output, height, width);
        ForBands(height, width, 1, maxThreads, (firstRow, endRow) =>
        {
            int start = firstRow * width * 3, length = (endRow - firstRow) * width * 3;
            PixelRange(input.AsSpan(start, length), output.AsSpan(start, length), op);
        });
    }

    public static void Block420RoundTrip<TOp>(byte[] input, byte[] output, Block420Geometry geometry, TOp op, int maxThreads)
        where TOp : struct, IBlock420RoundTripOp
    {
        CheckSizes(input, output, geometry.Height, geometry.Width);
        ForBands(geometry.BlockRows, geometry.Width, 4, maxThreads, (firstBlockRow, endBlockRow) =>
        {
            for (int blockRow = firstBlockRow; blockRow < endBlockRow; blockRow++)
            {
                BlockRow(input, output, geometry, blockRow, op);
            }
        });
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void PixelRange<TOp>(ReadOnlySpan<byte> input, Span<byte> output, TOp op)
        where TOp : struct, IPixelRoundTripOp
    {
        // Refs instead of indexers: the spans were sliced to whole pixels, so no per-byte bounds checks are needed.
        ref byte src = ref MemoryMarshal.GetReference(input);
        ref byte dst = ref MemoryMarshal.GetReference(output);
        int pixels = Math.Min(input.Length, output.Length) / 3;
        for (int p = 0; p < pixels; p++)
        {
            ref byte s = ref Unsafe.Add(ref src, p * 3);
            Store(ref Unsafe.Add(ref dst, p * 3), op.RoundTrip(new Rgb(s, Unsafe.Add(ref s, 1), Unsafe.Add(ref s, 2))));
        }
    }

    // One row of blocks: the same reads, chroma and writes as the kernel, block by block.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void BlockRow<TOp>(byte[] input, byte[] output, Block420Geometry g, int blockRow, TOp op)
        where TOp : struct, IBlock420RoundTripOp
    {
        int rowBytes = g.Width * 3;
        int y0 = blockRow * 2;
        int y1 = y0 + 1 < g.Height ? y0 + 1 : y0;

        // Slicing checks the rows against the arrays once; inside them, x0 < Width keeps every ref in range.
        ref byte top = ref MemoryMarshal.GetReference(input.AsSpan(y0 * rowBytes, rowBytes));
        ref byte bottom = ref MemoryMarshal.GetReference(input.AsSpan(y1 * rowBytes, rowBytes));
        ref byte outTop = ref MemoryMarshal.GetReference(output.AsSpan(y0 * rowBytes, rowBytes));
        ref byte outBottom = ref MemoryMarshal.GetReference(output.AsSpan(y1 * rowBytes, rowBytes));
        for (int x0 = 0; x0 < g.Width; x0 += 2)
        {
            int a = x0 * 3;
            int b = x0 + 1 < g.Width ? a + 3 : a;
            Rgb p00 = Load(ref Unsafe.Add(ref top, a));
            Rgb p01 = Load(ref Unsafe.Add(ref top, b));
            Rgb p10 = Load(ref Unsafe.Add(ref bottom, a));
            Rgb p11 = Load(ref Unsafe.Add(ref bottom, b));
            Yuv chroma = op.Chroma(p00, p01, p10, p11);
            Store(ref Unsafe.Add(ref outTop, a), op.ToRgb(op.Luma(p00), chroma.U, chroma.V));
            Store(ref Unsafe.Add(ref outTop, b), op.ToRgb(op.Luma(p01), chroma.U, chroma.V));
            Store(ref Unsafe.Add(ref outBottom, a), op.ToRgb(op.Luma(p10), chroma.U, chroma.V));
            Store(ref Unsafe.Add(ref outBottom, b), op.ToRgb(op.Luma(p11), chroma.U, chroma.V));
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Rgb Load(ref byte pixel) => new(pixel, Unsafe.Add(ref pixel, 1), Unsafe.Add(ref pixel, 2));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(ref byte pixel, Rgb value)
    {
        pixel = (byte)value.R;
        Unsafe.Add(ref pixel, 1) = (byte)value.G;
        Unsafe.Add(ref pixel, 2) = (byte)value.B;
    }

    /// <summary>Runs <paramref name="body"/> over [0, rows) in bands, in parallel when the work is large.</summary>
    private static void ForBands(int rows, int width, int pixelsPerRowUnit, int maxThreads, Action<int, int> body)
    {
        long pixels = (long)rows * width * pixelsPerRowUnit;
        int threads = pixels < ParallelPixelThreshold ? 1 : Math.Min(Math.Max(1, maxThreads), rows);
        if (threads <= 1)
        {
            body(0, rows);
            return;
        }

        // A few bands per thread so that a slow thread does not hold up the rest.
        int bandRows = Math.Max(1, rows / (threads * 4));
        int bands = (rows + bandRows - 1) / bandRows;
        Parallel.For(0, bands, new ParallelOptions { MaxDegreeOfParallelism = threads }, band =>
            body(band * bandRows, Math.Min(rows, (band + 1) * bandRows)));
    }

    private static void CheckSizes(byte[] input, byte[] output, int height, int width)
    {
        long bytes = (long)height * width * 3;
        if (input.LongLength < bytes || output.LongLength < bytes)
        {
            throw new ArgumentException($"A {height}×{width}×3 round trip does not fit the buffers ({input.LongLength} and {output.LongLength} bytes).");
        }
    }
}
