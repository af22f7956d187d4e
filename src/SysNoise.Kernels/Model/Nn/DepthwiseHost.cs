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
            // Stride 2 reads the input rows in place (measured faster than de-interleaving a padded copy); stride 1 pads a
            // copy, whose aligned unmasked loads beat masked ones. (The direct path keeps two masks per column block and kw
            // on the stack: bounded.)
            bool direct = Avx512F.IsSupported && g.SW == 2 && (long)((g.OutW + Lanes - 1) / Lanes) * g.KW <= 1024;
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
                if (direct)
                {
                    PlanesDirect(first, end, (float*)xa, (float*)wa, (float*)ba, (float*)ya, (float*)sa, g, epilogue);
                }
                else
                {
                    Planes(first, end, (float*)xa, (float*)wa, (float*)ba, (float*)ya, (float*)sa, g, layout, epilogue);
                }
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
            // vectors·16 − 1 + ((KW−1)·DW)/SW.
            PhaseLength = (vectors * Lanes) + (((g.KW - 1) * g.DW) / g.SW) + 1;
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
        float[] buffer = scratch is { } s && s.Length >= layout.Size ? s : (scratch = GC.AllocateUninitializedArray<float>(layout.Size, pinned: true));
        fixed (float* buf = buffer)
        {
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
                if (g.KH == 3 && g.KW == 3 && Vector512.IsHardwareAccelerated)
                {
                    Plane3x3(buf, wk, hasBias, b, yPlane, g, layout);
                }
                else
                {
                    PlaneAny(buf, wk, hasBias, b, yPlane, g, layout);
                }

                if (!epilogue.IsEmpty)
                {
                    epilogue.Apply(yPlane, skip == null ? null : skip + (yPlane - y), g.OutSpatial);
                }
            }
        }
    }

    /// <summary>
    /// AVX-512, stride 2 (1 works too): taps read straight from the input rows through lane masks (columns outside the row
    /// load as 0; a row outside the input is a zero vector), so no padded copy is made. At stride 2 two masked loads
    /// are permuted to their even lanes. The lane masks depend only on the output column block and kw: built once.
    /// </summary>
    private static void PlanesDirect(int first, int end, float* x, float* w, float* bias, float* y, float* skip, NnGeometry g, ConvEpilogue epilogue)
    {
        int ocg = g.GroupOutChannels;
        int blocks = (g.OutW + Lanes - 1) / Lanes;
        int taps = g.KernelSpatial;
        var lane = Vector512.Create(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
        var even = Vector512.Create(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
        Vector512<uint> inW = Vector512.Create((uint)g.InW);
        bool stride2 = g.SW == 2;

        // Per (block, kw): first input column and the masks of the one or two loads.
        int count = blocks * g.KW;
        int* start = stackalloc int[count];
        bool* interior = stackalloc bool[blocks];
        Vector512<float>* lo = stackalloc Vector512<float>[count];
        Vector512<float>* hi = stackalloc Vector512<float>[count];
        for (int bl = 0; bl < blocks; bl++)
        {
            // Every load of the block inside the row: plain loads.
            int lowest = (bl * Lanes * g.SW) - g.PW, highest = lowest + ((g.KW - 1) * g.DW) + (Lanes * g.SW) - 1;
            interior[bl] = lowest >= 0 && highest < g.InW;
            for (int kw = 0; kw < g.KW; kw++)
            {
                int c0 = (bl * Lanes * g.SW) - g.PW + (kw * g.DW);
                int i = (bl * g.KW) + kw;
                start[i] = c0;
                lo[i] = Vector512.LessThan((lane + Vector512.Create(c0)).AsUInt32(), inW).AsSingle();
                hi[i] = Vector512.LessThan((lane + Vector512.Create(c0 + Lanes)).AsUInt32(), inW).AsSingle();
            }
        }

        Vector512<float>* wv = stackalloc Vector512<float>[taps];
        Vector512<float> outMask = Vector512.LessThan(lane, Vector512.Create(g.OutW - ((blocks - 1) * Lanes))).AsSingle();
        for (int plane = first; plane < end; plane++)
        {
            int n = plane / g.OutChannels, oc = plane % g.OutChannels;
            float* src = x + ((((long)n * g.Channels) + (oc / ocg)) * g.InSpatial);
            float* yPlane = y + ((long)plane * g.OutSpatial);
            float* wk = w + ((long)oc * taps);
            for (int tap = 0; tap < taps; tap++)
            {
                wv[tap] = Vector512.Create(wk[tap]);
            }

            bool hasBias = bias != null;
            Vector512<float> bv = Vector512.Create(hasBias ? bias[oc] : 0f);
            for (int oh = 0; oh < g.OutH; oh++)
            {
                float* yRow = yPlane + ((long)oh * g.OutW);
                for (int bl = 0; bl < blocks; bl++)
                {
                    bool plain = interior[bl];
                    Vector512<float> acc = Vector512<float>.Zero;
                    for (int kh = 0; kh < g.KH; kh++)
                    {
                        int ih = (oh * g.SH) - g.PH + (kh * g.DH);
                        bool inside = (uint)ih < (uint)g.InH;
                        float* row = src + ((long)ih * g.InW);
                        Vector512<float>* wRow = wv + (kh * g.KW);
                        for (int kw = 0; kw < g.KW; kw++)
                        {
                            int i = (bl * g.KW) + kw;
                            Vector512<float> v = Vector512<float>.Zero;
                            if (inside)
                            {
                                int c0 = start[i];
                                if (plain)
                                {
                                    v = Vector512.Load(row + c0);
                                    if (stride2)
                                    {
                                        v = Avx512F.PermuteVar16x32x2(v, even, Vector512.Load(row + c0 + Lanes));
                                    }
                                }
                                else
                                {
                                    v = Avx512F.MaskLoad(row + c0, lo[i], Vector512<float>.Zero);
                                    if (stride2)
                                    {
                                        v = Avx512F.PermuteVar16x32x2(v, even, Avx512F.MaskLoad(row + c0 + Lanes, hi[i], Vector512<float>.Zero));
                                    }
                                }
                            }

                            acc = Vector512.FusedMultiplyAdd(wRow[kw], v, acc);
                        }
                    }

                    if (hasBias)
                    {
                        acc += bv;
                    }

                    if (bl < blocks - 1)
                    {
                        Vector512.Store(acc, yRow + (bl * Lanes));
                    }
                    else
                    {
                        Avx512F.MaskStore(yRow + (bl * Lanes), outMask, acc);
                    }
                }
            }

            if (!epilogue.IsEmpty)
            {
                epilogue.Apply(yPlane, skip == null ? null : skip + (yPlane - y), g.OutSpatial);
            }
        }
    }

    /// <summary>Copies one input plane into the padded, phase-split layout (zeros outside the input).</summary>
    private static void Pad(float* src, float* buf, NnGeometry g, Layout layout)
    {
        int sw = g.SW, phaseLength = layout.PhaseLength;
        for (int r = 0; r < layout.Rows; r++)
        {
            float* row = buf + ((long)r * layout.RowLength);
            int ih = r - g.PH;
            if (ih < 0 || ih >= g.InH)
            {
                new Span<float>(row, layout.RowLength).Clear();
                continue;
            }

            float* s = src + ((long)ih * g.InW);
            for (int p = 0; p < sw; p++)
            {
                float* dst = row + (p * phaseLength);

                // Element j is input column sw·j + p − PW: inside for j in [lo, hi).
                int lo = Math.Clamp(CeilDiv(g.PW - p, sw), 0, phaseLength);
                int hi = Math.Clamp(CeilDiv(g.InW + g.PW - p, sw), lo, phaseLength);
                new Span<float>(dst, lo).Clear();
                if (sw == 1)
                {
                    Buffer.MemoryCopy(s + lo - g.PW, dst + lo, (hi - lo) * sizeof(float), (hi - lo) * sizeof(float));
                }
                else
                {
                    float* from = s + ((long)sw * lo) + p - g.PW;
                    for (int j = lo; j < hi; j++, from += sw)
                    {
                        dst[j] = *from;
                    }
                }

                new Span<float>(dst + hi, phaseLength - hi).Clear();
            }
        }
    }

    private static int CeilDiv(int a, int b) => a <= 0 ? -(-a / b) : (a + b - 1) / b;

    /// <summary>Where tap kw of output column 0 sits in a padded row: phase (kw·DW) mod SW, element (kw·DW) / SW.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int TapOffset(int kw, NnGeometry g, Layout layout)
    {
        int c = kw * g.DW;
        return ((c % g.SW) * layout.PhaseLength) + (c / g.SW);
    }

    /// <summary>3×3 kernels (MobileNet, PP-OCR): the nine weights stay in registers.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Plane3x3(float* buf, float* wk, bool hasBias, float b, float* yPlane, NnGeometry g, Layout layout)
    {
        Vector512<float> w00 = Vector512.Create(wk[0]), w01 = Vector512.Create(wk[1]), w02 = Vector512.Create(wk[2]);
        Vector512<float> w10 = Vector512.Create(wk[3]), w11 = Vector512.Create(wk[4]), w12 = Vector512.Create(wk[5]);
        Vector512<float> w20 = Vector512.Create(wk[6]), w21 = Vector512.Create(wk[7]), w22 = Vector512.Create(wk[8]);
        Vector512<float> bv = Vector512.Create(b);
        int t0 = TapOffset(0, g, layout), t1 = TapOffset(1, g, layout), t2 = TapOffset(2, g, layout);
        long rowStep = (long)g.DH * layout.RowLength;
        float* tail = stackalloc float[Lanes];
        for (int oh = 0; oh < g.OutH; oh++)
        {
            float* r0 = buf + ((long)oh * g.SH * layout.RowLength);
            float* r1 = r0 + rowStep, r2 = r1 + rowStep;
            float* yRow = yPlane + ((long)oh * g.OutW);
            for (int ow = 0; ow < g.OutW; ow += Lanes)
            {
                Vector512<float> acc = Vector512<float>.Zero;
                acc = Vector512.FusedMultiplyAdd(w00, Vector512.Load(r0 + t0 + ow), acc);
                acc = Vector512.FusedMultiplyAdd(w01, Vector512.Load(r0 + t1 + ow), acc);
                acc = Vector512.FusedMultiplyAdd(w02, Vector512.Load(r0 + t2 + ow), acc);
                acc = Vector512.FusedMultiplyAdd(w10, Vector512.Load(r1 + t0 + ow), acc);
                acc = Vector512.FusedMultiplyAdd(w11, Vector512.Load(r1 + t1 + ow), acc);
                acc = Vector512.FusedMultiplyAdd(w12, Vector512.Load(r1 + t2 + ow), acc);
                acc = Vector512.FusedMultiplyAdd(w20, Vector512.Load(r2 + t0 + ow), acc);
                acc = Vector512.FusedMultiplyAdd(w21, Vector512.Load(r2 + t1 + ow), acc);
                acc = Vector512.FusedMultiplyAdd(w22, Vector512.Load(r2 + t2 + ow), acc);
                if (hasBias)
                {
                    acc += bv;
                }

                Store(acc, yRow, ow, g.OutW, tail);
            }
        }
    }

    /// <summary>Any kernel size, stride and dilation.</summary>
    private static void PlaneAny(float* buf, float* wk, bool hasBias, float b, float* yPlane, NnGeometry g, Layout layout)
    {
        int* taps = stackalloc int[g.KW];
        for (int kw = 0; kw < g.KW; kw++)
        {
            taps[kw] = TapOffset(kw, g, layout);
        }

        float* tail = stackalloc float[Lanes];
        for (int oh = 0; oh < g.OutH; oh++)
        {
            float* yRow = yPlane + ((long)oh * g.OutW);
            for (int ow = 0; ow < g.OutW; ow += Lanes)
            {
                if (Vector512.IsHardwareAccelerated)
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

                    Store(acc, yRow, ow, g.OutW, tail);
                }
                else
                {
                    for (int j = ow; j < Math.Min(ow + Lanes, g.OutW); j++)
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
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(Vector512<float> v, float* yRow, int ow, int outW, float* tail)
    {
        if (ow + Lanes <= outW)
        {
            Vector512.Store(v, yRow + ow);
            return;
        }

        Vector512.Store(v, tail);
        for (int j = 0; ow + j < outW; j++)
        {
            yRow[ow + j] = tail[j];
        }
    }
}
