using SysNoise.Runtime.Metrics;

namespace SysNoise.Tests.Metrics;

/// <summary>
/// COCOeval cases whose answers are derived by hand in the comments. Notation: one ground truth G = [0, 0, 10, 10]
/// (area 100); a detection [0, 0, 10, h] has IoU 10h / 100 = h / 10 with it. Precision at rank i is
/// tp / (tp + fp + 2^-52), so a lone true positive has precision 1/(1 + 2^-52) = 1 − 2^-52 (≈ 1, hence the 1e-12 bounds
/// on values whose exact form is p·(1 − 2^-52)); with two or more detections the 2^-52 rounds away.
/// </summary>
public sealed class CocoEvaluatorTests
{
    private const double NearOne = 1 - 1e-12;

    [Fact]
    public void ThresholdsAreNumpysLinspace()
    {
        var p = new CocoEvalParams();
        Assert.Equal(10, p.IouThresholds.Count);
        Assert.Equal(101, p.RecallThresholds.Count);

        // AP75 looks the threshold up by equality, as summarize() does: 0.75 must be one of the values.
        Assert.Contains(0.75, p.IouThresholds);
        Assert.Equal(0.5, p.IouThresholds[0]);
        Assert.Equal(0.95, p.IouThresholds[9]);
        Assert.Equal(0.5, p.RecallThresholds[50]);
    }

    [Fact]
    public void GroundTruthAsDetectionsScoresOneAndMinusOneWhereAnAreaHasNoObjects()
    {
        // Non-overlapping objects on a grid, each detected by its own box: every detection matches its ground truth at
        // IoU 1 and nothing else. No object is small (all areas ≥ 40² > 32²), so APs and ARs are −1 ("absent").
        var c = new CocoCases().Image(1, 2, 3).Category(1, 2);
        double[] sides = [40, 60, 95, 97, 150, 200];
        int n = 0;
        foreach (long image in new long[] { 1, 2, 3 })
        {
            for (int j = 0; j < sides.Length; j++)
            {
                long category = 1 + ((j + image) % 2);
                double x = j * 300, side = sides[(j + (int)image) % sides.Length];
                c.Gt(image, category, x, 0, side, side).Dt(image, category, x, 0, side, side, 1.0);
                n++;
            }
        }

        IReadOnlyList<CocoStat> stats = c.Evaluate().Summarize();
        Dictionary<string, double> s = stats.ToDictionary(x => x.Name, x => x.Value);
        foreach (string name in new[] { "AP", "AP50", "AP75", "APm", "APl", "AR10", "AR100", "ARm", "ARl" })
        {
            Assert.True(s[name] >= NearOne && s[name] <= 1, $"{name} = {s[name]:R}");
            Assert.EndsWith("= 1.000", stats.Single(x => x.Name == name).Line, StringComparison.Ordinal);
        }

        Assert.Equal(-1, s["APs"]);
        Assert.Equal(-1, s["ARs"]);
        Assert.EndsWith("= -1.000", stats.Single(x => x.Name == "APs").Line, StringComparison.Ordinal);

        // AR1: one detection per image and category, so each category recalls (images it appears in) / (its objects).
        // Each image holds 3 objects of each category: 3 images / 9 objects = 1/3 for both categories.
        Assert.Equal(1.0 / 3, s["AR1"], 15);
        Assert.Equal(18, n);
    }

