using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace SysNoise.Kernels.Model.Nn;

/// <summary>
/// k×k convolutions at column stride 1 and a row stride above 1 (unit strides take <see cref="PaddedRowsConvHost"/>,
/// whose loads need no masks) as an implicit GEMM: the 8×32 tile
/// of <see cref="GemmHost"/> (8 output channels of the packed weights × 32 consecutive outputs of a plane, in row-major
/// order across row ends) reads its B rows straight from the input: row k = (ic, kh, kw) of the outputs in one output
/// row is that many consecutive input columns, so each 16-lane half is one masked load, or two merged where it crosses
/// into the next output row (the masks zero the taps in the padding). No im2col panel is built, so a tile's B traffic is
/// the input rows themselves, which several tiles share in L1/L2. Every output keeps the GEMM path's chain: acc = +0,
/// acc = fma(w, x, acc) over k = (ic, kh, kw) in order, padded taps reading +0; + bias once; then the epilogue.
/// </summary>
public static unsafe class DirectConvHost
{
    private const int Columns = 32;

    /// <summary>
    /// Whether the path applies: 2-D, one group, column stride and dilation 1 under a row stride above 1 (unit strides
    /// are <see cref="PaddedRowsConvHost"/>'s), a real kernel window (not 1×1), rows of at least 16 outputs, and enough
    /// taps per output that the per-tap masks are a small cost.
    /// </summary>
    public static bool Applies(NnGeometry g) =>
        Vector512.IsHardwareAccelerated && GemmHost.MR == 8
        && g.Group == 1 && g.KD == 1 && g.InD == 1 && g.OutD == 1 && g.SW == 1 && g.DW == 1 && g.SH > 1
        && g.KernelSpatial > 1 && g.KW <= 16 && g.OutW >= 16 && g.Channels * g.KernelSpatial >= 64;

    /// <summary>y = conv(x) + bias, then the epilogue; <paramref name="packedWeights"/> is the GEMM path's packing.</summary>
    public static void Run(float[] x, float[] packedWeights, float[]? bias, float[] y, NnGeometry g, int threads, ConvEpilogue epilogue)
    {
        int tiles = (g.OutSpatial + Columns - 1) / Columns;
        long macs = (long)g.Batch * g.OutChannels * g.Channels * g.KernelSpatial * g.OutSpatial;
        int t = macs < 1_000_000 ? 1 : Math.Max(1, threads);
        fixed (float* xp = x)
        fixed (float* ap = packedWeights)
        fixed (float* bp = bias)
        fixed (float* yp = y)
        fixed (float* sp = epilogue.Skip)
        {
            nint xa = (nint)xp, aa = (nint)ap, ba = (nint)bp, ya = (nint)yp, sa = (nint)sp;
            HostParallel.For(g.Batch * tiles, t, task =>
            {
                int n = task / tiles, q0 = (task % tiles) * Columns;
                if ((q0 % g.OutW) + Math.Min(Columns, g.OutSpatial - q0) <= g.OutW)
                {
                    // 32 outputs within one output row: one masked load per half.
                    Row((float*)xa, (float*)aa, (float*)ba, (float*)ya, (float*)sa, g, n, q0 / g.OutW, q0 % g.OutW, epilogue);
                }
                else
                {
                    Span((float*)xa, (float*)aa, (float*)ba, (float*)ya, (float*)sa, g, n, q0, epilogue);
                }
            });
        }
    }

