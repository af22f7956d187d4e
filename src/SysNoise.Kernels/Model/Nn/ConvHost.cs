using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace SysNoise.Kernels.Model.Nn;

/// <summary>The host convolution paths (each has its own weight packing).</summary>
public enum ConvLayout
{
    Gemm,
    Depthwise,
    SmallPlane,

    /// <summary>Depthwise on small planes, 16 channels per vector (<see cref="ChannelBlockDepthwiseHost"/>).</summary>
    ChannelBlock,
}

/// <summary>
/// The host convolution: per image and group a GEMM of the pre-packed weights (A, [OC/g panels][K][MR]) with the
/// im2col panels (B), split into tasks over output-pixel ranges and output-channel panel ranges; depthwise 2-D
/// convolutions run a direct vectorised loop over a zero-padded copy of each plane. Both compute
/// <see cref="NnMath.ConvElement"/>'s chain for every element.
/// </summary>
public static unsafe class ConvHost
{
    /// <summary>Which path runs a convolution, and so how its weights are packed (it depends on the geometry only).</summary>
    public static ConvLayout LayoutOf(NnGeometry g)
    {
        int k = g.GroupChannels * g.KernelSpatial;
        if (IsDepthwise(g))
        {
            return ChannelBlockDepthwiseHost.Applies(g) ? ConvLayout.ChannelBlock : ConvLayout.Depthwise;
        }

        return k > 0 && SmallPlaneConvHost.Pays(g, k) ? ConvLayout.SmallPlane : ConvLayout.Gemm;
    }

    /// <summary>
    /// Packs weights [OC, C/g, KD, KH, KW] for <see cref="LayoutOf"/>'s path (a pinned array): the GEMM's
    /// [group][A panels of OC/g × K], the small-plane path's channel-vector panels, or the channel-block depthwise
    /// path's 16-channel tap vectors; the plane-row depthwise path reads the weights as they are (an empty pack).
    /// </summary>
    public static float[] PackWeights(float[] weights, NnGeometry g) => PackWeights(weights, g, LayoutOf(g));

    /// <summary>Packs weights for a given path (a chained convolution can run on another path than <see cref="LayoutOf"/>'s).</summary>
    public static float[] PackWeights(float[] weights, NnGeometry g, ConvLayout layout) => layout switch
    {
        ConvLayout.Depthwise => [],
        ConvLayout.ChannelBlock => ChannelBlockDepthwiseHost.Pack(weights, g),
        ConvLayout.SmallPlane => SmallPlaneConvHost.Pack(weights, g),
        _ => PackGemmWeights(weights, g),
    };

    private static float[] PackGemmWeights(float[] weights, NnGeometry g)
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
    public static bool IsDepthwise(NnGeometry g) => DepthwiseHost.Applies(g);

    /// <summary>
    /// y = conv(x, w) + bias. <paramref name="packedWeights"/> from <see cref="PackWeights"/> for this geometry (ignored
    /// by the plane-row depthwise path, which reads <paramref name="weights"/>). <paramref name="bias"/> may be null.
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

        if (ChannelBlockDepthwiseHost.Applies(g))
        {
            ChannelBlockDepthwiseHost.Run(x, packedWeights, bias, y, g, threads, epilogue);
            return;
        }

        if (IsDepthwise(g))
        {
            DepthwiseHost.Run(x, weights, bias, y, g, threads, epilogue);
            return;
        }

        int k = g.GroupChannels * g.KernelSpatial;
        int ocg = g.GroupOutChannels;
        int p = g.OutSpatial;
        if (k == 0)
        {
            // No taps: every chain is the initial +0, then the bias.
            for (long i = 0; i < y.Length; i++)
            {
                y[i] = bias is null ? 0f : NnMath.AddBias(0f, bias[(i / p) % g.OutChannels]);
            }

            ApplyEpilogue(y, epilogue);
            return;
        }

        if (IsSampledPointwise(g))
        {
            RunSampledPointwise(x, weights, packedWeights, bias, y, g, threads, epilogue);
            return;
        }

        int mPanels = GemmHost.Panels(ocg);
        long perGroup = GemmHost.PackedASize(ocg, k);
        bool pointwise = g.KernelSpatial == 1 && g.SD == 1 && g.SH == 1 && g.SW == 1 && g.PD == 0 && g.PH == 0 && g.PW == 0 && g.InSpatial == p;
        if (SmallPlaneConvHost.Pays(g, k))
        {
            SmallPlaneConvHost.Run(x, packedWeights, bias, y, g, threads, epilogue, pointwise);
            return;
        }

        if (PhaseConvHost.Applies(g))
        {
            PhaseConvHost.Run(x, packedWeights, bias, y, g, threads, epilogue);
            return;
        }

        if (PaddedRowsConvHost.Applies(g))
        {
            PaddedRowsConvHost.Run(x, packedWeights, bias, y, g, threads, epilogue);
            return;
        }

