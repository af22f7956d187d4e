using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace SysNoise.Kernels.Model.Nn;

/// <summary>
/// Depthwise 2-D convolutions on small planes (MobileNet's 28×28 and smaller), 16 channels per vector: each block of 16
/// input planes is transposed into a zero-padded buffer of 16-channel pixels, every output pixel's taps are then whole
/// vectors at any stride and dilation (no lane idles on a 7-wide row), and the 16-channel output pixels are transposed
/// back into the planes with the epilogue. Every output runs <see cref="NnMath.ConvElement"/>'s chain: acc = +0, then
/// acc = fma(w, x, acc) over (kh, kw) in order, padded taps reading +0; then + bias once.
/// </summary>
public static unsafe class ChannelBlockDepthwiseHost
{
    internal const int Lanes = 16;

    /// <summary>Output pixels computed together: eight independent FMA chains hide each other's latency.</summary>
    internal const int Pixels = 8;

    /// <summary>
    /// Output rows up to this wide take this path. Measured one thread, hot, against the plane-row path (ms): 960@7
    /// 0.057 → 0.029, 576@14 0.076 → 0.063, stride 2 576@14 0.079 → 0.041, stride 2 192@28 0.052 → 0.050; at 28 wide it
    /// loses (192@28 0.071 → 0.076–0.082, stride 2 144@56 0.117 → 0.134–0.159): the two transposes then cost more than
    /// the idle lanes.
    /// </summary>
    private const int MaxOutWidth = 14;

    [ThreadStatic]
    private static float[]? scratch;

    /// <summary>Whether this path applies: 2-D depthwise with one output channel per channel, output rows at most <see cref="MaxOutWidth"/> wide.</summary>
    public static bool Applies(NnGeometry g) =>
        Vector512.IsHardwareAccelerated && DepthwiseHost.Applies(g) && g.GroupOutChannels == 1 && g.OutW <= MaxOutWidth && g.KernelSpatial <= 49;

    /// <summary>
    /// The weights [C, 1, KH, KW] as 16-channel tap vectors, [block][tap][16] (zeros past the last channel), packed once
    /// per weight tensor (<see cref="ConvHost.PackWeights"/>).
    /// </summary>
    public static float[] Pack(float[] weights, NnGeometry g)
    {
        int blocks = (g.Channels + Lanes - 1) / Lanes, taps = g.KernelSpatial;
        float[] packed = GC.AllocateArray<float>(blocks * taps * Lanes, pinned: true);
        for (int c = 0; c < g.Channels; c++)
        {
            for (int tap = 0; tap < taps; tap++)
            {
                packed[((((c / Lanes) * taps) + tap) * Lanes) + (c % Lanes)] = weights[((long)c * taps) + tap];
            }
        }

        return packed;
    }

    /// <summary>y = depthwise(x) + bias, then the epilogue; <paramref name="packed"/> from <see cref="Pack"/>.</summary>
    public static void Run(float[] x, float[] packed, float[]? bias, float[] y, NnGeometry g, int threads, ConvEpilogue epilogue)
    {
        int blocks = (g.Channels + Lanes - 1) / Lanes;
        if (packed.Length != blocks * g.KernelSpatial * Lanes)
        {
            ThrowPackedLength(packed.Length);
        }

        int items = g.Batch * blocks;
        long work = (long)g.Batch * g.Channels * (((long)g.OutSpatial * g.KernelSpatial) + g.InSpatial);
        int t = work < 400_000 ? 1 : Math.Max(1, Math.Min(threads, items));
        (int hp, int wp) = PaddedPlanes.Extent(g);
        fixed (float* xp = x)
        fixed (float* wgt = packed)
        fixed (float* bp = bias)
        fixed (float* yp = y)
        fixed (float* sp = epilogue.Skip)
        {
            nint xa = (nint)xp, wa = (nint)wgt, ba = (nint)bp, ya = (nint)yp, sa = (nint)sp;
            HostParallel.For(items, t, item =>
            {
                int n = item / blocks, block = item % blocks;
                long plane0 = ((long)n * g.Channels) + (block * Lanes);
                float* wv = (float*)wa + ((long)block * g.KernelSpatial * Lanes);
                Block((float*)xa + (plane0 * g.InSpatial), wv, (float*)ba, (float*)ya + (plane0 * g.OutSpatial), sa == 0 ? null : (float*)sa + (plane0 * g.OutSpatial), g, block * Lanes, hp, wp, epilogue);
            });
        }
    }

