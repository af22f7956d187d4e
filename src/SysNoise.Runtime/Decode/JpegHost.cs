using System.Runtime.CompilerServices;
using SysNoise.Kernels;
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

    /// <param name="plain">Run the scalar op (what the kernel runs) instead of its AVX2 form.</param>
    public static void IdctBlocks<TMul, TWork, TOp>(short[] coefficients, TMul[] multipliers, byte[] planes, IdctGeometry g, TOp op, int maxThreads, bool plain = false)
        where TMul : unmanaged
        where TWork : unmanaged
        where TOp : struct, IIdctOp<TMul, TWork>
    {
        if (g.Blocks == 0)
        {
            return;
        }

        // A plain device runs the scalar op below (what the kernel runs).
        if (!plain)
        {
            if (typeof(TOp) == typeof(IslowIdct) && IslowIdctAvx512.IsSupported)
            {
                IntPairs(coefficients, (int[])(object)multipliers, planes, g, maxThreads, ifast: false);
                return;
            }

            if (typeof(TOp) == typeof(IfastIdct) && IfastIdctAvx512.IsSupported)
            {
                IntPairs(coefficients, (int[])(object)multipliers, planes, g, maxThreads, ifast: true);
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

            if (typeof(TOp) == typeof(IfastCIdct) && OtherIdctAvx2.IsSupported)
            {
                VectorBlocks(coefficients, (int[])(object)multipliers, planes, g, maxThreads, OtherIdctAvx2.IfastC);
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
        }

        Parallel.For(0, g.HeightInBlocks, new ParallelOptions { MaxDegreeOfParallelism = maxThreads }, by =>
        {
            Span<TWork> ws = stackalloc TWork[64];
            ReadOnlySpan<TMul> m = multipliers.AsSpan(g.MultiplierOffset, 64);
            for (int bx = 0; bx < g.WidthInBlocks; bx++)
            {
                ReadOnlySpan<short> c = coefficients.AsSpan((int)(g.CoefficientOffset + ((((long)by * g.WidthInBlocks) + bx) * 64)), 64);
                bool dcOnly = op.HasBlockDcShortcut && AcRowsAreZero(c);
                int lineStep = op.RowsFirst ? 8 : 1;
                int elemStep = op.RowsFirst ? 1 : 8;
                for (int line = 0; line < 8; line++)
                {
                    int b = line * lineStep;
                    if (dcOnly)
                    {
                        TWork v = op.DcOnlyColumn(c[b], m[b]);
                        for (int k = 0; k < 8; k++)
                        {
                            ws[b + (k * elemStep)] = v;
                        }

                        continue;
                    }

                    Octet<TWork> o = op.Column(
                        new Octet<short>(c[b], c[b + elemStep], c[b + (2 * elemStep)], c[b + (3 * elemStep)], c[b + (4 * elemStep)], c[b + (5 * elemStep)], c[b + (6 * elemStep)], c[b + (7 * elemStep)]),
                        new Octet<TMul>(m[b], m[b + elemStep], m[b + (2 * elemStep)], m[b + (3 * elemStep)], m[b + (4 * elemStep)], m[b + (5 * elemStep)], m[b + (6 * elemStep)], m[b + (7 * elemStep)]));
                    ws[b] = o.V0;
                    ws[b + elemStep] = o.V1;
                    ws[b + (2 * elemStep)] = o.V2;
                    ws[b + (3 * elemStep)] = o.V3;
                    ws[b + (4 * elemStep)] = o.V4;
                    ws[b + (5 * elemStep)] = o.V5;
                    ws[b + (6 * elemStep)] = o.V6;
                    ws[b + (7 * elemStep)] = o.V7;
                }

                long origin = g.PlaneOffset + ((long)by * 8 * g.PlaneStride) + (bx * 8);
                for (int line = 0; line < 8; line++)
                {
                    int w = line * elemStep;
                    Octet<byte> s = op.Row(new Octet<TWork>(
                        ws[w], ws[w + lineStep], ws[w + (2 * lineStep)], ws[w + (3 * lineStep)],
                        ws[w + (4 * lineStep)], ws[w + (5 * lineStep)], ws[w + (6 * lineStep)], ws[w + (7 * lineStep)]));
                    planes[JpegKernels.BlockSample(origin, g.PlaneStride, w)] = s.V0;
                    planes[JpegKernels.BlockSample(origin, g.PlaneStride, w + lineStep)] = s.V1;
                    planes[JpegKernels.BlockSample(origin, g.PlaneStride, w + (2 * lineStep))] = s.V2;
                    planes[JpegKernels.BlockSample(origin, g.PlaneStride, w + (3 * lineStep))] = s.V3;
                    planes[JpegKernels.BlockSample(origin, g.PlaneStride, w + (4 * lineStep))] = s.V4;
                    planes[JpegKernels.BlockSample(origin, g.PlaneStride, w + (5 * lineStep))] = s.V5;
                    planes[JpegKernels.BlockSample(origin, g.PlaneStride, w + (6 * lineStep))] = s.V6;
                    planes[JpegKernels.BlockSample(origin, g.PlaneStride, w + (7 * lineStep))] = s.V7;
                }
            }
        });
    }

    /// <summary>
    /// ISLOW or IFAST (SSE2) two blocks at a time (<see cref="IslowIdctAvx512"/>, <see cref="IfastIdctAvx512"/>),
    /// an odd last block of a row by the AVX2 form.
    /// </summary>
    private static unsafe void IntPairs(short[] coefficients, int[] multipliers, byte[] planes, IdctGeometry g, int maxThreads, bool ifast)
    {
        if (g.CoefficientOffset + ((long)g.Blocks * 64) > coefficients.LongLength || g.MultiplierOffset + 64 > multipliers.Length
            || g.PlaneOffset + ((long)g.HeightInBlocks * 8 * g.PlaneStride) > planes.LongLength || g.PlaneStride < g.WidthInBlocks * 8)
        {
            throw new ArgumentException("IDCT geometry does not fit the buffers.");
        }

        HostParallel.ForRanges(g.HeightInBlocks, g.Blocks * 64, ParallelSampleThreshold, maxThreads, 8, BlockRows);

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        void BlockRows(int from, int to)
        {
            ref int m = ref multipliers[g.MultiplierOffset];
            for (int by = from; by < to; by++)
            {
                long rowCoefficients = g.CoefficientOffset + ((long)by * g.WidthInBlocks * 64);
                long rowPlane = g.PlaneOffset + ((long)by * 8 * g.PlaneStride);
                int bx = 0;
                for (; bx + 1 < g.WidthInBlocks; bx += 2)
                {
                    if (ifast)
                    {
                        IfastIdctAvx512.TransformPair(ref coefficients[rowCoefficients + (bx * 64)], ref m, ref planes[rowPlane + (bx * 8)], g.PlaneStride);
                    }
                    else
                    {
                        IslowIdctAvx512.TransformPair(ref coefficients[rowCoefficients + (bx * 64)], ref m, ref planes[rowPlane + (bx * 8)], g.PlaneStride);
                    }
                }

                if (bx < g.WidthInBlocks)
                {
                    ReadOnlySpan<short> block = coefficients.AsSpan((int)(rowCoefficients + (bx * 64)), 64);
                    if (ifast)
                    {
                        OtherIdctAvx2.Ifast(block, multipliers.AsSpan(g.MultiplierOffset, 64), planes, (int)(rowPlane + (bx * 8)), g.PlaneStride);
                    }
                    else
                    {
                        IslowIdctAvx2.Transform(block, multipliers.AsSpan(g.MultiplierOffset, 64), planes, (int)(rowPlane + (bx * 8)), g.PlaneStride);
                    }
                }
            }
        }
    }

    private delegate void BlockTransform<TMul>(ReadOnlySpan<short> block, ReadOnlySpan<TMul> multipliers, Span<byte> output, int offset, int stride);

    private static void VectorBlocks<TMul>(short[] coefficients, TMul[] multipliers, byte[] planes, IdctGeometry g, int maxThreads, BlockTransform<TMul> transform)
    {
        HostParallel.ForRanges(g.HeightInBlocks, g.Blocks * 64, ParallelSampleThreshold, maxThreads, 8, BlockRows);

        void BlockRows(int from, int to)
        {
            ReadOnlySpan<TMul> m = multipliers.AsSpan(g.MultiplierOffset, 64);
            for (int by = from; by < to; by++)
            {
                long rowCoefficients = g.CoefficientOffset + ((long)by * g.WidthInBlocks * 64);
                long rowPlane = g.PlaneOffset + ((long)by * 8 * g.PlaneStride);
                for (int bx = 0; bx < g.WidthInBlocks; bx++)
                {
                    transform(coefficients.AsSpan((int)(rowCoefficients + (bx * 64)), 64), m, planes, (int)(rowPlane + (bx * 8)), g.PlaneStride);
                }
            }
        }
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

    private readonly struct ArrayIntReader(int[] array) : IIntReader
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public int Read(int index) => array[index];
    }

    public static unsafe void SwscaleRgb24(byte[] planes, int[] filters, byte[] output, SwscaleGeometry g, int maxThreads)
    {
        if (g.Width == 0 || g.Height == 0)
        {
            return;
        }

        fixed (byte* p = planes)
        fixed (byte* o = output)
        {
            var reader = new PointerByteReader(p);
            var taps = new ArrayIntReader(filters);
            byte* outBase = o;
            Parallel.For(0, g.Height, new ParallelOptions { MaxDegreeOfParallelism = maxThreads }, y =>
            {
                byte* row = outBase + ((long)y * g.Width * 3);
                for (int x = 0; x < g.Width; x++)
                {
                    SwscaleOutput.Pixel(reader, taps, g, x, y, out row[x * 3], out row[(x * 3) + 1], out row[(x * 3) + 2]);
                }
            });
        }
    }

    /// <summary>Output samples (pixels × channels) below which a decode stage runs on one thread.</summary>
    internal const long ParallelSampleThreshold = 1_000_000;


    /// <param name="plain">Run the per-pixel form (what the kernel runs) instead of the row forms.</param>
    public static unsafe void OutputPixels(byte[] planes, byte[] output, JpegOutputGeometry g, int maxThreads, bool plain = false)
    {
        if (g.Width == 0 || g.Height == 0)
        {
            return;
        }

        if (plain)
        {
            OutputPixelsPerPixel(planes, output, g, maxThreads);
        }
        else if (JpegOutputLanes.IsSupported && JpegOutputLanes.Fits(planes, g))
        {
            JpegOutputLanes.Run(planes, output, g, maxThreads);
        }
        else
        {
            JpegOutputRows.Run(planes, output, g, maxThreads);
        }
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
