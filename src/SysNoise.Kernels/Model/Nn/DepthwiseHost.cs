using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace SysNoise.Kernels.Model.Nn;

/// <summary>
/// Depthwise 2-D convolution on the host (one input channel per group; output channel oc reads channel oc / (OC/C)),
/// 16 output columns per vector. Each input plane is copied once into a zero-padded, stride-phase-split buffer: padded
/// row r holds SW phases, phase p's element j being padded column SW·j + p, so the tap (kh, kw) of 16 consecutive
/// outputs is one contiguous load at any stride and dilation. Every output runs <see cref="NnMath.ConvElement"/>'s
/// chain: acc = +0, then acc = fma(w, x, acc) over (kh, kw) in order, padded taps reading 0; then + bias once.
/// </summary>
public static unsafe class DepthwiseHost
{
    private const int Lanes = 16;

    [ThreadStatic]
    private static float[]? scratch;

    /// <summary>The geometry whose zero padding <see cref="scratch"/> holds: only the interior changes from plane to plane.</summary>
    [ThreadStatic]
    private static PaddingKey scratchKey;

    [ThreadStatic]
    private static float[]? scratchKeyArray;

    private readonly record struct PaddingKey(int InH, int InW, int PH, int PW, int SW, int Rows, int PhaseLength);

    /// <summary>Whether this path applies: 2-D (unit depth), one input channel per group, several groups.</summary>
    public static bool Applies(NnGeometry g) => g.GroupChannels == 1 && g.Group > 1 && g.KD == 1 && g.InD == 1 && g.OutD == 1;

    public static void Run(float[] x, float[] weights, float[]? bias, float[] y, NnGeometry g, int threads, ConvEpilogue epilogue)
    {
        int planes = g.Batch * g.OutChannels;
        var layout = new Layout(g);
        long work = (long)planes * ((long)g.OutSpatial * g.KernelSpatial + layout.Size);
        int t = work < 400_000 ? 1 : Math.Max(1, Math.Min(threads, planes));
        fixed (float* xp = x)
        fixed (float* wp = weights)
        fixed (float* bp = bias)
        fixed (float* yp = y)
        fixed (float* sp = epilogue.Skip)
        {
            nint xa = (nint)xp, wa = (nint)wp, ba = (nint)bp, ya = (nint)yp, sa = (nint)sp;
            if (t == 1)
            {
                Range(0, planes);
                return;
            }

            // Contiguous plane ranges (an input plane is padded once for all its output channels).
            int chunks = Math.Min(planes, t * 4);
            HostParallel.For(chunks, t, c => Range((int)((long)planes * c / chunks), (int)((long)planes * (c + 1) / chunks)));

            void Range(int first, int end)
            {
                Planes(first, end, (float*)xa, (float*)wa, (float*)ba, (float*)ya, (float*)sa, g, layout, epilogue);
            }
        }
    }

    /// <summary>The padded, phase-split copy of one input plane.</summary>
    private readonly struct Layout
    {
        public Layout(NnGeometry g)
        {
            Rows = ((g.OutH - 1) * g.SH) + ((g.KH - 1) * g.DH) + 1;
            int vectors = (g.OutW + Lanes - 1) / Lanes;
            // Phase p, element j ↔ padded column SW·j + p; the last vector of a row reads up to
            // vectors·16 − 1 + ((KW−1)·DW)/SW, or the whole vector after it (the aligned 3×3 kernel). A whole number of
            // vectors, so that every phase row starts on a 64-byte line.
            PhaseLength = (vectors * Lanes) + ((((((g.KW - 1) * g.DW) / g.SW) + 1 + Lanes - 1) / Lanes) * Lanes);
            RowLength = PhaseLength * g.SW;
            Size = Rows * RowLength;
        }

        public int Rows { get; }

        public int PhaseLength { get; }

        public int RowLength { get; }

        public int Size { get; }
    }

