using System.Diagnostics;
using System.Globalization;
using System.Runtime.Intrinsics;
using SysNoise.Kernels;
using SysNoise.Kernels.Model.Nn;

namespace SysNoise.Bench;

/// <summary>
/// What a blocked activation layout would give ResNet-50's pointwise convolutions: <c>-- blocked [threads]</c> (under <c>scripts/under-memory-pressure.sh</c> for the slow mode)
/// times <see cref="ConvHost"/> on NCHW tensors against a direct kernel on NCHWc16 ones (16 channels of a pixel side by
/// side, as ONNX Runtime keeps them between its convolutions), cold (inputs rotated through 64 MB), medians of 1.5 s.
/// The direct kernel is <see cref="SmallPlaneConvHost"/>'s 7-pixel × 32-channel tile reading 16-channel pixels, each
/// output the same chain (acc = +0, then fma over the input channels in order), so the outputs must be the same bits;
/// the bench counts the values that differ. It reads
/// one sequential run of 16 channels × 7 pixels per channel block, where the NCHW paths read 1 KB (GEMM) or 28 bytes
/// (7-pixel tiles) of each of K channel rows. An experiment, not a path of the executor: the layout would have to be
/// the executor's between its convolutions (see docs/performance.md).
/// </summary>
public static unsafe class BlockedLayoutBench
{
    private const int Pixels = 7;

    public static void Run(int threads)
    {
        (string Name, int C, int OC, int HW)[] shapes =
        [
            ("1x1 256->64 @56", 256, 64, 56), ("1x1 64->256 @56", 64, 256, 56), ("1x1 512->128 @28", 512, 128, 28),
            ("1x1 128->512 @28", 128, 512, 28), ("1x1 1024->256 @14", 1024, 256, 14), ("1x1 256->1024 @14", 256, 1024, 14),
            ("1x1 2048->512 @7", 2048, 512, 7),
        ];
        var rng = new Random(1);
        var ic = CultureInfo.InvariantCulture;
        foreach (var s in shapes)
        {
            int p = s.HW * s.HW;
            var g = new NnGeometry
            {
                Batch = 1, Channels = s.C, InD = 1, InH = s.HW, InW = s.HW, OutChannels = s.OC, Group = 1, KD = 1, KH = 1, KW = 1,
                SD = 1, SH = 1, SW = 1, DD = 1, DH = 1, DW = 1, OutD = 1, OutH = s.HW, OutW = s.HW,
            };
            int copies = (int)Math.Clamp(64_000_000L / (4L * (s.C + s.OC) * p), 2, 64);
            float[][] xs = Enumerable.Range(0, copies).Select(_ => Enumerable.Range(0, s.C * p).Select(_ => (float)rng.NextDouble() - 0.5f).ToArray()).ToArray();
            float[][] ys = Enumerable.Range(0, copies).Select(_ => new float[s.OC * p]).ToArray();
            float[] w = Enumerable.Range(0, s.OC * s.C).Select(_ => (float)rng.NextDouble() - 0.5f).ToArray();
            float[] packed = ConvHost.PackWeights(w, g);
            float[][] blockedX = xs.Select(x => ToBlocked(x, s.C, p)).ToArray();
            float[][] blockedY = Enumerable.Range(0, copies).Select(_ => new float[s.OC * p]).ToArray();
            float[] chunkWeights = PackChunks(w, s.C, s.OC);

            ConvHost.Run(xs[0], w, packed, null, ys[0], g, threads);
            Direct(blockedX[0], chunkWeights, blockedY[0], s.C, s.OC, p, threads);
            float[] back = FromBlocked(blockedY[0], s.OC, p);
            int differing = 0;
            for (int i = 0; i < back.Length; i++)
            {
                differing += BitConverter.SingleToInt32Bits(back[i]) != BitConverter.SingleToInt32Bits(ys[0][i]) ? 1 : 0;
            }

            double nchw = Median(r => ConvHost.Run(xs[r % copies], w, packed, null, ys[r % copies], g, threads));
            double blocked = Median(r => Direct(blockedX[r % copies], chunkWeights, blockedY[r % copies], s.C, s.OC, p, threads));
            double gflop = 2.0 * s.C * s.OC * p / 1e9;
            Console.WriteLine(string.Create(ic, $"{s.Name,-18} NCHW {nchw,7:0.000} ms {gflop / nchw * 1e3,6:0.0} GFLOP/s   NCHWc16 {blocked,7:0.000} ms {gflop / blocked * 1e3,6:0.0} GFLOP/s   ratio {blocked / nchw:0.00}   differing values {differing}"));
        }
    }