    [Theory]
    [InlineData(6.4, 3)] // IoU 0.64 passes 0.50, 0.55, 0.60
    [InlineData(8.2, 7)] // IoU 0.82 passes 0.50 ... 0.80
    [InlineData(9.9, 10)] // IoU 0.99 passes all ten
    [InlineData(4.9, 0)] // IoU 0.49 passes none
    public void OneDetectionScoresTheFractionOfThresholdsItPasses(double h, int passed)
    {
        // A threshold passed: rc = [1], pr = [1 − 2^-52] → all 101 recall points ≈ 1. Failed: rc = [0], pr = [0] → 0.
        // AP = passed / 10 (times 1 − 2^-52); AR likewise; AP50 is 1 when 0.5 is passed.
        var c = new CocoCases().Image(1).Category(1).Gt(1, 1, 0, 0, 10, 10).Dt(1, 1, 0, 0, 10, h, 0.9);
        CocoEvalResult r = c.Evaluate();
        Dictionary<string, double> s = r.Summarize().ToDictionary(x => x.Name, x => x.Value);
        Assert.Equal(passed / 10.0, s["AP"], 12);
        Assert.Equal(passed / 10.0, s["AR100"], 12);
        Assert.Equal(passed > 0 ? 1 : 0, s["AP50"], 12);
        for (int t = 0; t < 10; t++)
        {
            Assert.Equal(t < passed ? 1 : 0, r.Recall(t, 0, 0, 2));
        }
    }

    [Fact]
    public void TwoDetectionsOfOneObjectScoredInEitherOrder()
    {
        // A = IoU 0.82, B = IoU 0.64.
        // A ranked first: t ≤ 0.80 → A is a TP, B a duplicate FP: rc [1, 1], pr [≈1, 1/2] → the envelope keeps ≈1 at
        // every recall point; t ≥ 0.85 → both FP → 0. AP = 7/10.
        var aFirst = new CocoCases().Image(1).Category(1).Gt(1, 1, 0, 0, 10, 10).Dt(1, 1, 0, 0, 10, 8.2, 0.9).Dt(1, 1, 0, 0, 10, 6.4, 0.8);
        Assert.Equal(0.7, aFirst.Stat("AP"), 12);

        // B ranked first: t ≤ 0.60 → B is the TP, A a FP: ≈1. t ∈ {0.65, 0.70, 0.75, 0.80} → B FP, A TP: rc [0, 1],
        // pr [0, 1/2] → envelope [1/2, 1/2], every recall point reads 1/2. t ≥ 0.85 → 0. AP = (3 + 4·0.5) / 10 = 0.5.
        var bFirst = new CocoCases().Image(1).Category(1).Gt(1, 1, 0, 0, 10, 10).Dt(1, 1, 0, 0, 10, 8.2, 0.8).Dt(1, 1, 0, 0, 10, 6.4, 0.9);
        CocoEvalResult r = bFirst.Evaluate();
        Assert.Equal(0.5, r.Summarize()[0].Value, 12);
        Assert.Equal(0.5, r.Precision(4, 0, 0, 0, 2)); // t = 0.70, recall 0
        Assert.Equal(0.5, r.Precision(4, 100, 0, 0, 2)); // t = 0.70, recall 1
    }

    [Fact]
    public void FalsePositiveRankedFirstGivesTheHandComputedCurve()
    {
        // Two objects; detections FP (0.9), TP (0.8), TP (0.7), all at IoU 1 or 0 so every threshold is alike.
        // tp = [0, 1, 2], fp = [1, 1, 1]; rc = [0, .5, 1]; pr = [0, 1/2, 2/3] (2/(3 + 2^-52) rounds to 2/3).
        // Envelope: [2/3, 2/3, 2/3]. Every recall threshold reads 2/3: AP = 2/3 exactly, for all ten thresholds.
        var fpFirst = new CocoCases().Image(1).Category(1).Gt(1, 1, 0, 0, 10, 10).Gt(1, 1, 50, 50, 10, 10)
            .Dt(1, 1, 100, 100, 10, 10, 0.9).Dt(1, 1, 0, 0, 10, 10, 0.8).Dt(1, 1, 50, 50, 10, 10, 0.7);
        CocoEvalResult r = fpFirst.Evaluate();
        for (int t = 0; t < 10; t++)
        {
            for (int rr = 0; rr <= 100; rr++)
            {
                Assert.Equal(2.0 / 3, r.Precision(t, rr, 0, 0, 2));
            }
        }

        // TP (0.9), FP (0.8), TP (0.7): rc = [.5, .5, 1], pr = [1 − 2^-52, 1/2, 2/3] → envelope [1 − 2^-52, 2/3, 2/3].
        // Recall thresholds 0.00 .. 0.50 (51 of them; 50 · 0.01 is exactly 0.5) reach rank 0: ≈1; 0.51 .. 1.00 (50)
        // reach rank 2: 2/3. AP = (51 + 50 · 2/3) / 101 = 253/303.
        var fpMiddle = new CocoCases().Image(1).Category(1).Gt(1, 1, 0, 0, 10, 10).Gt(1, 1, 50, 50, 10, 10)
            .Dt(1, 1, 0, 0, 10, 10, 0.9).Dt(1, 1, 100, 100, 10, 10, 0.8).Dt(1, 1, 50, 50, 10, 10, 0.7);
        r = fpMiddle.Evaluate();
        Assert.Equal(253.0 / 303, r.Summarize()[0].Value, 12);
        Assert.Equal(2.0 / 3, r.Precision(0, 51, 0, 0, 2));
        Assert.True(r.Precision(0, 50, 0, 0, 2) >= NearOne);
        Assert.Equal(0.7, r.Score(0, 51, 0, 0, 2)); // the score where recall 0.51 is reached
    }

