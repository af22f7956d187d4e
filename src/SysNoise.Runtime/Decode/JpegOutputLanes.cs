using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using SysNoise.Kernels;
using SysNoise.Kernels.Decode;

namespace SysNoise.Runtime.Decode;

/// <summary>
/// The output stage (chroma upsampling and YCbCr→RGB) on AVX-512 lanes, row by row: the integer formulas of
/// <see cref="JpegOutput.Sample"/> and <see cref="JpegOutput.YccToRgb"/> evaluated on 32 (upsampling, int16) or 16
/// (colour, int32) samples per instruction. Every intermediate fits its lane type exactly (column sums ≤ 1020,
/// filter sums ≤ 4088, colour products below 2^25), so each lane computes the scalar value; edges repeat the last
/// real sample as there (the sums buffer is padded with the edge values). Pixels after the last whole group of 16
/// and layouts without a lane form (4:1:1 replication) take the row code of <see cref="JpegOutputRows"/>.
/// </summary>
internal static unsafe class JpegOutputLanes
{
    /// <summary>Bytes the planes buffer must hold past its last plane (vector loads run up to 63 bytes past a row's samples).</summary>
    public const int PlaneSlack = 64;

    private const int Pad = 64;

    public static bool IsSupported => Avx512BW.IsSupported && Avx512Vbmi.IsSupported;

    /// <summary>Whether the planes buffer leaves room for the vector loads.</summary>
    public static bool Fits(byte[] planes, in JpegOutputGeometry g)
    {
        long end = 0;
        foreach (PlaneSampler p in new[] { g.C0, g.C1, g.C2 })
        {
            if (p.Stride > 0)
            {
                end = Math.Max(end, p.Offset + ((long)p.Stride * Math.Max(1, RowsOf(p, g.Height))));
            }
        }

        return planes.LongLength >= end + PlaneSlack;
    }

    // Rows a plane holds at least: the output rows it serves.
    private static int RowsOf(in PlaneSampler p, int height) => p.Method switch
    {
        UpsampleMethod.FullSize => height,
        UpsampleMethod.FancyH1V2 or UpsampleMethod.FancyH2V2 => p.Height,
        UpsampleMethod.Replicate => ((height - 1) / Math.Max(1, p.VerticalExpand)) + 1,
        _ => height,
    };

    public static void Run(byte[] planes, byte[] output, JpegOutputGeometry g, int maxThreads)
    {
        fixed (byte* p = planes)
        fixed (byte* o = output)
        {
            nint planeBase = (nint)p, outBase = (nint)o;
            HostParallel.ForRanges(g.Height, (long)g.Width * g.Height * g.Channels, JpegHost.ParallelSampleThreshold, maxThreads, 8,
                (y0, y1) => Rows((byte*)planeBase, (byte*)outBase, g, y0, y1));
        }
    }

    /// <summary>Output rows [<paramref name="y0"/>, <paramref name="y1"/>) on this thread (the caller has checked <see cref="Fits"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Rows(byte* planes, byte* output, in JpegOutputGeometry g, int y0, int y1)
    {
        int width = g.Width, channels = g.Channels;
        byte[] rows = new byte[3 * (width + Pad + Pad)];
        short[] sumBuffer = new short[width + Pad + Pad];
        fixed (byte* scratch = rows)
        fixed (short* sums = sumBuffer)
        {
            byte* row0 = scratch, row1 = scratch + width + Pad + Pad, row2 = row1 + width + Pad + Pad;
            for (int y = y0; y < y1; y++)
            {
                byte* outRow = output + ((long)y * width * channels);
                byte* s0 = Upsample(planes, g.C0, y, width, row0, sums + 1);
                switch (g.Conversion)
                {
                    case JpegColorConversion.YccToRgb:
                        YccToRgb(s0, Upsample(planes, g.C1, y, width, row1, sums + 1), Upsample(planes, g.C2, y, width, row2, sums + 1), outRow, width);
                        break;
                    case JpegColorConversion.Rgb:
                        Interleave(s0, Upsample(planes, g.C1, y, width, row1, sums + 1), Upsample(planes, g.C2, y, width, row2, sums + 1), outRow, width);
                        break;
                    case JpegColorConversion.GrayscaleToRgb:
                        Interleave(s0, s0, s0, outRow, width);
                        break;
                    default:
                        Buffer.MemoryCopy(s0, outRow, width, width);
                        break;
                }
            }
        }
    }

