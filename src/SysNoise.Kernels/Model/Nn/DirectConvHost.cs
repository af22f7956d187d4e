using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace SysNoise.Kernels.Model.Nn;

/// <summary>
/// k×k convolutions at column stride 1 (ResNet's and the PP-OCR heads' 3×3 layers) as an implicit GEMM: the 8×32 tile
/// of <see cref="GemmHost"/> (8 output channels of the packed weights × 32 output columns of one output row) reads its
/// B rows straight from the input: row k = (ic, kh, kw) of 32 consecutive outputs is 32 consecutive input columns, one
/// pair of masked loads (the masks zero the taps in the padding). No im2col panel is built, so a tile's B traffic is
/// the input rows themselves, which several tiles share in L1/L2. Every output keeps the GEMM path's chain: acc = +0,
/// acc = fma(w, x, acc) over k = (ic, kh, kw) in order, padded taps reading +0; + bias once; then the epilogue.
/// </summary>
public static unsafe class DirectConvHost
{
    private const int Columns = 32;

    /// <summary>
    /// Whether the path applies: 2-D, one group, column stride and dilation 1, a real kernel window (not 1×1), rows of
    /// at least 16 outputs, and enough taps per output that the per-tap masks are a small cost.
    /// </summary>
    public static bool Applies(NnGeometry g) =>
        Vector512.IsHardwareAccelerated && GemmHost.MR == 8
        && g.Group == 1 && g.KD == 1 && g.InD == 1 && g.OutD == 1 && g.SW == 1 && g.DW == 1
        && g.KernelSpatial > 1 && g.KW <= 16 && g.OutW >= 16 && g.Channels * g.KernelSpatial >= 64;

    /// <summary>y = conv(x) + bias, then the epilogue; <paramref name="packedWeights"/> is the GEMM path's packing.</summary>
    public static void Run(float[] x, float[] packedWeights, float[]? bias, float[] y, NnGeometry g, int threads, ConvEpilogue epilogue)
    {
        int segments = (g.OutW + Columns - 1) / Columns;
        int rows = g.Batch * g.OutH;
        long macs = (long)g.Batch * g.OutChannels * g.Channels * g.KernelSpatial * g.OutSpatial;
        int t = macs < 1_000_000 ? 1 : Math.Max(1, threads);
        fixed (float* xp = x)
        fixed (float* ap = packedWeights)
        fixed (float* bp = bias)
        fixed (float* yp = y)
        fixed (float* sp = epilogue.Skip)
        {
            nint xa = (nint)xp, aa = (nint)ap, ba = (nint)bp, ya = (nint)yp, sa = (nint)sp;
            HostParallel.For(rows * segments, t, task =>
            {
                int row = task / segments, segment = task % segments;
                Row((float*)xa, (float*)aa, (float*)ba, (float*)ya, (float*)sa, g, row / g.OutH, row % g.OutH, segment * Columns, epilogue);
            });
        }
    }

