using System.Text.Json;
using SysNoise.Runtime.Metrics;
using SysNoise.Tests.Oracles;
using SysNoise.Tests.Support;
using Xunit.Abstractions;

namespace SysNoise.Tests.Metrics;

/// <summary>
/// COCOeval on random data sets (seeded from the run's seed, printed; SYSNOISE_SEED replays): invariances that must hold
/// to the bit, an independent textbook computation of AP, and pycocotools itself where it is installed.
/// </summary>
public sealed class CocoPropertyTests(ITestOutputHelper output) : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("sysnoise-coco-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    [Fact]
    public void DetectionOrderDoesNotMatterWhenScoresAreDistinct()
    {
        int seed = RandomImages.RunSeed;
        output.WriteLine($"seed {seed}");
        var rng = new Random(seed);
        for (int trial = 0; trial < 40; trial++)
        {
            CocoCases c = CocoCases.Random(rng);
            // Distinct scores: ties are the one place where file order decides (stable sorts).
            for (int i = 0; i < c.Detections.Count; i++)
            {
                c.Detections[i] = c.Detections[i] with { Score = (i + 1) / (double)(c.Detections.Count + 1) };
            }

            CocoEvalResult before = c.Evaluate();
            Shuffle(rng, c.Detections);
            CocoEvalResult after = c.Evaluate();
            Assert.True(before.PrecisionValues.SequenceEqual(after.PrecisionValues), $"trial {trial} (seed {seed}): precision changed with detection order");
            Assert.True(before.RecallValues.SequenceEqual(after.RecallValues), $"trial {trial} (seed {seed}): recall changed with detection order");
        }
    }

    [Fact]
    public void LowScoredFalsePositivesAfterEverythingChangeNothing()
    {
        // A false positive ranked after every other detection adds a point with the last recall and lower precision:
        // the envelope and the recall-threshold lookups are unchanged, so every value is the same double (as long as
        // no image exceeds maxDets). Added on images without objects of that category too.
        int seed = RandomImages.RunSeed;
        output.WriteLine($"seed {seed}");
        var rng = new Random(seed ^ 0x5EED);
        for (int trial = 0; trial < 40; trial++)
        {
            CocoCases c = CocoCases.Random(rng);
            CocoEvalResult before = c.Evaluate();
            CocoGroundTruth gt = c.GroundTruth;
            double lowest = c.Detections.Count == 0 ? 1 : c.Detections.Min(d => d.Score);
            for (int extra = 0; extra < 5; extra++)
            {
                // Far from every object: IoU 0 with all of them. Strictly below every score (scores may be 0; a tie would
                // rank the new detection among the old ones of later images).
                c.Dt(gt.ImageIds[rng.Next(gt.ImageIds.Count)], gt.Categories[rng.Next(gt.Categories.Count)].Id, 10_000 + (extra * 100), 10_000, 20, 20, lowest - 1 - extra);
            }

            CocoEvalResult after = c.Evaluate();
            for (int i = 0; i < before.PrecisionValues.Count; i++)
            {
                // Categories that had no detection and no object stay −1; those with objects keep their values.
                Assert.True(before.PrecisionValues[i].Equals(after.PrecisionValues[i]), $"trial {trial} (seed {seed}): precision[{i}] {before.PrecisionValues[i]:R} → {after.PrecisionValues[i]:R}");
            }

            Assert.True(before.RecallValues.SequenceEqual(after.RecallValues), $"trial {trial} (seed {seed}): recall changed");
        }
    }

    [Fact]
    public void GroundTruthAsDetectionsIsPerfectOnRandomLayouts()
    {
        // Random non-crowd objects that do not overlap (one per grid cell, random size and position inside it),
        // detected by their own boxes with random scores: AP = AR100 = 1 (to 1e-12: a lone detection's precision is
        // 1 − 2^-52), and −1 exactly for the area ranges without objects.
        int seed = RandomImages.RunSeed;
        output.WriteLine($"seed {seed}");
        var rng = new Random(seed ^ 0x6A7);
        for (int trial = 0; trial < 30; trial++)
        {
            var c = new CocoCases().Image(1, 2, 3, 4).Category(1, 2, 3, 4, 5);
            var areasPresent = new HashSet<string>();
            for (int image = 1; image <= 4; image++)
            {
                int n = rng.Next(0, 12);
                for (int j = 0; j < n; j++)
                {
                    double side = rng.Next(3) switch { 0 => 2 + (rng.NextDouble() * 28), 1 => 33 + (rng.NextDouble() * 60), _ => 97 + (rng.NextDouble() * 100) };
                    double x = (j * 400) + (rng.NextDouble() * 100), y = rng.NextDouble() * 100;
                    int category = rng.Next(1, 5);
                    c.Gt(image, category, x, y, side, side * 0.9).Dt(image, category, x, y, side, side * 0.9, rng.NextDouble());
                    double area = side * side * 0.9;
                    areasPresent.Add(area <= 32 * 32 ? "small" : area <= 96 * 96 ? "medium" : "large");
                }
            }

            Dictionary<string, double> s = c.Evaluate().Summarize().ToDictionary(x => x.Name, x => x.Value);
            bool any = c.Annotations.Count > 0;
            foreach ((string ap, string ar, string area) in new[] { ("AP", "AR100", "all"), ("APs", "ARs", "small"), ("APm", "ARm", "medium"), ("APl", "ARl", "large") })
            {
                bool present = area == "all" ? any : areasPresent.Contains(area);
                if (present)
                {
                    Assert.True(s[ap] > 1 - 1e-12 && s[ap] <= 1, $"trial {trial} (seed {seed}): {ap} = {s[ap]:R}");
                    Assert.True(s[ar] > 1 - 1e-12 && s[ar] <= 1, $"trial {trial} (seed {seed}): {ar} = {s[ar]:R}");
                }
                else
                {
                    Assert.Equal(-1, s[ap]);
                    Assert.Equal(-1, s[ar]);
                }
            }
        }
    }

    [Fact]
    public void AveragePrecisionEqualsTheTextbookDefinition()
    {
        // An independent computation of COCO's AP for area "all", maxDets 100, no crowd regions: per IoU threshold and
        // category, rank detections by score, match each to the best still-free object with IoU ≥ t (random continuous
        // boxes: no equal IoUs), and average over the 101 recall points r the interpolated precision
        // max{ tp_i / i : recall_i ≥ r } (0 when no rank reaches r). Mean over thresholds and categories with objects.
        // This is a different algorithm (no envelope pass, no binary search), so sums agree to rounding only (1e-12).
        int seed = RandomImages.RunSeed;
        output.WriteLine($"seed {seed}");
        var rng = new Random(seed ^ 0x7E47);
        double[] thresholds = [.. new CocoEvalParams().IouThresholds];
        for (int trial = 0; trial < 40; trial++)
        {
            CocoCases c = CocoCases.Random(rng);
            var plain = new CocoCases();
            CocoGroundTruth gt = c.GroundTruth;
            plain.Image([.. gt.ImageIds]).Category([.. gt.Categories.Select(k => k.Id)]);
            foreach (CocoAnnotation a in gt.Annotations)
            {
                plain.Gt(a.ImageId, a.CategoryId, a.Box.X, a.Box.Y, a.Box.Width, a.Box.Height);
            }

            // Distinct scores so the ranking is unambiguous.
            foreach ((CocoDetection d, int i) in c.Detections.Select((d, i) => (d, i)))
            {
                plain.Dt(d.ImageId, d.CategoryId, d.Box.X, d.Box.Y, d.Box.Width, d.Box.Height, (i + 1.0) / (c.Detections.Count + 1));
            }

            double expected = TextbookAp(plain, thresholds);
            double actual = plain.Stat("AP");
            Assert.True(Math.Abs(expected - actual) <= 1e-12, $"trial {trial} (seed {seed}): textbook AP {expected:R}, COCOeval {actual:R}");
        }
    }

    [Fact]
    public void MatchesPycocotoolsBitForBitWhereInstalled()
    {
        // pycocotools is not packaged by Debian 12, so this runs only where it is importable (PYTHONPATH or a local
        // install); elsewhere it says so and returns.
        int seed = RandomImages.RunSeed;
        var rng = new Random(seed ^ 0x2C0C0);
        var cases = new List<CocoCases>();
        var args = new List<string>();
        for (int i = 0; i < 60; i++)
        {
            // One case in four crowds images past maxDets (100 detections per image and category).
            CocoCases c = CocoCases.Random(rng, imageCount: 1 + rng.Next(8), categoryCount: 1 + rng.Next(4), maxObjectsPerImage: rng.Next(4) == 0 ? 120 : 8);
            string gtPath = Path.Combine(dir, $"gt{i}.json"), dtPath = Path.Combine(dir, $"dt{i}.json");
            c.WriteJson(gtPath, dtPath);
            cases.Add(c);
            args.Add(gtPath);
            args.Add(dtPath);
        }

        string[] lines = PythonOracle.Run(PythonOracle.Script("pycocotools_eval.py"), [.. args]).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        using (JsonDocument first = JsonDocument.Parse(lines[0]))
        {
            if (first.RootElement.TryGetProperty("unavailable", out JsonElement why))
            {
                output.WriteLine($"pycocotools is not installed ({why.GetString()}): comparison skipped");
                return;
            }
        }

        output.WriteLine($"seed {seed}: {cases.Count} random data sets vs pycocotools");
        long values = 0;
        for (int i = 0; i < cases.Count; i++)
        {
            // Read back through the JSON reader, as the CLI does.
            CocoEvalResult ours = CocoEvaluator.Evaluate(CocoGroundTruth.Load(args[2 * i]), CocoDetections.Load(args[(2 * i) + 1]));
            using JsonDocument doc = JsonDocument.Parse(lines[i]);
            JsonElement theirs = doc.RootElement;
            values += Compare("precision", ours.PrecisionValues, theirs, i);
            values += Compare("recall", ours.RecallValues, theirs, i);
            values += Compare("scores", ours.ScoreValues, theirs, i);
            values += Compare("stats", [.. ours.Summarize().Select(s => s.Value)], theirs, i);
            Assert.Equal([.. theirs.GetProperty("lines").EnumerateArray().Select(e => e.GetString())], ours.Summarize().Select(s => s.Line));
        }

        output.WriteLine($"{values} values identical to pycocotools");

        long Compare(string name, IReadOnlyList<double> mine, JsonElement root, int index)
        {
            double[] expected = [.. root.GetProperty(name).EnumerateArray().Select(e => NumpyCompatTests.FromHex(e.GetString()!))];
            Assert.Equal(expected.Length, mine.Count);
            for (int j = 0; j < expected.Length; j++)
            {
                Assert.True(expected[j].Equals(mine[j]), $"case {index} (seed {seed}, files {args[2 * index]} {args[(2 * index) + 1]}): {name}[{j}] pycocotools {expected[j]:R}, ours {mine[j]:R}");
            }

            return expected.Length;
        }
    }

    private static double TextbookAp(CocoCases c, double[] thresholds)
    {
        CocoGroundTruth gt = c.GroundTruth;
        IReadOnlyList<double> recallPoints = new CocoEvalParams().RecallThresholds;
        var perThresholdAndCategory = new List<double>();
        foreach (double t in thresholds)
        {
            foreach (CocoCategory category in gt.Categories.OrderBy(k => k.Id))
            {
                var objects = gt.Annotations.Where(a => a.CategoryId == category.Id).ToList();
                if (objects.Count == 0)
                {
                    continue;
                }

                // Top 100 per image, then all images ranked together.
                var ranked = c.Detections.Where(d => d.CategoryId == category.Id).GroupBy(d => d.ImageId)
                    .SelectMany(g => g.OrderByDescending(d => d.Score).Take(100)).OrderByDescending(d => d.Score).ToList();
                var taken = new HashSet<CocoAnnotation>();
                var hits = new List<bool>();
                foreach (CocoDetection d in ranked.OrderByDescending(d => d.Score))
                {
                    CocoAnnotation? best = objects.Where(o => o.ImageId == d.ImageId && !taken.Contains(o))
                        .Select(o => (o, iou: CocoIou.BoundingBox(d, o))).Where(x => x.iou >= t).OrderByDescending(x => x.iou).Select(x => x.o).FirstOrDefault();
                    if (best is not null)
                    {
                        taken.Add(best);
                    }
                    else if (d.Box.Width * d.Box.Height is < 0 or > 1e10)
                    {
                        // COCO's area range "all" is [0, 1e10]: an unmatched detection outside it (a jittered box can
                        // come out with a negative width) is ignored, neither a true nor a false positive.
                        continue;
                    }

                    hits.Add(best is not null);
                }

                var precisionAt = new List<(double Recall, double Precision)>();
                int tp = 0;
                for (int i = 0; i < hits.Count; i++)
                {
                    tp += hits[i] ? 1 : 0;
                    precisionAt.Add((tp / (double)objects.Count, tp / (double)(i + 1)));
                }

                // The recall points are COCO's doubles (i · 0.01), compared exactly: 29/100 does not reach 29 · 0.01.
                double sum = 0;
                foreach (double level in recallPoints)
                {
                    sum += precisionAt.Where(p => p.Recall >= level).Select(p => p.Precision).DefaultIfEmpty(0).Max();
                }

                perThresholdAndCategory.Add(sum / recallPoints.Count);
            }
        }

        return perThresholdAndCategory.Count == 0 ? -1 : perThresholdAndCategory.Average();
    }

    private static void Shuffle<T>(Random rng, List<T> list)
    {
        for (int i = list.Count - 1; i > 0; i--)
        {
            int j = rng.Next(i + 1);
            (list[i], list[j]) = (list[j], list[i]);
        }
    }
}