    /// <summary>
    /// All output channels of 32 consecutive outputs of image n's plane, [q0, q0 + 32) in row-major order: each 16-lane
    /// half covers the end of one output row and, when it crosses a row boundary, the start of the next (rows are at least
    /// 16 wide), so no lane idles at a row's end. Lane j of a half reads its tap from the first row's input or, past the
    /// boundary, from the second's: two masked loads merged.
    /// </summary>
    private static void Span(float* x, float* packed, float* bias, float* y, float* skip, NnGeometry g, int n, int q0, in ConvEpilogue epilogue)
    {
        int kw = g.KW, kh = g.KH;
        int cols = Math.Min(Columns, g.OutSpatial - q0);
        var lane = Vector512.Create(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);

        // Per half and kw: the lanes of the first and of the second output row whose input column lies inside the row.
        // Per half and kh: each output row's input row offset in a plane (shifted so that lane j adds j), or
        // long.MinValue when that input row is padding or the half has no lanes in that output row.
        Vector512<float>* masks = stackalloc Vector512<float>[4 * kw];
        long* offsets = stackalloc long[4 * kh];
        for (int half = 0; half < 2; half++)
        {
            int qs = q0 + (16 * half);
            int valid = Math.Clamp(g.OutSpatial - qs, 0, 16);
            int ohA = qs / g.OutW, owA = qs % g.OutW;
            int lenA = Math.Min(valid, g.OutW - owA);
            var inA = Vector512.LessThan(lane, Vector512.Create(lenA));
            var inB = Vector512.GreaterThanOrEqual(lane, Vector512.Create(lenA)) & Vector512.LessThan(lane, Vector512.Create(valid));
            for (int w = 0; w < kw; w++)
            {
                // Row A's lane j reads input column owA + j + w − PW; row B's, j − lenA + w − PW.
                Vector512<int> colA = lane + Vector512.Create(owA + w - g.PW), colB = lane + Vector512.Create(w - g.PW - lenA);
                masks[(4 * w) + (2 * half)] = (inA & Vector512.LessThan(colA.AsUInt32(), Vector512.Create((uint)g.InW)).AsInt32()).AsSingle();
                masks[(4 * w) + (2 * half) + 1] = (inB & Vector512.LessThan(colB.AsUInt32(), Vector512.Create((uint)g.InW)).AsInt32()).AsSingle();
            }

            for (int h = 0; h < kh; h++)
            {
                int ihA = (ohA * g.SH) - g.PH + (h * g.DH), ihB = ihA + g.SH;
                offsets[(4 * h) + (2 * half)] = lenA > 0 && (uint)ihA < (uint)g.InH ? ((long)ihA * g.InW) + owA - g.PW : long.MinValue;
                offsets[(4 * h) + (2 * half) + 1] = valid > lenA && (uint)ihB < (uint)g.InH ? ((long)ihB * g.InW) - lenA - g.PW : long.MinValue;
            }
        }

        float* image = x + ((long)n * g.Channels * g.InSpatial);
        int k = g.Channels * g.KernelSpatial;
        int panels = GemmHost.Panels(g.OutChannels);
        for (int mp = 0; mp < panels; mp++)
        {
            Tile(image, packed + ((long)mp * 8 * k), g, masks, offsets, out Tile8x32 acc);
            int oc0 = mp * 8;
            int valid = Math.Min(8, g.OutChannels - oc0);
            float* yBase = y + ((((long)n * g.OutChannels) + oc0) * g.OutSpatial) + q0;
            float* sBase = skip == null ? null : skip + (yBase - y);
            acc.Store(yBase, sBase, g.OutSpatial, valid, cols, bias == null ? null : bias + oc0, epilogue);
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
            RowTile(image, packed + ((long)mp * 8 * k), g, masks, rowOffset, out Tile8x32 acc);
            int oc0 = mp * 8;
            int valid = Math.Min(8, g.OutChannels - oc0);
            float* yBase = y + (((long)n * g.OutChannels) + oc0) * g.OutSpatial + outOffset;
            float* sBase = skip == null ? null : skip + (yBase - y);
            acc.Store(yBase, sBase, g.OutSpatial, valid, cols, bias == null ? null : bias + oc0, epilogue);
        }
    }

    /// <summary>
    /// The 8×32 tile's chains over k = (ic, kh, kw), its 32 outputs in one output row. Kept apart from <see cref="Tile"/>
    /// (which would compute the same with its second-row loads skipped): measured on the detector's 3×3 96→24 at 160²,
    /// the merged loop (<see cref="Tile"/> itself, or one loop generic over a tap-loading struct) takes 14–18 ms against
    /// this one's 11.3 ms.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void RowTile(float* image, float* a, NnGeometry g, Vector512<float>* masks, long* rowOffset, out Tile8x32 tile)
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