    [Fact]
    public void CrowdRegionsSwallowDetectionsWithoutCountingThem()
    {
        // G = [0,0,10,10]; crowd region C = [50,50,40,40]. Detection D1 = [55,55,10,10] lies inside C: crowd IoU =
        // inter / area(D1) = 100 / 100 = 1 → matched to C, which is ignored → D1 is ignored (neither TP nor FP),
        // though it is ranked first. D2 = G → TP. AP ≈ 1.
        var crowd = new CocoCases().Image(1).Category(1).Gt(1, 1, 0, 0, 10, 10).Gt(1, 1, 50, 50, 40, 40, crowd: true)
            .Dt(1, 1, 55, 55, 10, 10, 0.95).Dt(1, 1, 0, 0, 10, 10, 0.9);
        Assert.True(crowd.Stat("AP") >= NearOne);

        // Many detections inside one crowd region are all swallowed (a crowd match does not use the region up).
        crowd.Dt(1, 1, 60, 60, 10, 10, 0.97).Dt(1, 1, 70, 52, 5, 30, 0.96);
        Assert.True(crowd.Stat("AP") >= NearOne);

        // The same region as a regular object: D1's IoU is 100 / 1600 < 0.5, so it is a FP ranked first:
        // with 2 objects: rc [0, 1/2], pr [0, 1/2] → envelope [1/2, 1/2]; recall thresholds 0 .. 0.50 (51) read 1/2, the
        // other 50 lie past the last recall and read 0: AP = 0.5 · 51 / 101.
        var regular = new CocoCases().Image(1).Category(1).Gt(1, 1, 0, 0, 10, 10).Gt(1, 1, 50, 50, 40, 40)
            .Dt(1, 1, 55, 55, 10, 10, 0.95).Dt(1, 1, 0, 0, 10, 10, 0.9);
        Assert.Equal(0.5 * 51 / 101, regular.Stat("AP"), 12);

        // A detection only partly inside the crowd region: inter / area(D) = 100 / 400 = 0.25 < 0.5 → a plain FP ranked
        // first; one object (the crowd is not counted): rc [0, 1], pr [0, 1/2] → every recall point reads 1/2.
        var partly = new CocoCases().Image(1).Category(1).Gt(1, 1, 0, 0, 10, 10).Gt(1, 1, 50, 50, 40, 40, crowd: true)
            .Dt(1, 1, 80, 80, 20, 20, 0.95).Dt(1, 1, 0, 0, 10, 10, 0.9);
        Assert.Equal(0.5, partly.Stat("AP"), 12);
    }

