using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace SysNoise.Kernels.Model.Nn;

/// <summary>
/// A convolution whose output only a depthwise convolution reads (MobileNet's pointwise expand → depthwise, or its 3×3
/// stem → the first block's depthwise, the stem's band rows then coming from <see cref="PhaseConvHost"/> at stride 2, else
/// from im2col panels), run band by band of output
/// rows: each band's expanded rows (the rows its taps reach) go into a per-thread buffer that
/// stays in L2, and the depthwise pass reads them there, instead of the whole expanded tensor (4.8 MB at MobileNetV2's
/// 96×112×112) making a round trip through memory. Rows shared by two bands are expanded twice, with identical bits.
/// When a pointwise projection alone reads the depthwise output (the rest of the inverted residual, its Add included),
/// it runs on each band too: the band's depthwise rows stay in a second L2 buffer and only the projection is stored.
/// Every element keeps its unfused chain: the expand and projection outputs are the GEMM path's (k in order, + bias,
/// then the epilogue), the depthwise outputs <see cref="DepthwiseHost"/>'s.
/// </summary>
public static unsafe class ExpandDepthwiseHost
{
    /// <summary>
    /// A band's expanded rows are kept to about this many bytes (L2 is 1 MB per core on Zen 4). Measured on MobileNetV2's
    /// three fused pairs, single-threaded: 256 KB bands 2.56 ms, 512 KB 2.18, 1 MB 2.03, two bands per image 3.0, unfused 2.5.
    /// </summary>
    private const long BandBytes = 1 << 20;

    [ThreadStatic]
    private static float[]? expanded;

    /// <summary>
    /// Whether the pair runs fused: a 2-D convolution of one group on the GEMM path (a pointwise expand, or a k×k one such
    /// as a stem, whose band rows come from the phase-split rows or im2col panels) feeding a depthwise one with one output channel per channel,
    /// and an expanded tensor large enough (≥ 1 MB per image) that its round trip through memory costs more than the
    /// rows the bands compute twice.
    /// </summary>
    public static bool Applies(NnGeometry expand, NnGeometry depthwise) =>
        Vector512.IsHardwareAccelerated
        && expand.Group == 1 && expand.KD == 1 && expand.InD == 1 && expand.OutD == 1 && expand.Channels * expand.KernelSpatial > 0
        && ConvHost.LayoutOf(expand) == ConvLayout.Gemm
        && DepthwiseHost.Applies(depthwise) && depthwise.GroupOutChannels == 1
        && depthwise.Batch == expand.Batch && depthwise.Channels == expand.OutChannels && depthwise.InH == expand.OutH && depthwise.InW == expand.OutW
        && (long)expand.OutChannels * expand.OutSpatial * sizeof(float) >= BandBytes;

    /// <summary>
    /// Whether a pointwise convolution reading the depthwise output can run band by band after it: 2-D, stride 1, no
    /// pads, one group, on the GEMM path, over the depthwise output's channels and plane.
    /// </summary>
    public static bool ProjectApplies(NnGeometry depthwise, NnGeometry project) =>
        project.Group == 1 && project.KernelSpatial == 1 && project.InD == 1 && project.SH == 1 && project.SW == 1
        && project.PH == 0 && project.PW == 0 && project.PHEnd == 0 && project.PWEnd == 0
        && project.Batch == depthwise.Batch && project.Channels == depthwise.OutChannels
        && project.InH == depthwise.OutH && project.InW == depthwise.OutW && project.OutH == project.InH && project.OutW == project.InW
        && ConvHost.LayoutOf(project) == ConvLayout.Gemm;

    /// <summary>
    /// Whether a depthwise convolution with no expand in front (MobileNetV2's first block, the PP-OCR backbones) and the
    /// pointwise projection that alone reads its output run band by band, the depthwise input read in place: the
    /// depthwise output (≥ 1 MB per image) then never leaves L2.
    /// </summary>
    public static bool DepthwiseProjectApplies(NnGeometry depthwise, NnGeometry project) =>
        Vector512.IsHardwareAccelerated && DepthwiseHost.Applies(depthwise) && depthwise.GroupOutChannels == 1
        && ProjectApplies(depthwise, project) && (long)depthwise.OutChannels * depthwise.OutSpatial * sizeof(float) >= BandBytes;

    /// <summary>y = project(depthwise(x)), band by band (<see cref="DepthwiseProjectApplies"/>), each with its epilogue.</summary>
    public static void RunDepthwiseProject(float[] x, float[] weights, float[]? bias, ConvEpilogue epilogue, NnGeometry depthwise, ProjectStage project, float[] y, int threads) =>
        Run(x, null, null, default, depthwise, weights, bias, epilogue, depthwise, y, project, threads);

