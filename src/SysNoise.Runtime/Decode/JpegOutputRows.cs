using SysNoise.Kernels.Decode;

namespace SysNoise.Runtime.Decode;

/// <summary>
/// The host path's row-at-a-time output stage: each component's upsampled row, then colour conversion through
/// lookup tables. Same formulas as <see cref="JpegOutput.Sample"/> and <see cref="JpegOutput.YccToRgb"/> (the
/// per-pixel code the ILGPU kernel runs): neighbours clamp to the downsampled edge exactly as there, and the tables
/// hold the very expressions the per-pixel code evaluates, so the bytes are the same.
/// </summary>
internal static class JpegOutputRows
{
    private static readonly int[] RedFromCr = Table(v => ((91881 * v) + 32768) >> 16);
    private static readonly int[] BlueFromCb = Table(v => ((116130 * v) + 32768) >> 16);
    private static readonly int[] GreenFromCb = Table(v => (-22554 * v) + 32768);
    private static readonly int[] GreenFromCr = Table(v => -46802 * v);

    private static int[] Table(Func<int, int> f) => Enumerable.Range(0, 256).Select(c => f(c - 128)).ToArray();

    private static byte Clamp(int v) => (byte)(v < 0 ? 0 : v > 255 ? 255 : v);

    public static void Run(byte[] planes, byte[] output, JpegOutputGeometry g, int maxThreads)
    {
        int width = g.Width;
        int channels = g.Channels;
        Parallel.For(0, g.Height, new ParallelOptions { MaxDegreeOfParallelism = maxThreads }, () => new RowScratch(width), (y, _, scratch) =>
        {
            Span<byte> outRow = output.AsSpan(y * width * channels, width * channels);
            ReadOnlySpan<byte> c0 = UpsampleRow(planes, g.C0, y, width, scratch.Row0, scratch.Sums);
            switch (g.Conversion)
            {
                case JpegColorConversion.YccToRgb:
                {
                    ReadOnlySpan<byte> c1 = UpsampleRow(planes, g.C1, y, width, scratch.Row1, scratch.Sums);
                    ReadOnlySpan<byte> c2 = UpsampleRow(planes, g.C2, y, width, scratch.Row2, scratch.Sums);
                    for (int x = 0, o = 0; x < width; x++, o += 3)
                    {
                        int luma = c0[x], cb = c1[x], cr = c2[x];
                        outRow[o] = Clamp(luma + RedFromCr[cr]);
                        outRow[o + 1] = Clamp(luma + ((GreenFromCb[cb] + GreenFromCr[cr]) >> 16));
                        outRow[o + 2] = Clamp(luma + BlueFromCb[cb]);
                    }

                    break;
                }

                case JpegColorConversion.Rgb:
                {
                    ReadOnlySpan<byte> c1 = UpsampleRow(planes, g.C1, y, width, scratch.Row1, scratch.Sums);
                    ReadOnlySpan<byte> c2 = UpsampleRow(planes, g.C2, y, width, scratch.Row2, scratch.Sums);
                    for (int x = 0, o = 0; x < width; x++, o += 3)
                    {
                        outRow[o] = c0[x];
                        outRow[o + 1] = c1[x];
                        outRow[o + 2] = c2[x];
                    }

                    break;
                }

                case JpegColorConversion.GrayscaleToRgb:
                    for (int x = 0, o = 0; x < width; x++, o += 3)
                    {
                        outRow[o] = outRow[o + 1] = outRow[o + 2] = c0[x];
                    }

                    break;
                default:
                    c0[..width].CopyTo(outRow);
                    break;
            }

            return scratch;
        }, _ => { });
    }

    private sealed class RowScratch(int width)
    {
        public byte[] Row0 { get; } = new byte[width + 1];

        public byte[] Row1 { get; } = new byte[width + 1];

        public byte[] Row2 { get; } = new byte[width + 1];

        public int[] Sums { get; } = new int[width + 2];
    }

    /// <summary>Component samples of output row <paramref name="y"/> (the plane row itself when no upsampling is needed).</summary>
    private static ReadOnlySpan<byte> UpsampleRow(byte[] planes, in PlaneSampler p, int y, int width, byte[] row, int[] sums)
    {
        switch (p.Method)
        {
            case UpsampleMethod.FullSize:
                return planes.AsSpan((int)(p.Offset + ((long)y * p.Stride)), width);
            case UpsampleMethod.Replicate:
            {
                ReadOnlySpan<byte> src = planes.AsSpan((int)(p.Offset + ((long)(y / p.VerticalExpand) * p.Stride)), p.Stride);
                int h = p.HorizontalExpand;
                if (h == 1)
                {
                    return src[..width];
                }

                for (int x = 0; x < width; x++)
                {
                    row[x] = src[x / h];
                }

                return row;
            }

            case UpsampleMethod.FancyH2V1:
            {
                ReadOnlySpan<byte> s = planes.AsSpan((int)(p.Offset + ((long)y * p.Stride)), p.Stride);
                int last = p.Width - 1;
                for (int x = 0; x < width; x++)
                {
                    int i = x >> 1;
                    row[x] = (x & 1) == 0
                        ? (byte)(((3 * s[i]) + s[i > 0 ? i - 1 : 0] + 1) >> 2)
                        : (byte)(((3 * s[i]) + s[i < last ? i + 1 : last] + 2) >> 2);
                }

                return row;
            }

            case UpsampleMethod.FancyH1V2:
            {
                int r = y >> 1;
                bool upper = (y & 1) == 0;
                int farRow = upper ? (r > 0 ? r - 1 : 0) : (r < p.Height - 1 ? r + 1 : p.Height - 1);
                ReadOnlySpan<byte> near = planes.AsSpan((int)(p.Offset + ((long)r * p.Stride)), width);
                ReadOnlySpan<byte> far = planes.AsSpan((int)(p.Offset + ((long)farRow * p.Stride)), width);
                int bias = upper ? 1 : 2;
                for (int x = 0; x < width; x++)
                {
                    row[x] = (byte)(((3 * near[x]) + far[x] + bias) >> 2);
                }

                return row;
            }

            default:
            {
                int r = y >> 1;
                int farRow = (y & 1) == 0 ? (r > 0 ? r - 1 : 0) : (r < p.Height - 1 ? r + 1 : p.Height - 1);
                ReadOnlySpan<byte> near = planes.AsSpan((int)(p.Offset + ((long)r * p.Stride)), p.Stride);
                ReadOnlySpan<byte> far = planes.AsSpan((int)(p.Offset + ((long)farRow * p.Stride)), p.Stride);
                int n = p.Width;
                for (int j = 0; j < n; j++)
                {
                    sums[j] = (3 * near[j]) + far[j];
                }

                int last = n - 1;
                for (int x = 0; x < width; x++)
                {
                    int i = x >> 1;
                    row[x] = (x & 1) == 0
                        ? (byte)(((3 * sums[i]) + sums[i > 0 ? i - 1 : 0] + 8) >> 4)
                        : (byte)(((3 * sums[i]) + sums[i < last ? i + 1 : last] + 7) >> 4);
                }

                return row;
            }
        }
    }
}
