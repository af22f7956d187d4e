using System.Globalization;
using SysNoise.Kernels.Post;
using SysNoise.Runtime.IO;
using SysNoise.Runtime.Post;
using SysNoise.Runtime.Tensors;
using SysNoise.Tests.Oracles;

namespace SysNoise.Tests.Post;

/// <summary>One NMS case: N boxes (flat x1, y1, x2, y2), N scores, optional classes, a threshold.</summary>
public sealed record NmsCase(float[] Boxes, float[] Scores, long[] Classes, double Iou, string Kind)
{
    public int Count => Scores.Length;

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Kind}: N={Count}, iou={Iou:R}, classes={Classes.Distinct().Count()}");

    /// <summary>The whole case as text, for a failure message that lets one reproduce it without the seed.</summary>
    public string Dump(int maxBoxes = 12) => string.Join("; ", Enumerable.Range(0, Math.Min(Count, maxBoxes)).Select(i =>
        string.Create(CultureInfo.InvariantCulture, $"#{i} [{Boxes[i * 4]:R}, {Boxes[(i * 4) + 1]:R}, {Boxes[(i * 4) + 2]:R}, {Boxes[(i * 4) + 3]:R}] s={Scores[i]:R} c={Classes[i]}"))) + (Count > maxBoxes ? " …" : string.Empty);
}

/// <summary>One decode case: N anchors, N×4K deltas and the options of one convention.</summary>
public sealed record DecodeCase(BoxConvention Convention, BoxDecodeOptions Options, float[] Anchors, float[] Deltas, int Classes)
{
    public int Count => Anchors.Length / 4;

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Convention.Name} offset={Options.Offset} N={Count} K={Classes} weights={Options.Weights} means={Options.Means} stds={Options.Stds} clamp={Options.Clamp:R} clip={Options.ClipTo}");
}

/// <summary>Random post-processing inputs that look like detector output: realistic boxes, clusters of overlapping ones,
/// zero-area and inverted boxes, exact duplicates, tied scores and thresholds equal to an IoU that occurs.</summary>
public static class PostCases
{
    /// <summary>A coordinate that is never −0 (torch's own scalar and vector paths disagree on signed zeros).</summary>
    public static float Coord(double v)
    {
        float f = (float)v;
        return f == 0f ? 0f : f;
    }

    public static float[] Boxes(Random rng, int n)
    {
        var boxes = new float[n * 4];
        int mode = rng.Next(4);
        double scale = rng.Next(4) switch { 0 => 1, 1 => 100, 2 => 1000, _ => 5000 };
        bool integral = scale > 1 && rng.Next(3) == 0; // integer pixel boxes, as many datasets have
        int clusters = 1 + rng.Next(6);
        var centres = Enumerable.Range(0, clusters).Select(_ => (X: rng.NextDouble() * scale, Y: rng.NextDouble() * scale, W: (0.02 + rng.NextDouble()) * scale / 4, H: (0.02 + rng.NextDouble()) * scale / 4)).ToArray();
        for (int i = 0; i < n; i++)
        {
            double x1, y1, x2, y2;
            if (i > 0 && rng.Next(12) == 0)
            {
                Array.Copy(boxes, rng.Next(i) * 4, boxes, i * 4, 4); // an exact duplicate
                continue;
            }

            if (mode == 0)
            {
                x1 = rng.NextDouble() * scale;
                y1 = rng.NextDouble() * scale;
                x2 = x1 + (rng.NextDouble() * scale / 3);
                y2 = y1 + (rng.NextDouble() * scale / 3);
            }
            else
            {
                var c = centres[rng.Next(clusters)];
                double jitter = mode == 1 ? 0.05 : 0.3;
                double w = c.W * (1 + ((rng.NextDouble() - 0.5) * jitter * 2));
                double h = c.H * (1 + ((rng.NextDouble() - 0.5) * jitter * 2));
                x1 = c.X + ((rng.NextDouble() - 0.5) * jitter * c.W);
                y1 = c.Y + ((rng.NextDouble() - 0.5) * jitter * c.H);
                x2 = x1 + w;
                y2 = y1 + h;
            }

            int odd = rng.Next(40);
            if (odd == 0)
            {
                x2 = x1; // zero width
            }
            else if (odd == 1)
            {
                y2 = y1; // zero height
            }
            else if (odd == 2)
            {
                (x1, x2) = (x2, x1); // inverted: negative area
            }

            if (integral)
            {
                (x1, y1, x2, y2) = (Math.Round(x1), Math.Round(y1), Math.Round(x2), Math.Round(y2));
            }

            boxes[i * 4] = Coord(x1);
            boxes[(i * 4) + 1] = Coord(y1);
            boxes[(i * 4) + 2] = Coord(x2);
            boxes[(i * 4) + 3] = Coord(y2);
        }

        return boxes;
    }

    public static float[] Scores(Random rng, int n, bool ties)
    {
        var scores = new float[n];
        int levels = 1 + rng.Next(Math.Max(1, n / 3) + 1);
        for (int i = 0; i < n; i++)
        {
            scores[i] = ties ? rng.Next(levels) / (float)levels : (float)rng.NextDouble();
        }

        return scores;
    }

