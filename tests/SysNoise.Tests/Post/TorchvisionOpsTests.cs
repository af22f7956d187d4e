using SysNoise.Kernels.Post;
using SysNoise.Runtime.Devices;
using SysNoise.Runtime.Post;
using SysNoise.Tests.Support;
using Xunit.Abstractions;

namespace SysNoise.Tests.Post;

/// <summary>
/// NMS, batched NMS, box_iou and the score sorts against torchvision 0.14 / torch 1.13 run live (Debian's
/// /usr/bin/python3), on fresh random cases every run, all cases of a test in one Python process. Bit-exact: the same
/// kept indices in the same order, the same IoU bits.
/// </summary>
public sealed class TorchvisionOpsTests(ITestOutputHelper output) : IDisposable
{
    private const int Cases = 600;
    private readonly string dir = Directory.CreateTempSubdirectory("sysnoise-post-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    private static string Reproduce => $"reproduce: SYSNOISE_SEED={RandomImages.RunSeed} dotnet test tests/SysNoise.Tests -c Release --filter \"FullyQualifiedName~{nameof(TorchvisionOpsTests)}\"";

    [Fact]
    public void NmsMatchesTorchvision()
    {
        var rng = new Random(HashCode.Combine(RandomImages.RunSeed, "nms") & int.MaxValue);
        var cases = Enumerable.Range(0, Cases).Select(i => i % 10 == 9 ? PostCases.ExactThresholdCase(rng) : PostCases.Nms(rng, maxBoxes: i % 7 == 0 ? 700 : 150, batched: false)).ToList();
        List<long[]> expected = RunNmsOracle("nms", cases);
        NmsVariant variant = PostVariants.GetNms("torchvision-nms");
        int kept = 0, ties = 0;
        for (int c = 0; c < cases.Count; c++)
        {
            NmsCase nc = cases[c];
            long[] actual = PostProcessing.Nms(HostDevice.Shared, variant, nc.Boxes, nc.Scores, nc.Iou);
            Assert.True(expected[c].SequenceEqual(actual), $"seed {RandomImages.RunSeed}, case {c} ({nc}): torchvision kept [{string.Join(", ", expected[c])}], SysNoise [{string.Join(", ", actual)}]\n{nc.Dump()}\n{Reproduce}");
            kept += actual.Length;
            ties += nc.Kind.StartsWith("tied", StringComparison.Ordinal) ? 1 : 0;
        }

        output.WriteLine($"seed {RandomImages.RunSeed}: {cases.Count} cases ({ties} with tied scores, {cases.Count(x => x.Kind == "exact-threshold")} at exact thresholds), {cases.Sum(x => x.Count)} boxes, {kept} kept: identical to torchvision.ops.nms");
    }

    [Fact]
    public void BatchedNmsMatchesTorchvisionOnBothPaths()
    {
        var rng = new Random(HashCode.Combine(RandomImages.RunSeed, "batched") & int.MaxValue);
        // One case in four is above torchvision's CPU switch (boxes.numel() > 4000, i.e. N > 1000): the per-class loop.
        var cases = Enumerable.Range(0, Cases).Select(i => i % 4 == 3
            ? PostCases.Nms(rng, maxBoxes: 1500, batched: true, minBoxes: 1001)
            : PostCases.Nms(rng, maxBoxes: i % 5 == 0 ? 1000 : 200, batched: true)).ToList();
        List<long[]> expected = RunNmsOracle("batched", cases);
        long[] paths = PostCases.Load<long>(dir, "paths");
        NmsVariant variant = PostVariants.GetNms("torchvision-nms");
        for (int c = 0; c < cases.Count; c++)
        {
            NmsCase nc = cases[c];
            Assert.Equal(nc.Count > variant.TrickMaxBoxes ? 1 : 0, paths[c]);
            long[] actual = PostProcessing.BatchedNms(HostDevice.Shared, variant, nc.Boxes, nc.Scores, nc.Classes, nc.Iou);
            Assert.True(expected[c].SequenceEqual(actual), $"seed {RandomImages.RunSeed}, case {c} ({nc}): torchvision kept [{string.Join(", ", expected[c])}], SysNoise [{string.Join(", ", actual)}]\n{nc.Dump()}\n{Reproduce}");
        }

        output.WriteLine($"seed {RandomImages.RunSeed}: {cases.Count} cases, {paths.Count(p => p == 1)} through the per-class path (N > 1000), {paths.Count(p => p == 0)} through the coordinate trick, {cases.Count(x => x.Kind.StartsWith("tied", StringComparison.Ordinal))} with tied scores, {cases.Sum(x => x.Count)} boxes: identical to torchvision.ops.batched_nms");
    }

    [Fact]
    public void BoxIouMatchesTorchvisionBitForBit()
    {
        var rng = new Random(HashCode.Combine(RandomImages.RunSeed, "iou") & int.MaxValue);
        var pairs = new List<(float[] A, float[] B)>();
        for (int c = 0; c < Cases; c++)
        {
            int n = rng.Next(41), m = rng.Next(41);
            float[] both = PostCases.Boxes(rng, n + m); // one generator call: the two sets share clusters, so they overlap
            pairs.Add((both[..(n * 4)], both[(n * 4)..]));
        }

        PostCases.Save(dir, "a", pairs.SelectMany(p => p.A).ToArray(), pairs.Sum(p => p.A.Length / 4), 4);
        PostCases.Save(dir, "b", pairs.SelectMany(p => p.B).ToArray(), pairs.Sum(p => p.B.Length / 4), 4);
        PostCases.Save(dir, "lens", pairs.SelectMany(p => new long[] { p.A.Length / 4, p.B.Length / 4 }).ToArray(), pairs.Count, 2);
        string version = PostCases.RunOracle("iou", dir);
        float[] expected = PostCases.Load<float>(dir, "out");
        int at = 0, values = 0, zero = 0, nan = 0;
        for (int c = 0; c < pairs.Count; c++)
        {
            float[] actual = PostProcessing.BoxIou(HostDevice.Shared, pairs[c].A, pairs[c].B);
            float[] want = expected[at..(at + actual.Length)];
            at += actual.Length;
            string? diff = Compare.Bytes(want, actual);
            Assert.True(diff is null, $"seed {RandomImages.RunSeed}, case {c} ({pairs[c].A.Length / 4}×{pairs[c].B.Length / 4}): {diff}\n{Reproduce}");
            values += actual.Length;
            zero += actual.Count(v => v == 0f);
            nan += actual.Count(float.IsNaN);
        }

        Assert.Equal(expected.Length, at);
        output.WriteLine($"seed {RandomImages.RunSeed}: {pairs.Count} cases, {values} IoU values ({zero} zero, {nan} NaN from 0/0 of degenerate boxes), bit-identical to torchvision.ops.box_iou ({version})");
    }

    [Fact]
    public void ScoreOrdersMatchTorchSort()
    {
        var rng = new Random(HashCode.Combine(RandomImages.RunSeed, "sort") & int.MaxValue);
        var arrays = new List<float[]>();
        for (int c = 0; c < Cases; c++)
        {
            int n = c < 40 ? c : rng.Next(rng.Next(4) == 0 ? 5000 : 300);
            int levels = 1 + rng.Next(1 + (n / (1 + rng.Next(40))));
            bool nans = rng.Next(5) == 0;
            arrays.Add(Enumerable.Range(0, n).Select(_ => nans && rng.Next(6) == 0 ? float.NaN : rng.Next(levels) * 0.25f).ToArray());
        }

        PostCases.Save(dir, "x", arrays.SelectMany(a => a).ToArray(), arrays.Sum(a => a.Length));
        PostCases.Save(dir, "lens", arrays.Select(a => (long)a.Length).ToArray(), arrays.Count);
        PostCases.RunOracle("sort", dir);
        long[] unstable = PostCases.Load<long>(dir, "unstable"), stable = PostCases.Load<long>(dir, "stable");
        int at = 0;
        for (int c = 0; c < arrays.Count; c++)
        {
            int n = arrays[c].Length;
            long[] wantUnstable = unstable[at..(at + n)], wantStable = stable[at..(at + n)];
            at += n;
            Assert.True(wantUnstable.SequenceEqual(ScoreOrder.Unstable(arrays[c]).Select(i => (long)i)), $"seed {RandomImages.RunSeed}, case {c} (n={n}): torch.sort(descending=True) order differs\n{Reproduce}");
            Assert.True(wantStable.SequenceEqual(ScoreOrder.Stable(arrays[c]).Select(i => (long)i)), $"seed {RandomImages.RunSeed}, case {c} (n={n}): torch.sort(descending=True, stable=True) order differs\n{Reproduce}");
        }

        output.WriteLine($"seed {RandomImages.RunSeed}: {arrays.Count} tie-heavy arrays (some with NaN, up to 5000 values): libstdc++ introsort emulation == torch.sort, stable order == torch.sort(stable=True)");
    }

    private List<long[]> RunNmsOracle(string task, List<NmsCase> cases)
    {
        PostCases.Save(dir, "boxes", cases.SelectMany(c => c.Boxes).ToArray(), cases.Sum(c => c.Count), 4);
        PostCases.Save(dir, "scores", cases.SelectMany(c => c.Scores).ToArray(), cases.Sum(c => c.Count));
        PostCases.Save(dir, "classes", cases.SelectMany(c => c.Classes).ToArray(), cases.Sum(c => c.Count));
        PostCases.Save(dir, "lens", cases.Select(c => (long)c.Count).ToArray(), cases.Count);
        PostCases.Save(dir, "iou", cases.Select(c => c.Iou).ToArray(), cases.Count);
        string version = PostCases.RunOracle(task, dir);
        output.WriteLine(version);
        long[] keep = PostCases.Load<long>(dir, "keep"), lens = PostCases.Load<long>(dir, "keep_lens");
        var result = new List<long[]>();
        int at = 0;
        foreach (long len in lens)
        {
            result.Add(keep[at..(at + (int)len)]);
            at += (int)len;
        }

        return result;
    }
}
