using SysNoise.Kernels.Post;
using SysNoise.Runtime.Devices;
using SysNoise.Runtime.Post;
using SysNoise.Tests.Support;
using Xunit.Abstractions;

namespace SysNoise.Tests.Post;

/// <summary>
/// mmcv's <c>nms(offset=1)</c> has no live oracle on Debian (no mmcv package), so it is held against a hand-checked
/// table of IoUs (kernels.md §7.2's example among them) and, on random cases, against an independent float64 NMS.
/// </summary>
public sealed class MmcvNmsTests(ITestOutputHelper output)
{
    private const int Cases = 600;

    private static readonly NmsVariant Mmcv = PostVariants.GetNms("mmcv-nms-offset1");
    private static readonly NmsVariant Torchvision = PostVariants.GetNms("torchvision-nms");

    // (box a, box b, IoU with offset 0, IoU with offset 1), worked out by hand.
    public static TheoryData<float[], float[], double, double> Table() => new()
    {
        // kernels.md: a 10×10 box shifted by 5 px. Offset 0: 50 / 150. Offset 1: inter 6·11 = 66, union 121 + 121 − 66 = 176.
        { [0, 0, 10, 10], [5, 0, 15, 10], 50.0 / 150.0, 66.0 / 176.0 },
        // The same pair one pixel smaller: with offset 1 it is the 10×10 case: 5·10 = 50 over 100 + 100 − 50.
        { [0, 0, 9, 9], [5, 0, 14, 9], 36.0 / 126.0, 50.0 / 150.0 },
        // Touching edges: no overlap without the +1, one shared pixel column with it: 1·11 over 121 + 121 − 11.
        { [0, 0, 10, 10], [10, 0, 20, 10], 0.0, 11.0 / 231.0 },
        // A one-pixel gap: w = 10 − 11 + 1 = 0 even with the offset.
        { [0, 0, 10, 10], [11, 0, 21, 10], 0.0, 0.0 },
        // A point box inside a box: area 0 vs 1 pixel.
        { [0, 0, 10, 10], [5, 5, 5, 5], 0.0, 1.0 / 121.0 },
        // Contained: 2·2 = 4 of 100; with the offset 3·3 = 9 of 121.
        { [0, 0, 10, 10], [2, 2, 4, 4], 4.0 / 100.0, 9.0 / 121.0 },
        { [3, 4, 13, 24], [3, 4, 13, 24], 1.0, 1.0 },
    };

    [Theory]
    [MemberData(nameof(Table))]
    public void IouMatchesTheHandCheckedTable(float[] a, float[] b, double iou0, double iou1)
    {
        Box4 ba = PostCases.Box(a, 0), bb = PostCases.Box(b, 0);
        Assert.Equal((float)iou0, IouMath.Iou(ba, IouMath.Area(ba, 0f), bb, IouMath.Area(bb, 0f), 0f, default(StdExtrema)));
        Assert.Equal((float)iou1, IouMath.Iou(ba, IouMath.Area(ba, 1f), bb, IouMath.Area(bb, 1f), 1f, default(StdExtrema)));
        Assert.Equal([(float)iou0], PostProcessing.BoxIou(HostDevice.Shared, a, b));
    }

    [Fact]
    public void TheOffsetDecidesSuppressionAtThreshold035()
    {
        // kernels.md's pair: IoU 1/3 without the +1, 0.375 with it. At 0.35 torchvision keeps both, mmcv offset=1 drops one.
        float[] boxes = [0, 0, 10, 10, 5, 0, 15, 10];
        float[] scores = [0.9f, 0.8f];
        Assert.Equal([0L, 1L], PostProcessing.Nms(HostDevice.Shared, Torchvision, boxes, scores, 0.35));
        Assert.Equal([0L], PostProcessing.Nms(HostDevice.Shared, Mmcv, boxes, scores, 0.35));
        // Equal to the threshold is kept (strict >) in both.
        Assert.Equal([0L, 1L], PostProcessing.Nms(HostDevice.Shared, Mmcv, boxes, scores, 0.375));
    }