    private static double Median(Action<int> run)
    {
        for (int i = 0; i < 5; i++)
        {
            run(i);
        }

        var times = new List<double>();
        var clock = Stopwatch.StartNew();
        for (int r = 0; clock.ElapsedMilliseconds < 1500 || r < 5; r++)
        {
            long t = Stopwatch.GetTimestamp();
            run(r);
            times.Add(Stopwatch.GetElapsedTime(t).TotalMilliseconds);
        }

        times.Sort();
        return times[times.Count / 2];
    }

    private static float[] ToBlocked(float[] x, int channels, int p)
    {
        var r = new float[x.Length];
        for (int c = 0; c < channels; c++)
        {
            for (int i = 0; i < p; i++)
            {
                r[(((c / 16) * p) + i) * 16 + (c % 16)] = x[(c * p) + i];
            }
        }

        return r;
    }

    private static float[] FromBlocked(float[] x, int channels, int p)
    {
        var r = new float[x.Length];
        for (int c = 0; c < channels; c++)
        {
            for (int i = 0; i < p; i++)
            {
                r[(c * p) + i] = x[(((c / 16) * p) + i) * 16 + (c % 16)];
            }
        }

        return r;
    }

    /// <summary>[chunk of 32 output channels][input channel][32].</summary>
    private static float[] PackChunks(float[] w, int channels, int outChannels)
    {
        var r = new float[w.Length];
        for (int chunk = 0; chunk < outChannels / 32; chunk++)
        {
            for (int c = 0; c < channels; c++)
            {
                for (int j = 0; j < 32; j++)
                {
                    r[(((chunk * channels) + c) * 32) + j] = w[(((chunk * 32) + j) * channels) + c];
                }
            }
        }

        return r;
    }

    /// <summary>
    /// Tasks are ranges of 7-pixel tiles; each tile runs every 32-channel chunk while its input is in L1, through the
    /// same chains as <see cref="ChannelBlockChainHost"/>'s projection (B in 16-channel pixels), then stores the tile's
    /// [pixel][32 channels] as the chunk's two 16-channel blocks.
    /// </summary>
    private static void Direct(float[] x, float[] w, float[] y, int channels, int outChannels, int p, int threads)
    {
        int tiles = p / Pixels, chunks = outChannels / 32;
        int ranges = threads == 1 ? 1 : Math.Min(tiles, threads * 8);
        fixed (float* xp = x, wp = w, yp = y)
        {
            nint xa = (nint)xp, wa = (nint)wp, ya = (nint)yp;
            HostParallel.For(ranges, threads, range =>
            {
                float* tile = stackalloc float[Pixels * 32];
                int t0 = (int)((long)tiles * range / ranges), t1 = (int)((long)tiles * (range + 1) / ranges);
                for (int t = t0; t < t1; t++)
                {
                    int p0 = t * Pixels;
                    for (int chunk = 0; chunk < chunks; chunk++)
                    {
                        float* chunkWeights = (float*)wa + ((long)chunk * channels * 32);
                        SmallPlaneConvHost.Chains<ChannelBlockPixels>((float*)xa + ((long)p0 * 16), channels, 16, 1, (long)p * 16, chunkWeights, null, tile, chunkWeights);
                        for (int half = 0; half < 2; half++)
                        {
                            float* block = (float*)ya + ((((long)((chunk * 2) + half) * p) + p0) * 16);
                            for (int i = 0; i < Pixels; i++)
                            {
                                Vector512.Store(Vector512.Load(tile + (i * 32) + (half * 16)), block + (i * 16));
                            }
                        }
                    }
                }
            });
        }
    }
}
