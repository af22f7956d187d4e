using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace SysNoise.Kernels.Model.Nn;

/// <summary>
/// Convolutions with few output pixels (7×7, 14×14: the last stages of ResNet and MobileNet), computed with the vector
/// over output channels instead of pixels. The column tiles of <see cref="GemmHost"/> are 32 pixels wide, so a 7×7
/// plane (49 pixels) fills 64 columns and a 14×14 one 224: a quarter and an eighth of the work is discarded. Here a tile
/// is 7 pixels × 32 output channels (every CNN plane size here is a multiple of 7, every channel count of these layers
/// a multiple of 32), with nothing discarded. A 1×1 stride-1 convolution reads its input in place; a k×k one whose
/// output rows hold whole tiles, at column stride 1 or 2, reads a zero-padded copy of the image (also ResNet's 3×3
/// layers at 28² and 56², where no column is discarded either but the copy stays in L2 and needs no masks); others read
/// the im2col matrix, built once per image in 28-column panels (four tiles each) shared by every channel chunk. Each output
/// still runs <see cref="NnMath.ConvElement"/>'s chain, acc = +0, then acc = fma(w, x, acc) over k = (ic, kd, kh, kw)
/// in order, then + bias once, then the absorbed epilogue (its op structs on the stored value); only the tile's store
/// is a transpose.
/// </summary>
public static unsafe class SmallPlaneConvHost
{
    internal const int Pixels = 7;
    internal const int Channels = 32;

    /// <summary>Im2col panel width: four tiles.</summary>
    private const int PanelPixels = 4 * Pixels;

    /// <summary>
    /// Whether this path applies and pays: a plane of a multiple of 7 output pixels and a multiple of 32 output channels
    /// per group, where the 32-pixel tiles would discard more than the transposed store costs (about 32 / K of a tile's
    /// FMAs; K = C/g·KD·KH·KW). Measured cold, one thread: at 14² ResNet's 256→1024 runs 0.97 ms on the GEMM tiles
    /// against 1.04 here, MobileNetV2's 576→96 0.23–0.24 against 0.20–0.22; at 7² its 160→960 0.18 against 0.17.
    /// </summary>
    public static bool Pays(NnGeometry g, int k)
    {
        int p = g.OutSpatial;
        if (!Vector512.IsHardwareAccelerated || p % Pixels != 0 || g.GroupOutChannels % Channels != 0)
        {
            return false;
        }

        if (g.KernelSpatial > 1 && ReadsPaddedImage(g) && k >= 256)
        {
            // k×k over a padded image: nothing discarded, no im2col, no masks. Measured cold, one thread, against the
            // 32-pixel tiles (ms): ResNet-50's 3×3 64@56 2.30 → 2.16–2.18, 128@28 2.27 → 2.07–2.08, stride 2 128@56
            // 2.56 → 2.18 (im2col). Below 256 taps (the stems) the phase-split path stays.
            return true;
        }

        int nr = GemmHost.NR;
        int padded = (p + nr - 1) / nr * nr;
        double discarded = (double)(padded - p) / padded;
        return discarded > (32.0 / k) + 0.02;
    }

