using System.Buffers;
using System.Runtime.CompilerServices;
using SysNoise.Kernels.Decode;
using SysNoise.Runtime.Native;
using SysNoise.Runtime.Tensors;

namespace SysNoise.Runtime.Decode;

/// <summary>
/// The host decode of a single-scan JPEG as a two-stage pipeline: this thread runs libjpeg-turbo's entropy decoder
/// (<c>sn_jpeg_coefficients_decode</c>), which publishes each finished iMCU row; a second thread transforms the rows
/// already finished (IDCT straight from libjpeg's block rows, then upsampling and colour one iMCU row behind, since
/// fancy upsampling reads the chroma row below). The arithmetic is that of the step-by-step host path (the same IDCT
/// lanes and output rows over the same coefficients), so the bytes are the same; only the order of work differs.
/// Files it does not take (progressive, multi-scan, non-8-bit, a bad header, a decode error) go the usual way, which
/// also reports their errors.
/// </summary>
internal static unsafe class JpegPipeline
{
    public static bool IsSupported => JpegOutputLanes.IsSupported && IslowIdctAvx512.IsSupported && OtherIdctAvx2.IsSupported;

    /// <param name="maxThreads">Above 1, a large image (<see cref="JpegHost.ParallelSampleThreshold"/> samples or more)
    /// gets the second thread; otherwise both stages run here, one after the other (still without copying the coefficients).</param>
    public static DecodedImage? TryDecode(ReadOnlySpan<byte> file, string name, JpegDecodeSettings settings, JpegLimits limits, int maxThreads)
    {
        if (!IsSupported || file.IsEmpty)
        {
            return null;
        }

        NativeJpegCoefficients header;
        fixed (byte* data = file)
        {
            using JpegReaderHandle? reader = NativeMethods.TryBeginJpegCoefficients(data, file.Length, limits, &header);
            if (reader is null)
            {
                return null;
            }

            JpegCoefficients geometry = Geometry(&header);
            JpegOutputGeometry output = JpegDecoder.Plan(geometry, settings, name, out IdctGeometry[] idct, out long planeBytes);
            byte[] planes = ArrayPool<byte>.Shared.Rent(checked((int)(planeBytes + JpegOutputLanes.PlaneSlack)));
            // Written by the entropy decoder on this thread, read by the transform stage; this frame outlives both.
            int rowsDone = -1;
            try
            {
                if (!JpegOutputLanes.Fits(planes, output))
                {
                    return null;
                }

                var pixels = GC.AllocateUninitializedArray<byte>(checked(output.Width * output.Height * output.Channels));
                var stage = new TransformStage(reader.DangerousGetHandle(), geometry, settings.Idct, idct, output, planes, pixels, (nint)(&rowsDone));
                bool pipelined = maxThreads > 1 && (long)output.Width * output.Height * output.Channels >= JpegHost.ParallelSampleThreshold;
                Task? helper = pipelined ? Task.Run(stage.RunOnce) : null;
                bool decoded = NativeMethods.DecodeJpegCoefficients(reader.DangerousGetHandle(), &rowsDone, &header);
                if (!decoded)
                {
                    stage.Cancel();
                }

                // If the pool has not started the transform yet, this thread does it; either way it is finished here.
                stage.RunOnce();
                helper?.Wait();
                return decoded ? new DecodedImage(new Tensor<byte>(pixels, output.Height, output.Width, output.Channels), JpegWarnings.From(&header.Report)) : null;
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(planes);
            }
        }
    }

    private static JpegCoefficients Geometry(NativeJpegCoefficients* n)
    {
        var components = new JpegComponent[n->NumComponents];
        NativeJpegComponent* first = &n->Component0;
        for (int ci = 0; ci < components.Length; ci++)
        {
            NativeJpegComponent* c = first + ci;
            components[ci] = new JpegComponent
            {
                Id = c->Id,
                HorizontalSampling = c->HSamp,
                VerticalSampling = c->VSamp,
                WidthInBlocks = c->WidthInBlocks,
                HeightInBlocks = c->HeightInBlocks,
                DownsampledWidth = c->DownsampledWidth,
                DownsampledHeight = c->DownsampledHeight,
                QuantTableIndex = c->QuantTable,
                Quant = new ReadOnlySpan<ushort>(c->Quant, 64).ToArray(),
                CoefBits = new int[10],
                PrevCoefBits = new int[10],
                Blocks = [],
            };
        }

        return new JpegCoefficients
        {
            Width = n->Width,
            Height = n->Height,
            ColorSpace = (JpegColorSpace)n->ColorSpace,
            MaxHorizontalSampling = n->MaxHSamp,
            MaxVerticalSampling = n->MaxVSamp,
            Progressive = false,
            Arithmetic = n->Arithmetic != 0,
            RestartInterval = n->RestartInterval,
            InputScanNumber = 1,
            TotalImcuRows = n->TotalImcuRows,
            LastGoodImcuRow = n->TotalImcuRows - 1,
            Components = components,
            Warnings = JpegWarnings.From(&n->Report),
        };
    }