        if (DirectConvHost.Applies(g))
        {
            DirectConvHost.Run(x, packedWeights, bias, y, g, threads, epilogue);
            return;
        }

        // One task list over (image·group, column range, output-channel panel range), run in a single parallel loop.
        // Columns are split first (each task supplies its own B panels, so an M split re-packs B).
        int images = g.Batch * g.Group;
        long macs = (long)images * ocg * k * p;
        int t = macs < 1_000_000 ? 1 : Math.Max(1, threads);
        int nr = GemmHost.NR;
        int colBlocks = (p + nr - 1) / nr;
        int perImage = t == 1 ? 1 : Math.Max(1, ((t * 8) + images - 1) / images);
        int nTasks = Math.Min(colBlocks, perImage);
        int colsPerTask = ((colBlocks + nTasks - 1) / nTasks) * nr;
        nTasks = (p + colsPerTask - 1) / colsPerTask;
        int mChunks = Math.Clamp(perImage / nTasks, 1, mPanels);
        int panelsPerChunk = (mPanels + mChunks - 1) / mChunks;
        mChunks = (mPanels + panelsPerChunk - 1) / panelsPerChunk;
        int perImageTasks = nTasks * mChunks;
        int tasks = images * perImageTasks;

        // Few columns and many channels (ResNet's last stage at batch 1): the channel chunks share one im2col copy of
        // the image, packed first (in parallel over panels), instead of each task packing the same panels again.
        bool prepack = !pointwise && mChunks > 1;
        float[]? shared = prepack ? ArrayPool<float>.Shared.Rent(checked(colBlocks * nr * k)) : null;

        fixed (float* xp = x)
        fixed (float* yp = y)
        fixed (float* wp = packedWeights)
        fixed (float* bp = bias)
        fixed (float* sp = epilogue.Skip)
        fixed (float* pp = shared)
        {
            nint xa = (nint)xp, ya = (nint)yp, wa = (nint)wp, ba = (nint)bp, spa = (nint)sp, ppa = (nint)pp;
            if (prepack)
            {
                for (int img = 0; img < images; img++)
                {
                    int n = img / g.Group, gi = img % g.Group;
                    float* xin = (float*)xa + ((((long)n * g.Channels) + ((long)gi * g.GroupChannels)) * g.InSpatial);
                    float* yout = (float*)ya + ((((long)n * g.OutChannels) + ((long)gi * ocg)) * p);
                    float* a = (float*)wa + (gi * perGroup);
                    float* rb = ba == 0 ? null : (float*)ba + (gi * ocg);
                    nint xina = (nint)xin, youta = (nint)yout, aa = (nint)a, rba = (nint)rb;
                    HostParallel.For(colBlocks, t, panel =>
                    {
                        int col0 = panel * nr;
                        new Im2ColPanels((float*)xina, g).Panel(0, k, col0, Math.Min(nr, p - col0), (float*)ppa + ((long)panel * k * nr), out _);
                    });
                    HostParallel.For(perImageTasks, t, rest =>
                    {
                        int mc = rest % mChunks, nt = rest / mChunks;
                        int n0 = nt * colsPerTask, n1 = Math.Min(p, n0 + colsPerTask);
                        int mp0 = mc * panelsPerChunk, mp1 = Math.Min(mPanels, mp0 + panelsPerChunk);
                        Gemm((float*)aa, ocg, k, new PrepackedPanels((float*)ppa, k), n0, n1, mp0, mp1, (float*)youta, p, (float*)rba, null, epilogue, (float*)ya, (float*)spa);
                    });
                }
            }
            else
            {
                Tasks((float*)xa, (float*)ya, (float*)wa, (float*)ba, (float*)spa);
            }
        }

        if (shared is not null)
        {
            ArrayPool<float>.Shared.Return(shared);
        }