    /// <summary>
    /// y = conv(x, w) + bias, then the epilogue; <paramref name="pack"/> from <see cref="Pack"/>; <paramref name="pointwise"/>:
    /// 1×1, unit strides, no pads.
    /// </summary>
    public static void Run(float[] x, float[] pack, float[]? bias, float[] y, NnGeometry g, int threads, ConvEpilogue epilogue, bool pointwise)
    {
        int k = g.GroupChannels * g.KernelSpatial, ocg = g.GroupOutChannels, p = g.OutSpatial;
        int chunks = ocg / Channels, tiles = p / Pixels, images = g.Batch * g.Group;

        // Tasks: (image·group, channel chunk, range of pixel tiles); a chunk's [K][32] weights stay in L2 over its range.
        int t = (long)images * ocg * k * p < 1_000_000 ? 1 : Math.Max(1, threads);
        int want = t == 1 ? 1 : t * 8;
        int ranges = Math.Clamp(want / Math.Max(1, chunks), 1, tiles);
        int tilesPerRange = (tiles + ranges - 1) / ranges;
        ranges = (tiles + tilesPerRange - 1) / tilesPerRange;
        int tasks = chunks * ranges;
        int panels = (p + PanelPixels - 1) / PanelPixels;

        // k×k at column stride 1 or 2 with whole tiles per output row: the tiles read a zero-padded copy of the image
        // (its taps are 7 pixels of one padded row), which stays in L2 where the im2col matrix (K × P: 1.8 MB for
        // ResNet's 3×3 over 256 channels at 14²) would not.
        bool direct = !pointwise && ReadsPaddedImage(g);
        (int hp, int wpad) = direct ? PaddedPlanes.Extent(g) : (0, 0);
        long planeLength = (long)hp * wpad;
        long* taps = stackalloc long[direct ? g.KernelSpatial : 0];
        if (direct)
        {
            PaddedPlanes.TapOffsets(g, wpad, taps);
        }

        float[]? columns = pointwise ? null : System.Buffers.ArrayPool<float>.Shared.Rent(checked((int)(direct ? g.GroupChannels * planeLength : panels * k * GemmHost.NR)));
        try
        {
            fixed (float* xp = x)
            fixed (float* wp = pack)
            fixed (float* bp = bias)
            fixed (float* yp = y)
            fixed (float* sp = epilogue.Skip)
            fixed (float* cp = columns)
            {
                nint xa = (nint)xp, wa = (nint)wp, ba = (nint)bp, ya = (nint)yp, sa = (nint)sp, ca = (nint)cp, ta = (nint)taps;
                for (int img = 0; img < images; img++)
                {
                    int n = img / g.Group, gi = img % g.Group;
                    float* xin = (float*)xa + ((((long)n * g.Channels) + ((long)gi * g.GroupChannels)) * g.InSpatial);
                    nint xina = (nint)xin;
                    if (direct)
                    {
                        HostParallel.For(g.GroupChannels, t, c => PaddedPlanes.CopyRows((float*)xina + ((long)c * g.InSpatial), (float*)ca + (c * planeLength), g, -g.PH, hp, wpad));
                    }
                    else if (!pointwise)
                    {
                        // The image's im2col matrix: 28-column panels, row stride NR, built in parallel.
                        HostParallel.For(panels, t, panel =>
                        {
                            int col0 = panel * PanelPixels;
                            new Im2ColPanels((float*)xina, g).Panel(0, k, col0, Math.Min(PanelPixels, p - col0), (float*)ca + ((long)panel * k * GemmHost.NR), out _);
                        });
                    }

                    void Task(int task)
                    {
                        int range = task % ranges, chunk = task / ranges;
                        int m0 = (gi * ocg) + (chunk * Channels);
                        float* w = (float*)wa + ((((long)gi * chunks) + chunk) * k * Channels);
                        long outOffset = (((long)n * g.OutChannels) + m0) * p;
                        float* b = ba == 0 ? null : (float*)ba + m0;
                        int first = range * tilesPerRange, end = Math.Min(tiles, first + tilesPerRange);
                        float* scratch = stackalloc float[Pixels * Channels];
                        float* next = chunk + 1 < chunks ? w + ((long)k * Channels) : null;
                        for (int tile = first; tile < end; tile++)
                        {
                            int n0 = tile * Pixels;

                            // The next chunk's weights (2K lines) come from memory while this chunk's second and third
                            // tiles run from L2: one line per k. Other tiles prefetch their own weights' lines (a no-op).
                            int ahead = tile - first;
                            float* prefetch = next != null && ahead is 1 or 2 ? next + ((long)(ahead - 1) * k * 16) : w;
                            if (direct)
                            {
                                int oh = n0 / g.OutW, ow0 = n0 - (oh * g.OutW);
                                float* origin = (float*)ca + ((long)oh * g.SH * wpad) + ((long)ow0 * g.SW);
                                if (g.SW == 1)
                                {
                                    TapChains<PlanePixels>(origin, g.GroupChannels, planeLength, (long*)ta, g.KernelSpatial, w, b, scratch, prefetch);
                                }
                                else
                                {
                                    TapChains<SampledPixels>(origin, g.GroupChannels, planeLength, (long*)ta, g.KernelSpatial, w, b, scratch, prefetch);
                                }

                                StoreTransposed(scratch, (float*)ya + outOffset + n0, sa == 0 ? null : (float*)sa + outOffset + n0, p, epilogue);
                                continue;
                            }

                            float* source = pointwise
                                ? (float*)xina + n0
                                : (float*)ca + ((long)(n0 / PanelPixels) * k * GemmHost.NR) + (n0 % PanelPixels);
                            long step = pointwise ? p : GemmHost.NR;
                            Tile(source, step, w, k, b, (float*)ya + outOffset + n0, sa == 0 ? null : (float*)sa + outOffset + n0, p, epilogue, prefetch);
                        }
                    }

                    HostParallel.For(tasks, t, Task); // runs inline on one thread or for one task
                }
            }
        }
        finally
        {
            if (columns is not null)
            {
                System.Buffers.ArrayPool<float>.Shared.Return(columns);
            }
        }
    }

