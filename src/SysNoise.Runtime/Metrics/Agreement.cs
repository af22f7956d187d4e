namespace SysNoise.Runtime.Metrics;

/// <summary>A box with a class label (−1 or any value when classes are not compared).</summary>
public readonly record struct LabeledBox(RectBox Box, int Label);

/// <summary>One matched pair: index into A, index into B, their IoU.</summary>
public readonly record struct MatchedPair(int IndexA, int IndexB, double Iou);

/// <summary>The outcome of matching pipeline A's objects with pipeline B's on one image.</summary>
public sealed record AgreementResult(int CountA, int CountB, IReadOnlyList<MatchedPair> Pairs)
{
    public int Matched => Pairs.Count;

    /// <summary>2·matched / (|A| + |B|): B scored as detections of A (or the reverse: it is symmetric); 1 when both are empty.</summary>
    public double F1 => CountA + CountB == 0 ? 1 : 2.0 * Matched / (CountA + CountB);

    /// <summary>Mean IoU of the matched pairs; NaN when nothing matched (no pair to average).</summary>
    public double MeanMatchedIou => Matched == 0 ? double.NaN : Pairs.Sum(p => p.Iou) / Matched;
}

/// <summary>
/// Totals over many images: F1 = 2·Σmatched / (Σ|A| + Σ|B|) (1 when no image had any object) and the mean IoU over all
/// matched pairs (NaN when none), so images with many objects weigh more, as detection metrics pool detections.
/// </summary>
public sealed class AgreementTotals
{
    public long CountA { get; private set; }

    public long CountB { get; private set; }

    public long Matched { get; private set; }

    public double MatchedIouSum { get; private set; }

    public int Images { get; private set; }

    public double F1 => CountA + CountB == 0 ? 1 : 2.0 * Matched / (CountA + CountB);

    public double MeanMatchedIou => Matched == 0 ? double.NaN : MatchedIouSum / Matched;

    public void Add(AgreementResult image)
    {
        CountA += image.CountA;
        CountB += image.CountB;
        Matched += image.Matched;
        foreach (MatchedPair p in image.Pairs)
        {
            MatchedIouSum += p.Iou;
        }

        Images++;
    }
}

/// <summary>
/// Label-free agreement between two pipelines (for users without ground truth): how far pipeline B's detections or
/// masks are from pipeline A's on the same input.
/// <para>Matching is one-to-one and greedy by IoU: every pair (a, b) with IoU ≥ the threshold (and the same class, when
/// classes are compared) is a candidate; candidates are taken in order of IoU descending — ties by A's index, then B's
/// — and a pair is kept when neither side is matched yet. The threshold is inclusive, as COCO's (0.5 by default).</para>
/// <para>Conventions: F1 = 1 when both sides are empty; mean matched IoU is NaN when nothing matched; mask IoU is 1
/// when both masks are empty.</para>
/// </summary>
public static class Agreement
{
    public const double DefaultIouThreshold = 0.5;

    public static AgreementResult Boxes(IReadOnlyList<RectBox> a, IReadOnlyList<RectBox> b, double iouThreshold = DefaultIouThreshold) =>
        Match(a.Count, b.Count, (i, j) => RectBox.Iou(a[i], b[j]), iouThreshold);

    /// <summary>Only boxes of the same class can match.</summary>
    public static AgreementResult Boxes(IReadOnlyList<LabeledBox> a, IReadOnlyList<LabeledBox> b, double iouThreshold = DefaultIouThreshold) =>
        Match(a.Count, b.Count, (i, j) => a[i].Label == b[j].Label ? RectBox.Iou(a[i].Box, b[j].Box) : 0, iouThreshold, (i, j) => a[i].Label == b[j].Label);

