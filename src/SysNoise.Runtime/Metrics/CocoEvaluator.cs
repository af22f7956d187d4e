namespace SysNoise.Runtime.Metrics;

/// <summary>IoU between one detection and one ground truth (crowd handling included), as COCOeval's <c>computeIoU</c> sees a pair.</summary>
public delegate double CocoIouFunction(CocoDetection detection, CocoAnnotation groundTruth);

/// <summary>An area range: an object belongs when <c>Min ≤ area ≤ Max</c> (both ends inclusive, as pycocotools).</summary>
public readonly record struct CocoAreaRange(string Label, double Min, double Max);

/// <summary>COCOeval's <c>Params</c> for iouType bbox (<c>setDetParams</c>), with the IoU function pluggable.</summary>
public sealed record CocoEvalParams
{
    /// <summary><c>np.linspace(.5, 0.95, 10)</c>, NumPy's exact values.</summary>
    public IReadOnlyList<double> IouThresholds { get; init; } = NumpyCompat.Linspace(0.5, 0.95, 10);

    /// <summary><c>np.linspace(.0, 1.00, 101)</c>.</summary>
    public IReadOnlyList<double> RecallThresholds { get; init; } = NumpyCompat.Linspace(0.0, 1.0, 101);

    /// <summary>Sorted ascending before use, as <c>evaluate()</c> does; the largest is the per-image cap.</summary>
    public IReadOnlyList<int> MaxDetections { get; init; } = [1, 10, 100];

    /// <summary>all [0, 1e5²], small [0, 32²], medium [32², 96²], large [96², 1e5²].</summary>
    public IReadOnlyList<CocoAreaRange> AreaRanges { get; init; } =
    [
        new("all", 0, 1e10),
        new("small", 0, 32 * 32),
        new("medium", 32 * 32, 96 * 96),
        new("large", 96 * 96, 1e10),
    ];

    /// <summary>false pools every category of an image, as <c>useCats = 0</c> (proposal scoring).</summary>
    public bool UseCategories { get; init; } = true;

    /// <summary>The pair IoU; <see cref="CocoIou.BoundingBox"/> (maskApi.c <c>bbIou</c>) by default.</summary>
    public CocoIouFunction Iou { get; init; } = CocoIou.BoundingBox;
}

/// <summary>IoU functions with pycocotools' exact arithmetic.</summary>
public static class CocoIou
{
    /// <summary>
    /// maskApi.c <c>bbIou</c> on [x, y, w, h], in double, no +1: the overlap is
    /// <c>min(x+w) − max(x)</c> by <c>min(y+h) − max(y)</c> (none when either is ≤ 0); a crowd ground truth divides by the
    /// detection's area alone (the fraction of the detection inside the crowd region), otherwise by the union.
    /// </summary>
    public static double BoundingBox(CocoDetection detection, CocoAnnotation groundTruth) =>
        BoundingBox(detection.Box, groundTruth.Box, groundTruth.IsCrowd);

    public static double BoundingBox(CocoBox d, CocoBox g, bool crowd)
    {
        double ga = g.Width * g.Height, da = d.Width * d.Height;
        double w = Math.Min(d.Width + d.X, g.Width + g.X) - Math.Max(d.X, g.X);
        if (w <= 0)
        {
            return 0;
        }

        double h = Math.Min(d.Height + d.Y, g.Height + g.Y) - Math.Max(d.Y, g.Y);
        if (h <= 0)
        {
            return 0;
        }

        double inter = w * h;
        double union = crowd ? da : da + ga - inter;
        return inter / union;
    }
}