    /// <summary>Whether a k×k convolution's tiles read a zero-padded copy of the image: whole 7-pixel tiles per output row, column stride 1 or 2, 2-D.</summary>
    private static bool ReadsPaddedImage(NnGeometry g) => g.OutW % Pixels == 0 && g.SW <= 2 && g.KD == 1 && g.InD == 1;

    /// <summary>[group][chunk][k][32]: weights w[oc, k] of 32 consecutive output channels side by side.</summary>
    public static float[] Pack(float[] weights, NnGeometry g)
    {
        int k = g.GroupChannels * g.KernelSpatial, ocg = g.GroupOutChannels, chunks = ocg / Channels;
        float[] pack = GC.AllocateUninitializedArray<float>(g.Group * ocg * k, pinned: true);
        for (int gi = 0; gi < g.Group; gi++)
        {
            for (int chunk = 0; chunk < chunks; chunk++)
            {
                long dst = (((long)gi * chunks) + chunk) * k * Channels;
                for (int kk = 0; kk < k; kk++)
                {
                    for (int j = 0; j < Channels; j++)
                    {
                        pack[dst + ((long)kk * Channels) + j] = weights[((((long)gi * ocg) + (chunk * Channels) + j) * k) + kk];
                    }
                }
            }
        }

        return pack;
    }

    /// <summary>
    /// One 7-pixel × 32-channel tile over B in planes (<see cref="PlanePixels"/>): pixel i of row kk at x[kk·p + i];
    /// output channel j of pixel i at y[j·ldy + i] (and its Add operand at the same offset of <paramref name="skip"/>).
    /// </summary>
    private static void Tile(float* x, long p, float* w, int k, float* bias, float* y, float* skip, long ldy, in ConvEpilogue epilogue, float* prefetch)
    {
        // Row i of the scratch tile holds pixel i's 32 channels, the bias added.
        float* tile = stackalloc float[Pixels * Channels];
        Chains<PlanePixels>(x, k, k, p, 0, w, bias, tile, prefetch);
        StoreTransposed(tile, y, skip, ldy, epilogue);
    }

    /// <summary>
    /// A tile's 32 × 7 results ([pixel][32 channels] at <paramref name="tile"/>) through the epilogue into the planes:
    /// output channel j of pixel i at y[j·ldy + i] (its Add operand at the same offset of <paramref name="skip"/>).
    /// </summary>
    internal static void StoreTransposed(float* tile, float* y, float* skip, long ldy, in ConvEpilogue epilogue)
    {
        if (!epilogue.IsEmpty)
        {
            // The Add operand, transposed the same way, then the epilogue's ops on 16 channels at a time.
            float* operand = stackalloc float[Pixels * Channels];
            if (skip != null)
            {
                for (int j = 0; j < Channels; j++)
                {
                    float* row = skip + (j * ldy);
                    for (int i = 0; i < Pixels; i++)
                    {
                        operand[(i * Channels) + j] = row[i];
                    }
                }
            }

            for (int i = 0; i < Pixels * Channels; i += 16)
            {
                Vector512.Store(epilogue.Apply(Vector512.Load(tile + i), skip == null ? null : operand + i), tile + i);
            }
        }

        for (int j = 0; j < Channels; j++)
        {
            float* row = y + (j * ldy);
            for (int i = 0; i < Pixels; i++)
            {
                row[i] = tile[(i * Channels) + j];
            }
        }
    }