    /// <summary>Floats of a padded buffer, with the slack a row's last group of outputs reads past its end.</summary>
    internal static long PaddedFloats(int hp, int wp) => ((long)hp * wp * Lanes) + ((Pixels + 2) * Lanes);

    /// <summary>
    /// Every output pixel's 16 chains + bias from a padded buffer into <paramref name="outBlock"/> (16-channel pixels, 64-byte
    /// aligned, room for the pixel count rounded up to 16).
    /// </summary>
    internal static void ComputeBlock(float* pad, float* wv, bool hasBias, Vector512<float> bv, NnGeometry g, int wp, float* outBlock)
    {
        if (g.KW == 3 && g.SW == 1 && g.DW == 1)
        {
            ComputeRows3(pad, wv, hasBias, bv, g, wp, outBlock);
        }
        else
        {
            Compute(pad, wv, hasBias, bv, g, wp, outBlock);
        }
    }

    private static void ThrowPackedLength(int length) =>
        throw new ArgumentException($"the channel-block depthwise path needs ConvHost.PackWeights' 16-channel tap vectors; got {length} floats");

    /// <summary>Channels c0 .. c0 + 15 (fewer at the end) of one image: x and y point at plane c0, wv at the block's tap vectors.</summary>
    private static void Block(float* x, float* wv, float* bias, float* y, float* skip, NnGeometry g, int c0, int hp, int wp, in ConvEpilogue epilogue)
    {
        int count = Math.Min(Lanes, g.Channels - c0);
        int outPixels = g.OutSpatial;
        long padded = PaddedFloats(hp, wp);
        long outputs = ((long)(outPixels + Lanes - 1) / Lanes) * Lanes * Lanes;
        long need = padded + outputs + Lanes;
        float[] buffer = scratch is { } s && s.Length >= need ? s : (scratch = GC.AllocateUninitializedArray<float>((int)need, pinned: true));
        Vector512<float> bv = Vector512<float>.Zero;
        if (bias != null)
        {
            Vector512<float> inBlock = Vector512.LessThan(Vector512<int>.Indices, Vector512.Create(count)).AsSingle();
            bv = Avx512F.MaskLoad(bias + c0, inBlock, Vector512<float>.Zero);
        }

        fixed (float* unaligned = buffer)
        {
            float* pad = (float*)(((nint)unaligned + 63) & ~(nint)63);
            float* outBlock = pad + padded;
            ClearBorder(pad, g, hp, wp);
            TransposeIn(x, count, g, wp, pad);
            ComputeBlock(pad, wv, bias != null, bv, g, wp, outBlock);
            TransposeOut(outBlock, count, outPixels, y, skip, epilogue);
        }
    }

    /// <summary>Zeros every padded pixel the input does not cover (the rest is overwritten by <see cref="TransposeIn"/>).</summary>
    internal static void ClearBorder(float* pad, NnGeometry g, int hp, int wp)
    {
        Vector512<float> zero = Vector512<float>.Zero;
        for (int r = 0; r < hp; r++)
        {
            float* row = pad + ((long)r * wp * Lanes);
            bool inside = r >= g.PH && r < g.PH + g.InH;
            int from = inside ? g.PW : 0, to = inside ? g.PW + g.InW : 0;
            for (int c = 0; c < from; c++)
            {
                Vector512.StoreAligned(zero, row + (c * Lanes));
            }

            for (int c = Math.Max(to, from); c < wp; c++)
            {
                Vector512.StoreAligned(zero, row + (c * Lanes));
            }
        }
    }