/// <summary>
/// pycocotools' COCOeval (cocoeval.py + maskApi.c, cocoapi 2.0) for bounding boxes, step for step so that every
/// precision, recall and summary value is the same double:
/// <list type="bullet">
/// <item>evaluated: every image id and category id of the ground-truth file (sorted); detections of categories not in
/// the file are dropped (<see cref="CocoEvalResult.DroppedDetections"/>), detections on images not in it are an error
/// (pycocotools' "Results do not correspond to current coco set");</item>
/// <item>detection ids are their 1-based position in the list and their area is w·h (<c>loadRes</c>); a ground
/// truth's ignore flag is its <c>iscrowd</c> (pycocotools overwrites any <c>ignore</c> field with it, so that field
/// has no effect);</item>
/// <item>per image and category: detections sorted by score descending with a stable sort (NumPy mergesort), the top
/// maxDets[-1] kept; <c>evaluateImg</c>'s greedy matching per IoU threshold with ground truths ignored-last, the
/// <c>iou &lt; min(t, 1−1e-10)</c> test (a later ground truth with an equal IoU wins), crowd ground truths matchable by many
/// detections, detections matched to an ignored ground truth ignored, unmatched detections outside the area range
/// ignored. A match is recorded as the ground truth's id, so, exactly as in pycocotools, a match to a ground truth
/// whose id is 0 counts as no match;</item>
/// <item><c>accumulate</c>: detections of all images concatenated (image order) and stably sorted by score, cumulative
/// TP/FP, precision <c>tp / (tp + fp + 2^-52)</c>, the monotone envelope, <c>searchsorted(left)</c> of each recall
/// threshold, zero past the last recall; −1 where a category has no non-ignored ground truth;</item>
/// <item><c>summarize</c>: <c>np.mean</c> over entries &gt; −1 (NumPy's pairwise summation order), −1 when none.</item>
/// </list>
/// </summary>
public static class CocoEvaluator
{
    public static CocoEvalResult Evaluate(CocoGroundTruth groundTruth, IReadOnlyList<CocoDetection> detections, CocoEvalParams? parameters = null)
    {
        CocoEvalParams p = parameters ?? new CocoEvalParams();
        if (p.IouThresholds.Count == 0 || p.RecallThresholds.Count == 0 || p.MaxDetections.Count == 0 || p.AreaRanges.Count == 0)
        {
            throw new ArgumentException("COCO evaluation needs at least one IoU threshold, recall threshold, maxDets value and area range", nameof(parameters));
        }

        int[] maxDets = [.. p.MaxDetections.Order()];
        if (maxDets[0] < 0)
        {
            throw new ArgumentException("maxDets must be non-negative", nameof(parameters));
        }

        long[] imageIds = [.. groundTruth.ImageIds.Distinct().Order()];
        long[] categoryIds = [.. groundTruth.Categories.Select(c => c.Id).Distinct().Order()];
        var imageIndex = new Dictionary<long, int>(imageIds.Length);
        for (int i = 0; i < imageIds.Length; i++)
        {
            imageIndex[imageIds[i]] = i;
        }

        var categoryIndex = new Dictionary<long, int>(categoryIds.Length);
        for (int k = 0; k < categoryIds.Length; k++)
        {
            categoryIndex[categoryIds[k]] = k;
        }

        // _prepare(): group by (image, category) in file order. Without categories everything of an image is one group,
        // ordered by category id first (pycocotools concatenates _gts[img, c] for c in catIds).
        int groupCategories = p.UseCategories ? categoryIds.Length : 1;
        var gts = new List<GtEntry>?[imageIds.Length * groupCategories];
        var dts = new List<DtEntry>?[imageIds.Length * groupCategories];
        foreach (var (a, order) in groundTruth.Annotations.Select((a, i) => (a, i))
                     .Where(x => imageIndex.ContainsKey(x.a.ImageId) && categoryIndex.ContainsKey(x.a.CategoryId))
                     .OrderBy(x => p.UseCategories ? 0 : categoryIndex[x.a.CategoryId]).ThenBy(x => x.i))
        {
            int g = Group(imageIndex[a.ImageId], categoryIndex[a.CategoryId]);
            (gts[g] ??= []).Add(new GtEntry(a, order));
        }

        int dropped = 0;
        for (int i = 0; i < detections.Count; i++)
        {
            CocoDetection d = detections[i];
            if (!imageIndex.TryGetValue(d.ImageId, out int img))
            {
                throw new InvalidDataException($"detection [{i}] is on image_id {d.ImageId}, which the ground truth does not list (pycocotools: \"Results do not correspond to current coco set\")");
            }

            if (!categoryIndex.ContainsKey(d.CategoryId))
            {
                dropped++;
                continue;
            }

            (dts[Group(img, categoryIndex[d.CategoryId])] ??= []).Add(new DtEntry(d, i + 1));
        }

        if (!p.UseCategories)
        {
            for (int g = 0; g < dts.Length; g++)
            {
                // Stable: within a category, list order is kept.
                dts[g] = dts[g]?.OrderBy(e => categoryIndex[e.Detection.CategoryId]).ToList();
            }
        }

        int A = p.AreaRanges.Count, I = imageIds.Length, K = groupCategories;
        int maxDet = maxDets[^1];

        // evaluate(): per (category, area, image), in pycocotools' loop order.
        var evalImgs = new ImageEval?[K * A * I];
        for (int k = 0; k < K; k++)
        {
            for (int i = 0; i < I; i++)
            {
                int g = (i * K) + k;
                List<GtEntry> gt = gts[g] ?? [];
                List<DtEntry> dt = dts[g] ?? [];
                if (gt.Count == 0 && dt.Count == 0)
                {
                    continue;
                }

                // computeIoU(): detections sorted by score (stable) and cut to maxDets[-1]; ious[d, g] in file order of gts.
                DtEntry[] sortedDt = [.. dt.OrderByDescending(e => e.Detection.Score).Take(maxDet)];
                var ious = new double[sortedDt.Length * gt.Count];
                for (int d = 0; d < sortedDt.Length; d++)
                {
                    for (int j = 0; j < gt.Count; j++)
                    {
                        ious[(d * gt.Count) + j] = p.Iou(sortedDt[d].Detection, gt[j].Annotation);
                    }
                }

                for (int a = 0; a < A; a++)
                {
                    evalImgs[(k * A * I) + (a * I) + i] = EvaluateImage(gt, sortedDt, ious, p.AreaRanges[a], p.IouThresholds);
                }
            }
        }

        return Accumulate(p, maxDets, imageIds, p.UseCategories ? categoryIds : [-1], evalImgs, dropped);

        int Group(int image, int category) => (image * groupCategories) + (p.UseCategories ? category : 0);
    }