    /// <summary>
    /// The 14 accumulator chains of a tile over all K, then the bias, stored as [pixel][32 channels]. Row kk of B is
    /// read at x + (kk / rowsPerBlock)·blockStep + (kk % rowsPerBlock)·rowStep, its pixel i <typeparamref name="TStride"/>
    /// floats further per pixel: planes (one block of K rows, p apart) or 16-channel pixels (blocks of 16 rows, 1 apart).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void Chains<TStride>(float* x, int k, int rowsPerBlock, long rowStep, long blockStep, float* w, float* bias, float* tile, float* prefetch)
        where TStride : IPixelStride
    {
        Vector512<float> a00, a01, a10, a11, a20, a21, a30, a31, a40, a41, a50, a51, a60, a61;
        a00 = a01 = a10 = a11 = a20 = a21 = a30 = a31 = a40 = a41 = a50 = a51 = a60 = a61 = Vector512<float>.Zero;
        for (int k0 = 0; k0 < k; k0 += rowsPerBlock)
        {
            float* r = x;
            for (int kk = k0, end = Math.Min(k, k0 + rowsPerBlock); kk < end; kk++)
            {
                Step<TStride>(w, r, ref a00, ref a01, ref a10, ref a11, ref a20, ref a21, ref a30, ref a31, ref a40, ref a41, ref a50, ref a51, ref a60, ref a61);
                Sse.Prefetch1(prefetch);
                prefetch += 16;
                w += Channels;
                r += rowStep;
            }

            x += blockStep;
        }

        Finish(bias, tile, a00, a01, a10, a11, a20, a21, a30, a31, a40, a41, a50, a51, a60, a61);
    }