    /// <summary>All output channels of output row (n, oh), columns [ow0, ow0 + 32).</summary>
    private static void Row(float* x, float* packed, float* bias, float* y, float* skip, NnGeometry g, int n, int oh, int ow0, in ConvEpilogue epilogue)
    {
        int kw = g.KW, kh = g.KH;
        int cols = Math.Min(Columns, g.OutW - ow0);
        // Per kw: the lanes whose input column ow0 + j + kw − PW lies in the row.
        Vector512<float>* masks = stackalloc Vector512<float>[2 * kw];
        var lane = Vector512.Create(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
        for (int w = 0; w < kw; w++)
        {
            int c0 = ow0 + w - g.PW;
            masks[2 * w] = Vector512.LessThan((lane + Vector512.Create(c0)).AsUInt32(), Vector512.Create((uint)g.InW)).AsSingle();
            masks[(2 * w) + 1] = Vector512.LessThan((lane + Vector512.Create(c0 + 16)).AsUInt32(), Vector512.Create((uint)g.InW)).AsSingle();
        }

        // Per kh: the input row's offset in a plane (negative at a left pad), or long.MinValue in the padding (its taps read +0).
        long* rowOffset = stackalloc long[kh];
        for (int h = 0; h < kh; h++)
        {
            int ih = (oh * g.SH) - g.PH + (h * g.DH);
            rowOffset[h] = (uint)ih < (uint)g.InH ? ((long)ih * g.InW) + ow0 - g.PW : long.MinValue;
        }

        float* image = x + ((long)n * g.Channels * g.InSpatial);
        int k = g.Channels * g.KernelSpatial;
        int panels = GemmHost.Panels(g.OutChannels);
        long outOffset = ((long)oh * g.OutW) + ow0;
        for (int mp = 0; mp < panels; mp++)
        {
            Tile(image, packed + ((long)mp * 8 * k), g, masks, rowOffset, out Tile8x32 acc);
            int oc0 = mp * 8;
            int valid = Math.Min(8, g.OutChannels - oc0);
            float* yBase = y + (((long)n * g.OutChannels) + oc0) * g.OutSpatial + outOffset;
            float* sBase = skip == null ? null : skip + (yBase - y);
            acc.Store(yBase, sBase, g.OutSpatial, valid, cols, bias == null ? null : bias + oc0, epilogue);
        }
    }

    /// <summary>The 8×32 tile's chains over k = (ic, kh, kw).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Tile(float* image, float* a, NnGeometry g, Vector512<float>* masks, long* rowOffset, out Tile8x32 tile)
    {
        Vector512<float> c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51, c60, c61, c70, c71;
        c00 = c01 = c10 = c11 = c20 = c21 = c30 = c31 = c40 = c41 = c50 = c51 = c60 = c61 = c70 = c71 = Vector512<float>.Zero;
        int kw = g.KW, kh = g.KH;
        for (int ic = 0; ic < g.Channels; ic++)
        {
            float* plane = image + ((long)ic * g.InSpatial);
            for (int h = 0; h < kh; h++)
            {
                long offset = rowOffset[h];
                float* p = plane + offset;
                for (int w = 0; w < kw; w++)
                {
                    Vector512<float> b0, b1;
                    if (offset != long.MinValue)
                    {
                        b0 = Avx512F.MaskLoad(p + w, masks[2 * w], Vector512<float>.Zero);
                        b1 = Avx512F.MaskLoad(p + w + 16, masks[(2 * w) + 1], Vector512<float>.Zero);
                    }
                    else
                    {
                        b0 = b1 = Vector512<float>.Zero;
                    }

                    GemmHost.Step8x32(a, b0, b1, ref c00, ref c01, ref c10, ref c11, ref c20, ref c21, ref c30, ref c31, ref c40, ref c41, ref c50, ref c51, ref c60, ref c61, ref c70, ref c71);
                    a += 8;
                }
            }
        }

        tile = new Tile8x32(c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51, c60, c61, c70, c71);
    }

    /// <summary>A finished 8×32 tile: + bias, the epilogue in registers, stored row by row (valid rows and columns only).</summary>
    private readonly struct Tile8x32(
        Vector512<float> c00, Vector512<float> c01, Vector512<float> c10, Vector512<float> c11, Vector512<float> c20, Vector512<float> c21, Vector512<float> c30, Vector512<float> c31,
        Vector512<float> c40, Vector512<float> c41, Vector512<float> c50, Vector512<float> c51, Vector512<float> c60, Vector512<float> c61, Vector512<float> c70, Vector512<float> c71)
    {
        public void Store(float* y, float* skip, long ldy, int rows, int cols, float* bias, in ConvEpilogue epilogue)
        {
            StoreRow(0, c00, c01, y, skip, ldy, rows, cols, bias, epilogue);
            StoreRow(1, c10, c11, y, skip, ldy, rows, cols, bias, epilogue);
            StoreRow(2, c20, c21, y, skip, ldy, rows, cols, bias, epilogue);
            StoreRow(3, c30, c31, y, skip, ldy, rows, cols, bias, epilogue);
            StoreRow(4, c40, c41, y, skip, ldy, rows, cols, bias, epilogue);
            StoreRow(5, c50, c51, y, skip, ldy, rows, cols, bias, epilogue);
            StoreRow(6, c60, c61, y, skip, ldy, rows, cols, bias, epilogue);
            StoreRow(7, c70, c71, y, skip, ldy, rows, cols, bias, epilogue);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void StoreRow(int r, Vector512<float> lo, Vector512<float> hi, float* y, float* skip, long ldy, int rows, int cols, float* bias, in ConvEpilogue epilogue)
        {
            if (r >= rows)
            {
                return;
            }

            if (bias != null)
            {
                Vector512<float> b = Vector512.Create(bias[r]);
                lo += b;
                hi += b;
            }

            float* p = y + (r * ldy);
            float* s = skip == null ? null : skip + (r * ldy);
            bool fused = !epilogue.IsEmpty;
            if (cols == Columns)
            {
                Vector512.Store(fused ? epilogue.Apply(lo, s) : lo, p);
                Vector512.Store(fused ? epilogue.Apply(hi, s == null ? null : s + 16) : hi, p + 16);
                return;
            }

            var lane = Vector512.Create(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
            Vector512<float> m0 = Vector512.LessThan(lane, Vector512.Create(cols)).AsSingle();
            Vector512<float> m1 = Vector512.LessThan(lane, Vector512.Create(cols - 16)).AsSingle();
            Avx512F.MaskStore(p, m0, fused ? epilogue.ApplyMasked(lo, s, m0) : lo);
            Avx512F.MaskStore(p + 16, m1, fused ? epilogue.ApplyMasked(hi, s == null ? null : s + 16, m1) : hi);
        }
    }
}