    private static ImageEval EvaluateImage(List<GtEntry> gtInFileOrder, DtEntry[] dt, double[] iousFileOrder, CocoAreaRange range, IReadOnlyList<double> iouThresholds)
    {
        int G = gtInFileOrder.Count, D = dt.Length, T = iouThresholds.Count;

        // Ignored ground truths last, stable (np.argsort(kind='mergesort') of the 0/1 flags).
        var gtIgnoreFileOrder = new bool[G];
        for (int j = 0; j < G; j++)
        {
            CocoAnnotation a = gtInFileOrder[j].Annotation;
            gtIgnoreFileOrder[j] = a.IsCrowd || a.Area < range.Min || a.Area > range.Max;
        }

        int[] gtOrder = [.. Enumerable.Range(0, G).OrderBy(j => gtIgnoreFileOrder[j] ? 1 : 0)];
        var gtIgnore = new bool[G];
        var crowd = new bool[G];
        var gtIds = new long[G];
        for (int j = 0; j < G; j++)
        {
            gtIgnore[j] = gtIgnoreFileOrder[gtOrder[j]];
            crowd[j] = gtInFileOrder[gtOrder[j]].Annotation.IsCrowd;
            gtIds[j] = gtInFileOrder[gtOrder[j]].Annotation.Id;
        }

        var gtMatchedBy = new long[T * G];   // gtm: the matching detection's id, 0 = none
        var dtMatch = new long[T * D];       // dtm: the matched ground truth's id, 0 = none
        var dtIgnore = new bool[T * D];
        if (D > 0 && G > 0)
        {
            for (int t = 0; t < T; t++)
            {
                for (int d = 0; d < D; d++)
                {
                    double best = Math.Min(iouThresholds[t], 1 - 1e-10);
                    int m = -1;
                    for (int j = 0; j < G; j++)
                    {
                        // A ground truth already matched at this threshold is taken unless it is a crowd region.
                        if (gtMatchedBy[(t * G) + j] > 0 && !crowd[j])
                        {
                            continue;
                        }

                        // Matched to a regular ground truth already: the ignored ones (sorted last) cannot replace it.
                        if (m > -1 && !gtIgnore[m] && gtIgnore[j])
                        {
                            break;
                        }

                        double iou = iousFileOrder[(d * G) + gtOrder[j]];
                        if (iou < best)
                        {
                            continue;
                        }

                        best = iou;
                        m = j;
                    }

                    if (m == -1)
                    {
                        continue;
                    }

                    dtIgnore[(t * D) + d] = gtIgnore[m];
                    dtMatch[(t * D) + d] = gtIds[m];
                    gtMatchedBy[(t * G) + m] = dt[d].Id;
                }
            }
        }

        // Unmatched detections outside the area range are ignored.
        for (int d = 0; d < D; d++)
        {
            double area = dt[d].Detection.Box.Area;
            if (area < range.Min || area > range.Max)
            {
                for (int t = 0; t < T; t++)
                {
                    if (dtMatch[(t * D) + d] == 0)
                    {
                        dtIgnore[(t * D) + d] = true;
                    }
                }
            }
        }

        var scores = new double[D];
        for (int d = 0; d < D; d++)
        {
            scores[d] = dt[d].Detection.Score;
        }

        return new ImageEval(scores, dtMatch, dtIgnore, gtIgnore);
    }

