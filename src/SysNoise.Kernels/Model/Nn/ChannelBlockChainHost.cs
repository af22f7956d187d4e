using System.Buffers;
using System.Runtime.Intrinsics;

namespace SysNoise.Kernels.Model.Nn;

/// <summary>
/// MobileNet's inverted residual on small planes (output rows ≤ 14 wide): pointwise expand → depthwise → optional
/// pointwise projection, with the two tensors between them kept in 16-channel pixels instead of planes. The expand's
/// tiles are 7 pixels × 32 channels (vector over channels, as <see cref="SmallPlaneConvHost"/>), so each result vector is
/// already a 16-channel pixel: it goes straight into the depthwise pass's zero-padded buffer, where
/// <see cref="ChannelBlockDepthwiseHost"/>'s kernels read it, and their 16-channel output pixels are what the
/// projection's tiles broadcast from. Run one by one, the depthwise pass transposes its input in and its output out,
/// and the expand's tiles either discard an eighth of a 32-pixel tile (14²) or transpose their stores.
/// Every element keeps its unfused chain: acc = +0, then acc = fma(w, x, acc) over k (input channels, or (kh, kw)) in
/// order, padded taps reading +0, then + bias, then the absorbed epilogue's ops.
/// </summary>
public static unsafe class ChannelBlockChainHost
{
    private const int Lanes = ChannelBlockDepthwiseHost.Lanes;
    private const int Pixels = SmallPlaneConvHost.Pixels;
    private const int Channels = SmallPlaneConvHost.Channels;

    /// <summary>
    /// Output rows up to this wide: with no transposes, wider rows than the lone channel-block depthwise pass takes pay.
    /// </summary>
    private const int MaxOutWidth = 28;

    [ThreadStatic]
    private static float[]? scratch;

    /// <summary>
    /// Whether the expand → depthwise pair runs here: a 2-D pointwise expand of one group with a multiple of 32 output
    /// channels over a plane of a multiple of 7 pixels, feeding a depthwise convolution on the channel-block path.
    /// </summary>
    public static bool Applies(NnGeometry expand, NnGeometry depthwise) =>
        Vector512.IsHardwareAccelerated && IsPointwise(expand) && expand.OutChannels % Channels == 0 && expand.OutSpatial % Pixels == 0
        && DepthwiseHost.Applies(depthwise) && depthwise.GroupOutChannels == 1 && depthwise.OutW <= MaxOutWidth && depthwise.KernelSpatial <= 49
        && depthwise.Batch == expand.Batch && depthwise.Channels == expand.OutChannels && depthwise.InH == expand.OutH && depthwise.InW == expand.OutW;

    /// <summary>Whether a pointwise projection of the depthwise output runs here too: a multiple of 32 output channels, of 7 pixels.</summary>
    public static bool ProjectApplies(NnGeometry depthwise, NnGeometry project) =>
        IsPointwise(project) && project.OutChannels % Channels == 0 && project.OutSpatial % Pixels == 0
        && project.Batch == depthwise.Batch && project.Channels == depthwise.OutChannels
        && project.InH == depthwise.OutH && project.InW == depthwise.OutW;

    private static bool IsPointwise(NnGeometry g) =>
        g.Group == 1 && g.KernelSpatial == 1 && g.InD == 1 && g.OutD == 1 && g.SH == 1 && g.SW == 1
        && g.PH == 0 && g.PW == 0 && g.PHEnd == 0 && g.PWEnd == 0 && g.InH == g.OutH && g.InW == g.OutW && g.Channels > 0;