    /// <summary>Component samples of output row <paramref name="y"/>: the plane row itself, or <paramref name="row"/> filled.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static byte* Upsample(byte* planes, in PlaneSampler p, int y, int width, byte* row, short* sums)
    {
        switch (p.Method)
        {
            case UpsampleMethod.FullSize:
                return planes + p.Offset + ((long)y * p.Stride);
            case UpsampleMethod.Replicate:
            {
                byte* src = planes + p.Offset + ((long)(y / p.VerticalExpand) * p.Stride);
                if (p.HorizontalExpand == 1)
                {
                    return src;
                }

                if (p.HorizontalExpand == 2)
                {
                    // Each sample twice: a byte permute of 32 samples into 64.
                    Vector512<byte> twice = Vector512.Create(
                        (byte)0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13, 14, 14, 15, 15,
                        16, 16, 17, 17, 18, 18, 19, 19, 20, 20, 21, 21, 22, 22, 23, 23, 24, 24, 25, 25, 26, 26, 27, 27, 28, 28, 29, 29, 30, 30, 31, 31);
                    for (int x = 0; x < width; x += 64)
                    {
                        Avx512Vbmi.PermuteVar64x8(Vector256.Load(src + (x >> 1)).ToVector512Unsafe(), twice).Store(row + x);
                    }

                    return row;
                }

                for (int x = 0; x < width; x++)
                {
                    row[x] = src[x / p.HorizontalExpand];
                }

                return row;
            }

            case UpsampleMethod.FancyH1V2:
            {
                int r = y >> 1;
                bool upper = (y & 1) == 0;
                int farRow = upper ? (r > 0 ? r - 1 : 0) : (r < p.Height - 1 ? r + 1 : p.Height - 1);
                byte* near = planes + p.Offset + ((long)r * p.Stride);
                byte* far = planes + p.Offset + ((long)farRow * p.Stride);
                Vector512<short> bias = Vector512.Create((short)(upper ? 1 : 2));
                for (int x = 0; x < width; x += 32)
                {
                    Vector512<short> n = Avx512BW.ConvertToVector512Int16(Vector256.Load(near + x));
                    Vector512<short> f = Avx512BW.ConvertToVector512Int16(Vector256.Load(far + x));
                    Avx512BW.ConvertToVector256Byte(Vector512.ShiftRightLogical((n * 3) + f + bias, 2)).Store(row + x);
                }

                return row;
            }

            case UpsampleMethod.FancyH2V1:
            {
                byte* s = planes + p.Offset + ((long)y * p.Stride);
                for (int j = 0; j < p.Width; j += 32)
                {
                    Avx512BW.ConvertToVector512Int16(Vector256.Load(s + j)).Store(sums + j);
                }

                Triangle(sums, p.Width, width, row, 1, 2, 2);
                return row;
            }

            default:
            {
                int r = y >> 1;
                int farRow = (y & 1) == 0 ? (r > 0 ? r - 1 : 0) : (r < p.Height - 1 ? r + 1 : p.Height - 1);
                byte* near = planes + p.Offset + ((long)r * p.Stride);
                byte* far = planes + p.Offset + ((long)farRow * p.Stride);
                for (int j = 0; j < p.Width; j += 32)
                {
                    Vector512<short> n = Avx512BW.ConvertToVector512Int16(Vector256.Load(near + j));
                    Vector512<short> f = Avx512BW.ConvertToVector512Int16(Vector256.Load(far + j));
                    ((n * 3) + f).Store(sums + j);
                }

                Triangle(sums, p.Width, width, row, 8, 7, 4);
                return row;
            }
        }
    }