    private static CocoEvalResult Accumulate(CocoEvalParams p, int[] maxDets, long[] imageIds, long[] categoryIds, ImageEval?[] evalImgs, int dropped)
    {
        int T = p.IouThresholds.Count, R = p.RecallThresholds.Count, K = categoryIds.Length, A = p.AreaRanges.Count, M = maxDets.Length, I = imageIds.Length;
        var precision = new double[T * R * K * A * M];
        var recall = new double[T * K * A * M];
        var scores = new double[T * R * K * A * M];
        Array.Fill(precision, -1.0);
        Array.Fill(recall, -1.0);
        Array.Fill(scores, -1.0);
        var result = new CocoEvalResult(p, maxDets, imageIds, categoryIds, precision, recall, scores, dropped);

        var pr = new List<double>();
        var rc = new List<double>();
        for (int k = 0; k < K; k++)
        {
            for (int a = 0; a < A; a++)
            {
                for (int m = 0; m < M; m++)
                {
                    int maxDet = maxDets[m];
                    var images = new List<ImageEval>();
                    for (int i = 0; i < I; i++)
                    {
                        if (evalImgs[(k * A * I) + (a * I) + i] is { } e)
                        {
                            images.Add(e);
                        }
                    }

                    if (images.Count == 0)
                    {
                        continue;
                    }

                    // Concatenate each image's first maxDet detections, then a stable sort by score descending.
                    var pool = new List<(double Score, ImageEval Image, int Index)>();
                    int npig = 0;
                    foreach (ImageEval e in images)
                    {
                        for (int d = 0; d < Math.Min(maxDet, e.Scores.Length); d++)
                        {
                            pool.Add((e.Scores[d], e, d));
                        }

                        npig += e.GtIgnore.Count(ignored => !ignored);
                    }

                    if (npig == 0)
                    {
                        continue;
                    }

                    var sorted = pool.OrderByDescending(x => x.Score).ToArray();
                    int nd = sorted.Length;
                    for (int t = 0; t < T; t++)
                    {
                        pr.Clear();
                        rc.Clear();
                        long tp = 0, fp = 0;
                        foreach ((_, ImageEval e, int d) in sorted)
                        {
                            int D = e.Scores.Length;
                            bool ignored = e.DtIgnore[(t * D) + d];
                            bool matched = e.DtMatch[(t * D) + d] != 0;
                            if (!ignored)
                            {
                                if (matched)
                                {
                                    tp++;
                                }
                                else
                                {
                                    fp++;
                                }
                            }

                            rc.Add(tp / (double)npig);
                            pr.Add(tp / (fp + tp + Eps));
                        }

                        recall[result.RecallIndex(t, k, a, m)] = nd > 0 ? rc[^1] : 0;

                        // Precision envelope: each value becomes the best precision at any later (higher) recall.
                        for (int i = nd - 1; i > 0; i--)
                        {
                            if (pr[i] > pr[i - 1])
                            {
                                pr[i - 1] = pr[i];
                            }
                        }

                        // q and ss start as zeros: past the last detection pycocotools' try/except stops filling.
                        for (int r = 0; r < R; r++)
                        {
                            precision[result.PrecisionIndex(t, r, k, a, m)] = 0;
                            scores[result.PrecisionIndex(t, r, k, a, m)] = 0;
                        }

                        for (int r = 0; r < R; r++)
                        {
                            // np.searchsorted(rc, recThrs, side='left'): the first detection whose recall reaches the threshold.
                            int pi = LowerBound(rc, p.RecallThresholds[r]);
                            if (pi >= nd)
                            {
                                break;
                            }

                            int index = result.PrecisionIndex(t, r, k, a, m);
                            precision[index] = pr[pi];
                            scores[index] = sorted[pi].Score;
                        }
                    }
                }
            }
        }

        return result;
    }

    /// <summary>The first index whose value is ≥ <paramref name="value"/> in a non-decreasing list.</summary>
    private static int LowerBound(List<double> sorted, double value)
    {
        int lo = 0, hi = sorted.Count;
        while (lo < hi)
        {
            int mid = (lo + hi) >>> 1;
            if (sorted[mid] < value)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }

        return lo;
    }

    /// <summary><c>np.spacing(1)</c>: keeps 0/0 out of the precision of leading ignored detections.</summary>
    private const double Eps = 2.220446049250313e-16;

    private readonly record struct GtEntry(CocoAnnotation Annotation, int FileOrder);

    private readonly record struct DtEntry(CocoDetection Detection, long Id);

    private sealed record ImageEval(double[] Scores, long[] DtMatch, bool[] DtIgnore, bool[] GtIgnore);
}
