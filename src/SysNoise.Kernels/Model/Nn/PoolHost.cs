using SysNoise.Kernels.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace SysNoise.Kernels.Model.Nn;

/// <summary>
/// Host loops of the per-window ops (pooling, transposed convolution, batch normalisation): each output element calls
/// the same <see cref="NnMath"/> function as the ILGPU kernel, in parallel over planes.
/// </summary>
public static unsafe class PoolHost
{
    private static void ForPlanes(int planes, long workPerPlane, int threads, Action<int> body)
    {
        long work = planes * workPerPlane;
        if (threads <= 1 || planes <= 1 || work < 200_000)
        {
            for (int p = 0; p < planes; p++)
            {
                body(p);
            }

            return;
        }

        HostParallel.For(planes, threads, body);
    }

    public static void MaxPool(float[] x, float[] y, long[]? indices, NnGeometry g, int storageOrder, int threads)
    {
        int planes = g.Batch * g.Channels;
        if (indices is null && g.KD == 1 && g.InD == 1 && g.OutD == 1)
        {
            MaxPool2D(x, y, g, planes, threads);
            return;
        }

        fixed (float* xp = x)
        {
            fixed (float* yp = y)
            {
                nint xa = (nint)xp, ya = (nint)yp;
                ForPlanes(planes, (long)g.OutSpatial * g.KernelSpatial, threads, plane =>
                {
                    var src = new PointerSource((float*)xa);
                    float* dst = (float*)ya;
                    long inBase = (long)plane * g.InSpatial;
                    long o = (long)plane * g.OutSpatial;
                    for (int od = 0; od < g.OutD; od++)
                    {
                        for (int oh = 0; oh < g.OutH; oh++)
                        {
                            for (int ow = 0; ow < g.OutW; ow++, o++)
                            {
                                PoolMax m = NnMath.MaxWindow(src, g, inBase, od, oh, ow, storageOrder);
                                dst[o] = m.Value;
                                if (indices is not null)
                                {
                                    indices[o] = m.Index;
                                }
                            }
                        }
                    }
                });
            }
        }
    }

    /// <summary>
    /// 2-D MaxPool without indices: <see cref="NnMath.MaxWindow"/>'s rule (first strict maximum over the taps inside
    /// the input, in (kh, kw) order; −inf for an empty window) with the valid tap ranges computed once per row/column.
    /// </summary>
    private static void MaxPool2D(float[] x, float[] y, NnGeometry g, int planes, int threads)
    {
        // Valid kw range per output column, computed once.
        int[] kw0 = new int[g.OutW], kw1 = new int[g.OutW];
        for (int ow = 0; ow < g.OutW; ow++)
        {
            (kw0[ow], kw1[ow]) = TapsInside((ow * g.SW) - g.PW, g.KW, g.DW, g.InW);
        }

        // Columns whose whole window lies inside the row: [interiorLo, interiorHi).
        int interiorLo = 0, interiorHi = 0;
        for (int ow = g.OutW - 1; ow >= 0 && interiorHi == 0; ow--)
        {
            interiorHi = kw0[ow] == 0 && kw1[ow] == g.KW ? ow + 1 : 0;
        }

        while (interiorLo < interiorHi && !(kw0[interiorLo] == 0 && kw1[interiorLo] == g.KW))
        {
            interiorLo++;
        }

        bool vector = Avx512F.IsSupported && g.SW <= 2;
        bool separable = Avx512F.IsSupported && g.KW == 3 && g.SW == 2 && g.DW == 1 && g.DH == 1 && interiorHi - interiorLo >= 16;
        fixed (float* xp = x)
        {
            fixed (float* yp = y)
            {
                nint xa = (nint)xp, ya = (nint)yp;
                ForPlanes(planes, (long)g.OutSpatial * g.KernelSpatial, threads, plane =>
                {
                    float* src = (float*)xa + ((long)plane * g.InSpatial);
                    float* dst = (float*)ya + ((long)plane * g.OutSpatial);
                    if (separable && SeparablePlane3S2(src, dst, g, interiorLo, interiorHi, kw0, kw1))
                    {
                        return;
                    }

                    for (int oh = 0; oh < g.OutH; oh++)
                    {
                        int hs = (oh * g.SH) - g.PH;
                        (int a, int b) = TapsInside(hs, g.KH, g.DH, g.InH);
                        float* dstRow = dst + ((long)oh * g.OutW);
                        int ow = 0;
                        while (ow < g.OutW)
                        {
                            // Up to 16 interior outputs (every kw tap inside the row) at once, when the row has taps:
                            // a scalar max branches on every tap, mispredicting on half of them.
                            if (vector && a < b && ow >= interiorLo && ow < interiorHi)
                            {
                                int count = Math.Min(16, interiorHi - ow);
                                MaxRowVector(src, hs, a, b, ow, count, g, dstRow + ow);
                                ow += count;
                                continue;
                            }

                            float best = float.NegativeInfinity;
                            bool any = false;
                            int ws = (ow * g.SW) - g.PW;
                            for (int kh = a; kh < b; kh++)
                            {
                                float* row = src + ((long)(hs + (kh * g.DH)) * g.InW) + ws;
                                for (int kw = kw0[ow]; kw < kw1[ow]; kw++)
                                {
                                    float v = row[kw * g.DW];
                                    if (v > best || !any)
                                    {
                                        best = v;
                                        any = true;
                                    }
                                }
                            }

                            dstRow[ow] = best;
                            ow++;
                        }
                    }
                });
            }
        }
    }

