namespace SysNoise.Runtime.Metrics;

/// <summary>Per-class and mean scores of a <see cref="SegmentationConfusion"/>.</summary>
/// <param name="ClassIou">intersection / union per class; NaN where the union is empty (the class is in neither map).</param>
/// <param name="ClassAccuracy">intersection / ground-truth area per class; NaN where the ground truth has no pixel of it.</param>
/// <param name="MeanIou">mIoU: the mean of the non-NaN <paramref name="ClassIou"/> (mmseg's <c>np.nanmean</c>), NaN if all are.</param>
/// <param name="MeanAccuracy">mAcc: the mean of the non-NaN <paramref name="ClassAccuracy"/>.</param>
/// <param name="PixelAccuracy">aAcc: correctly labelled pixels / ground-truth pixels counted (NaN when none).</param>
public sealed record SegmentationScores(
    IReadOnlyList<double> ClassIou,
    IReadOnlyList<double> ClassAccuracy,
    double MeanIou,
    double MeanAccuracy,
    double PixelAccuracy,
    IReadOnlyList<long> Intersection,
    IReadOnlyList<long> Union,
    IReadOnlyList<long> GroundTruthArea,
    IReadOnlyList<long> PredictedArea);

/// <summary>
/// Semantic-segmentation scores from label maps, with mmsegmentation's conventions (<c>intersect_and_union</c>, areas
/// summed over the whole data set before dividing, <c>np.nanmean</c> over classes):
/// <list type="bullet">
/// <item>a pixel whose ground truth is the ignore index (255 by default) is not counted at all;</item>
/// <item>a label outside [0, classes) that is not ignored counts for no class (mmseg's <c>histc</c> drops it): a
/// predicted one still counts in its ground-truth class's area and union, an out-of-range ground truth in its
/// predicted class's;</item>
/// <item>mIoU averages over the classes whose union is not empty — classes present in the ground truth or the
/// prediction; a class predicted but absent from the ground truth counts with IoU 0.</item>
/// </list>
/// Counts are exact integers and the ratios double (mmseg's float32 <c>histc</c> areas would round past 2^24 pixels).
/// For label-free agreement between two pipelines, pass one pipeline's map as the "ground truth".
/// </summary>
public sealed class SegmentationConfusion
{
    private readonly long[] counts; // [(C+1) × (C+1)], row = ground truth, column = prediction; index C = out of range

    public SegmentationConfusion(int classes, int? ignoreIndex = 255)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(classes, 1);
        Classes = classes;
        IgnoreIndex = ignoreIndex;
        counts = new long[(classes + 1) * (classes + 1)];
    }

    public int Classes { get; }

    public int? IgnoreIndex { get; }

    /// <summary>Pixels counted so far (ignored pixels excluded).</summary>
    public long Pixels { get; private set; }

    /// <summary>Pixels with ground truth <paramref name="groundTruth"/> predicted as <paramref name="predicted"/> (<see cref="Classes"/> = out of range).</summary>
    public long Count(int groundTruth, int predicted) => counts[(groundTruth * (Classes + 1)) + predicted];

    public void Add(ReadOnlySpan<int> groundTruth, ReadOnlySpan<int> prediction)
    {
        CheckLengths(groundTruth.Length, prediction.Length);
        for (int i = 0; i < groundTruth.Length; i++)
        {
            AddPixel(groundTruth[i], prediction[i]);
        }
    }

    public void Add(ReadOnlySpan<byte> groundTruth, ReadOnlySpan<byte> prediction)
    {
        CheckLengths(groundTruth.Length, prediction.Length);
        for (int i = 0; i < groundTruth.Length; i++)
        {
            AddPixel(groundTruth[i], prediction[i]);
        }
    }

    public SegmentationScores Scores()
    {
        int c = Classes, stride = c + 1;
        var intersection = new long[c];
        var union = new long[c];
        var gtArea = new long[c];
        var predArea = new long[c];
        for (int k = 0; k < c; k++)
        {
            intersection[k] = counts[(k * stride) + k];
            for (int j = 0; j <= c; j++)
            {
                gtArea[k] += counts[(k * stride) + j];
                predArea[k] += counts[(j * stride) + k];
            }

            union[k] = gtArea[k] + predArea[k] - intersection[k];
        }

        var iou = new double[c];
        var acc = new double[c];
        for (int k = 0; k < c; k++)
        {
            iou[k] = union[k] == 0 ? double.NaN : intersection[k] / (double)union[k];
            acc[k] = gtArea[k] == 0 ? double.NaN : intersection[k] / (double)gtArea[k];
        }

        long correct = intersection.Sum(), labelled = gtArea.Sum();
        return new SegmentationScores(iou, acc, NanMean(iou), NanMean(acc), labelled == 0 ? double.NaN : correct / (double)labelled, intersection, union, gtArea, predArea);
    }

    /// <summary>One pair of label maps (flattened, same length) scored on their own.</summary>
    public static SegmentationScores Compute(ReadOnlySpan<int> groundTruth, ReadOnlySpan<int> prediction, int classes, int? ignoreIndex = 255)
    {
        var confusion = new SegmentationConfusion(classes, ignoreIndex);
        confusion.Add(groundTruth, prediction);
        return confusion.Scores();
    }

    /// <summary><c>np.nanmean</c>: NaNs replaced by 0, summed in NumPy's order, divided by the count of non-NaN values.</summary>
    internal static double NanMean(double[] values)
    {
        int present = values.Count(v => !double.IsNaN(v));
        if (present == 0)
        {
            return double.NaN;
        }

        double[] zeroed = [.. values.Select(v => double.IsNaN(v) ? 0 : v)];
        return NumpyCompat.Sum(zeroed) / present;
    }

    private void AddPixel(int groundTruth, int predicted)
    {
        if (groundTruth == IgnoreIndex)
        {
            return;
        }

        int row = (uint)groundTruth < (uint)Classes ? groundTruth : Classes;
        int column = (uint)predicted < (uint)Classes ? predicted : Classes;
        counts[(row * (Classes + 1)) + column]++;
        Pixels++;
    }

    private static void CheckLengths(int a, int b)
    {
        if (a != b)
        {
            throw new ArgumentException($"label maps differ in size: {a} and {b} pixels");
        }
    }
}