    [Fact]
    public void MmcvComparesWithAFloatThreshold()
    {
        // Offset-1 IoU exactly float(1/3) = 0.3333333433...: above the double 1/3 (torchvision's comparison would suppress)
        // but equal to mmcv's float threshold, so mmcv keeps the box.
        float[] boxes = [0, 0, 9, 9, 5, 0, 14, 9];
        float[] scores = [0.9f, 0.8f];
        Assert.Equal([0L, 1L], PostProcessing.Nms(HostDevice.Shared, Mmcv, boxes, scores, 1.0 / 3.0));
        NmsSpec doubleThreshold = new(1f, 1.0 / 3.0);
        Box4 a = PostCases.Box(boxes, 0), b = PostCases.Box(boxes, 1);
        Assert.True(doubleThreshold.Suppresses(a, IouMath.Area(a, 1f), b, IouMath.Area(b, 1f)));
    }

    [Fact]
    public void MatchesAFloat64ReferenceAwayFromTheThreshold()
    {
        var rng = new Random(HashCode.Combine(RandomImages.RunSeed, "mmcv") & int.MaxValue);
        int checkedCases = 0, skipped = 0, boxes = 0, kept = 0, differsFromOffset0 = 0;
        while (checkedCases < Cases)
        {
            NmsCase nc = PostCases.Nms(rng, maxBoxes: 120, batched: false);
            float[] scores = DistinctScores(rng, nc.Count); // the float64 reference orders by score alone
            List<int>? reference = ReferenceNms(nc.Boxes, scores, nc.Iou, margin: 1e-5);
            if (reference is null)
            {
                skipped++; // some pair's IoU is within 1e-5 of the threshold: float32 and float64 may legitimately disagree
                continue;
            }

            long[] actual = PostProcessing.Nms(HostDevice.Shared, Mmcv, nc.Boxes, scores, nc.Iou);
            Assert.True(reference.Select(i => (long)i).SequenceEqual(actual), $"seed {RandomImages.RunSeed} ({nc}): float64 reference kept [{string.Join(", ", reference)}], mmcv-nms-offset1 [{string.Join(", ", actual)}]\n{nc.Dump()}");
            differsFromOffset0 += PostProcessing.Nms(HostDevice.Shared, Torchvision, nc.Boxes, scores, nc.Iou).SequenceEqual(actual) ? 0 : 1;
            checkedCases++;
            boxes += nc.Count;
            kept += actual.Length;
        }

        output.WriteLine($"seed {RandomImages.RunSeed}: {checkedCases} cases ({boxes} boxes, {kept} kept) equal to the float64 offset-1 reference; {skipped} skipped with an IoU within 1e-5 of the threshold; {differsFromOffset0} cases keep a different set than offset 0");
    }

    private static float[] DistinctScores(Random rng, int n)
    {
        var set = new HashSet<float>();
        while (set.Count < n)
        {
            set.Add((float)rng.NextDouble());
        }

        return set.ToArray();
    }

    /// <summary>Greedy NMS with the +1 convention in double; null when a compared pair's IoU is within <paramref name="margin"/> of the threshold.</summary>
    private static List<int>? ReferenceNms(float[] boxes, float[] scores, double threshold, double margin)
    {
        int n = scores.Length;
        int[] order = Enumerable.Range(0, n).OrderByDescending(i => scores[i]).ToArray();
        double Area(int i) => (boxes[(i * 4) + 2] - (double)boxes[i * 4] + 1) * (boxes[(i * 4) + 3] - (double)boxes[(i * 4) + 1] + 1);
        var suppressed = new bool[n];
        var keep = new List<int>();
        foreach (int i in order)
        {
            if (suppressed[i])
            {
                continue;
            }

            keep.Add(i);
            foreach (int j in order)
            {
                if (j == i || suppressed[j] || keep.Contains(j))
                {
                    continue;
                }

                double w = Math.Max(0, Math.Min(boxes[(i * 4) + 2], (double)boxes[(j * 4) + 2]) - Math.Max(boxes[i * 4], (double)boxes[j * 4]) + 1);
                double h = Math.Max(0, Math.Min(boxes[(i * 4) + 3], (double)boxes[(j * 4) + 3]) - Math.Max(boxes[(i * 4) + 1], (double)boxes[(j * 4) + 1]) + 1);
                double inter = w * h;
                double iou = inter / (Area(i) + Area(j) - inter);
                if (double.IsNaN(iou) || Math.Abs(iou - threshold) < margin)
                {
                    return null;
                }

                suppressed[j] = iou > threshold;
            }
        }

        return keep;
    }
}