    /// <summary>The block's input planes (16 consecutive pixels of each, transposed) into the padded 16-channel pixels.</summary>
    private static void TransposeIn(float* x, int count, NnGeometry g, int wp, float* pad)
    {
        int pixels = g.InSpatial;
        Vector512<float>* r = stackalloc Vector512<float>[Lanes];
        for (int c = count; c < Lanes; c++)
        {
            r[c] = Vector512<float>.Zero;
        }

        // Input pixel (ih, iw) goes to padded pixel (ih + PH, iw + PW).
        float* row = pad + ((long)g.PH * wp * Lanes) + (g.PW * Lanes);
        int iw = 0;
        for (int p0 = 0; p0 < pixels; p0 += Lanes)
        {
            int valid = Math.Min(Lanes, pixels - p0);
            if (valid == Lanes)
            {
                for (int c = 0; c < count; c++)
                {
                    r[c] = Vector512.Load(x + ((long)c * pixels) + p0);
                }
            }
            else
            {
                Vector512<float> mask = Vector512.LessThan(Vector512<int>.Indices, Vector512.Create(valid)).AsSingle();
                for (int c = 0; c < count; c++)
                {
                    r[c] = Avx512F.MaskLoad(x + ((long)c * pixels) + p0, mask, Vector512<float>.Zero);
                }
            }

            Transpose16(r);
            for (int j = 0; j < valid; j++)
            {
                Vector512.StoreAligned(r[j], row + ((long)iw * Lanes));
                if (++iw == g.InW)
                {
                    iw = 0;
                    row += (long)wp * Lanes;
                }
            }
        }
    }

    /// <summary>
    /// Every output pixel's 16 chains, <see cref="Pixels"/> pixels at a time in row-major order (a last group computes
    /// copies of the last pixel and stores only its own), into <paramref name="outBlock"/> (16-channel pixels).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Compute(float* pad, float* wv, bool hasBias, Vector512<float> bv, NnGeometry g, int wp, float* outBlock)
    {
        int outPixels = g.OutSpatial;
        long* tapOffset = stackalloc long[g.KernelSpatial];
        for (int kh = 0, tap = 0; kh < g.KH; kh++)
        {
            for (int kw = 0; kw < g.KW; kw++, tap++)
            {
                tapOffset[tap] = (((long)kh * g.DH * wp) + ((long)kw * g.DW)) * Lanes;
            }
        }

        float** at = stackalloc float*[Pixels];
        int taps = g.KernelSpatial;
        int oh = 0, ow = 0;
        float* last = pad + ((((long)(g.OutH - 1) * g.SH * wp) + ((long)(g.OutW - 1) * g.SW)) * Lanes);
        for (int q0 = 0; q0 < outPixels; q0 += Pixels)
        {
            // Pixels in row-major order; past the last pixel, copies of it (computed, never stored).
            for (int i = 0; i < Pixels; i++)
            {
                at[i] = oh < g.OutH ? pad + ((((long)oh * g.SH * wp) + ((long)ow * g.SW)) * Lanes) : last;
                if (++ow == g.OutW)
                {
                    ow = 0;
                    oh++;
                }
            }

            float* p0 = at[0], p1 = at[1], p2 = at[2], p3 = at[3], p4 = at[4], p5 = at[5], p6 = at[6], p7 = at[7];
            Vector512<float> a0 = Vector512<float>.Zero, a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
            for (int tap = 0; tap < taps; tap++)
            {
                Vector512<float> k = Vector512.Load(wv + (tap * Lanes));
                long o = tapOffset[tap];
                a0 = Vector512.FusedMultiplyAdd(k, Vector512.LoadAligned(p0 + o), a0);
                a1 = Vector512.FusedMultiplyAdd(k, Vector512.LoadAligned(p1 + o), a1);
                a2 = Vector512.FusedMultiplyAdd(k, Vector512.LoadAligned(p2 + o), a2);
                a3 = Vector512.FusedMultiplyAdd(k, Vector512.LoadAligned(p3 + o), a3);
                a4 = Vector512.FusedMultiplyAdd(k, Vector512.LoadAligned(p4 + o), a4);
                a5 = Vector512.FusedMultiplyAdd(k, Vector512.LoadAligned(p5 + o), a5);
                a6 = Vector512.FusedMultiplyAdd(k, Vector512.LoadAligned(p6 + o), a6);
                a7 = Vector512.FusedMultiplyAdd(k, Vector512.LoadAligned(p7 + o), a7);
            }

            // The output block has room for whole groups (its pixel count is rounded up to 16).
            Finish(outBlock + ((long)q0 * Lanes), Pixels, hasBias, bv, a0, a1, a2, a3, a4, a5, a6, a7);
        }
    }