    /// <summary>The 8×32 tile's chains over k = (ic, kh, kw), each half's taps from up to two output rows' input rows.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Tile(float* image, float* a, NnGeometry g, Vector512<float>* masks, long* offsets, out Tile8x32 tile)
    {
        Vector512<float> c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51, c60, c61, c70, c71;
        c00 = c01 = c10 = c11 = c20 = c21 = c30 = c31 = c40 = c41 = c50 = c51 = c60 = c61 = c70 = c71 = Vector512<float>.Zero;
        int kw = g.KW, kh = g.KH;
        for (int ic = 0; ic < g.Channels; ic++)
        {
            float* plane = image + ((long)ic * g.InSpatial);
            for (int h = 0; h < kh; h++)
            {
                long a0 = offsets[4 * h], b0 = offsets[(4 * h) + 1], a1 = offsets[(4 * h) + 2], b1 = offsets[(4 * h) + 3];
                for (int w = 0; w < kw; w++)
                {
                    Vector512<float>* m = masks + (4 * w);
                    Vector512<float> v0 = a0 != long.MinValue ? Avx512F.MaskLoad(plane + a0 + w, m[0], Vector512<float>.Zero) : Vector512<float>.Zero;
                    if (b0 != long.MinValue)
                    {
                        v0 = Avx512F.MaskLoad(plane + b0 + w, m[1], v0);
                    }

                    Vector512<float> v1 = a1 != long.MinValue ? Avx512F.MaskLoad(plane + a1 + w, m[2], Vector512<float>.Zero) : Vector512<float>.Zero;
                    if (b1 != long.MinValue)
                    {
                        v1 = Avx512F.MaskLoad(plane + b1 + w, m[3], v1);
                    }

                    GemmHost.Step8x32(a, v0, v1, ref c00, ref c01, ref c10, ref c11, ref c20, ref c21, ref c30, ref c31, ref c40, ref c41, ref c50, ref c51, ref c60, ref c61, ref c70, ref c71);
                    a += 8;
                }
            }
        }

        tile = new Tile8x32(c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51, c60, c61, c70, c71);
    }

    /// <summary>A finished 8×32 tile: + bias, the epilogue in registers, stored row by row (valid rows and columns only).</summary>
    internal readonly struct Tile8x32(
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

        /// <summary>
        /// Stores a tile of 32 virtual outputs from <paramref name="v0"/> (output (oh, ow) at virtual index oh·wp + ow,
        /// <see cref="PaddedRowsConvHost"/>): per 16-lane half, the lanes in each of the (up to two) output rows it meets,
        /// masked; the lanes past a row's end (ow ≥ outW) and past the last row are not stored. (<see cref="Store"/> keeps
        /// its own row store: both through this one's segments, even with whole rows stored unmasked, the stems took
        /// 0.30 → 0.37–0.46 ms.)
        /// </summary>
        public void StoreVirtual(float* y, float* skip, long ldy, int rows, long v0, int wp, int outW, int outH, float* bias, in ConvEpilogue epilogue)
        {
            var lane = Vector512.Create(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
            Vector512<float>* masks = stackalloc Vector512<float>[4];
            long* offsets = stackalloc long[4];
            for (int half = 0; half < 2; half++)
            {
                long vs = v0 + (16 * half);
                int oh = (int)(vs / wp), ow = (int)(vs % wp);
                int lenA = oh < outH && ow < outW ? Math.Min(16, outW - ow) : 0;
                int startB = wp - ow;
                int endB = startB < 16 && oh + 1 < outH ? Math.Min(16, startB + outW) : startB;
                masks[2 * half] = Vector512.LessThan(lane, Vector512.Create(lenA)).AsSingle();
                masks[(2 * half) + 1] = (Vector512.GreaterThanOrEqual(lane, Vector512.Create(startB)) & Vector512.LessThan(lane, Vector512.Create(endB))).AsSingle();
                offsets[2 * half] = ((long)oh * outW) + ow;
                offsets[(2 * half) + 1] = ((long)(oh + 1) * outW) - startB;
            }

            StoreRowVirtual(0, c00, c01, y, skip, ldy, rows, bias, masks, offsets, epilogue);
            StoreRowVirtual(1, c10, c11, y, skip, ldy, rows, bias, masks, offsets, epilogue);
            StoreRowVirtual(2, c20, c21, y, skip, ldy, rows, bias, masks, offsets, epilogue);
            StoreRowVirtual(3, c30, c31, y, skip, ldy, rows, bias, masks, offsets, epilogue);
            StoreRowVirtual(4, c40, c41, y, skip, ldy, rows, bias, masks, offsets, epilogue);
            StoreRowVirtual(5, c50, c51, y, skip, ldy, rows, bias, masks, offsets, epilogue);
            StoreRowVirtual(6, c60, c61, y, skip, ldy, rows, bias, masks, offsets, epilogue);
            StoreRowVirtual(7, c70, c71, y, skip, ldy, rows, bias, masks, offsets, epilogue);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void StoreRowVirtual(int r, Vector512<float> lo, Vector512<float> hi, float* y, float* skip, long ldy, int rows, float* bias, Vector512<float>* masks, long* offsets, in ConvEpilogue epilogue)
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
            for (int segment = 0; segment < 4; segment++)
            {
                Vector512<float> mask = masks[segment];
                if (mask == Vector512<float>.Zero)
                {
                    continue;
                }

                Vector512<float> v = segment < 2 ? lo : hi;
                long at = offsets[segment];
                Avx512F.MaskStore(p + at, mask, epilogue.IsEmpty ? v : epilogue.ApplyMasked(v, s == null ? null : s + at, mask));
            }
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