        void Tasks(float* xp, float* yp, float* wp, float* bp, float* sp)
        {
            nint xa = (nint)xp, ya = (nint)yp, wa = (nint)wp, ba = (nint)bp, spa = (nint)sp;

            void Task(int task)
            {
                int img = task / perImageTasks, rest = task % perImageTasks;
                int n = img / g.Group, gi = img % g.Group;
                int mc = rest % mChunks, nt = rest / mChunks;
                int n0 = nt * colsPerTask, n1 = Math.Min(p, n0 + colsPerTask);
                int mp0 = mc * panelsPerChunk, mp1 = Math.Min(mPanels, mp0 + panelsPerChunk);
                float* xin = (float*)xa + ((((long)n * g.Channels) + ((long)gi * g.GroupChannels)) * g.InSpatial);
                float* yout = (float*)ya + ((((long)n * g.OutChannels) + ((long)gi * ocg)) * p);
                float* a = (float*)wa + (gi * perGroup);
                float* rb = ba == 0 ? null : (float*)ba + (gi * ocg);
                float* work = Work();
                if (pointwise && k >= RowPackedChannels)
                {
                    Gemm(a, ocg, k, new RowPackedPanels(xin, p, n1, work), n0, n1, mp0, mp1, yout, p, rb, work, epilogue, (float*)ya, (float*)spa);
                }
                else if (pointwise)
                {
                    Gemm(a, ocg, k, new StridedPanels(xin, p, 1), n0, n1, mp0, mp1, yout, p, rb, work, epilogue, (float*)ya, (float*)spa);
                }
                else
                {
                    Gemm(a, ocg, k, new Im2ColPanels(xin, g), n0, n1, mp0, mp1, yout, p, rb, work, epilogue, (float*)ya, (float*)spa);
                }
            }

            HostParallel.For(tasks, t, Task); // runs inline on one thread or for one task
        }
    }

    /// <summary>A 2-D 1×1 convolution with a stride above 1 and no pads (ResNet's downsampling shortcuts).</summary>
    private static bool IsSampledPointwise(NnGeometry g) =>
        g.KernelSpatial == 1 && g.InD == 1 && g.OutD == 1 && (g.SH > 1 || g.SW > 1)
        && g.PH == 0 && g.PW == 0 && g.PHEnd == 0 && g.PWEnd == 0 && g.OutSpatial > 0;

    /// <summary>
    /// A strided 1×1 convolution as a pointwise one over the pixels it samples, gathered into a compact tensor first: the
    /// pointwise paths then read their B rows in place instead of packing strided im2col panels (same chains: the taps of
    /// each output are its input channels in order). Measured cold, one thread: ResNet-50's 256→512 at 56² → 28² 2.30–2.36 → 2.0 ms, 512→1024 at 28² → 14² 2.23 → 1.99 ms.
    /// </summary>
    private static void RunSampledPointwise(float[] x, float[] weights, float[] packedWeights, float[]? bias, float[] y, NnGeometry g, int threads, ConvEpilogue epilogue)
    {
        NnGeometry compact = g;
        compact.InH = g.OutH;
        compact.InW = g.OutW;
        compact.SH = 1;
        compact.SW = 1;
        int planes = g.Batch * g.Channels, p = g.OutSpatial;
        float[] sampled = ArrayPool<float>.Shared.Rent(checked(planes * p));
        try
        {
            fixed (float* xp = x)
            fixed (float* sp = sampled)
            {
                nint xa = (nint)xp, sa = (nint)sp;
                int t = (long)planes * p < 200_000 ? 1 : Math.Max(1, threads);
                HostParallel.For(planes, t, plane =>
                {
                    float* src = (float*)xa + ((long)plane * g.InSpatial);
                    float* dst = (float*)sa + ((long)plane * p);
                    for (int oh = 0; oh < g.OutH; oh++)
                    {
                        float* row = src + ((long)oh * g.SH * g.InW);
                        for (int ow = 0; ow < g.OutW; ow++)
                        {
                            *dst++ = row[ow * g.SW];
                        }
                    }
                });
            }

            Run(sampled, weights, packedWeights, bias, y, compact, threads, epilogue);
        }
        finally
        {
            ArrayPool<float>.Shared.Return(sampled);
        }
    }

    /// <summary>
    /// Pointwise convolutions over at least this many input channels pack B row by row (<see cref="RowPackedPanels"/>).
    /// Measured on MobileNetV2 at batch 8, one thread: 144→24 at 56×56 4.7 → 3.1–3.5 ms, 96→24 3.0 → 1.7–1.9 ms; at 32
    /// channels the difference was within the machine's noise.
    /// </summary>
    private const int RowPackedChannels = 64;

    [ThreadStatic]
    private static float[]? work;

    /// <summary>This thread's packing panel (pinned, kept for the thread's life).</summary>
    internal static float* Work()
    {
        work ??= GC.AllocateUninitializedArray<float>(GemmHost.WorkSize, pinned: true);
        return (float*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(work));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Gemm<TB>(float* a, int m, int k, TB b, int n0, int n1, int mp0, int mp1, float* c, long ldc, float* rowBias, float* work, ConvEpilogue epilogue, float* y, float* skip)
        where TB : struct, IPanelSource
    {
        if (epilogue.IsEmpty)
        {
            GemmHost.Run(a, m, k, b, n0, n1, mp0, mp1, c, ldc, rowBias, work);
        }
        else
        {
            GemmHost.Run(a, m, k, b, n0, n1, mp0, mp1, c, ldc, rowBias, work, new ConvTileEpilogue(epilogue, y, skip));
        }
    }

    private static void ApplyEpilogue(float[] y, ConvEpilogue epilogue)
    {
        if (epilogue.IsEmpty)
        {
            return;
        }

        fixed (float* yp = y)
        fixed (float* sp = epilogue.Skip)
        {
            epilogue.Apply(yp, sp, y.Length);
        }
    }
}