    /// <summary>One k of a tile: the 32 weights w[0..31] times each of the 7 pixels r[i·stride], into the 14 chains.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Step<TStride>(
        float* w, float* r, ref Vector512<float> a00, ref Vector512<float> a01, ref Vector512<float> a10, ref Vector512<float> a11, ref Vector512<float> a20, ref Vector512<float> a21,
        ref Vector512<float> a30, ref Vector512<float> a31, ref Vector512<float> a40, ref Vector512<float> a41, ref Vector512<float> a50, ref Vector512<float> a51, ref Vector512<float> a60, ref Vector512<float> a61)
        where TStride : IPixelStride
    {
        int s = TStride.Floats;
        Vector512<float> w0 = Vector512.Load(w), w1 = Vector512.Load(w + 16);
        Vector512<float> v = Vector512.Create(r[0]);
        a00 = Vector512.FusedMultiplyAdd(w0, v, a00); a01 = Vector512.FusedMultiplyAdd(w1, v, a01);
        v = Vector512.Create(r[s]);
        a10 = Vector512.FusedMultiplyAdd(w0, v, a10); a11 = Vector512.FusedMultiplyAdd(w1, v, a11);
        v = Vector512.Create(r[2 * s]);
        a20 = Vector512.FusedMultiplyAdd(w0, v, a20); a21 = Vector512.FusedMultiplyAdd(w1, v, a21);
        v = Vector512.Create(r[3 * s]);
        a30 = Vector512.FusedMultiplyAdd(w0, v, a30); a31 = Vector512.FusedMultiplyAdd(w1, v, a31);
        v = Vector512.Create(r[4 * s]);
        a40 = Vector512.FusedMultiplyAdd(w0, v, a40); a41 = Vector512.FusedMultiplyAdd(w1, v, a41);
        v = Vector512.Create(r[5 * s]);
        a50 = Vector512.FusedMultiplyAdd(w0, v, a50); a51 = Vector512.FusedMultiplyAdd(w1, v, a51);
        v = Vector512.Create(r[6 * s]);
        a60 = Vector512.FusedMultiplyAdd(w0, v, a60); a61 = Vector512.FusedMultiplyAdd(w1, v, a61);
    }

    /// <summary>A tile's chains + bias (once), stored as [pixel][32 channels].</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Finish(
        float* bias, float* tile, Vector512<float> a00, Vector512<float> a01, Vector512<float> a10, Vector512<float> a11, Vector512<float> a20, Vector512<float> a21,
        Vector512<float> a30, Vector512<float> a31, Vector512<float> a40, Vector512<float> a41, Vector512<float> a50, Vector512<float> a51, Vector512<float> a60, Vector512<float> a61)
    {
        if (bias != null)
        {
            Vector512<float> b0 = Vector512.Load(bias), b1 = Vector512.Load(bias + 16);
            a00 += b0; a01 += b1; a10 += b0; a11 += b1; a20 += b0; a21 += b1; a30 += b0; a31 += b1;
            a40 += b0; a41 += b1; a50 += b0; a51 += b1; a60 += b0; a61 += b1;
        }

        Vector512.Store(a00, tile); Vector512.Store(a01, tile + 16);
        Vector512.Store(a10, tile + 32); Vector512.Store(a11, tile + 48);
        Vector512.Store(a20, tile + 64); Vector512.Store(a21, tile + 80);
        Vector512.Store(a30, tile + 96); Vector512.Store(a31, tile + 112);
        Vector512.Store(a40, tile + 128); Vector512.Store(a41, tile + 144);
        Vector512.Store(a50, tile + 160); Vector512.Store(a51, tile + 176);
        Vector512.Store(a60, tile + 192); Vector512.Store(a61, tile + 208);
    }

    /// <summary>
    /// The 14 accumulator chains of a tile over k = (ic, tap) in order, then the bias, stored as [pixel][32 channels]:
    /// tap t of input channel ic for the tile's pixel i at x[ic·planeLength + taps[t] + i·<typeparamref name="TStride"/>].
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void TapChains<TStride>(float* x, int channels, long planeLength, long* taps, int tapCount, float* w, float* bias, float* tile, float* prefetch)
        where TStride : IPixelStride
    {
        Vector512<float> a00, a01, a10, a11, a20, a21, a30, a31, a40, a41, a50, a51, a60, a61;
        a00 = a01 = a10 = a11 = a20 = a21 = a30 = a31 = a40 = a41 = a50 = a51 = a60 = a61 = Vector512<float>.Zero;
        for (int ic = 0; ic < channels; ic++, x += planeLength)
        {
            for (int tap = 0; tap < tapCount; tap++)
            {
                float* r = x + taps[tap];
                Step<TStride>(w, r, ref a00, ref a01, ref a10, ref a11, ref a20, ref a21, ref a30, ref a31, ref a40, ref a41, ref a50, ref a51, ref a60, ref a61);
                Sse.Prefetch1(prefetch);
                prefetch += 16;
                w += Channels;
            }
        }

        Finish(bias, tile, a00, a01, a10, a11, a20, a21, a30, a31, a40, a41, a50, a51, a60, a61);
    }
}

/// <summary>B in a zero-padded image read at column stride 2: consecutive pixels are 2 floats apart.</summary>
internal readonly struct SampledPixels : IPixelStride
{
    public static int Floats => 2;
}

/// <summary>Floats between a tile's consecutive pixels in its B operand (a JIT-time constant per layout).</summary>
internal interface IPixelStride
{
    static abstract int Floats { get; }
}

/// <summary>B in planes: consecutive pixels are adjacent.</summary>
internal readonly struct PlanePixels : IPixelStride
{
    public static int Floats => 1;
}

/// <summary>B in 16-channel pixels (<see cref="ChannelBlockChainHost"/>): consecutive pixels are 16 floats apart.</summary>
internal readonly struct ChannelBlockPixels : IPixelStride
{
    public static int Floats => 16;
}