    [Fact]
    public void MaxDetsCutsEachImagesLowestScoredDetections()
    {
        // Five separate objects, each found exactly, scores 0.9 .. 0.5. maxDets [1, 2, 3]: the evaluation keeps the
        // top 3 per image, and AR@m = m / 5. AP@3: rc = [.2, .4, .6], pr ≈ 1 → recall thresholds 0 .. 0.60 (61; 60 · 0.01
        // and 3/5 are the same double) read ≈1, the other 40 read 0: AP = 61/101.
        var c = new CocoCases().Image(1).Category(1);
        for (int i = 0; i < 5; i++)
        {
            c.Gt(1, 1, i * 20, 0, 10, 10).Dt(1, 1, i * 20, 0, 10, 10, 0.9 - (i * 0.1));
        }

        var p = new CocoEvalParams { MaxDetections = [3, 1, 2] }; // sorted before use, as evaluate() does
        CocoEvalResult r = c.Evaluate(p);
        Assert.Equal([1, 2, 3], r.MaxDetections);
        Dictionary<string, double> s = r.Summarize().ToDictionary(x => x.Name, x => x.Value);
        Assert.Equal(0.2, s["AR1"], 15);
        Assert.Equal(0.4, s["AR10"], 15); // the second maxDets value, whatever its number
        Assert.Equal(0.6, s["AR100"], 15);
        Assert.Equal(61.0 / 101, s["AP"], 12);
        Assert.Contains("maxDets=  3 ]", r.Summarize()[0].Line, StringComparison.Ordinal);

        // Default maxDets: 120 objects in one image, 120 exact detections with distinct scores: the 100 best count.
        var many = new CocoCases().Image(1).Category(1);
        for (int i = 0; i < 120; i++)
        {
            many.Gt(1, 1, (i % 12) * 20, (i / 12) * 20, 10, 10).Dt(1, 1, (i % 12) * 20, (i / 12) * 20, 10, 10, 1 - (i * 0.001));
        }

        s = many.Evaluate().Summarize().ToDictionary(x => x.Name, x => x.Value);
        Assert.Equal(100.0 / 120, s["AR100"], 15);
        Assert.Equal(10.0 / 120, s["AR10"], 15);
        Assert.Equal(1.0 / 120, s["AR1"], 15);
    }

    [Fact]
    public void EqualScoresKeepFileOrderWithinAnImageAndImageOrderAcrossImages()
    {
        // One object, two detections with the same score: a FP and the exact box. Stable sorting keeps file order.
        // FP first: rc [0, 1], pr [0, 1/2] → AP 1/2. Exact box first: AP ≈ 1.
        var fpFirst = new CocoCases().Image(1).Category(1).Gt(1, 1, 0, 0, 10, 10).Dt(1, 1, 50, 50, 10, 10, 0.5).Dt(1, 1, 0, 0, 10, 10, 0.5);
        Assert.Equal(0.5, fpFirst.Stat("AP"), 12);
        var tpFirst = new CocoCases().Image(1).Category(1).Gt(1, 1, 0, 0, 10, 10).Dt(1, 1, 0, 0, 10, 10, 0.5).Dt(1, 1, 50, 50, 10, 10, 0.5);
        Assert.True(tpFirst.Stat("AP") >= NearOne);

        // Across images, accumulate() concatenates images in id order before its stable sort: a FP on image 1 and a TP
        // on image 2 with equal scores rank FP first (AP 1/2), whatever the order of the detections file.
        var byImage = new CocoCases().Image(2, 1).Category(1).Gt(2, 1, 0, 0, 10, 10).Dt(2, 1, 0, 0, 10, 10, 0.5).Dt(1, 1, 0, 0, 10, 10, 0.5);
        Assert.Equal(0.5, byImage.Stat("AP"), 12);
        var swapped = new CocoCases().Image(2, 1).Category(1).Gt(1, 1, 0, 0, 10, 10).Dt(2, 1, 0, 0, 10, 10, 0.5).Dt(1, 1, 0, 0, 10, 10, 0.5);
        Assert.True(swapped.Stat("AP") >= NearOne);
    }

