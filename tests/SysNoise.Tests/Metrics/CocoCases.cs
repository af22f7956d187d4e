using System.Text.Json.Nodes;
using SysNoise.Runtime.Metrics;

namespace SysNoise.Tests.Metrics;

/// <summary>Builds small COCO data sets in code (and as JSON files for the CLI and the pycocotools oracle).</summary>
internal sealed class CocoCases
{
    private readonly List<long> images = [];
    private readonly List<CocoCategory> categories = [];
    private readonly List<CocoAnnotation> annotations = [];

    public List<CocoDetection> Detections { get; } = [];

    public CocoCases Image(params long[] ids)
    {
        images.AddRange(ids);
        return this;
    }

    public CocoCases Category(params long[] ids)
    {
        categories.AddRange(ids.Select(id => new CocoCategory(id, $"c{id}")));
        return this;
    }

    /// <summary>A ground truth whose area is its box's unless given.</summary>
    public CocoCases Gt(long image, long category, double x, double y, double w, double h, bool crowd = false, double? area = null, long? id = null)
    {
        annotations.Add(new CocoAnnotation(id ?? annotations.Count + 1, image, category, new CocoBox(x, y, w, h), area ?? w * h, crowd));
        return this;
    }

    public CocoCases Dt(long image, long category, double x, double y, double w, double h, double score)
    {
        Detections.Add(new CocoDetection(image, category, new CocoBox(x, y, w, h), score));
        return this;
    }

    public IReadOnlyList<CocoAnnotation> Annotations => annotations;

    public CocoGroundTruth GroundTruth => new(images, categories, annotations);

    public CocoEvalResult Evaluate(CocoEvalParams? p = null) => CocoEvaluator.Evaluate(GroundTruth, Detections, p);

    public double Stat(string name, CocoEvalParams? p = null) => Evaluate(p).Summarize().Single(s => s.Name == name).Value;

    public void WriteJson(string gtPath, string dtPath)
    {
        var gt = new JsonObject
        {
            ["images"] = new JsonArray([.. images.Select(i => (JsonNode)new JsonObject { ["id"] = i })]),
            ["categories"] = new JsonArray([.. categories.Select(c => (JsonNode)new JsonObject { ["id"] = c.Id, ["name"] = c.Name })]),
            ["annotations"] = new JsonArray([.. annotations.Select(a => (JsonNode)new JsonObject
            {
                ["id"] = a.Id,
                ["image_id"] = a.ImageId,
                ["category_id"] = a.CategoryId,
                ["bbox"] = Box(a.Box),
                ["area"] = a.Area,
                ["iscrowd"] = a.IsCrowd ? 1 : 0,
            })]),
        };
        var dt = new JsonArray([.. Detections.Select(d => (JsonNode)new JsonObject
        {
            ["image_id"] = d.ImageId,
            ["category_id"] = d.CategoryId,
            ["bbox"] = Box(d.Box),
            ["score"] = d.Score,
        })]);
        File.WriteAllText(gtPath, gt.ToJsonString());
        File.WriteAllText(dtPath, dt.ToJsonString());
    }

    /// <summary>A random data set: overlapping objects of every size, crowd regions, jittered and spurious detections, score ties.</summary>
    public static CocoCases Random(Random rng, int imageCount = 6, int categoryCount = 3, int maxObjectsPerImage = 8)
    {
        var c = new CocoCases();

        // Now and then annotation ids start at 0, as many converted data sets do (pycocotools mishandles id 0).
        bool zeroBasedIds = rng.Next(4) == 0;
        for (int i = 1; i <= imageCount; i++)
        {
            c.Image(i * 3); // ids need not be consecutive
        }

        for (int k = 1; k <= categoryCount; k++)
        {
            c.Category(k * 2);
        }

        foreach (long image in c.images)
        {
            int n = rng.Next(0, maxObjectsPerImage + 1);
            for (int j = 0; j < n; j++)
            {
                double size = rng.Next(4) switch { 0 => 2 + (rng.NextDouble() * 30), 1 => 25 + (rng.NextDouble() * 80), 2 => 90 + (rng.NextDouble() * 150), _ => 1 + (rng.NextDouble() * 200) };
                double w = size * (0.5 + rng.NextDouble()), h = size * (0.5 + rng.NextDouble());
                double x = rng.NextDouble() * 300, y = rng.NextDouble() * 300;
                long category = c.categories[rng.Next(c.categories.Count)].Id;
                bool crowd = rng.NextDouble() < 0.08;

                // Segment area: a fraction of the box, sometimes exactly a range boundary.
                double area = rng.Next(10) == 0 ? (rng.Next(2) == 0 ? 32 * 32 : 96 * 96) : w * h * (0.4 + (0.6 * rng.NextDouble()));
                c.Gt(image, category, x, y, w, h, crowd, area, id: c.annotations.Count + (zeroBasedIds ? 0 : 1));
                int copies = rng.Next(0, 4);
                for (int d = 0; d < copies; d++)
                {
                    double jitter = rng.NextDouble() * 0.3;
                    c.Dt(image, rng.NextDouble() < 0.9 ? category : c.categories[rng.Next(c.categories.Count)].Id,
                        x + (Gauss(rng) * w * jitter), y + (Gauss(rng) * h * jitter), w * (1 + (Gauss(rng) * jitter)), h * (1 + (Gauss(rng) * jitter)), Score(rng));
                }
            }

            int spurious = rng.Next(0, 4);
            for (int s = 0; s < spurious; s++)
            {
                c.Dt(image, c.categories[rng.Next(c.categories.Count)].Id, rng.NextDouble() * 300, rng.NextDouble() * 300, 1 + (rng.NextDouble() * 120), 1 + (rng.NextDouble() * 120), Score(rng));
            }
        }

        // Shuffle the detections: files are not sorted by image or score.
        for (int i = c.Detections.Count - 1; i > 0; i--)
        {
            int j = rng.Next(i + 1);
            (c.Detections[i], c.Detections[j]) = (c.Detections[j], c.Detections[i]);
        }

        return c;
    }

    // Scores with two decimals tie often, which exercises the stable sorts.
    private static double Score(Random rng) => Math.Round(rng.NextDouble(), 2);

    private static double Gauss(Random rng) => Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());

    private static JsonArray Box(CocoBox b) => [b.X, b.Y, b.Width, b.Height];
}