    /// <summary>
    /// The horizontal triangle of fancy upsampling over <paramref name="n"/> values in <paramref name="sums"/>:
    /// out[2i] = (3·s[i] + s[i−1] + <paramref name="evenBias"/>) &gt;&gt; shift, out[2i+1] = (3·s[i] + s[i+1] + <paramref name="oddBias"/>) &gt;&gt; shift,
    /// with s[−1] = s[0] and s[n] = s[n−1].
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Triangle(short* sums, int n, int width, byte* row, short evenBias, short oddBias, [System.Diagnostics.CodeAnalysis.ConstantExpected] byte shift)
    {
        sums[-1] = sums[0];
        sums[n] = sums[n - 1];
        Vector512<short> even = Vector512.Create(evenBias), odd = Vector512.Create(oddBias);
        int half = (width + 1) >> 1;
        for (int i = 0; i < half; i += 32)
        {
            Vector512<short> s3 = Vector512.Load(sums + i) * 3;
            Vector512<short> e = Vector512.ShiftRightLogical(s3 + Vector512.Load(sums + i - 1) + even, shift);
            Vector512<short> o = Vector512.ShiftRightLogical(s3 + Vector512.Load(sums + i + 1) + odd, shift);

            // Each int16 lane becomes the byte pair (even, odd): 64 output samples.
            (e | Vector512.ShiftLeft(o, 8)).AsByte().Store(row + (2 * i));
        }
    }

    /// <summary><see cref="JpegOutput.YccToRgb"/> on 16 pixels per step, interleaved by one byte permute.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void YccToRgb(byte* luma, byte* cb, byte* cr, byte* output, int width)
    {
        Vector512<int> offset = Vector512.Create(128), half = Vector512.Create(32768), max = Vector512.Create(255);
        int x = 0;
        for (; x + 16 <= width; x += 16)
        {
            Vector512<int> l = Avx512F.ConvertToVector512Int32(Vector128.Load(luma + x));
            Vector512<int> u = Avx512F.ConvertToVector512Int32(Vector128.Load(cb + x)) - offset;
            Vector512<int> v = Avx512F.ConvertToVector512Int32(Vector128.Load(cr + x)) - offset;
            Vector512<int> r = l + Vector512.ShiftRightArithmetic((v * 91881) + half, 16);
            Vector512<int> g = l + Vector512.ShiftRightArithmetic((u * -22554) + half + (v * -46802), 16);
            Vector512<int> b = l + Vector512.ShiftRightArithmetic((u * 116130) + half, 16);
            Store3(Narrow(r, max), Narrow(g, max), Narrow(b, max), output + (3 * x));
        }

        for (; x < width; x++)
        {
            JpegOutput.YccToRgb(luma[x], cb[x], cr[x], out output[3 * x], out output[(3 * x) + 1], out output[(3 * x) + 2]);
        }
    }

    /// <summary>Three planes' samples as interleaved triples.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Interleave(byte* c0, byte* c1, byte* c2, byte* output, int width)
    {
        int x = 0;
        for (; x + 16 <= width; x += 16)
        {
            Store3(Vector128.Load(c0 + x), Vector128.Load(c1 + x), Vector128.Load(c2 + x), output + (3 * x));
        }

        for (; x < width; x++)
        {
            output[3 * x] = c0[x];
            output[(3 * x) + 1] = c1[x];
            output[(3 * x) + 2] = c2[x];
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<byte> Narrow(Vector512<int> v, Vector512<int> max)
        => Avx512F.ConvertToVector128Byte(Vector512.Min(Vector512.Max(v, Vector512<int>.Zero), max));

    /// <summary>Writes 16 pixels as 48 bytes r0 g0 b0 r1 …</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store3(Vector128<byte> r, Vector128<byte> g, Vector128<byte> b, byte* destination)
    {
        Vector512<byte> planes = Vector512.Create(Vector256.Create(r, g), Vector256.Create(b, b));
        Vector512<byte> pixels = Avx512Vbmi.PermuteVar64x8(planes, Vector512.Create(
            (byte)0, 16, 32, 1, 17, 33, 2, 18, 34, 3, 19, 35, 4, 20, 36, 5, 21, 37, 6, 22, 38, 7, 23, 39,
            8, 24, 40, 9, 25, 41, 10, 26, 42, 11, 27, 43, 12, 28, 44, 13, 29, 45, 14, 30, 46, 15, 31, 47,
            0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0));
        pixels.GetLower().Store(destination);
        pixels.GetUpper().GetLower().Store(destination + 32);
    }
}
