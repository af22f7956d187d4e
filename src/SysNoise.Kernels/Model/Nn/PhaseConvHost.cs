using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace SysNoise.Kernels.Model.Nn;

/// <summary>
/// k×k convolutions at column stride 2 over few input channels (the stems: MobileNetV2's and the PP-OCR detector's 3×3,
/// ResNet's 7×7) as an implicit GEMM without im2col: the input rows a range of output rows reaches are split once into
/// their even and odd padded columns (a per-thread buffer, zeros in the padding), so tap (ic, kh, kw) of 32 consecutive
/// outputs of a row is two plain loads from phase kw mod 2 at element ow + kw / 2. The 8×32 tile of
/// <see cref="GemmHost"/> then runs on those loads. Every output keeps the GEMM path's chain: acc = +0,
/// acc = fma(w, x, acc) over k = (ic, kh, kw) in order, padded taps reading +0; + bias once; then the epilogue.
/// </summary>
public static unsafe class PhaseConvHost
{
    private const int Lanes = 16;

    private const int Columns = 32;

    /// <summary>
    /// Output rows are computed a few at a time, their input rows split just before: about this many floats of split rows
    /// (L1-sized), measured against splitting a whole band at once (which then competes with the band for L2).
    /// </summary>
    private const long SplitFloats = 8 * 1024;

    [ThreadStatic]
    private static float[]? split;

    /// <summary>
    /// Whether the path applies: 2-D, one group, column stride 2 at unit dilation, a real window of at most 16 columns,
    /// rows of at least 16 outputs, and at most 256 taps per output: the stems it was measured on (27 and 147 taps). A
    /// tile runs its whole K chain without K blocking, so deeper stride-2 layers keep the GEMM path's K-blocked panels.
    /// </summary>
    public static bool Applies(NnGeometry g) =>
        Vector512.IsHardwareAccelerated && GemmHost.MR == 8
        && g.Group == 1 && g.KD == 1 && g.InD == 1 && g.OutD == 1 && g.SW == 2 && g.DW == 1
        && g.KernelSpatial > 1 && g.KW <= 16 && g.OutW >= Lanes && g.Channels * g.KernelSpatial <= 256;

    /// <summary>Elements per phase of a split row: every tile's loads (up to 32 past its first column, plus KW/2) stay inside.</summary>
    private static int PhaseLength(NnGeometry g) => ((((g.OutW + Columns - 1) / Columns) * Columns) + ((g.KW - 1) / 2) + Lanes - 1) / Lanes * Lanes;

    /// <summary>y = conv(x) + bias, then the epilogue; <paramref name="packedWeights"/> is the GEMM path's packing.</summary>
    public static void Run(float[] x, float[] packedWeights, float[]? bias, float[] y, NnGeometry g, int threads, ConvEpilogue epilogue)
    {
        long macs = (long)g.Batch * g.OutChannels * g.Channels * g.KernelSpatial * g.OutSpatial;
        int t = macs < 1_000_000 ? 1 : Math.Max(1, threads);
        int rowsPerTask = t == 1 ? g.OutH : Math.Max(1, (g.OutH * g.Batch) / (4 * t));
        int perImage = (g.OutH + rowsPerTask - 1) / rowsPerTask;
        fixed (float* xp = x)
        fixed (float* ap = packedWeights)
        fixed (float* bp = bias)
        fixed (float* yp = y)
        fixed (float* sp = epilogue.Skip)
        {
            nint xa = (nint)xp, aa = (nint)ap, ba = (nint)bp, ya = (nint)yp, sa = (nint)sp;
            HostParallel.For(g.Batch * perImage, t, task =>
            {
                int n = task / perImage, r0 = (task % perImage) * rowsPerTask, r1 = Math.Min(g.OutH, r0 + rowsPerTask);
                long offset = (((long)n * g.OutChannels) * g.OutSpatial) + ((long)r0 * g.OutW);
                float* image = (float*)xa + ((long)n * g.Channels * g.InSpatial);
                Rows(image, (float*)aa, (float*)ba, g, r0, r1, (float*)ya + offset, g.OutSpatial, sa == 0 ? null : (float*)sa + offset, epilogue);
            });
        }
    }