    /// <summary>The taps [A, B) of a window of <paramref name="k"/> taps <paramref name="dilation"/> apart from <paramref name="start"/> that fall inside [0, <paramref name="extent"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (int A, int B) TapsInside(int start, int k, int dilation, int extent)
    {
        int a = 0, b = k;
        while (a < b && start + (a * dilation) < 0)
        {
            a++;
        }

        while (b > a && start + ((b - 1) * dilation) >= extent)
        {
            b--;
        }

        return (a, b);
    }

    /// <summary>Per-thread row maxima of <see cref="SeparablePlane3S2"/>: one row of outputs per input row.</summary>
    [ThreadStatic]
    private static float[]? rowMaxima;

    /// <summary>
    /// A plane of a 3-wide, column-stride-2 MaxPool (ResNet's 3×3 s2 stem pool) as two passes: each input row's maximum
    /// over each output column's taps, once per row (consecutive output rows share a row), then the maximum of the
    /// window's rows. Without a NaN that is the scalar rule exactly: the first strict maximum in (kh, kw) order is the
    /// first strict maximum among the rows' first strict maxima (a row with no tap inside gives −inf, which never
    /// replaces), and MAXPS keeps its second operand on ties (±0 included). A NaN can differ (a row led by a NaN would
    /// hide the row's later taps), so a plane holding one returns false and runs the tap-by-tap rule.
    /// </summary>
    private static bool SeparablePlane3S2(float* src, float* dst, in NnGeometry g, int lo, int hi, int[] kw0, int[] kw1)
    {
        int outW = g.OutW, inW = g.InW;
        float[] buffer = rowMaxima is { } r && r.Length >= g.InH * outW ? r : (rowMaxima = new float[g.InH * outW]);
        var tap0 = Vector512.Create(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
        var tap1 = Vector512.Create(1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31);
        var shift = Vector512.Create(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16);
        fixed (float* rows = buffer)
        {
            // Pass 1. Interior columns 16 outputs from 33 inputs; groups overlap at the interior's end (recomputing the
            // same values) so that no load passes the last window's last tap. Border columns tap by tap.
            Vector512<float> ordered = Vector512<float>.AllBitsSet; // a lane clears once one of its values is a NaN
            for (int ih = 0; ih < g.InH; ih++)
            {
                float* row = src + ((long)ih * inW);
                float* maxima = rows + ((long)ih * outW);
                for (int ow = lo; ow < hi; ow += 16)
                {
                    int o = Math.Min(ow, hi - 16);
                    float* p = row + ((o * 2) - g.PW);
                    Vector512<float> l0 = Vector512.Load(p), l1 = Vector512.Load(p + 16), last = Vector512.Create(p[32]);
                    ordered &= Vector512.Equals(l0, l0) & Vector512.Equals(l1, l1) & Vector512.Equals(last, last);
                    Vector512<float> a = Avx512F.PermuteVar16x32x2(l0, tap0, l1), b = Avx512F.PermuteVar16x32x2(l0, tap1, l1);
                    Vector512<float> c = Avx512F.PermuteVar16x32x2(a, shift, last);
                    Vector512.Store(Avx512F.Max(c, Avx512F.Max(b, a)), maxima + o);
                }

                if (!BorderMaxima(row, maxima, 0, lo, g.PW, kw0, kw1) || !BorderMaxima(row, maxima, hi, outW, g.PW, kw0, kw1))
                {
                    return false;
                }
            }

            if (!Vector512.EqualsAll(ordered.AsUInt32(), Vector512<uint>.AllBitsSet))
            {
                return false;
            }

            // Pass 2: each output row's window rows, first row first, all columns (the last group overlapping).
            for (int oh = 0; oh < g.OutH; oh++)
            {
                int hs = (oh * g.SH) - g.PH;
                (int a, int b) = TapsInside(hs, g.KH, 1, g.InH);
                float* dstRow = dst + ((long)oh * outW);
                for (int o = 0; o < outW; o += 16)
                {
                    int start = Math.Min(o, outW - 16);
                    Vector512<float> best = Vector512.Create(float.NegativeInfinity);
                    if (a < b)
                    {
                        best = Vector512.Load(rows + ((long)(hs + a) * outW) + start);
                        for (int kh = a + 1; kh < b; kh++)
                        {
                            best = Avx512F.Max(Vector512.Load(rows + ((long)(hs + kh) * outW) + start), best);
                        }
                    }

                    Vector512.Store(best, dstRow + start);
                }
            }
        }

        return true;
    }

    /// <summary>
    /// One input row's maxima for the border output columns [<paramref name="from"/>, <paramref name="to"/>) of a
    /// stride-2 pool, tap by tap (first strict maximum); false at a NaN (the plane then runs the tap-by-tap rule).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool BorderMaxima(float* row, float* maxima, int from, int to, int pw, int[] kw0, int[] kw1)
    {
        for (int ow = from; ow < to; ow++)
        {
            float best = float.NegativeInfinity;
            float* taps = row + ((ow * 2) - pw);
            for (int kw = kw0[ow]; kw < kw1[ow]; kw++)
            {
                float v = taps[kw];
                if (float.IsNaN(v))
                {
                    return false;
                }

                best = v > best || kw == kw0[ow] ? v : best;
            }

            maxima[ow] = best;
        }

        return true;
    }

    /// <summary>
    /// Outputs [ow, ow + count) of one row (count ≤ 16), every kw tap inside the row and taps kh in [a, b) (a &lt; b): lane by lane the
    /// scalar rule — the first tap, then any later tap strictly greater (a NaN never replaces, a leading NaN stays).
    /// Stride 2 reads two masked 16-lane loads (never past the row) and keeps the even lanes.
    /// </summary>
    private static void MaxRowVector(float* src, int hs, int a, int b, int ow, int count, in NnGeometry g, float* dst)
    {
        var lane = Vector512.Create(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
        var even = Vector512.Create(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
        Vector512<uint> inW = Vector512.Create((uint)g.InW);
        Vector512<float> best = default;
        bool first = true;
        for (int kh = a; kh < b; kh++)
        {
            float* row = src + ((long)(hs + (kh * g.DH)) * g.InW);
            for (int kw = 0; kw < g.KW; kw++)
            {
                // Loads stay inside the row (lanes past count read what they may and are never stored).
                int c0 = (ow * g.SW) - g.PW + (kw * g.DW);
                Vector512<float> lo = count == 16 ? Vector512.Load(row + c0) : Avx512F.MaskLoad(row + c0, Vector512.LessThan((lane + Vector512.Create(c0)).AsUInt32(), inW).AsSingle(), Vector512<float>.Zero);
                Vector512<float> v = lo;
                if (g.SW != 1)
                {
                    Vector512<float> m1 = Vector512.LessThan((lane + Vector512.Create(c0 + 16)).AsUInt32(), inW).AsSingle();
                    v = Avx512F.PermuteVar16x32x2(lo, even, Avx512F.MaskLoad(row + c0 + 16, m1, Vector512<float>.Zero));
                }

                // x86 MAXPS returns its first operand only when it is greater (a NaN or an equal second operand stays):
                // exactly "a later tap replaces only when strictly greater", in one instruction.
                best = first ? v : Avx512F.Max(v, best);
                first = false;
            }
        }

        if (count == 16)
        {
            Vector512.Store(best, dst);
        }
        else
        {
            Avx512F.MaskStore(dst, Vector512.LessThan(lane, Vector512.Create(count)).AsSingle(), best);
        }
    }

    public static void AveragePool(float[] x, float[] y, NnGeometry g, bool countIncludePad, int threads)
    {
        int planes = g.Batch * g.Channels;
        fixed (float* xp = x)
        {
            fixed (float* yp = y)
            {
                nint xa = (nint)xp, ya = (nint)yp;
                ForPlanes(planes, (long)g.OutSpatial * g.KernelSpatial, threads, plane =>
                {
                    var src = new PointerSource((float*)xa);
                    float* dst = (float*)ya;
                    long inBase = (long)plane * g.InSpatial;
                    long o = (long)plane * g.OutSpatial;
                    for (int od = 0; od < g.OutD; od++)
                    {
                        for (int oh = 0; oh < g.OutH; oh++)
                        {
                            for (int ow = 0; ow < g.OutW; ow++, o++)
                            {
                                dst[o] = NnMath.AverageWindow(src, g, inBase, od, oh, ow, countIncludePad);
                            }
                        }
                    }
                });
            }
        }
    }

    public static void GlobalPool(float[] x, float[] y, int planes, int length, bool max, int threads)
    {
        if (!max)
        {
            GlobalMean(x, y, planes, length, threads);
            return;
        }

        fixed (float* xp = x)
        {
            nint xa = (nint)xp;
            ForPlanes(planes, length, threads, plane =>
            {
                var src = new PointerSource((float*)xa);
                long p = (long)plane * length;
                y[plane] = max ? NnMath.PlaneMax(src, p, length) : NnMath.PlaneMean(src, p, length);
            });
        }
    }

    /// <summary>
    /// <see cref="NnMath.PlaneMean"/> of every plane, eight planes at a time: each plane's double sum is still one
    /// left-to-right chain, but eight independent chains interleave (one chain alone waits on each add's latency).
    /// </summary>
    private static void GlobalMean(float[] x, float[] y, int planes, int length, int threads)
    {
        const int Chains = 8;
        fixed (float* xp = x)
        {
            nint xa = (nint)xp;
            ForPlanes((planes + Chains - 1) / Chains, (long)Chains * length, threads, block =>
            {
                int first = block * Chains;
                if (first + Chains > planes)
                {
                    var src = new PointerSource((float*)xa);
                    for (int plane = first; plane < planes; plane++)
                    {
                        y[plane] = NnMath.PlaneMean(src, (long)plane * length, length);
                    }

                    return;
                }

                float* p = (float*)xa + ((long)first * length);
                double s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0, s5 = 0, s6 = 0, s7 = 0;
                for (int i = 0; i < length; i++)
                {
                    s0 = StrictFloat.Add(s0, (double)p[i]);
                    s1 = StrictFloat.Add(s1, (double)p[length + i]);
                    s2 = StrictFloat.Add(s2, (double)p[(2L * length) + i]);
                    s3 = StrictFloat.Add(s3, (double)p[(3L * length) + i]);
                    s4 = StrictFloat.Add(s4, (double)p[(4L * length) + i]);
                    s5 = StrictFloat.Add(s5, (double)p[(5L * length) + i]);
                    s6 = StrictFloat.Add(s6, (double)p[(6L * length) + i]);
                    s7 = StrictFloat.Add(s7, (double)p[(7L * length) + i]);
                }

                double n = length;
                y[first] = (float)DetMath.Div(s0, n);
                y[first + 1] = (float)DetMath.Div(s1, n);
                y[first + 2] = (float)DetMath.Div(s2, n);
                y[first + 3] = (float)DetMath.Div(s3, n);
                y[first + 4] = (float)DetMath.Div(s4, n);
                y[first + 5] = (float)DetMath.Div(s5, n);
                y[first + 6] = (float)DetMath.Div(s6, n);
                y[first + 7] = (float)DetMath.Div(s7, n);
            });
        }
    }

    public static void ConvTranspose(float[] x, float[] w, float[]? bias, float[] y, NnGeometry g, int threads)
    {
        int planes = g.Batch * g.OutChannels;
        fixed (float* xp = x)
        {
            fixed (float* wp = w)
            {
                fixed (float* yp = y)
                {
                    nint xa = (nint)xp, wa = (nint)wp, ya = (nint)yp;
                    ForPlanes(planes, (long)g.OutSpatial * g.GroupChannels * g.KernelSpatial, threads, plane =>
                    {
                        var xs = new PointerSource((float*)xa);
                        var ws = new PointerSource((float*)wa);
                        float* dst = (float*)ya;
                        int n = plane / g.OutChannels, oc = plane % g.OutChannels;
                        long o = (long)plane * g.OutSpatial;
                        for (int od = 0; od < g.OutD; od++)
                        {
                            for (int oh = 0; oh < g.OutH; oh++)
                            {
                                for (int ow = 0; ow < g.OutW; ow++, o++)
                                {
                                    float acc = NnMath.ConvTransposeElement(xs, ws, g, n, oc, od, oh, ow);
                                    dst[o] = bias is null ? acc : NnMath.AddBias(acc, bias[oc]);
                                }
                            }
                        }
                    });
                }
            }
        }
    }

    /// <summary>y = fma(x, a[c], b[c]) for x [outer, C, inner]; vectorised lane-wise (the same single rounding).</summary>
    public static void BatchNorm(float[] x, float[] y, float[] a, float[] b, int channels, int inner, int threads)
    {
        int planes = x.Length / Math.Max(1, inner);
        fixed (float* xp = x)
        {
            fixed (float* yp = y)
            {
                nint xa = (nint)xp, ya = (nint)yp;
                ForPlanes(planes, inner, threads, plane =>
                {
                    float* s = (float*)xa + ((long)plane * inner);
                    float* d = (float*)ya + ((long)plane * inner);
                    int c = plane % channels;
                    float av = a[c], bv = b[c];
                    int i = 0;
                    if (Vector512.IsHardwareAccelerated)
                    {
                        Vector512<float> va = Vector512.Create(av), vb = Vector512.Create(bv);
                        for (; i + 16 <= inner; i += 16)
                        {
                            Vector512.Store(Vector512.FusedMultiplyAdd(Vector512.Load(s + i), va, vb), d + i);
                        }
                    }

                    for (; i < inner; i++)
                    {
                        d[i] = NnMath.BatchNorm(s[i], av, bv);
                    }
                });
            }
        }
    }
}