    /// <summary>
    /// y = depthwise(epilogue1(expand(x) + bias1)) + bias2, then <paramref name="epilogue2"/>; with <paramref name="project"/>
    /// (its weights <see cref="SmallPlaneConvHost.Pack"/>ed), y is the projection of that instead, with its epilogue, and
    /// the depthwise output is not stored. <paramref name="packedExpand"/>: <see cref="SmallPlaneConvHost.Pack"/> of the
    /// expand weights; <paramref name="packedDepthwise"/>: <see cref="ChannelBlockDepthwiseHost.Pack"/> of the depthwise ones.
    /// </summary>
    public static void Run(
        float[] x, float[] packedExpand, float[]? bias1, ConvEpilogue epilogue1, NnGeometry expand,
        float[] packedDepthwise, float[]? bias2, ConvEpilogue epilogue2, NnGeometry depthwise, float[] y, ProjectStage? project, int threads)
    {
        int channels = expand.OutChannels, chunks = channels / Channels, p1 = expand.OutSpatial, p2 = depthwise.OutSpatial;
        if (packedExpand.Length != channels * expand.Channels || packedDepthwise.Length != channels * depthwise.KernelSpatial
            || (project is not null && project.Packed.Length != project.Geometry.OutChannels * channels))
        {
            ThrowPackedLength();
        }

        if (epilogue1.Skip is not null || (project is not null && epilogue2.Skip is not null))
        {
            ThrowInnerAdd();
        }

        (int hp, int wp) = PaddedPlanes.Extent(depthwise);
        long blockFloats = ((long)(p2 + Lanes - 1) / Lanes) * Lanes * Lanes; // a depthwise output block (whole groups fit)
        long work = (long)channels * ((long)expand.Channels + depthwise.KernelSpatial) * p1;
        int t = work < 1_000_000 ? 1 : Math.Max(1, threads);

        // The depthwise output of one image in 16-channel pixels, [channel block][pixel][16], when a projection reads it.
        float[]? between = project is null ? null : ArrayPool<float>.Shared.Rent(checked((int)((channels / Lanes * blockFloats) + Lanes)));
        try
        {
            fixed (float* xp = x)
            fixed (float* w1p = packedExpand)
            fixed (float* b1p = bias1)
            fixed (float* w2p = packedDepthwise)
            fixed (float* b2p = bias2)
            fixed (float* yp = y)
            fixed (float* s2p = epilogue2.Skip)
            fixed (float* zp = between)
            {
                nint xa = (nint)xp, w1a = (nint)w1p, b1a = (nint)b1p, w2a = (nint)w2p, b2a = (nint)b2p, ya = (nint)yp, s2a = (nint)s2p;
                nint za = ((nint)zp + 63) & ~(nint)63;
                for (int n = 0; n < expand.Batch; n++)
                {
                    float* xin = (float*)xa + ((long)n * expand.Channels * p1);
                    long outPlane0 = (long)n * channels * p2;
                    nint xina = (nint)xin;

                    // Each task: 32 channels (two 16-channel blocks), expanded over the whole plane, then their depthwise pass.
                    HostParallel.For(chunks, t, chunk =>
                    {
                        float* z = project is null ? null : (float*)za + (chunk * 2 * blockFloats);
                        float* yOut = project is null ? (float*)ya + outPlane0 + ((long)chunk * Channels * p2) : null;
                        float* skip = s2a == 0 || project is not null ? null : (float*)s2a + outPlane0 + ((long)chunk * Channels * p2);
                        Chunk((float*)xina, (float*)w1a, (float*)b1a, epilogue1, expand, (float*)w2a, (float*)b2a, epilogue2, depthwise, chunk, hp, wp, blockFloats, z, yOut, skip);
                    });

                    if (project is not null)
                    {
                        Project((float*)za, blockFloats, project, y, n, t);
                    }
                }
            }
        }
        finally
        {
            if (between is not null)
            {
                ArrayPool<float>.Shared.Return(between);
            }
        }
    }