    private static void Planes(int first, int end, float* x, float* w, float* bias, float* y, float* skip, NnGeometry g, Layout layout, ConvEpilogue epilogue)
    {
        // Lanes floats of slack: the buffer starts at the first 64-byte boundary of the array.
        float[] buffer = scratch is { } s && s.Length >= layout.Size + Lanes ? s : (scratch = GC.AllocateUninitializedArray<float>(layout.Size + Lanes, pinned: true));
        var key = new PaddingKey(g.InH, g.InW, g.PH, g.PW, g.SW, layout.Rows, layout.PhaseLength);
        if (scratchKey != key || !ReferenceEquals(scratchKeyArray, buffer))
        {
            // Every position Pad does not write is a padding zero for this geometry: clear them once.
            Array.Clear(buffer);
            scratchKey = key;
            scratchKeyArray = buffer;
        }

        fixed (float* unaligned = buffer)
        {
            float* buf = (float*)(((nint)unaligned + 63) & ~(nint)63);
            int ocg = g.GroupOutChannels;
            long loadedPlane = -1;
            for (int plane = first; plane < end; plane++)
            {
                int n = plane / g.OutChannels, oc = plane % g.OutChannels;
                long inPlane = ((long)n * g.Channels) + (oc / ocg);
                if (inPlane != loadedPlane)
                {
                    Pad(x + (inPlane * g.InSpatial), buf, g, layout);
                    loadedPlane = inPlane;
                }

                float* yPlane = y + ((long)plane * g.OutSpatial);
                float* wk = w + ((long)oc * g.KernelSpatial);
                bool hasBias = bias != null;
                float b = hasBias ? bias[oc] : 0f;
                float* skipPlane = skip == null ? null : skip + (yPlane - y);
                if (g.KH == 3 && g.KW == 3 && g.DW == 1 && g.SW <= 2 && Vector512.IsHardwareAccelerated)
                {
                    Plane3x3(buf, wk, hasBias, b, yPlane, skipPlane, g, layout, epilogue);
                }
                else if (Vector512.IsHardwareAccelerated)
                {
                    PlaneAny(buf, wk, hasBias, b, yPlane, skipPlane, g, layout, epilogue);
                }
                else
                {
                    PlaneScalar(buf, wk, hasBias, b, yPlane, g, layout);
                    if (!epilogue.IsEmpty)
                    {
                        epilogue.Apply(yPlane, skipPlane, g.OutSpatial);
                    }
                }
            }
        }
    }

    /// <summary>
    /// Copies one input plane into the interior of the padded, phase-split layout. The positions outside the input are
    /// not written: they hold the zeros the buffer was cleared with for this geometry (see <see cref="scratchKey"/>).
    /// </summary>
    private static void Pad(float* src, float* buf, NnGeometry g, Layout layout)
    {
        int sw = g.SW, phaseLength = layout.PhaseLength;
        int firstRow = Math.Max(0, g.PH), endRow = Math.Min(layout.Rows, g.PH + g.InH);
        for (int r = firstRow; r < endRow; r++)
        {
            float* row = buf + ((long)r * layout.RowLength);
            float* s = src + ((long)(r - g.PH) * g.InW);
            for (int p = 0; p < sw; p++)
            {
                float* dst = row + (p * phaseLength);

                // Element j is input column sw·j + p − PW: inside for j in [lo, hi).
                int lo = Math.Clamp(CeilDiv(g.PW - p, sw), 0, phaseLength);
                int hi = Math.Clamp(CeilDiv(g.InW + g.PW - p, sw), lo, phaseLength);
                if (sw == 1)
                {
                    CopyFloats(s + lo - g.PW, dst + lo, hi - lo);
                }
                else if (sw == 2 && Vector512.IsHardwareAccelerated)
                {
                    CopyEvenLanes(s + (2 * lo) + p - g.PW, g.InW - ((2 * lo) + p - g.PW), dst + lo, hi - lo);
                }
                else
                {
                    float* from = s + ((long)sw * lo) + p - g.PW;
                    for (int j = lo; j < hi; j++, from += sw)
                    {
                        dst[j] = *from;
                    }
                }
            }
        }
    }

