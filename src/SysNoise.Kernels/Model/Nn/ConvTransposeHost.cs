using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace SysNoise.Kernels.Model.Nn;

/// <summary>
/// Host transposed convolution. When the windows do not overlap (2-D, no dilation, kernel ≤ stride on both axes, as
/// in the upsampling layers of detection heads), output (oh, ow) receives at most one tap per input channel, the same
/// (kh, kw) for every channel: kh = (oh + PH) mod SH when that is &lt; KH (and ih = (oh + PH − kh) / SH inside the input),
/// likewise kw. So each tap (kh, kw) is a GEMM over the input channels — C[oc, (ih, iw)] = Σ_ic W[ic, oc, kh, kw]·X[ic,
/// ih, iw], accumulated in ic order from +0, bias added once — scattered to the outputs with stride; outputs with no
/// tap are +0 + bias. That is <see cref="NnMath.ConvTransposeElement"/>'s chain (fma over the existing taps in
/// (ic, kh, kw) order, then the bias) for every output. Other geometries run that function per output.
/// </summary>
public static unsafe class ConvTransposeHost
{
    /// <summary>Whether the GEMM path applies (non-overlapping 2-D windows).</summary>
    public static bool Separable(NnGeometry g) =>
        g.KD == 1 && g.InD == 1 && g.OutD == 1 && g.DH == 1 && g.DW == 1 && g.KH <= g.SH && g.KW <= g.SW && g.GroupChannels > 0;

    /// <summary>
    /// The GEMM path's A panels, one per (group, tap): A(oc, ic) = W[gi·icg + ic, oc, kh, kw] (a pinned array; empty when
    /// the geometry is not <see cref="Separable"/>). Constant weights are packed once (the op caches this).
    /// </summary>
    public static float[] PackWeights(float[] w, NnGeometry g)
    {
        if (!Separable(g))
        {
            return [];
        }

        int icg = g.GroupChannels, ocg = g.GroupOutChannels, khw = g.KH * g.KW;
        long perTap = GemmHost.PackedASize(ocg, icg);
        float[] packed = GC.AllocateUninitializedArray<float>(checked((int)Math.Max(1, perTap * khw * g.Group)), pinned: true);
        fixed (float* wp = w)
        fixed (float* pa = packed)
        {
            for (int gi = 0; gi < g.Group; gi++)
            {
                for (int tap = 0; tap < khw; tap++)
                {
                    float* src = wp + ((long)gi * icg * ocg * khw) + tap;
                    GemmHost.PackA(src, khw, (long)ocg * khw, ocg, icg, pa + (((long)gi * khw) + tap) * perTap);
                }
            }
        }

        return packed;
    }

    public static void Run(float[] x, float[] w, float[]? bias, float[] y, NnGeometry g, int threads) =>
        Run(x, w, PackWeights(w, g), bias, y, g, threads);

