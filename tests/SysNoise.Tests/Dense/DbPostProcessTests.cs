using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using OpenCvSharp;
using SysNoise.Runtime.Dense;
using SysNoise.Runtime.IO;
using SysNoise.Runtime.Tensors;
using SysNoise.Tests.Oracles;
using SysNoise.Tests.Support;
using Xunit.Abstractions;

namespace SysNoise.Tests.Dense;

/// <summary>
/// PaddleOCR's text-detector pipeline against the libraries PaddleOCR calls, run live (oracles/paddle_det.py on Debian's
/// cv2 4.6, shapely 1.8 / GEOS, pyclipper 1.2.1, NumPy): the round offset vertex for vertex on seeded random polygons; GEOS
/// area and length bit for bit; the pre-processing bit for bit on the real text images; the DB post-processing's boxes on
/// the detector's own probability maps of those images.
/// </summary>
public sealed class DbPostProcessTests(ITestOutputHelper output, TextImages images) : IClassFixture<TextImages>
{
    private static JsonObject Oracle(JsonObject jobs)
    {
        string dir = Directory.CreateTempSubdirectory("sysnoise-paddle-").FullName;
        try
        {
            string input = Path.Combine(dir, "jobs.json"), result = Path.Combine(dir, "out.json");
            File.WriteAllText(input, jobs.ToJsonString());
            PythonOracle.Run(PythonOracle.Script("paddle_det.py"), input, result);
            return JsonNode.Parse(File.ReadAllText(result))!.AsObject();
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>Float32 corners the way DB produces them: a rotated rectangle's cv2.boxPoints, or a random convex quad.</summary>
    private static Point2f[] RandomBox(Random rng)
    {
        double cx = (rng.NextDouble() * 1200) - 100, cy = (rng.NextDouble() * 900) - 100;
        return rng.Next(4) switch
        {
            0 => Cv2.BoxPoints(new RotatedRect(new Point2f((float)cx, (float)cy), new Size2f(3 + (rng.NextDouble() * 400), 3 + (rng.NextDouble() * 60)), (float)(rng.NextDouble() * 180) - 90)),
            1 => Cv2.BoxPoints(new RotatedRect(new Point2f((int)cx, (int)cy), new Size2f(rng.Next(3, 300), rng.Next(3, 40)), 0)),
            2 => Cv2.BoxPoints(new RotatedRect(new Point2f((float)cx, (float)cy), new Size2f(3 + (rng.NextDouble() * 8), 3 + (rng.NextDouble() * 8)), (float)(rng.NextDouble() * 360))),
            _ => ConvexQuad(rng, cx, cy),
        };

        static Point2f[] ConvexQuad(Random rng, double cx, double cy)
        {
            // Four points on an ellipse, at least 0.4 rad apart: a convex quadrilateral with no sliver corner (DB offsets
            // rectangles of short side >= 3; Clipper's union drops slivers such as a 1-pixel-area triangle 19 pixels long,
            // which this model does not reproduce).
            double[] weights = [.. Enumerable.Range(0, 4).Select(_ => rng.NextDouble() + 0.05)];
            double start = rng.NextDouble() * Math.PI * 2, at = 0;
            double[] angles = [.. weights.Select(w => { double a = start + at; at += 0.4 + (w / weights.Sum() * ((Math.PI * 2) - 1.6)); return a; })];
            double rx = 5 + (rng.NextDouble() * 80), ry = 5 + (rng.NextDouble() * 80);
            return [.. angles.Select(a => new Point2f((float)(cx + (rx * Math.Cos(a))), (float)(cy + (ry * Math.Sin(a)))))];
        }
    }

    [Fact]
    public void RoundOffsetMatchesPyclipperVertexForVertex()
    {
        int seed = RandomImages.RunSeed;
        output.WriteLine($"seed {seed} (SYSNOISE_SEED={seed} replays)");
        var rng = new Random(seed);
        const int Cases = 3000;
        var boxes = new List<Point2f[]>();
        var deltas = new List<double>();
        var jobs = new JsonArray();
        for (int i = 0; i < Cases; i++)
        {
            Point2f[] box = RandomBox(rng);
            // Half the cases use unclip's own distance (ratio 1.5 or 2.0); the rest any distance from 0.05 to 60.
            double delta = rng.Next(2) == 0
                ? DbPostProcess.GeosArea(box) * (rng.Next(2) == 0 ? 1.5 : 2.0) / DbPostProcess.GeosLength(box)
                : 0.05 + (rng.NextDouble() * 60);
            if (!(delta > 0))
            {
                delta = 1;
            }

            boxes.Add(box);
            deltas.Add(delta);
            jobs.Add(new JsonObject
            {
                ["path"] = new JsonArray([.. box.Select(p => (JsonNode)new JsonArray((double)p.X, (double)p.Y))]),
                ["delta"] = delta,
            });
        }

        JsonArray expected = Oracle(new JsonObject { ["offset"] = jobs })["offset"]!.AsArray();
        int vertices = 0, empty = 0, concave = 0;
        for (int i = 0; i < Cases; i++)
        {
            IntPoint[] path = [.. boxes[i].Select(p => new IntPoint((long)p.X, (long)p.Y))];
            if (!RoundOffset.IsConvex(path))
            {
                // Truncating the corners to integers can dent a thin random quad; DB's rectangles of short side >= 3 never are.
                Assert.Throws<ArgumentException>(() => RoundOffset.ClosedPolygon(path, deltas[i]));
                concave++;
                continue;
            }

            List<IntPoint> ours = RoundOffset.ClosedPolygon(path, deltas[i]);
            JsonArray paths = expected[i]!.AsArray();
            string Case() => $"case {i}: corners {string.Join(" ", boxes[i].Select(p => FormattableString.Invariant($"({p.X:R},{p.Y:R})")))} delta {deltas[i].ToString("R", CultureInfo.InvariantCulture)}; pyclipper {paths.ToJsonString()}; ours [{string.Join(",", ours.Select(p => $"[{p.X},{p.Y}]"))}]";
            if (paths.Count == 0)
            {
                Assert.True(ours.Count == 0, Case());
                empty++;
                continue;
            }

            Assert.True(paths.Count == 1, Case());
            IntPoint[] theirs = [.. paths[0]!.AsArray().Select(p => new IntPoint((long)p![0]!, (long)p[1]!))];
            Assert.True(SameCycle(ours, theirs), Case());
            vertices += theirs.Length;
        }

        Assert.True(concave < Cases / 20, $"{concave} of {Cases} inputs were concave after truncation: the generator no longer tests the offset");
        output.WriteLine($"{Cases - concave} offsets identical to pyclipper's ({vertices} vertices, {empty} degenerate inputs with no polygon); {concave} dented by truncation refused");
    }

    /// <summary>The same vertices in the same cyclic order (any starting vertex).</summary>
    private static bool SameCycle(IReadOnlyList<IntPoint> a, IReadOnlyList<IntPoint> b)
    {
        if (a.Count != b.Count)
        {
            return false;
        }

        for (int shift = 0; shift < a.Count; shift++)
        {
            if (Enumerable.Range(0, a.Count).All(i => a[(i + shift) % a.Count] == b[i]))
            {
                return true;
            }
        }

        return false;
    }

    [Fact]
    public void GeosAreaAndLengthMatchShapelyBitForBit()
    {
        int seed = RandomImages.RunSeed ^ 0x5eed;
        output.WriteLine($"seed {RandomImages.RunSeed} (SYSNOISE_SEED={RandomImages.RunSeed} replays)");
        var rng = new Random(seed);
        Point2f[][] boxes = [.. Enumerable.Range(0, 1000).Select(_ => RandomBox(rng))];
        var jobs = new JsonArray([.. boxes.Select(b => (JsonNode)new JsonArray([.. b.Select(p => (JsonNode)new JsonArray((double)p.X, (double)p.Y))]))]);
        JsonArray expected = Oracle(new JsonObject { ["geos"] = jobs })["geos"]!.AsArray();
        for (int i = 0; i < boxes.Length; i++)
        {
            double area = (double)expected[i]!["area"]!, length = (double)expected[i]!["length"]!;
            Assert.True(area == DbPostProcess.GeosArea(boxes[i]) && length == DbPostProcess.GeosLength(boxes[i]),
                $"box {i}: shapely area {area:R} length {length:R}, ours {DbPostProcess.GeosArea(boxes[i]):R} {DbPostProcess.GeosLength(boxes[i]):R}");
        }

        output.WriteLine($"{boxes.Length} polygons: area and length identical to shapely's");
    }

    [Fact]
    public void PreprocessingMatchesPaddleOcrBitForBit()
    {
        string dir = Directory.CreateTempSubdirectory("sysnoise-paddle-pre-").FullName;
        try
        {
            var jobs = new JsonArray([.. images.Files.Select((f, i) => (JsonNode)new JsonObject { ["image"] = f, ["out"] = Path.Combine(dir, $"{i}.npy") })]);
            Oracle(new JsonObject { ["preprocess"] = jobs });
            var pre = new Runtime.Pipeline.Preprocessor(TextImages.Profile);
            for (int i = 0; i < images.Files.Count; i++)
            {
                var expected = (Tensor<float>)NpyFormat.Read(Path.Combine(dir, $"{i}.npy"));
                Tensor<float> ours = pre.Run(File.ReadAllBytes(images.Files[i]), images.Files[i]);
                Assert.Equal(expected.Shape, ours.Shape);
                int differing = Enumerable.Range(0, ours.Data.Length).Count(k => BitConverter.SingleToInt32Bits(ours.Data[k]) != BitConverter.SingleToInt32Bits(expected.Data[k]));
                Assert.True(differing == 0, $"{Path.GetFileName(images.Files[i])}: {differing} of {ours.Data.Length} values differ from PaddleOCR's pre-processing");
                output.WriteLine($"{Path.GetFileName(images.Files[i])}: {string.Join("x", ours.Shape)} identical");
            }
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    public static TheoryData<string> Settings => ["default", "slow", "dilation", "low-thresholds"];

    private static (DbSettings Ours, JsonObject Theirs) Setting(string name)
    {
        DbSettings s = name switch
        {
            "default" => new DbSettings(),
            "slow" => new DbSettings { ScoreMode = DbScoreMode.Slow },
            "dilation" => new DbSettings { Dilation = true },
            // More, smaller and fainter regions: thresholds down, DBPostProcess's class default unclip ratio.
            "low-thresholds" => new DbSettings { Thresh = 0.1f, BoxThresh = 0.2, UnclipRatio = 2.0 },
            _ => throw new ArgumentException(name),
        };
        return (s, new JsonObject
        {
            // PaddleOCR's thresh is a Python float; NumPy compares the float32 map with it in float32, as DbSettings does.
            ["thresh"] = (double)(decimal)s.Thresh,
            ["box_thresh"] = s.BoxThresh,
            ["max_candidates"] = s.MaxCandidates,
            ["unclip_ratio"] = s.UnclipRatio,
            ["score_mode"] = s.ScoreMode == DbScoreMode.Fast ? "fast" : "slow",
            ["use_dilation"] = s.Dilation,
        });
    }

    /// <summary>
    /// The boxes equal PaddleOCR's exactly (every corner, the order of boxes) and scores agree to 1e-12 (cv2.mean in OpenCV
    /// 4.6 vs 4.13: the measured gap is printed).
    /// </summary>
    [Theory]
    [MemberData(nameof(Settings))]
    public void DbPostProcessingMatchesPaddleOcr(string setting)
    {
        (DbSettings ours, JsonObject theirs) = Setting(setting);
        string dir = Directory.CreateTempSubdirectory("sysnoise-paddle-db-").FullName;
        try
        {
            var jobs = new JsonArray();
            for (int i = 0; i < images.Maps.Count; i++)
            {
                DetectorMap m = images.Maps[i];
                string npy = Path.Combine(dir, $"{i}.npy");
                NpyFormat.Write(npy, new Tensor<float>(m.Prob, m.Height, m.Width));
                JsonObject job = theirs.DeepClone().AsObject();
                job["map"] = npy;
                job["src_h"] = m.SourceHeight;
                job["src_w"] = m.SourceWidth;
                jobs.Add(job);
            }

            JsonArray expected = Oracle(new JsonObject { ["db"] = jobs })["db"]!.AsArray();
            int total = 0;
            double maxScoreGap = 0;
            for (int i = 0; i < images.Maps.Count; i++)
            {
                DetectorMap m = images.Maps[i];
                DbResult r = DbPostProcess.Run(m.Prob, m.Height, m.Width, m.SourceHeight, m.SourceWidth, ours);
                JsonArray boxes = expected[i]!["boxes"]!.AsArray();
                string name = Path.GetFileName(m.File);
                Assert.Equal((int)expected[i]!["bitmap_sum"]!, r.Bitmap.Count(b => b != 0));
                string Ours() => string.Join("; ", r.Boxes.Select(b => $"[{string.Join(",", b.Quad)}] {b.Score:R}"));
                Assert.True(boxes.Count == r.Boxes.Count, $"{name} ({setting}): PaddleOCR {boxes.Count} boxes {boxes.ToJsonString()}, ours {r.Boxes.Count}: {Ours()}");
                for (int b = 0; b < boxes.Count; b++)
                {
                    int[] quad = [.. boxes[b]!["quad"]!.AsArray().Select(v => (int)v!)];
                    double score = (double)boxes[b]!["score"]!;
                    Assert.True(quad.SequenceEqual(r.Boxes[b].Quad), $"{name} ({setting}) box {b}: PaddleOCR [{string.Join(",", quad)}], ours [{string.Join(",", r.Boxes[b].Quad)}]");
                    double gap = Math.Abs(score - r.Boxes[b].Score);
                    maxScoreGap = Math.Max(maxScoreGap, gap);
                    Assert.True(gap <= 1e-12, $"{name} ({setting}) box {b}: score {r.Boxes[b].Score:R} vs PaddleOCR {score:R}");
                }

                total += boxes.Count;
                output.WriteLine($"{name} {m.SourceWidth}x{m.SourceHeight} (map {m.Width}x{m.Height}): {boxes.Count} boxes identical");
            }

            Assert.True(total > 0, "no text found at all: the check would be empty");
            output.WriteLine($"{setting} ({ours}): {total} boxes over {images.Maps.Count} images identical to PaddleOCR's; largest score gap {maxScoreGap:G3}");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
