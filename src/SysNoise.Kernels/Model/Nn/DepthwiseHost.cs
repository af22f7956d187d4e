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

    /// <summary>
    /// Planes padded ahead of their computation in the flat layout: a plane's taps are then loaded well after its masked
    /// stores retired (a load straddling stores still in flight cannot be forwarded and waits for them).
    /// </summary>
    private const int FlatSlots = 4;

    [ThreadStatic]
    private static float[]? scratch;

    /// <summary>The geometry whose zero padding <see cref="scratch"/> holds: only the interior changes from plane to plane.</summary>
    [ThreadStatic]
    private static PaddingKey scratchKey;

    [ThreadStatic]
    private static float[]? scratchKeyArray;

    private readonly record struct PaddingKey(int InH, int InW, int PH, int PW, int SW, int Rows, int PhaseLength, int FlatSlot);

    /// <summary>
    /// Planes at most 8 outputs wide (MobileNet's 7×7), 3×3 at unit stride and dilation: a row per vector would leave most
    /// lanes idle, so the padded plane is stored flat (<see cref="Layout"/>) and each vector covers several output rows.
    /// </summary>
    private static bool FlatApplies(NnGeometry g) =>
        g.KH == 3 && g.KW == 3 && g.SH == 1 && g.SW == 1 && g.DH == 1 && g.DW == 1 && g.OutW <= 8 && g.OutH * (g.OutW + 2) <= 4 * Lanes && Vector512.IsHardwareAccelerated;

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
                Planes(first, end, (float*)xa, (float*)wa, (float*)ba, (float*)ya, (float*)sa, g, layout, epilogue, g.OutSpatial, g.InSpatial);
            }
        }
    }

    /// <summary>
    /// One image's output rows from a band of its input rows, on the calling thread (<see cref="ExpandDepthwiseHost"/>):
    /// <paramref name="band"/> is the geometry of the band (batch 1, its input rows with the pad rows above them, its
    /// output rows); output plane c starts at y + c·<paramref name="yPlaneStride"/> (skip alike).
    /// </summary>
    internal static void Band(float* x, float* w, float* bias, float* y, float* skip, NnGeometry band, long yPlaneStride, ConvEpilogue epilogue) =>
        Planes(0, band.OutChannels, x, w, bias, y, skip, band, new Layout(band), epilogue, yPlaneStride, band.InSpatial);

    /// <summary>As <see cref="Band(float*, float*, float*, float*, float*, NnGeometry, long, ConvEpilogue)"/>, input plane c at x + c·<paramref name="xPlaneStride"/>.</summary>
    internal static void Band(float* x, long xPlaneStride, float* w, float* bias, float* y, float* skip, NnGeometry band, long yPlaneStride, ConvEpilogue epilogue) =>
        Planes(0, band.OutChannels, x, w, bias, y, skip, band, new Layout(band), epilogue, yPlaneStride, xPlaneStride);

    /// <summary>The padded, phase-split copy of one input plane.</summary>
    private readonly struct Layout
    {
        public Layout(NnGeometry g)
        {
            Rows = ((g.OutH - 1) * g.SH) + ((g.KH - 1) * g.DH) + 1;
            if (FlatApplies(g))
            {
                // Rows of OutW + 2 padded columns back to back; output (oh, ow) is flat index oh·pitch + ow, and its tap
                // (kh, kw) is flat index + kh·pitch + kw. Groups of four vectors read up to 2·pitch + 2 past their end.
                int pitch = g.OutW + 2;
                FlatVectors = ((g.OutH * pitch) + Lanes - 1) / Lanes;
                RowLength = pitch;
                FlatSlot = (Math.Max(Rows * pitch, (4 * Lanes) + (2 * pitch) + 2) + Lanes - 1) / Lanes * Lanes;
                Size = FlatSlots * FlatSlot;
                return;
            }

            int vectors = (g.OutW + Lanes - 1) / Lanes;
            // Phase p, element j ↔ padded column SW·j + p; the last vector of a row reads up to
            // vectors·16 − 1 + ((KW−1)·DW)/SW, or the whole vector after it (the aligned 3×3 kernel). A whole number of
            // vectors, so that every phase row starts on a 64-byte line.
            PhaseLength = (vectors * Lanes) + ((((((g.KW - 1) * g.DW) / g.SW) + 1 + Lanes - 1) / Lanes) * Lanes);
            RowLength = PhaseLength * g.SW;
            Size = Rows * RowLength;
        }

        public int Rows { get; }

        /// <summary>Vectors of flat outputs (<see cref="FlatApplies"/>), else 0.</summary>
        public int FlatVectors { get; }

        /// <summary>Elements per padded plane in the flat layout (whole vectors; 0 otherwise); <see cref="FlatSlots"/> planes are padded at a time.</summary>
        public int FlatSlot { get; }

        /// <summary>Elements per phase row (0 in the flat layout).</summary>
        public int PhaseLength { get; }

        public int RowLength { get; }

        public int Size { get; }
    }

    private static void Planes(int first, int end, float* x, float* w, float* bias, float* y, float* skip, NnGeometry g, Layout layout, ConvEpilogue epilogue, long yPlaneStride, long xPlaneStride)
    {
        // Lanes floats of slack: the buffer starts at the first 64-byte boundary of the array.
        float[] buffer = scratch is { } s && s.Length >= layout.Size + Lanes ? s : (scratch = GC.AllocateUninitializedArray<float>(layout.Size + Lanes, pinned: true));
        var key = new PaddingKey(g.InH, g.InW, g.PH, g.PW, g.SW, layout.Rows, layout.PhaseLength, layout.FlatSlot);
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
            if (layout.FlatVectors > 0)
            {
                FlatPlanes(first, end, x, w, bias, y, skip, g, layout, epilogue, yPlaneStride, xPlaneStride, buf);
                return;
            }

            long loadedPlane = -1;
            for (int plane = first; plane < end; plane++)
            {
                int n = plane / g.OutChannels, oc = plane % g.OutChannels;
                long inPlane = ((long)n * g.Channels) + (oc / ocg);
                if (inPlane != loadedPlane)
                {
                    Pad(x + (inPlane * xPlaneStride), buf, g, layout);
                    loadedPlane = inPlane;
                }

                float* yPlane = y + (plane * yPlaneStride);
                float* wk = w + ((long)oc * g.KernelSpatial);
                bool hasBias = bias != null;
                float b = hasBias ? bias[oc] : 0f;
                float* skipPlane = skip == null ? null : skip + (yPlane - y);
                if (g.KH == 3 && g.KW == 3 && g.DW == 1 && g.SW <= 2 && Vector512.IsHardwareAccelerated)
                {
                    if (g.SW == 1)
                    {
                        Plane3x3<ColumnStride1>(buf, wk, hasBias, b, yPlane, skipPlane, g, layout, epilogue);
                    }
                    else
                    {
                        Plane3x3<ColumnStride2>(buf, wk, hasBias, b, yPlane, skipPlane, g, layout, epilogue);
                    }
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
    /// Copies one input plane into the interior of the padded, phase-split layout. The rows above and below the input are
    /// not written: they hold the zeros the buffer was cleared with for this geometry (see <see cref="scratchKey"/>). At
    /// stride 1 and 2 every vector of an interior row is written whole and aligned (left and right padding as masked-off
    /// zeros): at stride 2, 32 input columns give phase 0's and phase 1's 16 elements at once.
    /// </summary>
    private static void Pad(float* src, float* buf, NnGeometry g, Layout layout)
    {
        int sw = g.SW, phaseLength = layout.PhaseLength;
        int firstRow = Math.Max(0, g.PH), endRow = Math.Min(layout.Rows, g.PH + g.InH);
        if (layout.FlatVectors > 0)
        {
            // One masked copy per input row (InW ≤ OutW + 2 ≤ 10 columns); the padding around it stays zero.
            Vector512<float> inside = Vector512.LessThan(Vector512<int>.Indices, Vector512.Create(g.InW)).AsSingle();
            for (int r = firstRow; r < endRow; r++)
            {
                float* s = src + ((long)(r - g.PH) * g.InW);
                Avx512F.MaskStore(buf + ((long)r * layout.RowLength) + g.PW, inside, Avx512F.MaskLoad(s, inside, Vector512<float>.Zero));
            }

            return;
        }

        if (sw <= 2 && Vector512.IsHardwareAccelerated)
        {
            var even = Vector512.Create(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
            var odd = Vector512.Create(1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31);
            for (int r = firstRow; r < endRow; r++)
            {
                float* row = buf + ((long)r * layout.RowLength);
                float* s = src + ((long)(r - g.PH) * g.InW);
                for (int k = 0; k < phaseLength; k += Lanes)
                {
                    // Padded columns sw·k .. sw·k + 16·sw − 1 are input columns c .. c + 16·sw − 1.
                    int c = (sw * k) - g.PW;
                    Vector512<float> lo = Columns(s, c, g.InW), hi = sw == 2 ? Columns(s, c + Lanes, g.InW) : default;
                    if (sw == 1)
                    {
                        Vector512.StoreAligned(lo, row + k);
                    }
                    else
                    {
                        Vector512.StoreAligned(Avx512F.PermuteVar16x32x2(lo, even, hi), row + k);
                        Vector512.StoreAligned(Avx512F.PermuteVar16x32x2(lo, odd, hi), row + phaseLength + k);
                    }
                }

            }

            return;
        }

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
                float* from = s + ((long)sw * lo) + p - g.PW;
                for (int j = lo; j < hi; j++, from += sw)
                {
                    dst[j] = *from;
                }
            }
        }
    }

    /// <summary>Input columns c .. c+15 of a row of <paramref name="width"/>; columns outside the row read as +0.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector512<float> Columns(float* row, int c, int width)
    {
        if (c >= 0 && c + Lanes <= width)
        {
            return Vector512.Load(row + c);
        }

        Vector512<int> col = Vector512<int>.Indices + Vector512.Create(c);
        Vector512<float> inside = (Vector512.GreaterThanOrEqual(col, Vector512<int>.Zero) & Vector512.LessThan(col, Vector512.Create(width))).AsSingle();
        return Avx512F.MaskLoad(row + c, inside, Vector512<float>.Zero);
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
    /// registers, and every load is an aligned whole line. Four output rows run together, so four independent FMA chains
    /// hide each other's latency (one row's chain alone waits on it: measured 2–3× slower on 7- and 14-wide planes); at
    /// unit row stride and dilation their six input rows' taps are formed once and shared. A last block of fewer rows
    /// computes clamped copies of the last row and stores only its own.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Plane3x3<TStride>(float* buf, float* wk, bool hasBias, float b, float* yPlane, float* skipPlane, NnGeometry g, Layout layout, in ConvEpilogue epilogue)
        where TStride : struct, IColumnTaps
    {
        Vector512<float> w00 = Vector512.Create(wk[0]), w01 = Vector512.Create(wk[1]), w02 = Vector512.Create(wk[2]);
        Vector512<float> w10 = Vector512.Create(wk[3]), w11 = Vector512.Create(wk[4]), w12 = Vector512.Create(wk[5]);
        Vector512<float> w20 = Vector512.Create(wk[6]), w21 = Vector512.Create(wk[7]), w22 = Vector512.Create(wk[8]);
        Vector512<float> bv = Vector512.Create(b);
        int phase1 = layout.PhaseLength;
        long rowLength = layout.RowLength, kernelRow = g.DH * rowLength;
        bool shared = g.SH == 1 && g.DH == 1;
        for (int oh = 0; oh < g.OutH; oh += 4)
        {
            int rows = Math.Min(4, g.OutH - oh);
            // Shared: input rows oh .. oh+5. Otherwise tap row 0 of output rows oh .. oh+3. Both clamped for the rows a
            // short last block computes but does not store.
            int last = shared ? layout.Rows - 1 : g.OutH - 1;
            long step = (shared ? 1 : g.SH) * rowLength;
            float* i0 = buf + (oh * step);
            float* i1 = buf + (Math.Min(oh + 1, last) * step), i2 = buf + (Math.Min(oh + 2, last) * step), i3 = buf + (Math.Min(oh + 3, last) * step);
            float* i4 = buf + (Math.Min(oh + 4, last) * step), i5 = buf + (Math.Min(oh + 5, last) * step);
            for (int ow = 0; ow < g.OutW; ow += Lanes)
            {
                Vector512<float> a0 = Vector512<float>.Zero, a1 = a0, a2 = a0, a3 = a0;
                Vector512<float> t0, t1, t2;
                if (shared)
                {
                    // Input row oh+i is tap row i − j of output row j; each output's chain stays (kh, kw) in order.
                    Taps<TStride>(i0 + ow, phase1, out t0, out t1, out t2);
                    a0 = Fma3(a0, w00, w01, w02, t0, t1, t2);
                    Taps<TStride>(i1 + ow, phase1, out t0, out t1, out t2);
                    a0 = Fma3(a0, w10, w11, w12, t0, t1, t2);
                    a1 = Fma3(a1, w00, w01, w02, t0, t1, t2);
                    Taps<TStride>(i2 + ow, phase1, out t0, out t1, out t2);
                    a0 = Fma3(a0, w20, w21, w22, t0, t1, t2);
                    a1 = Fma3(a1, w10, w11, w12, t0, t1, t2);
                    a2 = Fma3(a2, w00, w01, w02, t0, t1, t2);
                    Taps<TStride>(i3 + ow, phase1, out t0, out t1, out t2);
                    a1 = Fma3(a1, w20, w21, w22, t0, t1, t2);
                    a2 = Fma3(a2, w10, w11, w12, t0, t1, t2);
                    a3 = Fma3(a3, w00, w01, w02, t0, t1, t2);
                    Taps<TStride>(i4 + ow, phase1, out t0, out t1, out t2);
                    a2 = Fma3(a2, w20, w21, w22, t0, t1, t2);
                    a3 = Fma3(a3, w10, w11, w12, t0, t1, t2);
                    Taps<TStride>(i5 + ow, phase1, out t0, out t1, out t2);
                    a3 = Fma3(a3, w20, w21, w22, t0, t1, t2);
                }
                else
                {
                    Taps<TStride>(i0 + ow, phase1, out t0, out t1, out t2);
                    a0 = Fma3(a0, w00, w01, w02, t0, t1, t2);
                    Taps<TStride>(i1 + ow, phase1, out t0, out t1, out t2);
                    a1 = Fma3(a1, w00, w01, w02, t0, t1, t2);
                    Taps<TStride>(i2 + ow, phase1, out t0, out t1, out t2);
                    a2 = Fma3(a2, w00, w01, w02, t0, t1, t2);
                    Taps<TStride>(i3 + ow, phase1, out t0, out t1, out t2);
                    a3 = Fma3(a3, w00, w01, w02, t0, t1, t2);
                    Taps<TStride>(i0 + kernelRow + ow, phase1, out t0, out t1, out t2);
                    a0 = Fma3(a0, w10, w11, w12, t0, t1, t2);
                    Taps<TStride>(i1 + kernelRow + ow, phase1, out t0, out t1, out t2);
                    a1 = Fma3(a1, w10, w11, w12, t0, t1, t2);
                    Taps<TStride>(i2 + kernelRow + ow, phase1, out t0, out t1, out t2);
                    a2 = Fma3(a2, w10, w11, w12, t0, t1, t2);
                    Taps<TStride>(i3 + kernelRow + ow, phase1, out t0, out t1, out t2);
                    a3 = Fma3(a3, w10, w11, w12, t0, t1, t2);
                    Taps<TStride>(i0 + (2 * kernelRow) + ow, phase1, out t0, out t1, out t2);
                    a0 = Fma3(a0, w20, w21, w22, t0, t1, t2);
                    Taps<TStride>(i1 + (2 * kernelRow) + ow, phase1, out t0, out t1, out t2);
                    a1 = Fma3(a1, w20, w21, w22, t0, t1, t2);
                    Taps<TStride>(i2 + (2 * kernelRow) + ow, phase1, out t0, out t1, out t2);
                    a2 = Fma3(a2, w20, w21, w22, t0, t1, t2);
                    Taps<TStride>(i3 + (2 * kernelRow) + ow, phase1, out t0, out t1, out t2);
                    a3 = Fma3(a3, w20, w21, w22, t0, t1, t2);
                }

                if (hasBias)
                {
                    a0 += bv;
                    a1 += bv;
                    a2 += bv;
                    a3 += bv;
                }

                int valid = g.OutW - ow;
                long at = ((long)oh * g.OutW) + ow;
                Finish(a0, yPlane + at, skipPlane == null ? null : skipPlane + at, valid, epilogue);
                if (rows > 1)
                {
                    at += g.OutW;
                    Finish(a1, yPlane + at, skipPlane == null ? null : skipPlane + at, valid, epilogue);
                }

                if (rows > 2)
                {
                    at += g.OutW;
                    Finish(a2, yPlane + at, skipPlane == null ? null : skipPlane + at, valid, epilogue);
                }

                if (rows > 3)
                {
                    at += g.OutW;
                    Finish(a3, yPlane + at, skipPlane == null ? null : skipPlane + at, valid, epilogue);
                }
            }
        }
    }

    /// <summary>The flat layout: planes padded <see cref="FlatSlots"/> at a time, then computed.</summary>
    private static void FlatPlanes(int first, int end, float* x, float* w, float* bias, float* y, float* skip, NnGeometry g, Layout layout, ConvEpilogue epilogue, long yPlaneStride, long xPlaneStride, float* buf)
    {
        int ocg = g.GroupOutChannels;
        for (int plane0 = first; plane0 < end; plane0 += FlatSlots)
        {
            int count = Math.Min(FlatSlots, end - plane0);
            for (int k = 0; k < count; k++)
            {
                int plane = plane0 + k, n = plane / g.OutChannels, oc = plane % g.OutChannels;
                Pad(x + ((((long)n * g.Channels) + (oc / ocg)) * xPlaneStride), buf + ((long)k * layout.FlatSlot), g, layout);
            }

            for (int k = 0; k < count; k++)
            {
                int plane = plane0 + k, oc = plane % g.OutChannels;
                float* yPlane = y + (plane * yPlaneStride);
                PlaneFlat3x3(buf + ((long)k * layout.FlatSlot), w + ((long)oc * 9), bias != null, bias != null ? bias[oc] : 0f, yPlane, skip == null ? null : skip + (yPlane - y), g, layout, epilogue);
            }
        }
    }

    /// <summary>
    /// The flat layout's 3×3 on one plane: its (at most four) vectors of flat outputs as four independent chains, each tap
    /// one unaligned load; every output's chain is the same (kh, kw) order from +0, then the bias. The lanes past a row's
    /// last output compute values that are never stored; each output row is cut out of the registers by a permute.
    /// </summary>
    private static void PlaneFlat3x3(float* p, float* wk, bool hasBias, float b, float* yPlane, float* skipPlane, NnGeometry g, Layout layout, in ConvEpilogue epilogue)
    {
        int pitch = layout.RowLength;
        Vector512<float> a0 = Vector512<float>.Zero, a1 = a0, a2 = a0, a3 = a0;
        for (int kh = 0; kh < 3; kh++)
        {
            for (int kw = 0; kw < 3; kw++)
            {
                Vector512<float> wv = Vector512.Create(wk[(kh * 3) + kw]);
                float* t = p + (kh * pitch) + kw;
                a0 = Vector512.FusedMultiplyAdd(wv, Vector512.Load(t), a0);
                a1 = Vector512.FusedMultiplyAdd(wv, Vector512.Load(t + Lanes), a1);
                a2 = Vector512.FusedMultiplyAdd(wv, Vector512.Load(t + (2 * Lanes)), a2);
                a3 = Vector512.FusedMultiplyAdd(wv, Vector512.Load(t + (3 * Lanes)), a3);
            }
        }

        if (hasBias)
        {
            Vector512<float> bv = Vector512.Create(b);
            a0 += bv;
            a1 += bv;
            a2 += bv;
            a3 += bv;
        }

        for (int oh = 0; oh < g.OutH; oh++)
        {
            int start = oh * pitch, v = start / Lanes, offset = start % Lanes;
            Vector512<float> lo = v switch { 0 => a0, 1 => a1, 2 => a2, _ => a3 }, hi = v switch { 0 => a1, 1 => a2, _ => a3 };
            Vector512<float> row = offset == 0 ? lo : Avx512F.PermuteVar16x32x2(lo, Vector512<int>.Indices + Vector512.Create(offset), hi);
            long at = (long)oh * g.OutW;
            Finish(row, yPlane + at, skipPlane == null ? null : skipPlane + at, g.OutW, epilogue);
        }
    }

    /// <summary>acc = fma(wc, t2, fma(wb, t1, fma(wa, t0, acc))): one kernel row of the chain.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Fma3(Vector512<float> acc, Vector512<float> wa, Vector512<float> wb, Vector512<float> wc, Vector512<float> t0, Vector512<float> t1, Vector512<float> t2) =>
        Vector512.FusedMultiplyAdd(wc, t2, Vector512.FusedMultiplyAdd(wb, t1, Vector512.FusedMultiplyAdd(wa, t0, acc)));

    /// <summary>Taps kw = 0, 1, 2 of the 16 outputs whose tap 0 is the aligned line at <paramref name="p"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Taps<TStride>(float* p, int phase1, out Vector512<float> t0, out Vector512<float> t1, out Vector512<float> t2)
        where TStride : struct, IColumnTaps
    {
        Vector512<float> a = Vector512.LoadAligned(p), n = Vector512.LoadAligned(p + Lanes);
        t0 = a;
        t1 = default(TStride).Tap1(a, n, p + phase1);
        t2 = default(TStride).Tap2(a, n);
    }

    /// <summary>How taps 1 and 2 of a padded row follow from its aligned line and the next (<see cref="Plane3x3{TStride}"/>).</summary>
    private interface IColumnTaps
    {
        Vector512<float> Tap1(Vector512<float> line, Vector512<float> next, float* phase1Line);

        Vector512<float> Tap2(Vector512<float> line, Vector512<float> next);
    }

    /// <summary>Stride 1: taps 1 and 2 are the line shifted by one and two lanes into the next one.</summary>
    private readonly struct ColumnStride1 : IColumnTaps
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public Vector512<float> Tap1(Vector512<float> line, Vector512<float> next, float* phase1Line) =>
            Avx512F.PermuteVar16x32x2(line, Vector512.Create(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16), next);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public Vector512<float> Tap2(Vector512<float> line, Vector512<float> next) =>
            Avx512F.PermuteVar16x32x2(line, Vector512.Create(2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17), next);
    }

    /// <summary>Stride 2: tap 1 is phase 1's line, tap 2 phase 0 shifted by one lane.</summary>
    private readonly struct ColumnStride2 : IColumnTaps
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public Vector512<float> Tap1(Vector512<float> line, Vector512<float> next, float* phase1Line) => Vector512.LoadAligned(phase1Line);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public Vector512<float> Tap2(Vector512<float> line, Vector512<float> next) =>
            Avx512F.PermuteVar16x32x2(line, Vector512.Create(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16), next);
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
