using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace SysNoise.Kernels.Model.Nn;

/// <summary>
/// k×k convolutions at column stride 1 (ResNet's and the PP-OCR heads' 3×3 layers) as an implicit GEMM over a zero-padded
/// copy of each image: output (oh, ow) is given the virtual index oh·Wp + ow, Wp being the padded row length, so the B row
/// of tap (ic, kh, kw) for 32 consecutive virtual outputs is 32 consecutive padded input floats: two plain loads for the
/// 8×32 tile of <see cref="GemmHost"/>, with no masks (converting a mask vector into a mask register on every load cost
/// 16 % of the FMA rate). The Wp − OutW virtual outputs past each row's end are computed and not stored. Every output
/// keeps the GEMM path's chain: acc = +0, acc = fma(w, x, acc) over k = (ic, kh, kw) in order, padded taps reading +0;
/// + bias once; then the epilogue.
/// </summary>
public static unsafe class PaddedRowsConvHost
{
    private const int Columns = 32;

    /// <summary>
    /// A band's padded rows are kept to about this many bytes, so they stay in L2 while its tiles read them (measured on
    /// the PP-OCR detector's 3×3 96→24 at 160², whose padded image is 10 MB: a whole-image copy took 13.4–14.8 ms against
    /// the masked loads' 11.3).
    /// </summary>
    private const long BandBytes = 512 * 1024;

    /// <summary>
    /// Whether the path applies: 2-D, one group, unit strides, a real kernel window (not 1×1), rows of at least 16 outputs
    /// (so the columns past a row's end are a small share), and enough taps per output to amortise the copy.
    /// </summary>
    public static bool Applies(NnGeometry g) =>
        Vector512.IsHardwareAccelerated && GemmHost.MR == 8
        && g.Group == 1 && g.KD == 1 && g.InD == 1 && g.OutD == 1 && g.SW == 1 && g.SH == 1
        && g.KernelSpatial > 1 && g.OutW >= 16 && g.Channels * g.KernelSpatial >= 64;

    /// <summary>y = conv(x) + bias, then the epilogue; <paramref name="packedWeights"/> is the GEMM path's packing.</summary>
    public static void Run(float[] x, float[] packedWeights, float[]? bias, float[] y, NnGeometry g, int threads, ConvEpilogue epilogue)
    {
        // Padded rows cover every tap of every output and every input column. A band of output rows reads
        // bandRows + (KH − 1)·DH padded rows of every channel.
        int wp = PaddedPlanes.Extent(g).Columns;
        int reach = (g.KH - 1) * g.DH;
        long rowBytes = (long)g.Channels * wp * sizeof(float);
        int bandRows = (int)Math.Clamp((BandBytes / rowBytes) - reach, 1, g.OutH);
        int bands = (g.OutH + bandRows - 1) / bandRows;
        bandRows = (g.OutH + bands - 1) / bands;
        long planeLength = (long)(bandRows + reach) * wp;

        // A tile's last columns read up to 31 floats past the last valid output's taps: slack after the last plane.
        long slack = Columns + 16;
        float[] padded = ArrayPool<float>.Shared.Rent(checked((int)((g.Channels * planeLength) + slack + 16)));
        long macs = (long)g.Batch * g.OutChannels * g.Channels * g.KernelSpatial * g.OutSpatial;
        int t = macs < 1_000_000 ? 1 : Math.Max(1, threads);
        int k = g.Channels * g.KernelSpatial;
        long* taps = stackalloc long[g.KernelSpatial];
        PaddedPlanes.TapOffsets(g, wp, taps);

        try
        {
            fixed (float* xp = x)
            fixed (float* pp = padded)
            fixed (float* ap = packedWeights)
            fixed (float* bp = bias)
            fixed (float* yp = y)
            fixed (float* sp = epilogue.Skip)
            {
                nint xa = (nint)xp, pa = ((nint)pp + 63) & ~(nint)63, aa = (nint)ap, ba = (nint)bp, ya = (nint)yp, sa = (nint)sp, ta = (nint)taps;
                new Span<float>((float*)pa + (g.Channels * planeLength), (int)slack).Clear();
                int panels = GemmHost.Panels(g.OutChannels);
                for (int n = 0; n < g.Batch; n++)
                {
                    nint ia = (nint)((float*)xa + ((long)n * g.Channels * g.InSpatial));
                    for (int oh0 = 0; oh0 < g.OutH; oh0 += bandRows)
                    {
                        int rows = Math.Min(bandRows, g.OutH - oh0), first = oh0 - g.PH;
                        HostParallel.For(g.Channels, t, c => PaddedPlanes.CopyRows((float*)ia + ((long)c * g.InSpatial), (float*)pa + (c * planeLength), g, first, rows + reach, wp));
                        long virtualOutputs = ((long)(rows - 1) * wp) + g.OutW;
                        int tiles = (int)((virtualOutputs + Columns - 1) / Columns);
                        long outBand = ((long)n * g.OutChannels * g.OutSpatial) + ((long)oh0 * g.OutW);
                        HostParallel.For(tiles, t, tile =>
                        {
                            long v0 = (long)tile * Columns;
                            for (int mp = 0; mp < panels; mp++)
                            {
                                Tile((float*)pa + v0, (float*)aa + ((long)mp * 8 * k), g.Channels, planeLength, (long*)ta, g.KernelSpatial, out DirectConvHost.Tile8x32 acc);
                                long at = outBand + ((long)mp * 8 * g.OutSpatial);
                                acc.StoreVirtual((float*)ya + at, sa == 0 ? null : (float*)sa + at, g.OutSpatial, Math.Min(8, g.OutChannels - (mp * 8)), v0, wp, g.OutW, rows, ba == 0 ? null : (float*)ba + (mp * 8), epilogue);
                            }
                        });
                    }
                }
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(padded);
        }
    }

    /// <summary>The 8×32 tile's chains over k = (ic, kh, kw): tap (ic, kh, kw) of the 32 virtual outputs at x + ic·plane + taps[kh·KW + kw].</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Tile(float* x, float* a, int channels, long planeLength, long* taps, int tapCount, out DirectConvHost.Tile8x32 tile)
    {
        Vector512<float> c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51, c60, c61, c70, c71;
        c00 = c01 = c10 = c11 = c20 = c21 = c30 = c31 = c40 = c41 = c50 = c51 = c60 = c61 = c70 = c71 = Vector512<float>.Zero;
        for (int ic = 0; ic < channels; ic++)
        {
            float* plane = x + (ic * planeLength);
            for (int tap = 0; tap < tapCount; tap++)
            {
                float* p = plane + taps[tap];
                GemmHost.Step8x32(a, Vector512.Load(p), Vector512.Load(p + 16), ref c00, ref c01, ref c10, ref c11, ref c20, ref c21, ref c30, ref c31, ref c40, ref c41, ref c50, ref c51, ref c60, ref c61, ref c70, ref c71);
                a += 8;
            }
        }

        tile = new DirectConvHost.Tile8x32(c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51, c60, c61, c70, c71);
    }
}
