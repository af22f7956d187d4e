using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace SysNoise.Kernels.Model.Nn;

/// <summary>
/// B of a convolution's GEMM: the im2col matrix of one image and group, packed straight into NR-column panels.
/// Row k = (ic, kd, kh, kw), column = output pixel; taps in the padding read 0 (as in <see cref="NnMath.ConvElement"/>).
/// </summary>
public readonly unsafe struct Im2ColPanels(float* input, NnGeometry g) : IPanelSource
{
    public float* Panels(int k0, int kc, int n0, int nc, float* work, out long panelStride)
    {
        int nr = GemmHost.NR;
        panelStride = (long)kc * nr;
        int ks = g.KernelSpatial;
        int khw = g.KH * g.KW;
        int outHW = g.OutH * g.OutW;
        for (int kk = 0; kk < kc; kk++)
        {
            int k = k0 + kk;
            int ic = k / ks;
            int r = k - (ic * ks);
            int kd = r / khw;
            r -= kd * khw;
            int kh = r / g.KW;
            int kw = r - (kh * g.KW);
            float* plane = input + ((long)ic * g.InSpatial);
            float* rowDst = work + ((long)kk * nr);
            int q = n0, end = n0 + nc;
            while (q < end)
            {
                int od = q / outHW;
                int rem = q - (od * outHW);
                int oh = rem / g.OutW;
                int ow = rem - (oh * g.OutW);
                int run = Math.Min(g.OutW - ow, end - q);
                int col = q - n0;
                int id = (od * g.SD) - g.PD + (kd * g.DD);
                int ih = (oh * g.SH) - g.PH + (kh * g.DH);
                if (id < 0 || id >= g.InD || ih < 0 || ih >= g.InH)
                {
                    Zero(rowDst, panelStride, col, run);
                }
                else
                {
                    float* src = plane + (((long)id * g.InH) + ih) * g.InW;
                    int off = (kw * g.DW) - g.PW;
                    if (g.SW == 1)
                    {
                        // iw = ow + off inside [0, InW) for ow in [lo, hi).
                        int lo = Math.Clamp(-off, ow, ow + run);
                        int hi = Math.Clamp(g.InW - off, lo, ow + run);
                        Zero(rowDst, panelStride, col, lo - ow);
                        Copy(rowDst, panelStride, col + (lo - ow), src + lo + off, hi - lo);
                        Zero(rowDst, panelStride, col + (hi - ow), ow + run - hi);
                    }
                    else
                    {
                        for (int j = 0; j < run; j++)
                        {
                            int iw = ((ow + j) * g.SW) + off;
                            int c = col + j;
                            rowDst[((c / nr) * panelStride) + (c % nr)] = iw >= 0 && iw < g.InW ? src[iw] : 0f;
                        }
                    }
                }

                q += run;
            }

            // Zero the columns of the last panel past the end.
            int tail = nc % nr;
            if (tail != 0)
            {
                Zero(rowDst, panelStride, nc, nr - tail);
            }
        }

        return work;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Zero(float* rowDst, long panelStride, int col, int count)
    {
        int nr = GemmHost.NR;
        while (count > 0)
        {
            int within = col % nr;
            int n = Math.Min(count, nr - within);
            new Span<float>(rowDst + ((col / nr) * panelStride) + within, n).Clear();
            col += n;
            count -= n;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Copy(float* rowDst, long panelStride, int col, float* src, int count)
    {
        int nr = GemmHost.NR;
        while (count > 0)
        {
            int within = col % nr;
            int n = Math.Min(count, nr - within);
            Buffer.MemoryCopy(src, rowDst + ((col / nr) * panelStride) + within, n * sizeof(float), n * sizeof(float));
            src += n;
            col += n;
            count -= n;
        }
    }
}

/// <summary>
/// The host convolution: per image and group a GEMM of the pre-packed weights (A, [OC/g panels][K][MR]) with the
/// im2col panels (B), split into tasks over output-pixel ranges and output-channel panel ranges; depthwise 2-D
/// convolutions run a direct vectorised loop over a zero-padded copy of each plane. Both compute
/// <see cref="NnMath.ConvElement"/>'s chain for every element.
/// </summary>
public static unsafe class ConvHost
{
    /// <summary>Packs weights [OC, C/g, KD, KH, KW] as [group][A panels of OC/g × K] (a pinned array).</summary>
    public static float[] PackWeights(float[] weights, NnGeometry g)
    {
        int k = g.GroupChannels * g.KernelSpatial;
        int ocg = g.GroupOutChannels;
        long per = GemmHost.PackedASize(ocg, k);
        float[] packed = GC.AllocateUninitializedArray<float>((int)Math.Max(1, per * g.Group), pinned: true);
        fixed (float* w = weights)
        {
            fixed (float* p = packed)
            {
                for (int gi = 0; gi < g.Group; gi++)
                {
                    GemmHost.PackA(w + ((long)gi * ocg * k), k, 1, ocg, k, p + (gi * per));
                }
            }
        }

        return packed;
    }

    /// <summary>Whether the depthwise path applies: 2-D, one input channel per group.</summary>
    public static bool IsDepthwise(NnGeometry g) => g.GroupChannels == 1 && g.Group > 1 && g.KD == 1 && g.InD == 1 && g.OutD == 1;

    /// <summary>
    /// y = conv(x, w) + bias. <paramref name="packedWeights"/> from <see cref="PackWeights"/> (ignored by the depthwise
    /// path, which reads <paramref name="weights"/>). <paramref name="bias"/> may be null.
    /// </summary>
    public static void Run(float[] x, float[] weights, float[] packedWeights, float[]? bias, float[] y, NnGeometry g, int threads)
        => Run(x, weights, packedWeights, bias, y, g, threads, default);

    /// <summary>As above, then <paramref name="epilogue"/> (an absorbed Add / Relu / Clip) on every output.</summary>
    public static void Run(float[] x, float[] weights, float[] packedWeights, float[]? bias, float[] y, NnGeometry g, int threads, ConvEpilogue epilogue)
    {
        if (g.OutputElements == 0)
        {
            return;
        }

        if (epilogue.Skip is { } skipArray && skipArray.Length != y.Length)
        {
            throw new ArgumentException("the fused Add operand must have the convolution's output shape");
        }

        if (IsDepthwise(g))
        {
            Depthwise(x, weights, bias, y, g, threads, epilogue);
            return;
        }

        int k = g.GroupChannels * g.KernelSpatial;
        int ocg = g.GroupOutChannels;
        int p = g.OutSpatial;
        int mPanels = GemmHost.Panels(ocg);
        long perGroup = GemmHost.PackedASize(ocg, k);
        bool pointwise = g.KernelSpatial == 1 && g.SD == 1 && g.SH == 1 && g.SW == 1 && g.PD == 0 && g.PH == 0 && g.PW == 0 && g.InSpatial == p;

        // Per image and group: (1) pack all of B (im2col, or the input itself for 1×1) once as [panel][K][NR], in
        // parallel over panel ranges; (2) GEMM tasks over (pixel range, channel-panel range) sharing it.
        int images = g.Batch * g.Group;
        long flops = (long)images * ocg * k * p;
        int t = flops < 2_000_000 ? 1 : Math.Max(1, threads);
        int nr = GemmHost.NR;
        int colBlocks = (p + nr - 1) / nr;
        int want = t == 1 ? 1 : t * 4;
        int colsPerTask = Math.Max(1, Math.Min(GemmHost.NT / nr, colBlocks / Math.Max(1, want))) * nr;
        int nTasks = (p + colsPerTask - 1) / colsPerTask;
        int mChunks = Math.Clamp(want / Math.Max(1, nTasks), 1, Math.Max(1, mPanels / 2));
        int panelsPerChunk = (mPanels + mChunks - 1) / mChunks;
        mChunks = (mPanels + panelsPerChunk - 1) / panelsPerChunk;
        int tasks = nTasks * mChunks;
        int packChunks = Math.Min(colBlocks, t == 1 ? 1 : t * 4);
        int panelsPerPack = (colBlocks + packChunks - 1) / packChunks;
        packChunks = (colBlocks + panelsPerPack - 1) / panelsPerPack;
        long bSize = GemmHost.PackedBSize(k, p);
        float[] packedB = ArrayPool<float>.Shared.Rent((int)bSize);
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = t };

        fixed (float* xp = x)
        {
            fixed (float* yp = y)
            {
                fixed (float* wp = packedWeights)
                {
                    fixed (float* bp = bias)
                    {
                        fixed (float* pb = packedB)
                        fixed (float* sp = epilogue.Skip)
                        {
                            nint xa = (nint)xp, ya = (nint)yp, wa = (nint)wp, ba = (nint)bp, pba = (nint)pb, spa = (nint)sp;
                            for (int img = 0; img < images; img++)
                            {
                                int n = img / g.Group, gi = img % g.Group;
                                nint xin = (nint)((float*)xa + ((((long)n * g.Channels) + ((long)gi * g.GroupChannels)) * g.InSpatial));
                                nint yout = (nint)((float*)ya + ((((long)n * g.OutChannels) + ((long)gi * ocg)) * p));
                                nint a = (nint)((float*)wa + (gi * perGroup));
                                nint rb = ba == 0 ? 0 : (nint)((float*)ba + (gi * ocg));

                                void Pack(int chunk)
                                {
                                    int n0 = chunk * panelsPerPack * nr, n1 = Math.Min(p, n0 + (panelsPerPack * nr));
                                    float* dst = (float*)pba + ((long)(n0 / nr) * k * nr);
                                    if (pointwise)
                                    {
                                        new StridedPanels((float*)xin, p, 1).Panels(0, k, n0, n1 - n0, dst, out _);
                                    }
                                    else
                                    {
                                        new Im2ColPanels((float*)xin, g).Panels(0, k, n0, n1 - n0, dst, out _);
                                    }
                                }

                                void Task(int task)
                                {
                                    int mc = task % mChunks;
                                    int nt = task / mChunks;
                                    int n0 = nt * colsPerTask, n1 = Math.Min(p, n0 + colsPerTask);
                                    int mp0 = mc * panelsPerChunk, mp1 = Math.Min(mPanels, mp0 + panelsPerChunk);
                                    if (epilogue.IsEmpty)
                                    {
                                        GemmHost.Run((float*)a, ocg, k, new PrepackedPanels((float*)pba, k), n0, n1, mp0, mp1, (float*)yout, p, (float*)rb, null);
                                    }
                                    else
                                    {
                                        var finish = new ConvTileEpilogue(epilogue, (float*)ya, (float*)spa);
                                        GemmHost.Run((float*)a, ocg, k, new PrepackedPanels((float*)pba, k), n0, n1, mp0, mp1, (float*)yout, p, (float*)rb, null, finish);
                                    }
                                }

                                if (t == 1)
                                {
                                    for (int i = 0; i < packChunks; i++)
                                    {
                                        Pack(i);
                                    }

                                    for (int i = 0; i < tasks; i++)
                                    {
                                        Task(i);
                                    }
                                }
                                else
                                {
                                    Parallel.For(0, packChunks, parallel, Pack);
                                    Parallel.For(0, tasks, parallel, Task);
                                }
                            }
                        }
                    }
                }
            }
        }

        ArrayPool<float>.Shared.Return(packedB);
    }

    /// <summary>
    /// Depthwise 2-D: each output channel oc reads input channel oc / (OC/C). The plane is copied into a zero-padded
    /// buffer, so every tap (padding included, as 0) joins the chain acc = fma(w, x, acc) in (kh, kw) order.
    /// </summary>
    private static void Depthwise(float[] x, float[] weights, float[]? bias, float[] y, NnGeometry g, int threads, ConvEpilogue epilogue)
    {
        int ocg = g.GroupOutChannels;
        int planes = g.Batch * g.OutChannels;
        int ph = ((g.OutH - 1) * g.SH) + ((g.KH - 1) * g.DH) + 1;
        int outWRounded = (g.OutW + 15) / 16 * 16;
        int pw = Math.Max(((g.OutW - 1) * g.SW) + ((g.KW - 1) * g.DW) + 1, ((outWRounded - 1) * g.SW) + ((g.KW - 1) * g.DW) + 1);
        long work = (long)planes * g.KernelSpatial * g.OutSpatial;
        int t = work < 1_000_000 ? 1 : Math.Max(1, threads);
        int size = ph * pw;

        void Plane(int plane)
        {
            int n = plane / g.OutChannels, oc = plane % g.OutChannels;
            int c = oc / ocg;
            float[] buffer = ArrayPool<float>.Shared.Rent(size);
            Array.Clear(buffer, 0, size);
            long src = (((long)n * g.Channels) + c) * g.InSpatial;
            for (int ih = 0; ih < g.InH; ih++)
            {
                int r = ih + g.PH;
                if (r < 0 || r >= ph)
                {
                    continue;
                }

                int lo = Math.Max(0, -g.PW), hi = Math.Min(g.InW, pw - g.PW);
                if (hi > lo)
                {
                    Array.Copy(x, src + ((long)ih * g.InW) + lo, buffer, ((long)r * pw) + lo + g.PW, hi - lo);
                }
            }

            float b = bias?[oc] ?? 0f;
            bool hasBias = bias is not null;
            int ks = g.KernelSpatial;
            long wBase = (long)oc * ks;
            long dst = (long)plane * g.OutSpatial;
            fixed (float* bufp = buffer)
            {
                fixed (float* wp = weights)
                {
                    fixed (float* yp = y)
                    fixed (float* sp = epilogue.Skip)
                    {
                        float* tmp = stackalloc float[16];
                        for (int oh = 0; oh < g.OutH; oh++)
                        {
                            float* yrow = yp + dst + ((long)oh * g.OutW);
                            if (g.SW == 1 && Vector512.IsHardwareAccelerated)
                            {
                                for (int ow = 0; ow < g.OutW; ow += 16)
                                {
                                    Vector512<float> acc = Vector512<float>.Zero;
                                    for (int kh = 0; kh < g.KH; kh++)
                                    {
                                        float* row = bufp + ((long)((oh * g.SH) + (kh * g.DH)) * pw) + ow;
                                        for (int kw = 0; kw < g.KW; kw++)
                                        {
                                            acc = Vector512.FusedMultiplyAdd(Vector512.Create(wp[wBase + (kh * g.KW) + kw]), Vector512.Load(row + (kw * g.DW)), acc);
                                        }
                                    }

                                    if (hasBias)
                                    {
                                        acc += Vector512.Create(b);
                                    }

                                    if (ow + 16 <= g.OutW)
                                    {
                                        Vector512.Store(acc, yrow + ow);
                                    }
                                    else
                                    {
                                        Vector512.Store(acc, tmp);
                                        for (int j = 0; ow + j < g.OutW; j++)
                                        {
                                            yrow[ow + j] = tmp[j];
                                        }
                                    }
                                }
                            }
                            else
                            {
                                for (int ow = 0; ow < g.OutW; ow++)
                                {
                                    float acc = 0f;
                                    for (int kh = 0; kh < g.KH; kh++)
                                    {
                                        float* row = bufp + ((long)((oh * g.SH) + (kh * g.DH)) * pw) + (ow * g.SW);
                                        for (int kw = 0; kw < g.KW; kw++)
                                        {
                                            acc = MathF.FusedMultiplyAdd(wp[wBase + (kh * g.KW) + kw], row[kw * g.DW], acc);
                                        }
                                    }

                                    yrow[ow] = hasBias ? acc + b : acc;
                                }
                            }

                            if (!epilogue.IsEmpty)
                            {
                                epilogue.Apply(yrow, sp == null ? null : sp + (yrow - yp), g.OutW);
                            }
                        }
                    }
                }
            }

            ArrayPool<float>.Shared.Return(buffer);
        }

        if (t == 1)
        {
            for (int i = 0; i < planes; i++)
            {
                Plane(i);
            }
        }
        else
        {
            Parallel.For(0, planes, new ParallelOptions { MaxDegreeOfParallelism = t }, Plane);
        }
    }
}