    /// <summary>
    /// Channels 32·chunk .. +31 of one image: the expand's tiles into two padded 16-channel buffers, then each block's
    /// depthwise pass, stored in 16-channel pixels at <paramref name="z"/> (a projection follows) or transposed into the
    /// planes at <paramref name="y"/> with the epilogue.
    /// </summary>
    private static void Chunk(
        float* x, float* w1, float* b1, in ConvEpilogue epilogue1, NnGeometry expand, float* w2, float* b2, in ConvEpilogue epilogue2, NnGeometry depthwise,
        int chunk, int hp, int wp, long blockFloats, float* z, float* y, float* skip)
    {
        long padded = ChannelBlockDepthwiseHost.PaddedFloats(hp, wp);
        long need = (2 * padded) + blockFloats + (Pixels * Channels) + Lanes;
        float[] buffer = scratch is { } s && s.Length >= need ? s : (scratch = GC.AllocateUninitializedArray<float>((int)need, pinned: true));
        fixed (float* unaligned = buffer)
        {
            float* pad0 = (float*)(((nint)unaligned + 63) & ~(nint)63), pad1 = pad0 + padded;
            float* outBlock = pad1 + padded, tile = outBlock + blockFloats;
            ChannelBlockDepthwiseHost.ClearBorder(pad0, depthwise, hp, wp);
            ChannelBlockDepthwiseHost.ClearBorder(pad1, depthwise, hp, wp);

            // The expand, 7 pixels at a time: pixel i's 32 channels are two 16-channel pixels of the padded buffers.
            int k = expand.Channels, p1 = expand.OutSpatial, width = expand.OutW;
            float* wChunk = w1 + ((long)chunk * k * Channels);
            float* bChunk = b1 == null ? null : b1 + (chunk * Channels);
            int ih = 0, iw = 0; // the input pixel of the tile's next output, followed without divisions
            for (int q0 = 0; q0 < p1; q0 += Pixels)
            {
                SmallPlaneConvHost.Chains<PlanePixels>(x + q0, k, k, p1, 0, wChunk, bChunk, tile, wChunk);
                for (int i = 0; i < Pixels; i++, iw++)
                {
                    if (iw == width)
                    {
                        (ih, iw) = (ih + 1, 0);
                    }

                    long at = (((long)(ih + depthwise.PH) * wp) + iw + depthwise.PW) * Lanes;
                    Vector512<float> lo = Vector512.Load(tile + (i * Channels)), hi = Vector512.Load(tile + (i * Channels) + Lanes);
                    if (!epilogue1.IsEmpty)
                    {
                        (lo, hi) = (epilogue1.Apply(lo, null), epilogue1.Apply(hi, null));
                    }

                    Vector512.StoreAligned(lo, pad0 + at);
                    Vector512.StoreAligned(hi, pad1 + at);
                }
            }

            int taps = depthwise.KernelSpatial, p2 = depthwise.OutSpatial;
            for (int half = 0; half < 2; half++)
            {
                int block = (chunk * 2) + half;
                float* wv = w2 + ((long)block * taps * Lanes);
                Vector512<float> bv = b2 == null ? Vector512<float>.Zero : Vector512.Load(b2 + (block * Lanes));
                float* target = z == null ? outBlock : z + (half * blockFloats);
                ChannelBlockDepthwiseHost.ComputeBlock(half == 0 ? pad0 : pad1, wv, b2 != null, bv, depthwise, wp, target);
                if (z == null)
                {
                    long plane = (long)half * Lanes * p2;
                    ChannelBlockDepthwiseHost.TransposeOut(outBlock, Lanes, p2, y + plane, skip == null ? null : skip + plane, epilogue2);
                }
                else if (!epilogue2.IsEmpty)
                {
                    for (int q = 0; q < p2; q++)
                    {
                        Vector512.StoreAligned(epilogue2.Apply(Vector512.LoadAligned(target + (q * Lanes)), null), target + (q * Lanes));
                    }
                }
            }
        }
    }

    /// <summary>
    /// The projection of one image's depthwise output (16-channel pixels at <paramref name="z"/>): tiles of 7 pixels × 32
    /// output channels, tasks over (channel chunk, range of tiles), stored into the planes with the epilogue.
    /// </summary>
    private static void Project(float* z, long blockFloats, ProjectStage project, float[] y, int n, int threads)
    {
        NnGeometry g = project.Geometry;
        int k = g.Channels, p = g.OutSpatial, chunks = g.OutChannels / Channels, tiles = p / Pixels;
        int t = (long)g.OutChannels * k * p < 1_000_000 ? 1 : threads;
        int ranges = t == 1 ? 1 : Math.Clamp((t * 8) / Math.Max(1, chunks), 1, tiles);
        int tilesPerRange = (tiles + ranges - 1) / ranges;
        ranges = (tiles + tilesPerRange - 1) / tilesPerRange;
        ConvEpilogue epilogue = project.Epilogue;
        fixed (float* wp = project.Packed)
        fixed (float* bp = project.Bias)
        fixed (float* yp = y)
        fixed (float* sp = epilogue.Skip)
        {
            nint za = (nint)z, wa = (nint)wp, ba = (nint)bp, ya = (nint)yp, sa = (nint)sp;
            HostParallel.For(chunks * ranges, t, task =>
            {
                int range = task % ranges, chunk = task / ranges;
                int m0 = chunk * Channels;
                float* w = (float*)wa + ((long)chunk * k * Channels);
                float* b = ba == 0 ? null : (float*)ba + m0;
                long outOffset = (((long)n * g.OutChannels) + m0) * p;
                float* tile = stackalloc float[Pixels * Channels];
                for (int tileIndex = range * tilesPerRange, end = Math.Min(tiles, tileIndex + tilesPerRange); tileIndex < end; tileIndex++)
                {
                    int q0 = tileIndex * Pixels;
                    SmallPlaneConvHost.Chains<ChannelBlockPixels>((float*)za + ((long)q0 * Lanes), k, Lanes, 1, blockFloats, w, b, tile, w);
                    SmallPlaneConvHost.StoreTransposed(tile, (float*)ya + outOffset + q0, sa == 0 ? null : (float*)sa + outOffset + q0, p, epilogue);
                }
            });
        }
    }

    private static void ThrowPackedLength() =>
        throw new ArgumentException("the channel-block chain needs the small-plane packing of the pointwise weights and the channel-block packing of the depthwise ones");

    private static void ThrowInnerAdd() =>
        throw new ArgumentException("the channel-block chain cannot absorb an Add into a convolution whose output it does not store");
}
