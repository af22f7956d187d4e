using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace SysNoise.Runtime.Metrics;

/// <summary>One of COCOeval's summary numbers with its printed line.</summary>
public sealed record CocoStat(string Name, double Value, string Line);

/// <summary>
/// COCOeval's <c>eval</c> dictionary: precision [T, R, K, A, M], recall [T, K, A, M] and scores [T, R, K, A, M]
/// (−1 where a category has no non-ignored ground truth), plus <see cref="Summarize"/>'s 12 numbers.
/// </summary>
public sealed class CocoEvalResult
{
    internal CocoEvalResult(CocoEvalParams parameters, int[] maxDetections, long[] imageIds, long[] categoryIds, double[] precision, double[] recall, double[] scores, int droppedDetections)
    {
        Parameters = parameters;
        MaxDetections = maxDetections;
        ImageIds = imageIds;
        CategoryIds = categoryIds;
        PrecisionValues = precision;
        RecallValues = recall;
        ScoreValues = scores;
        DroppedDetections = droppedDetections;
    }

    public CocoEvalParams Parameters { get; }

    /// <summary>maxDets, sorted ascending.</summary>
    public IReadOnlyList<int> MaxDetections { get; }

    public IReadOnlyList<long> ImageIds { get; }

    /// <summary>The evaluated category ids, sorted; <c>[-1]</c> when categories are not used.</summary>
    public IReadOnlyList<long> CategoryIds { get; }

    /// <summary>Detections whose category the ground truth does not list (pycocotools drops them silently).</summary>
    public int DroppedDetections { get; }

    /// <summary>Row-major [T, R, K, A, M], as <c>eval['precision']</c>.</summary>
    public IReadOnlyList<double> PrecisionValues { get; }

    /// <summary>Row-major [T, K, A, M], as <c>eval['recall']</c>.</summary>
    public IReadOnlyList<double> RecallValues { get; }

    /// <summary>Row-major [T, R, K, A, M], as <c>eval['scores']</c>: the score at which each recall threshold is reached.</summary>
    public IReadOnlyList<double> ScoreValues { get; }

    private int T => Parameters.IouThresholds.Count;

    private int R => Parameters.RecallThresholds.Count;

    private int K => CategoryIds.Count;

    private int A => Parameters.AreaRanges.Count;

    private int M => MaxDetections.Count;

    public double Precision(int t, int r, int k, int a, int m) => PrecisionValues[PrecisionIndex(t, r, k, a, m)];

    public double Score(int t, int r, int k, int a, int m) => ScoreValues[PrecisionIndex(t, r, k, a, m)];

    public double Recall(int t, int k, int a, int m) => RecallValues[RecallIndex(t, k, a, m)];

    internal int PrecisionIndex(int t, int r, int k, int a, int m) => ((((((t * R) + r) * K) + k) * A) + a) * M + m;

    internal int RecallIndex(int t, int k, int a, int m) => ((((t * K) + k) * A) + a) * M + m;

    /// <summary>
    /// <c>summarize()</c>'s 12 numbers (AP, AP50, AP75, APs, APm, APl, AR1, AR10, AR100, ARs, ARm, ARl) and their lines
    /// in pycocotools' format. Needs three maxDets and the area labels all/small/medium/large (−1 for a missing one).
    /// </summary>
    public IReadOnlyList<CocoStat> Summarize()
    {
        if (M < 3)
        {
            throw new InvalidOperationException("summarize() reads maxDets[0..2]: evaluate with three maxDets values");
        }

        int last = MaxDetections[2];
        return
        [
            Stat("AP", precision: true, null, "all", last),
            Stat("AP50", precision: true, 0.5, "all", last),
            Stat("AP75", precision: true, 0.75, "all", last),
            Stat("APs", precision: true, null, "small", last),
            Stat("APm", precision: true, null, "medium", last),
            Stat("APl", precision: true, null, "large", last),
            Stat("AR1", precision: false, null, "all", MaxDetections[0]),
            Stat("AR10", precision: false, null, "all", MaxDetections[1]),
            Stat("AR100", precision: false, null, "all", last),
            Stat("ARs", precision: false, null, "small", last),
            Stat("ARm", precision: false, null, "medium", last),
            Stat("ARl", precision: false, null, "large", last),
        ];
    }