    [Fact]
    public void EqualIousMatchTheLaterGroundTruth()
    {
        // G1 = [0,0,10,10], G2 = [4,0,10,10]; detection A = [2,0,10,10] (0.9) overlaps each by 8×10: IoU 80/120 = 2/3
        // with both. pycocotools' test is `iou < best → continue`, so the equal IoU of G2 replaces G1: A takes G2.
        // Detection B = G1 exactly (0.8; IoU 60/140 with G2).
        // t ∈ {.50, .55, .60, .65}: A → G2, B → G1: two TPs, AP ≈ 1. (Had A taken G1, B would be a FP: 51/101.)
        // t ≥ .70: A is a FP, B → G1: rc [0, 1/2], pr [0, 1/2] → 1/2 at the 51 recall points ≤ 0.5, 0 after.
        // AP = (4 + 6 · 0.5 · 51/101) / 10.
        var c = new CocoCases().Image(1).Category(1).Gt(1, 1, 0, 0, 10, 10).Gt(1, 1, 4, 0, 10, 10).Dt(1, 1, 2, 0, 10, 10, 0.9).Dt(1, 1, 0, 0, 10, 10, 0.8);
        Assert.Equal((4 + (6 * 0.5 * 51 / 101)) / 10, c.Stat("AP"), 12);
    }