    /// <summary>
    /// Three taps per row at unit column stride and dilation: eight consecutive outputs of a row read ten consecutive
    /// padded pixels per kernel row, each loaded once for its (up to) three taps. Each output's chain stays (kh, kw) in
    /// order. Past a row's last output the lanes compute on whatever follows (the buffer has slack) and are not stored.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ComputeRows3(float* pad, float* wv, bool hasBias, Vector512<float> bv, NnGeometry g, int wp, float* outBlock)
    {
        long rowStep = (long)g.SH * wp * Lanes, kernelRow = (long)g.DH * wp * Lanes;
        for (int oh = 0; oh < g.OutH; oh++)
        {
            float* row0 = pad + (oh * rowStep);
            for (int ow0 = 0; ow0 < g.OutW; ow0 += Pixels)
            {
                Vector512<float> a0 = Vector512<float>.Zero, a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
                for (int kh = 0; kh < g.KH; kh++)
                {
                    float* r = row0 + (kh * kernelRow) + ((long)ow0 * Lanes);
                    float* wk = wv + (kh * 3 * Lanes);
                    Vector512<float> k0 = Vector512.Load(wk), k1 = Vector512.Load(wk + Lanes), k2 = Vector512.Load(wk + (2 * Lanes));
                    Vector512<float> x0 = Vector512.LoadAligned(r), x1 = Vector512.LoadAligned(r + 16), x2 = Vector512.LoadAligned(r + 32), x3 = Vector512.LoadAligned(r + 48);
                    Vector512<float> x4 = Vector512.LoadAligned(r + 64), x5 = Vector512.LoadAligned(r + 80), x6 = Vector512.LoadAligned(r + 96), x7 = Vector512.LoadAligned(r + 112);
                    Vector512<float> x8 = Vector512.LoadAligned(r + 128), x9 = Vector512.LoadAligned(r + 144);
                    a0 = Vector512.FusedMultiplyAdd(k2, x2, Vector512.FusedMultiplyAdd(k1, x1, Vector512.FusedMultiplyAdd(k0, x0, a0)));
                    a1 = Vector512.FusedMultiplyAdd(k2, x3, Vector512.FusedMultiplyAdd(k1, x2, Vector512.FusedMultiplyAdd(k0, x1, a1)));
                    a2 = Vector512.FusedMultiplyAdd(k2, x4, Vector512.FusedMultiplyAdd(k1, x3, Vector512.FusedMultiplyAdd(k0, x2, a2)));
                    a3 = Vector512.FusedMultiplyAdd(k2, x5, Vector512.FusedMultiplyAdd(k1, x4, Vector512.FusedMultiplyAdd(k0, x3, a3)));
                    a4 = Vector512.FusedMultiplyAdd(k2, x6, Vector512.FusedMultiplyAdd(k1, x5, Vector512.FusedMultiplyAdd(k0, x4, a4)));
                    a5 = Vector512.FusedMultiplyAdd(k2, x7, Vector512.FusedMultiplyAdd(k1, x6, Vector512.FusedMultiplyAdd(k0, x5, a5)));
                    a6 = Vector512.FusedMultiplyAdd(k2, x8, Vector512.FusedMultiplyAdd(k1, x7, Vector512.FusedMultiplyAdd(k0, x6, a6)));
                    a7 = Vector512.FusedMultiplyAdd(k2, x9, Vector512.FusedMultiplyAdd(k1, x8, Vector512.FusedMultiplyAdd(k0, x7, a7)));
                }

                Finish(outBlock + ((((long)oh * g.OutW) + ow0) * Lanes), Math.Min(Pixels, g.OutW - ow0), hasBias, bv, a0, a1, a2, a3, a4, a5, a6, a7);
            }
        }
    }