    /// <summary>
    /// y = depthwise(epilogue1(expand(x) + bias1)) + bias2, then <paramref name="epilogue2"/>. <paramref name="packedExpand"/>
    /// is <see cref="ConvHost.PackWeights"/> of the expand weights; the depthwise weights are read as they are.
    /// </summary>
    public static void Run(
        float[] x, float[] packedExpand, float[]? bias1, ConvEpilogue epilogue1, NnGeometry expand,
        float[] weights2, float[]? bias2, ConvEpilogue epilogue2, NnGeometry depthwise, float[] y, int threads)
        => Run(x, packedExpand, bias1, epilogue1, expand, weights2, bias2, epilogue2, depthwise, y, null, threads);

    /// <summary>
    /// As above; with <paramref name="project"/>, the depthwise output stays in band buffers and y is the projection's
    /// output (<see cref="ProjectStage"/>), the depthwise output is not stored. Without <paramref name="packedExpand"/>
    /// there is no expand: the depthwise convolution reads x in place.
    /// </summary>
    public static void Run(
        float[] x, float[]? packedExpand, float[]? bias1, ConvEpilogue epilogue1, NnGeometry expand,
        float[] weights2, float[]? bias2, ConvEpilogue epilogue2, NnGeometry depthwise, float[] y, ProjectStage? project, int threads)
    {
        if (epilogue1.Skip is not null)
        {
            throw new ArgumentException("the expand convolution's output is read only by the depthwise one: it has no Add");
        }

        ConvEpilogue last = project?.Epilogue ?? epilogue2;
        if ((project is not null && epilogue2.Skip is not null) || (last.Skip is { } skipArray && skipArray.Length != y.Length))
        {
            throw new ArgumentException("the fused Add operand must have the last convolution's output shape");
        }

        bool expanding = packedExpand is not null;
        int channels = depthwise.Channels, width = depthwise.InW, height = depthwise.InH;
        int outH = depthwise.OutH;
        int reach = ((depthwise.KH - 1) * depthwise.DH) + 1;
        // Output rows per band from the byte budget, then enough bands to keep every thread busy.
        long rowBytes = (long)channels * width * sizeof(float);
        int inRows = (int)Math.Max(reach, BandBytes / rowBytes);
        int outRows = Math.Max(1, ((inRows - reach) / depthwise.SH) + 1);
        int bands = Math.Min(outH, Math.Max((outH + outRows - 1) / outRows, ((2 * threads) + depthwise.Batch - 1) / depthwise.Batch));
        int maxRows = 0;
        for (int bi = 0; bi < bands; bi++)
        {
            (int ea, int eb, _, _) = BandRows(bi);
            maxRows = Math.Max(maxRows, eb - ea);
        }

        long need = expanding ? (long)channels * Math.Max(1, maxRows) * width : 0;
        // With a projection: each band's depthwise rows, then the projection from them.
        int maxOut = (outH + bands - 1) / bands;
        long needOut = project is null ? 0 : (long)channels * maxOut * depthwise.OutW;
        int mProject = project is { } pj ? GemmHost.Panels(pj.Geometry.OutChannels) : 0;
        int kExpand = expand.Channels * expand.KernelSpatial;
        bool pointwise = expand.KernelSpatial == 1 && expand.SH == 1 && expand.SW == 1 && expand.PH == 0 && expand.PW == 0 && expand.InSpatial == expand.OutSpatial;

        int mPanels = GemmHost.Panels(channels);
        fixed (float* xp = x)
        fixed (float* ap = packedExpand)
        fixed (float* b1 = bias1)
        fixed (float* wp = weights2)
        fixed (float* b2 = bias2)
        fixed (float* yp = y)
        fixed (float* sp = last.Skip)
        fixed (float* p3 = project?.Packed)
        fixed (float* b3 = project?.Bias)
        {
            nint xa = (nint)xp, aa = (nint)ap, b1a = (nint)b1, wa = (nint)wp, b2a = (nint)b2, ya = (nint)yp, sa = (nint)sp, p3a = (nint)p3, b3a = (nint)b3;
            HostParallel.For(depthwise.Batch * bands, threads, item =>
            {
                int n = item / bands, bi = item % bands;
                (int ea, int eb, int r0, int r1) = BandRows(bi);
                float[] buffer = expanded is { } e && e.Length >= need + needOut ? e : (expanded = GC.AllocateUninitializedArray<float>((int)(need + needOut), pinned: true));
                fixed (float* ep = buffer)
                {
                    int pixels = (eb - ea) * width;
                    if (expanding && pixels > 0)
                    {
                        float* image = (float*)xa + ((long)n * expand.Channels * expand.InSpatial);
                        if (pointwise)
                        {
                            Expand(new StridedPanels(image + ((long)ea * width), expand.InSpatial, 1), (float*)aa, (float*)b1a, pixels, ep);
                        }
                        else if (PhaseConvHost.Applies(expand))
                        {
                            // A stride-2 stem: its output rows ea .. eb straight into the band's planes.
                            PhaseConvHost.Rows(image, (float*)aa, (float*)b1a, expand, ea, eb, ep, pixels, null, epilogue1);
                        }
                        else
                        {
                            // The band's output pixels start at ea·width: im2col panels shifted by that many columns.
                            Expand(new ShiftedPanels<Im2ColPanels>(new Im2ColPanels(image, expand), ea * width), (float*)aa, (float*)b1a, pixels, ep);
                        }
                    }

                    // The band as a convolution of its own: its expanded rows, the pad rows above them, its output rows.
                    NnGeometry band = depthwise;
                    band.Batch = 1;
                    band.InH = eb - ea;
                    band.PH = ea - ((r0 * depthwise.SH) - depthwise.PH);
                    band.OutH = r1 - r0;
                    long outPlane = (long)depthwise.OutH * depthwise.OutW;
                    // The depthwise input: the band's expanded rows, or without an expand x's rows in place.
                    float* dwIn = expanding ? ep : (float*)xa + ((long)n * channels * depthwise.InSpatial) + ((long)ea * width);
                    long dwInPlane = expanding ? band.InSpatial : depthwise.InSpatial;
                    if (project is not { } stage)
                    {
                        long offset = ((long)n * channels * outPlane) + ((long)r0 * depthwise.OutW);
                        DepthwiseHost.Band(dwIn, dwInPlane, (float*)wa, (float*)b2a, (float*)ya + offset, sa == 0 ? null : (float*)sa + offset, band, outPlane, epilogue2);
                        return;
                    }

                    // The band's depthwise rows into the second buffer (planes of its own pixels), then the projection of
                    // those pixels into y, whose rows r0 .. r1 they are.
                    int bandPixels = (r1 - r0) * depthwise.OutW;
                    float* dp = ep + need;
                    DepthwiseHost.Band(dwIn, dwInPlane, (float*)wa, (float*)b2a, dp, null, band, bandPixels, epilogue2);
                    int outChannels = stage.Geometry.OutChannels;
                    float* yo = (float*)ya + ((long)n * outChannels * outPlane) + ((long)r0 * depthwise.OutW);
                    float* work = ConvHost.Work();
                    var rows = new RowPackedPanels(dp, bandPixels, bandPixels, work);
                    if (stage.Epilogue.IsEmpty)
                    {
                        GemmHost.Run((float*)p3a, outChannels, channels, rows, 0, bandPixels, 0, mProject, yo, outPlane, (float*)b3a, work);
                    }
                    else
                    {
                        GemmHost.Run((float*)p3a, outChannels, channels, rows, 0, bandPixels, 0, mProject, yo, outPlane, (float*)b3a, work, new ConvTileEpilogue(stage.Epilogue, (float*)ya, (float*)sa));
                    }
                }
            });
        }

        // A band's expanded rows: the first convolution's GEMM over the band's pixels, into ep (row stride = pixels).
        void Expand<TB>(TB panels, float* a, float* rowBias, int pixels, float* ep)
            where TB : struct, IPanelSource
        {
            if (epilogue1.IsEmpty)
            {
                GemmHost.Run(a, channels, kExpand, panels, 0, pixels, 0, mPanels, ep, pixels, rowBias, ConvHost.Work());
            }
            else
            {
                GemmHost.Run(a, channels, kExpand, panels, 0, pixels, 0, mPanels, ep, pixels, rowBias, ConvHost.Work(), new ConvTileEpilogue(epilogue1, ep, null));
            }
        }

        // Band bi: output rows [r0, r1) and the expanded rows [ea, eb) their taps reach.
        (int Ea, int Eb, int R0, int R1) BandRows(int bi)
        {
            int r0 = (int)((long)outH * bi / bands), r1 = (int)((long)outH * (bi + 1) / bands);
            int first = (r0 * depthwise.SH) - depthwise.PH, end = ((r1 - 1) * depthwise.SH) - depthwise.PH + reach;
            int ea = Math.Clamp(first, 0, height), eb = Math.Clamp(end, ea, height);
            return (ea, eb, r0, r1);
        }
    }
}

/// <summary>
/// The pointwise convolution after the depthwise one in <see cref="ExpandDepthwiseHost"/>: its packed weights
/// (<see cref="ConvHost.PackWeights"/>), bias, epilogue (an Add's operand laid out as its output) and geometry.
/// </summary>
public sealed record ProjectStage(float[] Packed, float[]? Bias, ConvEpilogue Epilogue, NnGeometry Geometry);

/// <summary>A panel source whose column 0 is column <paramref name="shift"/> of <paramref name="inner"/> (a band of output pixels).</summary>
public readonly unsafe struct ShiftedPanels<TB>(TB inner, int shift) : IPanelSource
    where TB : struct, IPanelSource
{
    public float* Panel(int k0, int kc, int col0, int cols, float* work, out long ldb) => inner.Panel(k0, kc, col0 + shift, cols, work, out ldb);
}
