using SysNoise.Runtime.Metrics;
using SysNoise.Tests.Support;
using Xunit.Abstractions;

namespace SysNoise.Tests.Metrics;

/// <summary>mIoU and pixel accuracy on label maps small enough to count by hand (the counts are in the comments).</summary>
public sealed class SegmentationMetricsTests(ITestOutputHelper output)
{
    [Fact]
    public void HandCountedMapWithIgnoreIndexAndAnAbsentClass()
    {
        // 3 classes, 4×3 map, ignore 255. Ground truth / prediction:
        //   0 0 1 1      0 1 1 1
        //   0 2 2 255    0 2 1 0
        //   1 1 255 2    1 1 2 2
        // The two ignored pixels drop out (whatever was predicted there): 10 pixels count.
        // class 0: gt {(0,0),(0,1),(1,0)}; pred {(0,0),(1,0)} (+ (1,3) is ignored) → ∩ 2, ∪ 3 → 2/3
        // class 1: gt {(0,2),(0,3),(2,0),(2,1)}; pred {(0,1),(0,2),(0,3),(1,2),(2,0),(2,1)} → ∩ 4, ∪ 6 → 2/3
        // class 2: gt {(1,1),(1,2),(2,3)}; pred {(1,1),(2,3)} (+ (2,2) ignored) → ∩ 2, ∪ 3 → 2/3
        // Correct pixels 8 of 10: aAcc 0.8. Acc per class 2/3, 4/4, 2/3.
        int[] gt = [0, 0, 1, 1, 0, 2, 2, 255, 1, 1, 255, 2];
        int[] pred = [0, 1, 1, 1, 0, 2, 1, 0, 1, 1, 2, 2];
        SegmentationScores s = SegmentationConfusion.Compute(gt, pred, classes: 3);
        Assert.Equal([2.0 / 3, 4.0 / 6, 2.0 / 3], s.ClassIou);
        Assert.Equal([2L, 4, 2], s.Intersection);
        Assert.Equal([3L, 6, 3], s.Union);
        Assert.Equal(2.0 / 3, s.MeanIou, 15);
        Assert.Equal(0.8, s.PixelAccuracy);
        Assert.Equal((2.0 / 3 + 1 + (2.0 / 3)) / 3, s.MeanAccuracy, 15);

        // A fourth class in neither map has union 0: NaN, left out of the mean (mmseg's nanmean).
        SegmentationScores four = SegmentationConfusion.Compute(gt, pred, classes: 4);
        Assert.True(double.IsNaN(four.ClassIou[3]));
        Assert.Equal(s.MeanIou, four.MeanIou);

        // A class predicted but absent from the ground truth counts, with IoU 0: predict class 3 at (0,0).
        int[] pred3 = [3, 1, 1, 1, 0, 2, 1, 0, 1, 1, 2, 2];
        SegmentationScores withFalseClass = SegmentationConfusion.Compute(gt, pred3, classes: 4);
        Assert.Equal(0, withFalseClass.ClassIou[3]);
        // class 0 now: ∩ 1, ∪ 3 → 1/3; mean over 4 classes = (1/3 + 2/3 + 2/3 + 0) / 4 = 5/12.
        Assert.Equal(5.0 / 12, withFalseClass.MeanIou, 15);
        Assert.Equal(0.7, withFalseClass.PixelAccuracy, 15);
    }

    [Fact]
    public void OutOfRangeLabelsCountForNoClassAsMmsegHistc()
    {
        // 2 classes. A predicted 7 counts in its ground-truth class's union but in no class's prediction; a ground
        // truth of 9 (not the ignore index) counts in its predicted class's union but in no class's ground truth.
        // gt   [0, 0, 1, 9], pred [0, 7, 1, 1]
        // class 0: ∩ 1 (pixel 0), gt area 2, pred area 1 → ∪ 2 → 1/2.
        // class 1: ∩ 1 (pixel 2), gt area 1, pred area 2 (pixels 2, 3) → ∪ 2 → 1/2.
        // aAcc = 2 correct / 3 in-range ground-truth pixels.
        SegmentationScores s = SegmentationConfusion.Compute([0, 0, 1, 9], [0, 7, 1, 1], classes: 2);
        Assert.Equal([0.5, 0.5], s.ClassIou);
        Assert.Equal(2.0 / 3, s.PixelAccuracy);
        Assert.Equal([2L, 1], s.GroundTruthArea);
        Assert.Equal([1L, 2], s.PredictedArea);
    }

    [Fact]
    public void AreasAccumulateOverImagesBeforeDividing()
    {
        // Image 1: class 0 ∩ 1 ∪ 2; image 2: class 0 ∩ 3 ∪ 3. Data-set IoU = 4/5, not the mean of 1/2 and 1.
        var confusion = new SegmentationConfusion(classes: 2, ignoreIndex: null);
        confusion.Add(new byte[] { 0, 1 }, new byte[] { 0, 0 });
        confusion.Add(new byte[] { 0, 0, 0 }, new byte[] { 0, 0, 0 });
        Assert.Equal(4.0 / 5, confusion.Scores().ClassIou[0]);
        Assert.Equal(5, confusion.Pixels);
        Assert.Equal(1, confusion.Count(1, 0));
        Assert.Throws<ArgumentException>(() => confusion.Add(new byte[] { 0 }, new byte[] { 0, 0 }));
    }

    [Fact]
    public void IdenticalMapsScoreOneAndRandomMapsMatchDirectCounting()
    {
        int seed = RandomImages.RunSeed;
        output.WriteLine($"seed {seed}");
        var rng = new Random(seed);
        for (int trial = 0; trial < 50; trial++)
        {
            int classes = rng.Next(1, 20), n = rng.Next(1, 5000);
            int[] gt = [.. Enumerable.Range(0, n).Select(_ => rng.Next(10) == 0 ? 255 : rng.Next(classes))];
            int[] pred = [.. gt.Select(v => rng.Next(3) == 0 ? rng.Next(classes) : v == 255 ? rng.Next(classes) : v)];

            SegmentationScores same = SegmentationConfusion.Compute(gt, gt.Select(v => v == 255 ? 0 : v).ToArray(), classes);
            Assert.True(same.MeanIou == 1 || gt.All(v => v == 255), $"trial {trial} (seed {seed}): identical maps mIoU {same.MeanIou}");

            // Direct definition per class: |{gt = k ∧ pred = k}| / |{gt = k ∨ pred = k}| over non-ignored pixels.
            SegmentationScores s = SegmentationConfusion.Compute(gt, pred, classes);
            for (int k = 0; k < classes; k++)
            {
                int inter = 0, union = 0;
                for (int i = 0; i < n; i++)
                {
                    if (gt[i] == 255)
                    {
                        continue;
                    }

                    inter += gt[i] == k && pred[i] == k ? 1 : 0;
                    union += gt[i] == k || pred[i] == k ? 1 : 0;
                }

                double expected = union == 0 ? double.NaN : inter / (double)union;
                Assert.True(expected.Equals(s.ClassIou[k]), $"trial {trial} (seed {seed}): class {k} IoU {s.ClassIou[k]} vs {expected}");
            }
        }
    }
}