    /// <summary>
    /// AP of one category (index into <see cref="CategoryIds"/>) over all IoU thresholds, area "all" (the first range)
    /// and the largest maxDets, averaged as summarize() averages: −1 when the category has no ground truth.
    /// </summary>
    public double CategoryAveragePrecision(int k)
    {
        var values = new List<double>(T * R);
        for (int t = 0; t < T; t++)
        {
            for (int r = 0; r < R; r++)
            {
                double v = Precision(t, r, k, 0, M - 1);
                if (v > -1)
                {
                    values.Add(v);
                }
            }
        }

        return values.Count == 0 ? -1 : NumpyCompat.Mean(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(values));
    }

    /// <summary>The summary as JSON: stats by name, the printed lines, AP per category.</summary>
    public string ToJson(IReadOnlyList<CocoCategory>? categories = null)
    {
        IReadOnlyList<CocoStat> stats = Summarize();
        var statsNode = new JsonObject();
        foreach (CocoStat s in stats)
        {
            statsNode[s.Name] = s.Value;
        }

        var perCategory = new JsonArray();
        for (int k = 0; k < K; k++)
        {
            long id = CategoryIds[k];
            perCategory.Add(new JsonObject
            {
                ["id"] = id,
                ["name"] = categories?.FirstOrDefault(c => c.Id == id)?.Name ?? id.ToString(CultureInfo.InvariantCulture),
                ["ap"] = CategoryAveragePrecision(k),
            });
        }

        var root = new JsonObject
        {
            ["stats"] = statsNode,
            ["lines"] = new JsonArray([.. stats.Select(s => (JsonNode)JsonValue.Create(s.Line))]),
            ["images"] = ImageIds.Count,
            ["categories"] = K,
            ["dropped_detections"] = DroppedDetections,
            ["per_category"] = perCategory,
        };
        return root.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
    }

    private CocoStat Stat(string name, bool precision, double? iouThreshold, string area, int maxDets)
    {
        // The selection summarize() makes with numpy indexing, flattened in C order (t, then r, then k).
        int[] ts = iouThreshold is { } thr
            ? [.. Enumerable.Range(0, T).Where(t => Parameters.IouThresholds[t] == thr)]
            : [.. Enumerable.Range(0, T)];
        int a = Enumerable.Range(0, A).FirstOrDefault(i => Parameters.AreaRanges[i].Label == area, -1);
        int m = Enumerable.Range(0, M).FirstOrDefault(i => MaxDetections[i] == maxDets, -1);
        var values = new List<double>();
        if (a >= 0 && m >= 0)
        {
            foreach (int t in ts)
            {
                if (precision)
                {
                    for (int r = 0; r < R; r++)
                    {
                        for (int k = 0; k < K; k++)
                        {
                            AddIfPresent(Precision(t, r, k, a, m));
                        }
                    }
                }
                else
                {
                    for (int k = 0; k < K; k++)
                    {
                        AddIfPresent(Recall(t, k, a, m));
                    }
                }
            }
        }

        double mean = values.Count == 0 ? -1 : NumpyCompat.Mean(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(values));
        IReadOnlyList<double> thresholds = Parameters.IouThresholds;
        string iouText = iouThreshold is { } only
            ? NumpyCompat.FormatFixed(only, 2)
            : $"{NumpyCompat.FormatFixed(thresholds[0], 2)}:{NumpyCompat.FormatFixed(thresholds[^1], 2)}";
        string title = precision ? "Average Precision" : "Average Recall";
        string kind = precision ? "(AP)" : "(AR)";

        // ' {:<18} {} @[ IoU={:<9} | area={:>6s} | maxDets={:>3d} ] = {:0.3f}'
        string line = $" {title,-18} {kind} @[ IoU={iouText,-9} | area={area,6} | maxDets={maxDets,3} ] = {NumpyCompat.FormatFixed(mean, 3)}";
        return new CocoStat(name, mean, line);

        void AddIfPresent(double v)
        {
            if (v > -1)
            {
                values.Add(v);
            }
        }
    }
}
