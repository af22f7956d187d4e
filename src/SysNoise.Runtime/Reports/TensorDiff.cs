using System.Globalization;
using System.Text;
using System.Text.Json;
using SysNoise.Runtime.Tensors;

namespace SysNoise.Runtime.Reports;

/// <summary>One bin of the |a − b| histogram: values in (Low, High] (the first bin is exactly 0).</summary>
public sealed record DiffBin(string Label, double Low, double High, long Count);

/// <summary>An element-by-element comparison of two tensors of the same shape: a parity report.</summary>
public sealed class TensorDiff
{
    private TensorDiff(Tensor a, Tensor b)
    {
        ShapeA = a.Shape;
        DTypeA = a.DType;
        DTypeB = b.DType;
        Total = a.Length;
        bool integral = IsIntegral(a.DType) && IsIntegral(b.DType);
        double[] edges = integral
            ? [0, 1, 2, 4, 8, 16, 32, 64, 128, double.PositiveInfinity]
            : [0, 1e-7, 1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1, double.PositiveInfinity];
        var counts = new long[edges.Length];
        double sum = 0;
        for (long i = 0; i < Total; i++)
        {
            double va = a.GetAsDouble(i), vb = b.GetAsDouble(i);
            bool same = va.Equals(vb); // NaN equals NaN here: the same value on both sides is no difference.
            double d = same ? 0 : Math.Abs(va - vb);
            if (!same)
            {
                Differing++;
                if (FirstDifference < 0)
                {
                    FirstDifference = i;
                    FirstA = va;
                    FirstB = vb;
                }

                if (double.IsNaN(d) || d > MaxAbs)
                {
                    MaxAbs = double.IsNaN(d) ? double.PositiveInfinity : d;
                }

                sum += double.IsNaN(d) ? 0 : d;
            }

            int bin = 0;
            while (!same && bin < edges.Length - 1 && !(d <= edges[bin]))
            {
                bin++;
            }

            counts[same ? 0 : Math.Max(1, bin)]++;
        }

        MeanAbs = Total == 0 ? 0 : sum / Total;
        var bins = new List<DiffBin> { new("0", 0, 0, counts[0]) };
        for (int k = 1; k < edges.Length; k++)
        {
            string label = double.IsPositiveInfinity(edges[k])
                ? $"> {Format(edges[k - 1])}"
                : $"({Format(edges[k - 1])}, {Format(edges[k])}]";
            bins.Add(new DiffBin(label, edges[k - 1], edges[k], counts[k]));
        }

        Histogram = bins;
    }

    public int[] ShapeA { get; }

    public DType DTypeA { get; }

    public DType DTypeB { get; }

    public long Total { get; }

    public long Differing { get; }

    public double Fraction => Total == 0 ? 0 : (double)Differing / Total;

    public double MaxAbs { get; }

    public double MeanAbs { get; }

    public long FirstDifference { get; } = -1;

    public double FirstA { get; }

    public double FirstB { get; }

    public IReadOnlyList<DiffBin> Histogram { get; }

    public bool Identical => Differing == 0;

    /// <summary>Compares two tensors; throws <see cref="ArgumentException"/> when their shapes differ.</summary>
    public static TensorDiff Compute(Tensor a, Tensor b)
    {
        if (!a.Shape.AsSpan().SequenceEqual(b.Shape))
        {
            throw new ArgumentException($"mismatched shapes: {a.ShapeText} vs {b.ShapeText}");
        }

        return new TensorDiff(a, b);
    }

    /// <summary>The flat index <paramref name="flat"/> as a multi-index in C order.</summary>
    public string IndexText(long flat)
    {
        var idx = new long[ShapeA.Length];
        for (int d = ShapeA.Length - 1; d >= 0; d--)
        {
            idx[d] = ShapeA[d] == 0 ? 0 : flat % ShapeA[d];
            flat = ShapeA[d] == 0 ? 0 : flat / ShapeA[d];
        }

        return "(" + string.Join(", ", idx) + ")";
    }

    public string ToText(string nameA, string nameB)
    {
        var sb = new StringBuilder();
        string shape = "(" + string.Join(", ", ShapeA) + ")";
        sb.AppendLine(CultureInfo.InvariantCulture, $"A: {nameA}  shape {shape}  dtype {DTypeA.ToString().ToLowerInvariant()}");
        sb.AppendLine(CultureInfo.InvariantCulture, $"B: {nameB}  shape {shape}  dtype {DTypeB.ToString().ToLowerInvariant()}");
        sb.AppendLine(CultureInfo.InvariantCulture, $"differing: {Differing} of {Total} ({Fraction * 100:0.####}%)");
        sb.AppendLine(CultureInfo.InvariantCulture, $"max |A-B|: {Format(MaxAbs)}   mean |A-B|: {MeanAbs:G6}");
        sb.AppendLine(FirstDifference < 0
            ? "first difference: none (identical)"
            : string.Create(CultureInfo.InvariantCulture, $"first difference: index {IndexText(FirstDifference)} (flat {FirstDifference}): A={Format(FirstA)} B={Format(FirstB)}"));
        sb.AppendLine("histogram of |A-B|:");
        foreach (DiffBin bin in Histogram)
        {
            sb.AppendLine(CultureInfo.InvariantCulture, $"  {bin.Label,-18} {bin.Count,12}");
        }

        return sb.ToString();
    }

    public string ToJson(string nameA, string nameB) => JsonSerializer.Serialize(new
    {
        a = nameA,
        b = nameB,
        shape = ShapeA,
        dtype_a = DTypeA.ToString().ToLowerInvariant(),
        dtype_b = DTypeB.ToString().ToLowerInvariant(),
        total = Total,
        differing = Differing,
        fraction = Fraction,
        max_abs = double.IsInfinity(MaxAbs) ? (double?)null : MaxAbs,
        mean_abs = MeanAbs,
        first_difference = FirstDifference < 0 ? null : new { index = IndexText(FirstDifference), flat = FirstDifference, a = FirstA, b = FirstB },
        histogram = Histogram.Select(h => new { bin = h.Label, count = h.Count }),
        identical = Identical,
    });

    private static bool IsIntegral(DType t) => t is not (DType.Float16 or DType.Float32 or DType.Float64);

    private static string Format(double v) => v.ToString("G6", CultureInfo.InvariantCulture);
}