    /// <summary>Polygons (rotated OCR quadrilaterals); see <see cref="Polygon"/> for what is accepted.</summary>
    public static AgreementResult Polygons(IReadOnlyList<Polygon> a, IReadOnlyList<Polygon> b, double iouThreshold = DefaultIouThreshold)
    {
        // Bounding-box rejection first: most pairs of text boxes on a page do not overlap at all.
        RectBox[] boundsA = [.. a.Select(Bounds)], boundsB = [.. b.Select(Bounds)];
        return Match(a.Count, b.Count, (i, j) => RectBox.Iou(boundsA[i], boundsB[j]) == 0 ? 0 : Polygon.Iou(a[i], b[j]), iouThreshold);
    }

    /// <summary>The greedy one-to-one matching over any pairwise IoU.</summary>
    public static AgreementResult Match(int countA, int countB, Func<int, int, double> iou, double iouThreshold = DefaultIouThreshold, Func<int, int, bool>? canMatch = null)
    {
        if (!(iouThreshold > 0 && iouThreshold <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(iouThreshold), iouThreshold, "the IoU threshold must be in (0, 1]");
        }

        var candidates = new List<MatchedPair>();
        for (int i = 0; i < countA; i++)
        {
            for (int j = 0; j < countB; j++)
            {
                if (canMatch is not null && !canMatch(i, j))
                {
                    continue;
                }

                double v = iou(i, j);
                if (v >= iouThreshold)
                {
                    candidates.Add(new MatchedPair(i, j, v));
                }
            }
        }

        // Stable sort on IoU descending: candidates were generated in (i, j) order, which breaks ties.
        var usedA = new bool[countA];
        var usedB = new bool[countB];
        var pairs = new List<MatchedPair>();
        foreach (MatchedPair c in candidates.OrderByDescending(c => c.Iou))
        {
            if (!usedA[c.IndexA] && !usedB[c.IndexB])
            {
                usedA[c.IndexA] = usedB[c.IndexB] = true;
                pairs.Add(c);
            }
        }

        return new AgreementResult(countA, countB, pairs);
    }

    /// <summary>IoU of two binary masks of the same size (true = foreground); 1 when both are empty.</summary>
    public static double MaskIou(ReadOnlySpan<bool> a, ReadOnlySpan<bool> b)
    {
        CheckSameSize(a.Length, b.Length);
        long inter = 0, union = 0;
        for (int i = 0; i < a.Length; i++)
        {
            inter += a[i] & b[i] ? 1 : 0;
            union += a[i] | b[i] ? 1 : 0;
        }

        return union == 0 ? 1 : inter / (double)union;
    }

    /// <summary>IoU of two binary maps stored as bytes (nonzero = foreground); 1 when both are empty.</summary>
    public static double MaskIou(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b)
    {
        CheckSameSize(a.Length, b.Length);
        long inter = 0, union = 0;
        for (int i = 0; i < a.Length; i++)
        {
            bool fa = a[i] != 0, fb = b[i] != 0;
            inter += fa & fb ? 1 : 0;
            union += fa | fb ? 1 : 0;
        }

        return union == 0 ? 1 : inter / (double)union;
    }

    /// <summary>IoU of two probability maps binarized as value &gt; <paramref name="threshold"/> (DB text detectors: 0.3).</summary>
    public static double MaskIou(ReadOnlySpan<float> a, ReadOnlySpan<float> b, float threshold)
    {
        CheckSameSize(a.Length, b.Length);
        long inter = 0, union = 0;
        for (int i = 0; i < a.Length; i++)
        {
            bool fa = a[i] > threshold, fb = b[i] > threshold;
            inter += fa & fb ? 1 : 0;
            union += fa | fb ? 1 : 0;
        }

        return union == 0 ? 1 : inter / (double)union;
    }

    private static RectBox Bounds(Polygon p) =>
        p.Points.Count == 0 ? default : new RectBox(p.Points.Min(q => q.X), p.Points.Min(q => q.Y), p.Points.Max(q => q.X), p.Points.Max(q => q.Y));

    private static void CheckSameSize(int a, int b)
    {
        if (a != b)
        {
            throw new ArgumentException($"masks differ in size: {a} and {b} pixels");
        }
    }
}