    /// <summary>As above with <paramref name="packed"/> = <see cref="PackWeights"/>(w, g).</summary>
    public static void Run(float[] x, float[] w, float[] packed, float[]? bias, float[] y, NnGeometry g, int threads)
    {
        if (g.OutputElements == 0)
        {
            return;
        }

        if (!Separable(g))
        {
            PoolHost.ConvTranspose(x, w, bias, y, g, threads);
            return;
        }

        int icg = g.GroupChannels, ocg = g.GroupOutChannels, khw = g.KH * g.KW;
        int p = g.InH * g.InW;
        int mPanels = GemmHost.Panels(ocg);
        long perTap = GemmHost.PackedASize(ocg, icg);
        int images = g.Batch * g.Group;
        int chunk = GemmHost.NT;
        int chunks = (p + chunk - 1) / chunk;
        // Kernel = stride = 2 along W without pads (2× upsampling heads): a task computes both column taps of one row tap,
        // and output rows take them interleaved, 32 at a time, instead of one strided store per element.
        bool pairs = g.KW == 2 && g.SW == 2 && g.PW == 0 && g.OutW == 2 * g.InW && Vector512.IsHardwareAccelerated;
        int taskTaps = pairs ? g.KH : khw;
        int tasks = images * taskTaps * chunks;
        long macs = (long)images * khw * ocg * icg * p;
        int t = macs < 1_000_000 ? 1 : Math.Max(1, threads);
        fixed (float* xp = x)
        fixed (float* bp = bias)
        fixed (float* yp = y)
        fixed (float* pa = packed)
        {
            nint xa = (nint)xp, ba = (nint)bp, ya = (nint)yp, paa = (nint)pa;

            // Outputs no tap reaches: +0 then the bias, as the scalar chain gives (none when kernel = stride, no pads).
            bool[] rowHit = new bool[g.OutH], columnHit = new bool[g.OutW];
            for (int oh = 0; oh < g.OutH; oh++)
            {
                rowHit[oh] = Hit(oh, g.PH, g.SH, g.KH, g.InH);
            }

            for (int ow = 0; ow < g.OutW; ow++)
            {
                columnHit[ow] = Hit(ow, g.PW, g.SW, g.KW, g.InW);
            }

            if (Array.IndexOf(rowHit, false) >= 0 || Array.IndexOf(columnHit, false) >= 0)
            {
                HostParallel.For(g.Batch * g.OutChannels, t, plane =>
                {
                    float value = ba == 0 ? 0f : NnMath.AddBias(0f, ((float*)ba)[plane % g.OutChannels]);
                    float* yPlane = (float*)ya + ((long)plane * g.OutSpatial);
                    for (int oh = 0; oh < g.OutH; oh++)
                    {
                        for (int ow = 0; ow < g.OutW; ow++)
                        {
                            if (!rowHit[oh] || !columnHit[ow])
                            {
                                yPlane[((long)oh * g.OutW) + ow] = value;
                            }
                        }
                    }
                });
            }

            void Task(int task)
            {
                if (pairs)
                {
                    PairTask(task);
                    return;
                }

                int c = task % chunks, rest = task / chunks;
                int tap = rest % khw, img = rest / khw;
                int n = img / g.Group, gi = img % g.Group;
                int kh = tap / g.KW, kw = tap % g.KW;
                int n0 = c * chunk, n1 = Math.Min(p, n0 + chunk);
                int width = n1 - n0;
                float* temp = Temp(mPanels * GemmHost.MR * chunk);
                float* a = (float*)paa + ((((long)gi * khw) + tap) * perTap);
                float* xPlane = (float*)xa + ((((long)n * g.Channels) + ((long)gi * icg)) * p);
                float* rb = ba == 0 ? null : (float*)ba + (gi * ocg);

                // C's column q lands at temp + (q − n0); row stride = chunk.
                GemmHost.Run(a, ocg, icg, new StridedPanels(xPlane, p, 1), n0, n1, 0, mPanels, temp - n0, chunk, rb, Work());
                // Scatter input row by input row: output row ih·SH + kh − PH, columns iw·SW + kw − PW.
                for (int oc = 0; oc < ocg; oc++)
                {
                    float* from = temp + ((long)oc * chunk) - n0;
                    float* yPlane = (float*)ya + ((((long)n * g.OutChannels) + ((long)gi * ocg) + oc) * g.OutSpatial);
                    for (int q = n0, end; q < n1; q = end)
                    {
                        end = InputRow(q, n1, kh, g, out int iw0, out float* yRow, yPlane);
                        if (yRow == null)
                        {
                            continue;
                        }

                        int ow = (iw0 * g.SW) + kw - g.PW;
                        for (int i = q; i < end; i++, ow += g.SW)
                        {
                            if ((uint)ow < (uint)g.OutW)
                            {
                                yRow[ow] = from[i];
                            }
                        }
                    }
                }
            }

            void PairTask(int task)
            {
                int c = task % chunks, rest = task / chunks;
                int kh = rest % g.KH, img = rest / g.KH;
                int n = img / g.Group, gi = img % g.Group;
                int n0 = c * chunk, n1 = Math.Min(p, n0 + chunk);
                int panelRows = mPanels * GemmHost.MR * chunk;
                float* temp = Temp(2 * panelRows);
                float* xPlane = (float*)xa + ((((long)n * g.Channels) + ((long)gi * icg)) * p);
                float* rb = ba == 0 ? null : (float*)ba + (gi * ocg);
                for (int kw = 0; kw < 2; kw++)
                {
                    float* a = (float*)paa + ((((long)gi * khw) + (kh * 2) + kw) * perTap);
                    GemmHost.Run(a, ocg, icg, new StridedPanels(xPlane, p, 1), n0, n1, 0, mPanels, temp + (kw * panelRows) - n0, chunk, rb, Work());
                }

                var low = Vector512.Create(0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
                var high = Vector512.Create(8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
                for (int oc = 0; oc < ocg; oc++)
                {
                    float* even = temp + ((long)oc * chunk) - n0, odd = even + panelRows;
                    float* yPlane = (float*)ya + ((((long)n * g.OutChannels) + ((long)gi * ocg) + oc) * g.OutSpatial);
                    for (int q = n0, end; q < n1; q = end)
                    {
                        end = InputRow(q, n1, kh, g, out int iw0, out float* yRow, yPlane);
                        if (yRow == null)
                        {
                            continue;
                        }

                        // Output columns 2·iw and 2·iw + 1 take column taps 0 and 1 of input column iw.
                        yRow += (2 * iw0) - (2 * q);
                        int i = q;
                        for (; i + 16 <= end; i += 16)
                        {
                            Vector512<float> e = Vector512.Load(even + i), o = Vector512.Load(odd + i);
                            Vector512.Store(Avx512F.PermuteVar16x32x2(e, low, o), yRow + (2 * i));
                            Vector512.Store(Avx512F.PermuteVar16x32x2(e, high, o), yRow + (2 * i) + 16);
                        }

                        for (; i < end; i++)
                        {
                            yRow[2 * i] = even[i];
                            yRow[(2 * i) + 1] = odd[i];
                        }
                    }
                }
            }

            HostParallel.For(tasks, t, Task);
        }
    }

    /// <summary>
    /// The run of C columns [q, end) that lie in one input row ih (end returned), its first input column iw0, and the output
    /// row that tap row kh scatters it to (ih·SH + kh − PH), or null when that row is outside the output.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int InputRow(int q, int n1, int kh, NnGeometry g, out int iw0, out float* yRow, float* yPlane)
    {
        int ih = q / g.InW;
        iw0 = q - (ih * g.InW);
        int oh = (ih * g.SH) + kh - g.PH;
        yRow = (uint)oh < (uint)g.OutH ? yPlane + ((long)oh * g.OutW) : null;
        return Math.Min(n1, q + (g.InW - iw0));
    }

    /// <summary>Whether output coordinate o gets a tap: k = (o + pad) mod s &lt; K and i = (o + pad − k) / s inside [0, in).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool Hit(int o, int pad, int s, int kernel, int input)
    {
        int shifted = o + pad;
        int k = shifted % s;
        return k < kernel && (shifted - k) / s < input;
    }

    [ThreadStatic]
    private static float[]? temp;

    [ThreadStatic]
    private static float[]? work;

    private static float* Temp(int size)
    {
        if (temp is null || temp.Length < size)
        {
            temp = GC.AllocateUninitializedArray<float>(size, pinned: true);
        }

        return (float*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(temp));
    }

    private static float* Work()
    {
        work ??= GC.AllocateUninitializedArray<float>(GemmHost.WorkSize, pinned: true);
        return (float*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(work));
    }
}