    /// <summary>A threshold: random, a round value, or exactly the float IoU of a pair in the case (the strict &gt; decides).</summary>
    public static double Threshold(Random rng, float[] boxes, float offset)
    {
        int n = boxes.Length / 4;
        int kind = rng.Next(8);
        if (kind <= 1 && n >= 2)
        {
            Box4 a = Box(boxes, rng.Next(n)), b = Box(boxes, rng.Next(n));
            float iou = IouMath.Iou(a, IouMath.Area(a, offset), b, IouMath.Area(b, offset), offset, default(StdExtrema));
            if (float.IsFinite(iou))
            {
                return iou; // the float value, exactly
            }
        }

        return kind switch
        {
            2 => new[] { 0.0, 0.3, 0.5, 0.7, 1.0, 1.0 / 3.0 }[rng.Next(6)],
            _ => rng.NextDouble(),
        };
    }

    /// <summary>Pairs whose IoU is an exact, known value: [0,0,10,10] vs [0,0,10,5] is 0.5; vs [5,0,15,10] is 1/3 rounded to float.</summary>
    public static NmsCase ExactThresholdCase(Random rng)
    {
        float[] boxes = [0, 0, 10, 10, 0, 0, 10, 5, 5, 0, 15, 10, 100, 100, 110, 110, 100, 100, 110, 105];
        float[] scores = [0.9f, 0.8f, 0.7f, 0.6f, 0.5f];
        double iou = rng.Next(4) switch { 0 => 0.5, 1 => 1.0 / 3.0, 2 => (float)(1.0 / 3.0), _ => Math.BitDecrement(0.5) };
        return new NmsCase(boxes, scores, new long[5], iou, "exact-threshold");
    }

    public static NmsCase Nms(Random rng, int maxBoxes, bool batched, int minBoxes = 0)
    {
        int n = rng.Next(10) switch
        {
            0 => rng.Next(3),
            _ => minBoxes + rng.Next(maxBoxes - minBoxes + 1),
        };
        float[] boxes = Boxes(rng, n);
        bool ties = rng.Next(4) == 0;
        float[] scores = Scores(rng, n, ties);
        int classCount = batched ? 1 + rng.Next(rng.Next(2) == 0 ? 4 : 30) : 1;
        long classBase = batched && rng.Next(6) == 0 ? rng.Next(1, 5000) : 0; // large ids: large offsets in the coordinate trick
        var classes = new long[n];
        for (int i = 0; i < n; i++)
        {
            classes[i] = classBase + rng.Next(classCount);
        }

        return new NmsCase(boxes, scores, classes, Threshold(rng, boxes, 0f), (ties ? "tied scores" : "distinct scores") + (batched ? ", batched" : string.Empty));
    }

    public static Box4 Box(float[] boxes, int i) => new(boxes[i * 4], boxes[(i * 4) + 1], boxes[(i * 4) + 2], boxes[(i * 4) + 3]);

    public static DecodeCase Decode(Random rng, BoxConvention convention, BoxArithmetic arithmetic, int maxAnchors)
    {
        int n = rng.Next(8) == 0 ? rng.Next(2) : 1 + rng.Next(maxAnchors);
        int k = new[] { 1, 1, 1, 2, 3, 5 }[rng.Next(6)];
        var anchors = Boxes(rng, n);
        var deltas = new float[n * k * 4];
        double spread = rng.Next(5) == 0 ? 20 : 1;
        for (int i = 0; i < n * k; i++)
        {
            deltas[i * 4] = Coord((rng.NextDouble() - 0.5) * 2 * spread);
            deltas[(i * 4) + 1] = Coord((rng.NextDouble() - 0.5) * 2 * spread);
            deltas[(i * 4) + 2] = Coord((rng.NextDouble() - 0.5) * 12 * spread); // beyond ±log(1000/16) sometimes: the clamp
            deltas[(i * 4) + 3] = Coord((rng.NextDouble() - 0.5) * 12 * spread);
        }

        (double, double, double, double) Quad(double lo, double hi) =>
            (lo + (rng.NextDouble() * (hi - lo)), lo + (rng.NextDouble() * (hi - lo)), lo + (rng.NextDouble() * (hi - lo)), lo + (rng.NextDouble() * (hi - lo)));

        var options = new BoxDecodeOptions
        {
            Offset = convention.FixedOffset ?? rng.Next(2),
            Weights = !convention.HasWeights ? null : rng.Next(3) switch { 0 => (1, 1, 1, 1), 1 => (10, 10, 5, 5), _ => Quad(0.3, 12) },
            Means = !convention.HasMeansStds ? null : rng.Next(3) switch { 0 => (0, 0, 0, 0), _ => Quad(-0.2, 0.2) },
            Stds = !convention.HasMeansStds ? null : rng.Next(3) switch { 0 => (1, 1, 1, 1), 1 => (0.1, 0.1, 0.2, 0.2), _ => Quad(0.05, 2) },
            Clamp = rng.Next(3) == 0 ? 0.5 + (rng.NextDouble() * 5) : convention.DefaultClamp,
            ClipTo = rng.Next(2) == 0 ? (1 + rng.Next(2000), 1 + rng.Next(2000)) : null,
            Arithmetic = arithmetic,
        };
        return new DecodeCase(convention, options, anchors, deltas, k);
    }

    /// <summary>Runs <c>torchvision_post.py TASK DIR</c> (one process for every case of the test); returns its version line.</summary>
    public static string RunOracle(string task, string dir) => PythonOracle.Run(PythonOracle.Script("torchvision_post.py"), task, dir).Trim();

    public static void Save<T>(string dir, string name, T[] data, params int[] shape)
        where T : unmanaged
        => NpyFormat.Write(Path.Combine(dir, name + ".npy"), new Tensor<T>(data, shape));

    public static T[] Load<T>(string dir, string name)
        where T : unmanaged
        => ((Tensor<T>)NpyFormat.Read(Path.Combine(dir, name + ".npy"))).Data;
}