    /// <summary>
    /// dst[j] = src[2·j] for j &lt; <paramref name="count"/>, 16 at a time (two loads, the even lanes permuted together);
    /// no load reaches past <paramref name="available"/> source floats and no store past <paramref name="count"/>.
    /// </summary>
    private static void CopyEvenLanes(float* src, int available, float* dst, int count)
    {
        var even = Vector512.Create(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
        int j = 0;
        for (; j + Lanes <= count && (2 * j) + (2 * Lanes) <= available; j += Lanes)
        {
            Vector512.Store(Avx512F.PermuteVar16x32x2(Vector512.Load(src + (2 * j)), even, Vector512.Load(src + (2 * j) + Lanes)), dst + j);
        }

        for (; j < count; j += Lanes)
        {
            int left = available - (2 * j);
            Vector512<float> m0 = Vector512.LessThan(Vector512<int>.Indices, Vector512.Create(left)).AsSingle();
            Vector512<float> m1 = Vector512.LessThan(Vector512<int>.Indices, Vector512.Create(left - Lanes)).AsSingle();
            Vector512<float> v = Avx512F.PermuteVar16x32x2(Avx512F.MaskLoad(src + (2 * j), m0, Vector512<float>.Zero), even, Avx512F.MaskLoad(src + (2 * j) + Lanes, m1, Vector512<float>.Zero));
            Vector512<float> store = Vector512.LessThan(Vector512<int>.Indices, Vector512.Create(count - j)).AsSingle();
            Avx512F.MaskStore(dst + j, store, v);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void CopyFloats(float* src, float* dst, int count)
    {
        int j = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            for (; j + Lanes <= count; j += Lanes)
            {
                Vector512.Store(Vector512.Load(src + j), dst + j);
            }

            if (j < count)
            {
                Vector512<float> mask = Vector512.LessThan(Vector512<int>.Indices, Vector512.Create(count - j)).AsSingle();
                Avx512F.MaskStore(dst + j, mask, Avx512F.MaskLoad(src + j, mask, Vector512<float>.Zero));
            }

            return;
        }

        Buffer.MemoryCopy(src, dst, count * sizeof(float), count * sizeof(float));
    }

    private static int CeilDiv(int a, int b) => a <= 0 ? -(-a / b) : (a + b - 1) / b;

    /// <summary>Where tap kw of output column 0 sits in a padded row: phase (kw·DW) mod SW, element (kw·DW) / SW.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int TapOffset(int kw, NnGeometry g, Layout layout)
    {
        int c = kw * g.DW;
        return ((c % g.SW) * layout.PhaseLength) + (c / g.SW);
    }

    /// <summary>
    /// 3×3 kernels at column stride 1 or 2 and unit column dilation (MobileNet, PP-OCR): the nine weights stay in
    /// registers, and every load is an aligned whole line. At stride 1 the taps kw = 1, 2 are the aligned vector shifted by
    /// one or two lanes into the next one (a two-source permute); at stride 2 taps 0 and 2 are phase 0 (tap 2 shifted by
    /// one) and tap 1 is phase 1. The vector after each row's current one is carried to the next column block.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Plane3x3(float* buf, float* wk, bool hasBias, float b, float* yPlane, float* skipPlane, NnGeometry g, Layout layout, in ConvEpilogue epilogue)
    {
        Vector512<float> w00 = Vector512.Create(wk[0]), w01 = Vector512.Create(wk[1]), w02 = Vector512.Create(wk[2]);
        Vector512<float> w10 = Vector512.Create(wk[3]), w11 = Vector512.Create(wk[4]), w12 = Vector512.Create(wk[5]);
        Vector512<float> w20 = Vector512.Create(wk[6]), w21 = Vector512.Create(wk[7]), w22 = Vector512.Create(wk[8]);
        Vector512<float> bv = Vector512.Create(b);
        var shift1 = Vector512.Create(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16);
        var shift2 = Vector512.Create(2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17);
        bool stride2 = g.SW == 2;
        long rowStep = (long)g.DH * layout.RowLength, outStep = (long)g.SH * layout.RowLength;
        int phase1 = layout.PhaseLength;
        for (int oh = 0; oh < g.OutH; oh++)
        {
            float* r0 = buf + ((long)oh * outStep);
            float* r1 = r0 + rowStep, r2 = r1 + rowStep;
            float* yRow = yPlane + ((long)oh * g.OutW);
            float* skipRow = skipPlane == null ? null : skipPlane + ((long)oh * g.OutW);
            Vector512<float> a0 = Vector512.LoadAligned(r0), a1 = Vector512.LoadAligned(r1), a2 = Vector512.LoadAligned(r2);
            for (int ow = 0; ow < g.OutW; ow += Lanes)
            {
                Vector512<float> n0 = Vector512.LoadAligned(r0 + ow + Lanes);
                Vector512<float> n1 = Vector512.LoadAligned(r1 + ow + Lanes);
                Vector512<float> n2 = Vector512.LoadAligned(r2 + ow + Lanes);
                Vector512<float> acc = Vector512<float>.Zero;
                if (stride2)
                {
                    acc = Vector512.FusedMultiplyAdd(w00, a0, acc);
                    acc = Vector512.FusedMultiplyAdd(w01, Vector512.LoadAligned(r0 + phase1 + ow), acc);
                    acc = Vector512.FusedMultiplyAdd(w02, Avx512F.PermuteVar16x32x2(a0, shift1, n0), acc);
                    acc = Vector512.FusedMultiplyAdd(w10, a1, acc);
                    acc = Vector512.FusedMultiplyAdd(w11, Vector512.LoadAligned(r1 + phase1 + ow), acc);
                    acc = Vector512.FusedMultiplyAdd(w12, Avx512F.PermuteVar16x32x2(a1, shift1, n1), acc);
                    acc = Vector512.FusedMultiplyAdd(w20, a2, acc);
                    acc = Vector512.FusedMultiplyAdd(w21, Vector512.LoadAligned(r2 + phase1 + ow), acc);
                    acc = Vector512.FusedMultiplyAdd(w22, Avx512F.PermuteVar16x32x2(a2, shift1, n2), acc);
                }
                else
                {
                    acc = Vector512.FusedMultiplyAdd(w00, a0, acc);
                    acc = Vector512.FusedMultiplyAdd(w01, Avx512F.PermuteVar16x32x2(a0, shift1, n0), acc);
                    acc = Vector512.FusedMultiplyAdd(w02, Avx512F.PermuteVar16x32x2(a0, shift2, n0), acc);
                    acc = Vector512.FusedMultiplyAdd(w10, a1, acc);
                    acc = Vector512.FusedMultiplyAdd(w11, Avx512F.PermuteVar16x32x2(a1, shift1, n1), acc);
                    acc = Vector512.FusedMultiplyAdd(w12, Avx512F.PermuteVar16x32x2(a1, shift2, n1), acc);
                    acc = Vector512.FusedMultiplyAdd(w20, a2, acc);
                    acc = Vector512.FusedMultiplyAdd(w21, Avx512F.PermuteVar16x32x2(a2, shift1, n2), acc);
                    acc = Vector512.FusedMultiplyAdd(w22, Avx512F.PermuteVar16x32x2(a2, shift2, n2), acc);
                }

                if (hasBias)
                {
                    acc += bv;
                }

                Finish(acc, yRow + ow, skipRow == null ? null : skipRow + ow, g.OutW - ow, epilogue);
                (a0, a1, a2) = (n0, n1, n2);
            }
        }
    }

    /// <summary>Any kernel size, stride and dilation.</summary>
    private static void PlaneAny(float* buf, float* wk, bool hasBias, float b, float* yPlane, float* skipPlane, NnGeometry g, Layout layout, in ConvEpilogue epilogue)
    {
        int* taps = stackalloc int[g.KW];
        for (int kw = 0; kw < g.KW; kw++)
        {
            taps[kw] = TapOffset(kw, g, layout);
        }

        for (int oh = 0; oh < g.OutH; oh++)
        {
            float* yRow = yPlane + ((long)oh * g.OutW);
            float* skipRow = skipPlane == null ? null : skipPlane + ((long)oh * g.OutW);
            for (int ow = 0; ow < g.OutW; ow += Lanes)
            {
                Vector512<float> acc = Vector512<float>.Zero;
                for (int kh = 0; kh < g.KH; kh++)
                {
                    float* row = buf + ((long)((oh * g.SH) + (kh * g.DH)) * layout.RowLength) + ow;
                    float* wRow = wk + (kh * g.KW);
                    for (int kw = 0; kw < g.KW; kw++)
                    {
                        acc = Vector512.FusedMultiplyAdd(Vector512.Create(wRow[kw]), Vector512.Load(row + taps[kw]), acc);
                    }
                }

                if (hasBias)
                {
                    acc += Vector512.Create(b);
                }

                Finish(acc, yRow + ow, skipRow == null ? null : skipRow + ow, g.OutW - ow, epilogue);
            }
        }
    }

    /// <summary>Machines without 512-bit vectors: the chain one output at a time.</summary>
    private static void PlaneScalar(float* buf, float* wk, bool hasBias, float b, float* yPlane, NnGeometry g, Layout layout)
    {
        int* taps = stackalloc int[g.KW];
        for (int kw = 0; kw < g.KW; kw++)
        {
            taps[kw] = TapOffset(kw, g, layout);
        }

        for (int oh = 0; oh < g.OutH; oh++)
        {
            float* yRow = yPlane + ((long)oh * g.OutW);
            for (int j = 0; j < g.OutW; j++)
            {
                float acc = 0f;
                for (int kh = 0; kh < g.KH; kh++)
                {
                    float* row = buf + ((long)((oh * g.SH) + (kh * g.DH)) * layout.RowLength) + j;
                    for (int kw = 0; kw < g.KW; kw++)
                    {
                        acc = MathF.FusedMultiplyAdd(wk[(kh * g.KW) + kw], row[taps[kw]], acc);
                    }
                }

                yRow[j] = hasBias ? NnMath.AddBias(acc, b) : acc;
            }
        }
    }

    /// <summary>
    /// The absorbed epilogue on 16 outputs in registers, then their store; the last vector of a row (fewer than 16 valid
    /// outputs) reads its Add operands and stores through a lane mask.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Finish(Vector512<float> acc, float* y, float* skip, int valid, in ConvEpilogue epilogue)
    {
        bool fused = !epilogue.IsEmpty;
        if (valid >= Lanes)
        {
            Vector512.Store(fused ? epilogue.Apply(acc, skip) : acc, y);
            return;
        }

        Vector512<float> mask = Vector512.LessThan(Vector512<int>.Indices, Vector512.Create(valid)).AsSingle();
        Avx512F.MaskStore(y, mask, fused ? epilogue.ApplyMasked(acc, skip, mask) : acc);
    }
}