    /// <summary>
    /// Output rows [r0, r1) of one image (<paramref name="image"/>: its input planes), on the calling thread: output
    /// (oc, oh, ow) goes to y + oc·<paramref name="yPlaneStride"/> + (oh − r0)·OutW + ow (skip alike).
    /// </summary>
    public static void Rows(float* image, float* packed, float* bias, NnGeometry g, int r0, int r1, float* y, long yPlaneStride, float* skip, in ConvEpilogue epilogue)
    {
        int phase = PhaseLength(g);
        int rowLength = 2 * phase;
        int chunk = (int)Math.Max(1, SplitFloats / ((long)g.Channels * g.SH * rowLength));
        int reach = ((g.KH - 1) * g.DH) + 1;
        long planeLength = (long)(((chunk - 1) * g.SH) + reach) * rowLength;
        long need = (g.Channels * planeLength) + Lanes;
        float[] buffer = split is { } s && s.Length >= need ? s : (split = GC.AllocateUninitializedArray<float>((int)need, pinned: true));
        int k = g.Channels * g.KernelSpatial;
        int panels = GemmHost.Panels(g.OutChannels);
        fixed (float* unaligned = buffer)
        {
            float* buf = (float*)(((nint)unaligned + 63) & ~(nint)63);
            for (int c0 = r0; c0 < r1; c0 += chunk)
            {
                int c1 = Math.Min(r1, c0 + chunk);
                int firstRow = (c0 * g.SH) - g.PH;
                int inRows = ((c1 - 1 - c0) * g.SH) + reach;
                for (int ic = 0; ic < g.Channels; ic++)
                {
                    for (int r = 0; r < inRows; r++)
                    {
                        int ih = firstRow + r;
                        float* to = buf + (ic * planeLength) + ((long)r * rowLength);
                        if ((uint)ih < (uint)g.InH)
                        {
                            Split(image + ((long)ic * g.InSpatial) + ((long)ih * g.InW), g.InW, g.PW, phase, to);
                        }
                        else
                        {
                            new Span<float>(to, rowLength).Clear();
                        }
                    }
                }

                for (int oh = c0; oh < c1; oh++)
                {
                    float* rows = buf + ((long)(oh - c0) * g.SH * rowLength);
                    for (int ow0 = 0; ow0 < g.OutW; ow0 += Columns)
                    {
                        int cols = Math.Min(Columns, g.OutW - ow0);
                        long at = ((long)(oh - r0) * g.OutW) + ow0;
                        for (int mp = 0; mp < panels; mp++)
                        {
                            // A row's last 16 or fewer outputs (112-wide stems: an eighth of the FMAs) take a 16-wide tile.
                            DirectConvHost.Tile8x32 acc;
                            if (cols > Lanes)
                            {
                                Tile<Wide>(rows + ow0, packed + ((long)mp * 8 * k), g, planeLength, rowLength * g.DH, phase, out acc);
                            }
                            else
                            {
                                Tile<Narrow>(rows + ow0, packed + ((long)mp * 8 * k), g, planeLength, rowLength * g.DH, phase, out acc);
                            }

                            long to = ((long)mp * 8 * yPlaneStride) + at;
                            acc.Store(y + to, skip == null ? null : skip + to, yPlaneStride, Math.Min(8, g.OutChannels - (mp * 8)), cols, bias == null ? null : bias + (mp * 8), epilogue);
                        }
                    }
                }
            }
        }
    }

    /// <summary>
    /// One input row into its two phases: phase p's element j is padded column 2j + p, input column 2j + p − PW (+0
    /// outside the row); 32 input columns give both phases' 16 elements.
    /// </summary>
    private static void Split(float* row, int width, int padLeft, int phase, float* to)
    {
        var even = Vector512.Create(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
        var odd = Vector512.Create(1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31);
        for (int j = 0; j < phase; j += Lanes)
        {
            int c = (2 * j) - padLeft;
            Vector512<float> lo = DepthwiseHost.Columns(row, c, width), hi = DepthwiseHost.Columns(row, c + Lanes, width);
            Vector512.StoreAligned(Avx512F.PermuteVar16x32x2(lo, even, hi), to + j);
            Vector512.StoreAligned(Avx512F.PermuteVar16x32x2(lo, odd, hi), to + phase + j);
        }
    }

    /// <summary>
    /// The 8×32 tile's chains over k = (ic, kh, kw): <paramref name="rows"/> is the tile's first column in the first split
    /// row of channel 0. <typeparamref name="TWidth"/> <see cref="Narrow"/> computes only the first 16 columns (the others
    /// stay +0 and are not stored).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Tile<TWidth>(float* rows, float* a, NnGeometry g, long planeLength, long kernelRow, int phase, out DirectConvHost.Tile8x32 tile)
        where TWidth : ITileWidth
    {
        Vector512<float> c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51, c60, c61, c70, c71;
        c00 = c01 = c10 = c11 = c20 = c21 = c30 = c31 = c40 = c41 = c50 = c51 = c60 = c61 = c70 = c71 = Vector512<float>.Zero;
        int kw = g.KW, kh = g.KH;
        for (int ic = 0; ic < g.Channels; ic++)
        {
            float* plane = rows + (ic * planeLength);
            for (int h = 0; h < kh; h++)
            {
                float* p = plane + (h * kernelRow);
                for (int w = 0; w < kw; w++)
                {
                    // Tap kw of output column j: padded column 2j + kw, phase kw mod 2, element j + kw / 2.
                    float* b = p + ((w & 1) * phase) + (w >> 1);
                    if (TWidth.Full)
                    {
                        GemmHost.Step8x32(a, Vector512.Load(b), Vector512.Load(b + Lanes), ref c00, ref c01, ref c10, ref c11, ref c20, ref c21, ref c30, ref c31, ref c40, ref c41, ref c50, ref c51, ref c60, ref c61, ref c70, ref c71);
                    }
                    else
                    {
                        GemmHost.Step8x16(a, Vector512.Load(b), ref c00, ref c10, ref c20, ref c30, ref c40, ref c50, ref c60, ref c70);
                    }

                    a += 8;
                }
            }
        }

        tile = new DirectConvHost.Tile8x32(c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51, c60, c61, c70, c71);
    }

    /// <summary>Which columns of a tile are computed (a JIT-time constant per instantiation).</summary>
    private interface ITileWidth
    {
        static abstract bool Full { get; }
    }

    /// <summary>All 32 columns.</summary>
    private readonly struct Wide : ITileWidth
    {
        public static bool Full => true;
    }

    /// <summary>The first 16 columns.</summary>
    private readonly struct Narrow : ITileWidth
    {
        public static bool Full => false;
    }
}
