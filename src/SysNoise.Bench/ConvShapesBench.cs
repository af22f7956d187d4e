using System.Diagnostics;
using System.Globalization;
using SysNoise.Kernels.Model.Nn;

namespace SysNoise.Bench;

/// <summary>GFLOP/s of the host convolution on ResNet-50's layer shapes: <c>-- convshapes [threads]</c>.</summary>
public static class ConvShapesBench
{
    /// <summary><paramref name="cold"/>: rotate over enough input/output buffers to leave the caches, as in a model run.</summary>
    public static void Run(int threads, bool cold = false)
    {
        (string Name, int C, int OC, int HW, int K, int S, int G)[] shapes =
        [
            ("stem 7x7 s2", 3, 64, 224, 7, 2, 1),
            ("l1 1x1 64->256", 64, 256, 56, 1, 1, 1),
            ("l1 1x1 256->64", 256, 64, 56, 1, 1, 1),
            ("l2 1x1 512->128", 512, 128, 28, 1, 1, 1),
            ("l2 1x1 128->512", 128, 512, 28, 1, 1, 1),
            ("l1 3x3 64", 64, 64, 56, 3, 1, 1),
            ("l2 3x3 s2 128", 128, 128, 56, 3, 2, 1),
            ("l2 3x3 128", 128, 128, 28, 3, 1, 1),
            ("l3 1x1 1024->256", 1024, 256, 14, 1, 1, 1),
            ("l3 1x1 256->1024", 256, 1024, 14, 1, 1, 1),
            ("l4 1x1 2048->512", 2048, 512, 7, 1, 1, 1),
            ("l3 3x3 256", 256, 256, 14, 3, 1, 1),
            ("l4 3x3 512", 512, 512, 7, 3, 1, 1),
            ("l4 1x1 512->2048", 512, 2048, 7, 1, 1, 1),
            ("l2 1x1 s2 256->512", 256, 512, 56, 1, 2, 1),
            ("l3 1x1 s2 512->1024", 512, 1024, 28, 1, 2, 1),
            ("l4 1x1 s2 1024->2048", 1024, 2048, 14, 1, 2, 1),
            ("mnv2 1x1 16->96", 16, 96, 112, 1, 1, 1),
            ("mnv2 1x1 96->24", 96, 24, 56, 1, 1, 1),
            ("mnv2 1x1 24->144", 24, 144, 56, 1, 1, 1),
            ("mnv2 1x1 192->64", 192, 64, 14, 1, 1, 1),
            ("mnv2 1x1 320->1280", 320, 1280, 7, 1, 1, 1),
            ("mnv2 1x1 960->160 @7", 960, 160, 7, 1, 1, 1),
            ("mnv2 1x1 160->960 @7", 160, 960, 7, 1, 1, 1),
            ("mnv2 1x1 576->96 @14", 576, 96, 14, 1, 1, 1),
            ("mnv2 1x1 96->576 @14", 96, 576, 14, 1, 1, 1),
            ("mnv2 1x1 64->384 @14", 64, 384, 14, 1, 1, 1),
            ("mnv2 1x1 192->32 @28", 192, 32, 28, 1, 1, 1),
            ("mnv2 1x1 32->192 @28", 32, 192, 28, 1, 1, 1),
            ("mnv2 stem 3x3 s2", 3, 32, 224, 3, 2, 1),
            ("det 3x3 96->24 @160", 96, 24, 160, 3, 1, 1),
            ("det stem 3x3 s2", 3, 16, 640, 3, 2, 1),
            ("mnv2 dw 32 @112", 32, 32, 112, 3, 1, 32),
            ("hot dw 8 @56", 8, 8, 56, 3, 1, 8),
            ("hot dw 8 @112", 8, 8, 112, 3, 1, 8),
            ("mnv2 dw 144 @56", 144, 144, 56, 3, 1, 144),
            ("mnv2 dw 192 @28", 192, 192, 28, 3, 1, 192),
            ("mnv2 dw 576 @14", 576, 576, 14, 3, 1, 576),
            ("mnv2 dw 960 @7", 960, 960, 7, 3, 1, 960),
            ("mnv2 dw s2 96 @112", 96, 96, 112, 3, 2, 96),
            ("mnv2 dw s2 144 @56", 144, 144, 56, 3, 2, 144),
            ("mnv2 dw s2 192 @28", 192, 192, 28, 3, 2, 192),
            ("mnv2 dw s2 576 @14", 576, 576, 14, 3, 2, 576),
        ];
        var rng = new Random(1);
        string? only = Environment.GetEnvironmentVariable("SYSNOISE_BENCH_ONLY");
        foreach (var s in shapes)
        {
            if (only is not null && !s.Name.Contains(only, StringComparison.Ordinal))
            {
                continue;
            }

            int oh = ((s.HW + (2 * (s.K / 2)) - s.K) / s.S) + 1;
            var g = new NnGeometry
            {
                Batch = 1, Channels = s.C, InD = 1, InH = s.HW, InW = s.HW, OutChannels = s.OC, Group = s.G, KD = 1, KH = s.K, KW = s.K,
                SD = 1, SH = s.S, SW = s.S, PH = s.K / 2, PW = s.K / 2, PHEnd = s.K / 2, PWEnd = s.K / 2, DD = 1, DH = 1, DW = 1, OutD = 1, OutH = oh, OutW = oh,
            };
            int copies = cold ? (int)Math.Clamp(64_000_000L / (4L * ((s.C * s.HW * s.HW) + (s.OC * oh * oh))), 2, 64) : 1;
            float[][] xs = Enumerable.Range(0, copies).Select(_ => Filled(Aligned(s.C * s.HW * s.HW), rng)).ToArray();
            float[][] ys = Enumerable.Range(0, copies).Select(_ => Aligned(s.OC * oh * oh)).ToArray();
            float[] x = xs[0], y = ys[0];
            float[] w = Enumerable.Range(0, s.OC * (s.C / s.G) * s.K * s.K).Select(_ => (float)rng.NextDouble()).ToArray();
            float[] b = new float[s.OC];
            float[] packed = ConvHost.PackWeights(w, g);
            ConvHost.Run(x, w, packed, b, y, g, threads);
            int reps = 0;
            var sw = Stopwatch.StartNew();
            double best = double.MaxValue;
            while (sw.ElapsedMilliseconds < 1500 || reps < 3)
            {
                (x, y) = (xs[reps % copies], ys[reps % copies]);
                long t = Stopwatch.GetTimestamp();
                ConvHost.Run(x, w, packed, b, y, g, threads);
                best = Math.Min(best, Stopwatch.GetElapsedTime(t).TotalMilliseconds);
                reps++;
            }

            double gflop = 2.0 * s.OC * oh * oh * (s.C / s.G) * s.K * s.K / 1e9;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{s.Name,-20} best {best,8:0.000} ms  {gflop / (best / 1000),7:0.0} GFLOP/s  {best * 1e6 / (s.OC * oh * oh),6:0.00} ns/output"));
        }
    }

    /// <summary>SYSNOISE_BENCH_ALIGN=B: input and output arrays whose data starts B bytes past a 64-byte boundary (pinned; else as the GC places them).</summary>
    private static readonly int Misalign = int.TryParse(Environment.GetEnvironmentVariable("SYSNOISE_BENCH_ALIGN"), out int m) ? m : -1;

    private static readonly List<float[]> Fillers = [];

    private static unsafe float[] Aligned(int length)
    {
        if (Misalign < 0)
        {
            return new float[length];
        }

        for (int attempt = 0; ; attempt++)
        {
            float[] a = GC.AllocateArray<float>(length, pinned: true);
            fixed (float* p = a)
            {
                if ((long)p % 64 == Misalign)
                {
                    return a;
                }
            }

            Fillers.Add(GC.AllocateArray<float>(1 + (attempt % 7), pinned: true));
        }
    }

    private static float[] Filled(float[] a, Random rng)
    {
        for (int i = 0; i < a.Length; i++)
        {
            a[i] = (float)rng.NextDouble();
        }

        return a;
    }
}
