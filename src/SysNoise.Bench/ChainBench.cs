using System.Diagnostics;
using System.Globalization;
using SysNoise.Kernels.Model.Nn;

namespace SysNoise.Bench;

/// <summary>
/// MobileNetV2's banded chains (<see cref="ExpandDepthwiseHost"/>) against their convolutions run one by one, hot, best of
/// 1.5 s each: <c>-- chains [threads]</c> (SYSNOISE_BENCH_FUSED_ONLY=1: the banded pass alone, for a profiler).
/// </summary>
public static class ChainBench
{
    public static void Run(int threads)
    {
        var rng = new Random(1);
        // (name, input channels, expanded channels, output channels, input size, first kernel, first stride, dw stride)
        (string Name, int C, int E, int O, int HW, int K1, int S1, int S2)[] chains =
        [
            ("stem+dw32+proj16 @112", 3, 32, 16, 224, 3, 2, 1),
            ("f2 16->96 dw s2 ->24", 16, 96, 24, 112, 1, 1, 2),
            ("f3 24->144 dw ->24", 24, 144, 24, 56, 1, 1, 1),
        ];
        string? only = Environment.GetEnvironmentVariable("SYSNOISE_BENCH_ONLY");
        foreach (var c in chains)
        {
            if (only is not null && !c.Name.Contains(only, StringComparison.Ordinal))
            {
                continue;
            }

            NnGeometry g1 = Geometry(c.C, c.E, c.HW, c.K1, c.S1, 1);
            NnGeometry g2 = Geometry(c.E, c.E, g1.OutH, 3, c.S2, c.E);
            NnGeometry g3 = Geometry(c.E, c.O, g2.OutH, 1, 1, 1);
            float[] x = Filled(c.C * c.HW * c.HW, rng);
            float[] w1 = Filled(g1.OutChannels * g1.Channels * g1.KernelSpatial, rng), w2 = Filled(c.E * 9, rng), w3 = Filled(c.O * c.E, rng);
            float[] b1 = Filled(c.E, rng), b2 = Filled(c.E, rng), b3 = Filled(c.O, rng);
            float[] p1 = ConvHost.PackWeights(w1, g1), p3 = ConvHost.PackWeights(w3, g3);
            float[] y1 = new float[g1.OutputElements], y2 = new float[g2.OutputElements], y3 = new float[g3.OutputElements], z = new float[g3.OutputElements];
            var clip = new ConvEpilogue { Activation = ConvActivation.Clip, Lo = 0f, Hi = 6f };
            var stage = new ProjectStage(p3, b3, default, g3);
            // SYSNOISE_BENCH_COLD=1: each run reads one of 24 inputs (and writes one of 24 outputs), as in a model run where the
            // previous layers have pushed them out of the caches.
            float[][] xs = Cold ? Enumerable.Range(0, 24).Select(_ => Filled(x.Length, rng)).ToArray() : [x];
            float[][] zs = Cold ? Enumerable.Range(0, 24).Select(_ => new float[z.Length]).ToArray() : [z];
            int turn = 0;
            double fused = Best(() =>
            {
                turn++;
                ExpandDepthwiseHost.Run(xs[turn % xs.Length], p1, b1, clip, g1, w2, b2, clip, g2, zs[turn % zs.Length], stage, threads);
            });
            z = zs[turn % zs.Length];
            if (Environment.GetEnvironmentVariable("SYSNOISE_BENCH_FUSED_ONLY") == "1")
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{c.Name,-24} fused {fused,7:0.000} ms"));
                continue;
            }

            x = xs[turn % xs.Length];
            double first = Best(() => ConvHost.Run(x, w1, p1, b1, y1, g1, threads, clip));
            float[] p2 = ConvHost.PackWeights(w2, g2);
            double dw = Best(() => ConvHost.Run(y1, w2, p2, b2, y2, g2, threads, clip));
            double last = Best(() => ConvHost.Run(y2, w3, p3, b3, y3, g3, threads));
            bool same = z.AsSpan().SequenceEqual(y3);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{c.Name,-24} fused {fused,7:0.000} ms   one by one {first,6:0.000} + {dw,6:0.000} + {last,6:0.000} = {first + dw + last,6:0.000} ms   same bits {same}"));
        }
    }

    private static readonly bool Cold = Environment.GetEnvironmentVariable("SYSNOISE_BENCH_COLD") == "1";

    private static NnGeometry Geometry(int c, int oc, int hw, int k, int s, int group)
    {
        int oh = ((hw + (2 * (k / 2)) - k) / s) + 1;
        return new NnGeometry
        {
            Batch = 1, Channels = c, InD = 1, InH = hw, InW = hw, OutChannels = oc, Group = group, KD = 1, KH = k, KW = k,
            SD = 1, SH = s, SW = s, PH = k / 2, PW = k / 2, PHEnd = k / 2, PWEnd = k / 2, DD = 1, DH = 1, DW = 1, OutD = 1, OutH = oh, OutW = oh,
        };
    }

    private static double Best(Action run)
    {
        run();
        double best = double.MaxValue;
        var sw = Stopwatch.StartNew();
        for (int reps = 0; sw.ElapsedMilliseconds < 1500 || reps < 3; reps++)
        {
            long t = Stopwatch.GetTimestamp();
            run();
            best = Math.Min(best, Stopwatch.GetElapsedTime(t).TotalMilliseconds);
        }

        return best;
    }

    private static float[] Filled(long length, Random rng)
    {
        var a = new float[length];
        for (int i = 0; i < a.Length; i++)
        {
            a[i] = (float)((rng.NextDouble() * 2) - 1);
        }

        return a;
    }
}