    /// <summary>A group's eight chains + bias, stored as its first <paramref name="valid"/> 16-channel output pixels.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Finish(
        float* o, int valid, bool hasBias, Vector512<float> bv, Vector512<float> a0, Vector512<float> a1, Vector512<float> a2, Vector512<float> a3,
        Vector512<float> a4, Vector512<float> a5, Vector512<float> a6, Vector512<float> a7)
    {
        if (hasBias)
        {
            (a0, a1, a2, a3, a4, a5, a6, a7) = (a0 + bv, a1 + bv, a2 + bv, a3 + bv, a4 + bv, a5 + bv, a6 + bv, a7 + bv);
        }

        Vector512.StoreAligned(a0, o);
        if (valid > 1) Vector512.StoreAligned(a1, o + 16);
        if (valid > 2) Vector512.StoreAligned(a2, o + 32);
        if (valid > 3) Vector512.StoreAligned(a3, o + 48);
        if (valid > 4) Vector512.StoreAligned(a4, o + 64);
        if (valid > 5) Vector512.StoreAligned(a5, o + 80);
        if (valid > 6) Vector512.StoreAligned(a6, o + 96);
        if (valid > 7) Vector512.StoreAligned(a7, o + 112);
    }

    /// <summary>The 16-channel output pixels back into the block's planes, 16 consecutive pixels per vector, with the epilogue.</summary>
    internal static void TransposeOut(float* outBlock, int count, int pixels, float* y, float* skip, in ConvEpilogue epilogue)
    {
        for (int p0 = 0; p0 < pixels; p0 += Lanes)
        {
            var r = (Vector512<float>*)(outBlock + ((long)p0 * Lanes));
            Transpose16(r);
            int valid = Math.Min(Lanes, pixels - p0);
            if (valid == Lanes)
            {
                for (int c = 0; c < count; c++)
                {
                    long at = ((long)c * pixels) + p0;
                    Vector512.Store(epilogue.IsEmpty ? r[c] : epilogue.Apply(r[c], skip == null ? null : skip + at), y + at);
                }
            }
            else
            {
                Vector512<float> mask = Vector512.LessThan(Vector512<int>.Indices, Vector512.Create(valid)).AsSingle();
                for (int c = 0; c < count; c++)
                {
                    long at = ((long)c * pixels) + p0;
                    Avx512F.MaskStore(y + at, mask, epilogue.IsEmpty ? r[c] : epilogue.ApplyMasked(r[c], skip == null ? null : skip + at, mask));
                }
            }
        }
    }

    /// <summary>Transposes 16 vectors of 16 in place (r[i][j] ↔ r[j][i]): 32-bit, 64-bit, then two 128-bit interleaves.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Transpose16(Vector512<float>* r)
    {
        Vector512<float> r0 = r[0], r1 = r[1], r2 = r[2], r3 = r[3], r4 = r[4], r5 = r[5], r6 = r[6], r7 = r[7];
        Vector512<float> r8 = r[8], r9 = r[9], r10 = r[10], r11 = r[11], r12 = r[12], r13 = r[13], r14 = r[14], r15 = r[15];
        Vector512<float> t0 = Avx512F.UnpackLow(r0, r1), t1 = Avx512F.UnpackHigh(r0, r1), t2 = Avx512F.UnpackLow(r2, r3), t3 = Avx512F.UnpackHigh(r2, r3);
        Vector512<float> t4 = Avx512F.UnpackLow(r4, r5), t5 = Avx512F.UnpackHigh(r4, r5), t6 = Avx512F.UnpackLow(r6, r7), t7 = Avx512F.UnpackHigh(r6, r7);
        Vector512<float> t8 = Avx512F.UnpackLow(r8, r9), t9 = Avx512F.UnpackHigh(r8, r9), t10 = Avx512F.UnpackLow(r10, r11), t11 = Avx512F.UnpackHigh(r10, r11);
        Vector512<float> t12 = Avx512F.UnpackLow(r12, r13), t13 = Avx512F.UnpackHigh(r12, r13), t14 = Avx512F.UnpackLow(r14, r15), t15 = Avx512F.UnpackHigh(r14, r15);

        // Within each 128-bit lane L, u(4b + m) holds element 4L + m of vectors 4b .. 4b + 3.
        Vector512<float> u0 = Avx512F.Shuffle(t0, t2, 0x44), u1 = Avx512F.Shuffle(t0, t2, 0xEE), u2 = Avx512F.Shuffle(t1, t3, 0x44), u3 = Avx512F.Shuffle(t1, t3, 0xEE);
        Vector512<float> u4 = Avx512F.Shuffle(t4, t6, 0x44), u5 = Avx512F.Shuffle(t4, t6, 0xEE), u6 = Avx512F.Shuffle(t5, t7, 0x44), u7 = Avx512F.Shuffle(t5, t7, 0xEE);
        Vector512<float> u8 = Avx512F.Shuffle(t8, t10, 0x44), u9 = Avx512F.Shuffle(t8, t10, 0xEE), u10 = Avx512F.Shuffle(t9, t11, 0x44), u11 = Avx512F.Shuffle(t9, t11, 0xEE);
        Vector512<float> u12 = Avx512F.Shuffle(t12, t14, 0x44), u13 = Avx512F.Shuffle(t12, t14, 0xEE), u14 = Avx512F.Shuffle(t13, t15, 0x44), u15 = Avx512F.Shuffle(t13, t15, 0xEE);

        Vector512<float> v0 = Avx512F.Shuffle4x128(u0, u4, 0x88), v1 = Avx512F.Shuffle4x128(u1, u5, 0x88), v2 = Avx512F.Shuffle4x128(u2, u6, 0x88), v3 = Avx512F.Shuffle4x128(u3, u7, 0x88);
        Vector512<float> v4 = Avx512F.Shuffle4x128(u0, u4, 0xDD), v5 = Avx512F.Shuffle4x128(u1, u5, 0xDD), v6 = Avx512F.Shuffle4x128(u2, u6, 0xDD), v7 = Avx512F.Shuffle4x128(u3, u7, 0xDD);
        Vector512<float> v8 = Avx512F.Shuffle4x128(u8, u12, 0x88), v9 = Avx512F.Shuffle4x128(u9, u13, 0x88), v10 = Avx512F.Shuffle4x128(u10, u14, 0x88), v11 = Avx512F.Shuffle4x128(u11, u15, 0x88);
        Vector512<float> v12 = Avx512F.Shuffle4x128(u8, u12, 0xDD), v13 = Avx512F.Shuffle4x128(u9, u13, 0xDD), v14 = Avx512F.Shuffle4x128(u10, u14, 0xDD), v15 = Avx512F.Shuffle4x128(u11, u15, 0xDD);

        r[0] = Avx512F.Shuffle4x128(v0, v8, 0x88);
        r[1] = Avx512F.Shuffle4x128(v1, v9, 0x88);
        r[2] = Avx512F.Shuffle4x128(v2, v10, 0x88);
        r[3] = Avx512F.Shuffle4x128(v3, v11, 0x88);
        r[4] = Avx512F.Shuffle4x128(v4, v12, 0x88);
        r[5] = Avx512F.Shuffle4x128(v5, v13, 0x88);
        r[6] = Avx512F.Shuffle4x128(v6, v14, 0x88);
        r[7] = Avx512F.Shuffle4x128(v7, v15, 0x88);
        r[8] = Avx512F.Shuffle4x128(v0, v8, 0xDD);
        r[9] = Avx512F.Shuffle4x128(v1, v9, 0xDD);
        r[10] = Avx512F.Shuffle4x128(v2, v10, 0xDD);
        r[11] = Avx512F.Shuffle4x128(v3, v11, 0xDD);
        r[12] = Avx512F.Shuffle4x128(v4, v12, 0xDD);
        r[13] = Avx512F.Shuffle4x128(v5, v13, 0xDD);
        r[14] = Avx512F.Shuffle4x128(v6, v14, 0xDD);
        r[15] = Avx512F.Shuffle4x128(v7, v15, 0xDD);
    }
}