    /// <summary>The second stage: claimed by whichever thread gets to it first, run once.</summary>
    private sealed class TransformStage(
        nint reader, JpegCoefficients geometry, IdctMethod method, IdctGeometry[] idct, JpegOutputGeometry output, byte[] planes, byte[] pixels, nint rowsDone)
    {
        private readonly int[] intMultipliers = new int[geometry.Components.Count * 64];
        private readonly float[] floatMultipliers = new float[geometry.Components.Count * 64];
        private int claimed;
        private volatile bool cancelled;

        public void Cancel() => cancelled = true;

        public void RunOnce()
        {
            if (Interlocked.Exchange(ref claimed, 1) == 0)
            {
                Run();
            }
        }

        private int RowsDone => Volatile.Read(ref *(int*)rowsDone);

        private void Run()
        {
            for (int ci = 0; ci < geometry.Components.Count; ci++)
            {
                ushort[] quant = geometry.Components[ci].Quant;
                switch (method)
                {
                    case IdctMethod.Islow:
                        JpegTables.Islow(quant).CopyTo(intMultipliers, ci * 64);
                        break;
                    case IdctMethod.Ifast:
                    case IdctMethod.IfastC:
                        JpegTables.Ifast(quant).CopyTo(intMultipliers, ci * 64);
                        break;
                    default:
                        JpegTables.Float(quant).CopyTo(floatMultipliers, ci * 64);
                        break;
                }
            }

            int total = geometry.TotalImcuRows;
            int rowsPerImcu = 8 * geometry.MaxVerticalSampling;
            fixed (byte* planeBase = planes)
            fixed (byte* pixelBase = pixels)
            {
                for (int i = 0; i < total; i++)
                {
                    var wait = default(SpinWait);
                    while (RowsDone <= i)
                    {
                        if (cancelled)
                        {
                            return;
                        }

                        wait.SpinOnce(sleep1Threshold: -1);
                    }

                    for (int ci = 0; ci < geometry.Components.Count; ci++)
                    {
                        JpegComponent c = geometry.Components[ci];
                        for (int by = i * c.VerticalSampling; by < Math.Min((i + 1) * c.VerticalSampling, c.HeightInBlocks); by++)
                        {
                            BlockRow(ci, by, planeBase);
                        }
                    }

                    // Upsampling reads the chroma row below: output one iMCU row behind the IDCT.
                    if (i > 0)
                    {
                        JpegOutputLanes.Rows(planeBase, pixelBase, output, (i - 1) * rowsPerImcu, Math.Min(i * rowsPerImcu, output.Height));
                    }
                }

                if (total > 0)
                {
                    JpegOutputLanes.Rows(planeBase, pixelBase, output, (total - 1) * rowsPerImcu, output.Height);
                }
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private void BlockRow(int ci, int by, byte* planeBase)
        {
            IdctGeometry g = idct[ci];
            short* blocks = NativeMethods.JpegCoefficientsRow(reader, ci, by);
            if (blocks == null)
            {
                throw new InvalidOperationException("libjpeg's block row is missing");
            }

            long rowPlane = g.PlaneOffset + ((long)by * 8 * g.PlaneStride);
            Span<byte> planeSpan = planes;
            int bx = 0;
            if (method is IdctMethod.Islow or IdctMethod.Ifast)
            {
                ref int m = ref intMultipliers[ci * 64];
                for (; bx + 1 < g.WidthInBlocks; bx += 2)
                {
                    ref short pair = ref Unsafe.AsRef<short>(blocks + (bx * 64));
                    ref byte o = ref planeBase[rowPlane + (bx * 8)];
                    if (method == IdctMethod.Islow)
                    {
                        IslowIdctAvx512.TransformPair(ref pair, ref m, ref o, g.PlaneStride);
                    }
                    else
                    {
                        IfastIdctAvx512.TransformPair(ref pair, ref m, ref o, g.PlaneStride);
                    }
                }
            }

            for (; bx < g.WidthInBlocks; bx++)
            {
                var block = new ReadOnlySpan<short>(blocks + (bx * 64), 64);
                int offset = (int)(rowPlane + (bx * 8));
                switch (method)
                {
                    case IdctMethod.Islow:
                        IslowIdctAvx2.Transform(block, intMultipliers.AsSpan(ci * 64, 64), planeSpan, offset, g.PlaneStride);
                        break;
                    case IdctMethod.Ifast:
                        OtherIdctAvx2.Ifast(block, intMultipliers.AsSpan(ci * 64, 64), planeSpan, offset, g.PlaneStride);
                        break;
                    case IdctMethod.IfastC:
                        OtherIdctAvx2.IfastC(block, intMultipliers.AsSpan(ci * 64, 64), planeSpan, offset, g.PlaneStride);
                        break;
                    case IdctMethod.FloatSimd:
                        OtherIdctAvx2.FloatSimd(block, floatMultipliers.AsSpan(ci * 64, 64), planeSpan, offset, g.PlaneStride);
                        break;
                    default:
                        OtherIdctAvx2.FloatC(block, floatMultipliers.AsSpan(ci * 64, 64), planeSpan, offset, g.PlaneStride);
                        break;
                }
            }
        }
    }
}
