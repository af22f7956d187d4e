using System.Runtime.CompilerServices;
using SysNoise.Kernels.Decode;

namespace SysNoise.Runtime.Decode;

/// <summary>Host loops over the JPEG decode ops: the same arithmetic as <see cref="JpegKernels"/>, over arrays.</summary>
internal static class JpegHost
{
    private readonly unsafe struct PointerByteReader(byte* pointer) : IByteReader
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public byte Read(long index) => pointer[index];
    }

    public static void IdctBlocks<TMul, TWork, TOp>(short[] coefficients, TMul[] multipliers, byte[] planes, IdctGeometry g, TOp op, int maxThreads)
        where TMul : unmanaged
        where TWork : unmanaged
        where TOp : struct, IIdctOp<TMul, TWork>
    {
        if (g.Blocks == 0)
        {
            return;
        }

        if (typeof(TOp) == typeof(IslowIdct) && IslowIdctAvx2.IsSupported)
        {
            VectorBlocks(coefficients, (int[])(object)multipliers, planes, g, maxThreads, IslowIdctAvx2.Transform);
            return;
        }

        if (typeof(TOp) == typeof(IfastIdct) && OtherIdctAvx2.IsSupported)
        {
            VectorBlocks(coefficients, (int[])(object)multipliers, planes, g, maxThreads, OtherIdctAvx2.Ifast);
            return;
        }

        if (typeof(TOp) == typeof(FloatSimdIdct) && OtherIdctAvx2.IsSupported)
        {
            VectorBlocks(coefficients, (float[])(object)multipliers, planes, g, maxThreads, OtherIdctAvx2.FloatSimd);
            return;
        }

        if (typeof(TOp) == typeof(FloatCIdct) && OtherIdctAvx2.IsSupported)
        {
            VectorBlocks(coefficients, (float[])(object)multipliers, planes, g, maxThreads, OtherIdctAvx2.FloatC);
            return;
        }

        Parallel.For(0, g.HeightInBlocks, new ParallelOptions { MaxDegreeOfParallelism = maxThreads }, by =>
        {
            Span<TWork> ws = stackalloc TWork[64];
            ReadOnlySpan<TMul> m = multipliers.AsSpan(g.MultiplierOffset, 64);
            for (int bx = 0; bx < g.WidthInBlocks; bx++)
            {
                ReadOnlySpan<short> c = coefficients.AsSpan((int)(g.CoefficientOffset + ((((long)by * g.WidthInBlocks) + bx) * 64)), 64);
                bool dcOnly = op.HasBlockDcShortcut && AcRowsAreZero(c);
                for (int col = 0; col < 8; col++)
                {
                    if (dcOnly)
                    {
                        TWork v = op.DcOnlyColumn(c[col], m[col]);
                        for (int k = 0; k < 8; k++)
                        {
                            ws[(k * 8) + col] = v;
                        }

                        continue;
                    }

                    Octet<TWork> o = op.Column(
                        new Octet<short>(c[col], c[8 + col], c[16 + col], c[24 + col], c[32 + col], c[40 + col], c[48 + col], c[56 + col]),
                        new Octet<TMul>(m[col], m[8 + col], m[16 + col], m[24 + col], m[32 + col], m[40 + col], m[48 + col], m[56 + col]));
                    ws[col] = o.V0;
                    ws[8 + col] = o.V1;
                    ws[16 + col] = o.V2;
                    ws[24 + col] = o.V3;
                    ws[32 + col] = o.V4;
                    ws[40 + col] = o.V5;
                    ws[48 + col] = o.V6;
                    ws[56 + col] = o.V7;
                }

                for (int row = 0; row < 8; row++)
                {
                    int w = row * 8;
                    Octet<byte> s = op.Row(new Octet<TWork>(ws[w], ws[w + 1], ws[w + 2], ws[w + 3], ws[w + 4], ws[w + 5], ws[w + 6], ws[w + 7]));
                    Span<byte> outRow = planes.AsSpan((int)(g.PlaneOffset + ((long)((by * 8) + row) * g.PlaneStride) + (bx * 8)), 8);
                    outRow[0] = s.V0;
                    outRow[1] = s.V1;
                    outRow[2] = s.V2;
                    outRow[3] = s.V3;
                    outRow[4] = s.V4;
                    outRow[5] = s.V5;
                    outRow[6] = s.V6;
                    outRow[7] = s.V7;
                }
            }
        });
    }

    private delegate void BlockTransform<TMul>(ReadOnlySpan<short> block, ReadOnlySpan<TMul> multipliers, Span<byte> output, int offset, int stride);

    private static void VectorBlocks<TMul>(short[] coefficients, TMul[] multipliers, byte[] planes, IdctGeometry g, int maxThreads, BlockTransform<TMul> transform)
    {
        Parallel.For(0, g.HeightInBlocks, new ParallelOptions { MaxDegreeOfParallelism = maxThreads }, by =>
        {
            ReadOnlySpan<TMul> m = multipliers.AsSpan(g.MultiplierOffset, 64);
            long rowCoefficients = g.CoefficientOffset + ((long)by * g.WidthInBlocks * 64);
            long rowPlane = g.PlaneOffset + ((long)by * 8 * g.PlaneStride);
            for (int bx = 0; bx < g.WidthInBlocks; bx++)
            {
                transform(coefficients.AsSpan((int)(rowCoefficients + (bx * 64)), 64), m, planes, (int)(rowPlane + (bx * 8)), g.PlaneStride);
            }
        });
    }

    private static bool AcRowsAreZero(ReadOnlySpan<short> block)
    {
        foreach (short v in block[8..])
        {
            if (v != 0)
            {
                return false;
            }
        }

        return true;
    }

    public static unsafe void OutputPixels(byte[] planes, byte[] output, JpegOutputGeometry g, int maxThreads)
    {
        if (g.Width == 0 || g.Height == 0)
        {
            return;
        }

        JpegOutputRows.Run(planes, output, g, maxThreads);
    }

    /// <summary>The per-pixel form (what the ILGPU kernel runs), kept for tests of the row form.</summary>
    public static unsafe void OutputPixelsPerPixel(byte[] planes, byte[] output, JpegOutputGeometry g, int maxThreads)
    {
        if (g.Width == 0 || g.Height == 0)
        {
            return;
        }

        int channels = g.Channels;
        fixed (byte* p = planes)
        fixed (byte* o = output)
        {
            var reader = new PointerByteReader(p);
            byte* outBase = o;
            Parallel.For(0, g.Height, new ParallelOptions { MaxDegreeOfParallelism = maxThreads }, y =>
            {
                byte* row = outBase + ((long)y * g.Width * channels);
                for (int x = 0; x < g.Width; x++)
                {
                    JpegOutput.Pixel(reader, g, x, y, out byte c0, out byte c1, out byte c2);
                    if (channels == 1)
                    {
                        row[x] = c0;
                    }
                    else
                    {
                        row[(x * 3)] = c0;
                        row[(x * 3) + 1] = c1;
                        row[(x * 3) + 2] = c2;
                    }
                }
            });
        }
    }
}