    [Fact]
    public void CategoriesWithoutGroundTruthAreLeftOutNotCountedAsZero()
    {
        // Category 2 has detections but no object: its precision stays −1 and it does not enter the mean, so its
        // false positives cost nothing (the published behaviour). Category 3 has neither.
        var c = new CocoCases().Image(1).Category(1, 2, 3).Gt(1, 1, 0, 0, 10, 10).Dt(1, 1, 0, 0, 10, 10, 0.9).Dt(1, 2, 50, 50, 10, 10, 0.99);
        CocoEvalResult r = c.Evaluate();
        Assert.Equal([1L, 2L, 3L], r.CategoryIds);
        Assert.Equal(-1, r.Precision(0, 0, 1, 0, 2));
        Assert.Equal(-1, r.Recall(0, 2, 0, 2));
        Assert.True(r.Summarize()[0].Value >= NearOne);
        Assert.True(r.CategoryAveragePrecision(0) >= NearOne);
        Assert.Equal(-1, r.CategoryAveragePrecision(1));

        // A category the ground truth does not list is dropped (pycocotools filters by getCatIds()).
        c.Dt(1, 7, 0, 0, 10, 10, 1.0);
        Assert.Equal(1, c.Evaluate().DroppedDetections);

        // A detection on an image the ground truth does not list is an error, as pycocotools' loadRes assertion.
        c.Dt(99, 1, 0, 0, 10, 10, 1.0);
        var ex = Assert.Throws<InvalidDataException>(() => c.Evaluate());
        Assert.Contains("image_id 99", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AreaRangesUseTheAnnotationAreaAndIncludeBothEnds()
    {
        // A 40×40 box whose annotation area is exactly 32² = 1024 is both small and medium (both ends inclusive) and
        // not large. The detection's own area (1600) is only used when it is unmatched.
        var c = new CocoCases().Image(1).Category(1).Gt(1, 1, 0, 0, 40, 40, area: 1024).Dt(1, 1, 0, 0, 40, 40, 0.9);
        Dictionary<string, double> s = c.Evaluate().Summarize().ToDictionary(x => x.Name, x => x.Value);
        Assert.True(s["APs"] >= NearOne);
        Assert.True(s["APm"] >= NearOne);
        Assert.Equal(-1, s["APl"]);

        // An unmatched small detection is ignored in the medium range (outside it) but is a FP in the small range:
        // small → FP ranked first, rc [0, 1], pr [0, 1/2] → 1/2.
        c.Dt(1, 1, 200, 200, 5, 5, 0.95);
        s = c.Evaluate().Summarize().ToDictionary(x => x.Name, x => x.Value);
        Assert.Equal(0.5, s["APs"], 12);
        Assert.True(s["APm"] >= NearOne);
        Assert.Equal(0.5, s["AP"], 12);
    }

    [Fact]
    public void GroundTruthIdZeroCannotBeMatchedAsInPycocotools()
    {
        // evaluateImg stores a match as the ground truth's id and accumulate() treats 0 as "no match": the detection of
        // an object with id 0 counts as a false positive (and uses the object up). AP 0 where id 1 would give ≈1.
        var zero = new CocoCases().Image(1).Category(1).Gt(1, 1, 0, 0, 10, 10, id: 0).Dt(1, 1, 0, 0, 10, 10, 0.9);
        Assert.Equal(0, zero.Stat("AP"));
        var one = new CocoCases().Image(1).Category(1).Gt(1, 1, 0, 0, 10, 10, id: 1).Dt(1, 1, 0, 0, 10, 10, 0.9);
        Assert.True(one.Stat("AP") >= NearOne);
    }

    [Fact]
    public void WithoutCategoriesEveryClassPoolsAsOne()
    {
        // useCats = 0: a detection with the wrong class still finds the object.
        var c = new CocoCases().Image(1).Category(1, 2).Gt(1, 1, 0, 0, 10, 10).Dt(1, 2, 0, 0, 10, 10, 0.9);
        Assert.Equal(0, c.Stat("AP"));
        CocoEvalResult pooled = c.Evaluate(new CocoEvalParams { UseCategories = false });
        Assert.Equal([-1L], pooled.CategoryIds);
        Assert.True(pooled.Summarize()[0].Value >= NearOne);
    }

    [Fact]
    public void NoDetectionsAtAllGivesZeroNotAnError()
    {
        // pycocotools' loadRes cannot read an empty list (it looks at anns[0]); with no detections every category with
        // objects has recall 0 and precision 0.
        var c = new CocoCases().Image(1).Category(1).Gt(1, 1, 0, 0, 10, 10);
        Dictionary<string, double> s = c.Evaluate().Summarize().ToDictionary(x => x.Name, x => x.Value);
        Assert.Equal(0, s["AP"]);
        Assert.Equal(0, s["AR100"]);
        Assert.Equal(-1, s["APl"]);
    }

    [Fact]
    public void SummaryLinesHavePycocotoolsLayout()
    {
        var c = new CocoCases().Image(1).Category(1).Gt(1, 1, 0, 0, 10, 10).Dt(1, 1, 0, 0, 10, 6.4, 0.9);
        string[] lines = [.. c.Evaluate().Summarize().Select(x => x.Line)];
        Assert.Equal(" Average Precision  (AP) @[ IoU=0.50:0.95 | area=   all | maxDets=100 ] = 0.300", lines[0]);
        Assert.Equal(" Average Precision  (AP) @[ IoU=0.50      | area=   all | maxDets=100 ] = 1.000", lines[1]);
        Assert.Equal(" Average Precision  (AP) @[ IoU=0.75      | area=   all | maxDets=100 ] = 0.000", lines[2]);
        Assert.Equal(" Average Precision  (AP) @[ IoU=0.50:0.95 | area= small | maxDets=100 ] = 0.300", lines[3]);
        Assert.Equal(" Average Precision  (AP) @[ IoU=0.50:0.95 | area=medium | maxDets=100 ] = -1.000", lines[4]);
        Assert.Equal(" Average Recall     (AR) @[ IoU=0.50:0.95 | area=   all | maxDets=  1 ] = 0.300", lines[6]);
        Assert.Equal(" Average Recall     (AR) @[ IoU=0.50:0.95 | area= large | maxDets=100 ] = -1.000", lines[11]);
    }

    [Fact]
    public void BoxIouIsMaskApisBbIou()
    {
        // [x, y, w, h], no +1: two 10×10 boxes offset by 5 in x share 5×10 = 50 of a 150 union.
        Assert.Equal(50.0 / 150, CocoIou.BoundingBox(new CocoBox(5, 0, 10, 10), new CocoBox(0, 0, 10, 10), crowd: false));

        // Crowd: divided by the detection's area only.
        Assert.Equal(50.0 / 100, CocoIou.BoundingBox(new CocoBox(5, 0, 10, 10), new CocoBox(0, 0, 10, 10), crowd: true));
        Assert.Equal(1.0, CocoIou.BoundingBox(new CocoBox(2, 2, 3, 3), new CocoBox(0, 0, 10, 10), crowd: true));

        // Touching edges do not overlap.
        Assert.Equal(0, CocoIou.BoundingBox(new CocoBox(10, 0, 10, 10), new CocoBox(0, 0, 10, 10), crowd: false));
    }
}
