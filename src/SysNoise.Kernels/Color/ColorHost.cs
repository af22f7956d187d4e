using System.Runtime.CompilerServices;

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
        for (int at = 0; at + 2 < input.Length; at += 3)
        {
            Rgb result = op.RoundTrip(new Rgb(input[at], input[at + 1], input[at + 2]));
            output[at] = (byte)result.R;
            output[at + 1] = (byte)result.G;
            output[at + 2] = (byte)result.B;
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
        ReadOnlySpan<byte> top = input.AsSpan(y0 * rowBytes, rowBytes), bottom = input.AsSpan(y1 * rowBytes, rowBytes);
        Span<byte> outTop = output.AsSpan(y0 * rowBytes, rowBytes), outBottom = output.AsSpan(y1 * rowBytes, rowBytes);
        for (int x0 = 0; x0 < g.Width; x0 += 2)
        {
            int a = x0 * 3;
            int b = x0 + 1 < g.Width ? a + 3 : a;
            Rgb p00 = new(top[a], top[a + 1], top[a + 2]);
            Rgb p01 = new(top[b], top[b + 1], top[b + 2]);
            Rgb p10 = new(bottom[a], bottom[a + 1], bottom[a + 2]);
            Rgb p11 = new(bottom[b], bottom[b + 1], bottom[b + 2]);
            Yuv chroma = op.Chroma(p00, p01, p10, p11);
            Store(outTop, a, op.ToRgb(op.Luma(p00), chroma.U, chroma.V));
            Store(outTop, b, op.ToRgb(op.Luma(p01), chroma.U, chroma.V));
            Store(outBottom, a, op.ToRgb(op.Luma(p10), chroma.U, chroma.V));
            Store(outBottom, b, op.ToRgb(op.Luma(p11), chroma.U, chroma.V));
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(Span<byte> row, int at, Rgb pixel)
    {
        row[at] = (byte)pixel.R;
        row[at + 1] = (byte)pixel.G;
        row[at + 2] = (byte)pixel.B;
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
