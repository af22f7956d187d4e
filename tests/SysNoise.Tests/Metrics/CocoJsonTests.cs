using System.Text.Json;
using SysNoise.Runtime.Metrics;
using SysNoise.Tests.Cli;

namespace SysNoise.Tests.Metrics;

/// <summary>COCO JSON reading and the <c>sysnoise coco-eval</c> verb run as a separate process.</summary>
public sealed class CocoJsonTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("sysnoise-cocojson-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    [Fact]
    public void ReadsCocoFilesAndIgnoresTheIgnoreField()
    {
        // "ignore": 1 has no effect in pycocotools (_prepare overwrites it with iscrowd): the object still counts.
        string gt = Write("gt.json", """
            {"images": [{"id": 1, "file_name": "a.jpg"}], "categories": [{"id": 3, "name": "cat"}],
             "annotations": [{"id": 5, "image_id": 1, "category_id": 3, "bbox": [0, 0, 10, 10], "area": 100.0, "iscrowd": 0, "ignore": 1, "segmentation": []}]}
            """);
        string dt = Write("dt.json", """[{"image_id": 1, "category_id": 3, "bbox": [0, 0, 10, 6.4], "score": 0.9, "id": 77}]""");
        CocoGroundTruth truth = CocoGroundTruth.Load(gt);
        Assert.Equal("cat", truth.Categories[0].Name);
        Assert.Equal(new CocoBox(0, 0, 10, 10), truth.Annotations[0].Box);
        IReadOnlyList<CocoDetection> dets = CocoDetections.Load(dt);
        Assert.Equal(0.3, CocoEvaluator.Evaluate(truth, dets).Summarize()[0].Value, 12); // IoU 0.64: 3 of 10 thresholds
    }

    [Theory]
    [InlineData("""[1, 2]""", "a COCO ground-truth file is a JSON object")]
    [InlineData("""{"images": [], "categories": []}""", "missing \"annotations\" array")]
    [InlineData("""{"images": [{"id": 1}], "categories": [{"id": 1}], "annotations": [{"id": 1, "image_id": 1, "category_id": 1, "bbox": [0, 0, 1, 1]}]}""", "annotations[0]: missing numeric \"area\"")]
    [InlineData("""{"images": [{"id": 1}], "categories": [{"id": 1}], "annotations": [{"id": 1, "image_id": 1, "category_id": 1, "bbox": [0, 0, 1], "area": 1}]}""", "annotations[0]: \"bbox\" must be")]
    [InlineData("""{"images": [{"id": 1}], "categories": [{"id": 1}], "annotations": [{"id": 1, "image_id": 1, "category_id": 1, "bbox": [0, 0, 1, 1], "area": 1}, {"id": 1, "image_id": 1, "category_id": 1, "bbox": [0, 0, 1, 1], "area": 1}]}""", "annotation id 1 appears more than once")]
    [InlineData("""{"images": [{"id": "x"}], "categories": [], "annotations": []}""", "images[0]: missing integer \"id\"")]
    [InlineData("""{"images": [{"id": 1}], "categories": [{"id": 1}], "annotations": [{"id": 1, "image_id": 1, "category_id": 1, "bbox": [0, 0, 1, 1], "area": 1, "iscrowd": 2}]}""", "\"iscrowd\" must be 0 or 1")]
    [InlineData("""{"images": [""", "not valid JSON")]
    public void BadGroundTruthIsAnErrorNamingTheFileAndEntry(string json, string message)
    {
        string path = Write("bad.json", json);
        var ex = Assert.Throws<InvalidDataException>(() => CocoGroundTruth.Load(path));
        Assert.StartsWith(path, ex.Message, StringComparison.Ordinal);
        Assert.Contains(message, ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"annotations": []}""", "a COCO detections file is a JSON array")]
    [InlineData("""[{"image_id": 1, "category_id": 1, "bbox": [0, 0, 1, 1]}]""", "[0]: missing finite numeric \"score\"")]
    [InlineData("""[{"image_id": 1, "category_id": 1, "bbox": [0, 0, 1, 1], "score": 1}, {"image_id": 1, "bbox": [0, 0, 1, 1], "score": 1}]""", "[1]: missing integer \"category_id\"")]
    public void BadDetectionsAreAnErrorNamingTheFileAndEntry(string json, string message)
    {
        string path = Write("bad-dt.json", json);
        var ex = Assert.Throws<InvalidDataException>(() => CocoDetections.Load(path));
        Assert.StartsWith(path, ex.Message, StringComparison.Ordinal);
        Assert.Contains(message, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void CocoEvalVerbPrintsTheTwelveLinesAndWritesJson()
    {
        var c = new CocoCases().Image(1, 2).Category(1, 2)
            .Gt(1, 1, 0, 0, 10, 10).Gt(1, 1, 50, 50, 10, 10).Gt(2, 2, 0, 0, 100, 100)
            .Dt(1, 1, 0, 0, 10, 10, 0.9).Dt(1, 1, 100, 100, 10, 10, 0.8).Dt(1, 1, 50, 50, 10, 10, 0.7).Dt(2, 2, 0, 0, 100, 82, 0.6).Dt(2, 9, 0, 0, 5, 5, 0.5);
        string gt = Path.Combine(dir, "gt.json"), dt = Path.Combine(dir, "dt.json"), outJson = Path.Combine(dir, "out.json");
        c.WriteJson(gt, dt);
        (int code, string stdout, string stderr) = CliTests.Run("coco-eval", "--gt", gt, "--dt", dt, "--json", outJson);
        Assert.True(code == 0, stderr);
        string[] lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(12, lines.Length);
        string[] expected = [.. c.Evaluate().Summarize().Select(s => s.Line)];
        Assert.Equal(expected, lines);
        Assert.StartsWith(" Average Precision  (AP) @[ IoU=0.50:0.95 | area=   all | maxDets=100 ] = ", lines[0], StringComparison.Ordinal);
        Assert.Contains("1 detection(s)", stderr, StringComparison.Ordinal); // the category 9 detection

        using JsonDocument json = JsonDocument.Parse(File.ReadAllText(outJson));
        Assert.Equal(12, json.RootElement.GetProperty("stats").EnumerateObject().Count());
        Assert.Equal(c.Stat("AP"), json.RootElement.GetProperty("stats").GetProperty("AP").GetDouble());
        Assert.Equal(2, json.RootElement.GetProperty("per_category").GetArrayLength());
    }

    [Fact]
    public void CocoEvalVerbErrorsNameTheFile()
    {
        string gt = Write("gt.json", """{"images": [{"id": 1}], "categories": [{"id": 1}], "annotations": []}""");
        string dt = Write("dt.json", """[{"image_id": 2, "category_id": 1, "bbox": [0, 0, 1, 1], "score": 1}]""");
        (int code, _, string stderr) = CliTests.Run("coco-eval", "--gt", gt, "--dt", dt);
        Assert.Equal(2, code);
        Assert.Contains(dt, stderr, StringComparison.Ordinal);
        Assert.Contains("image_id 2", stderr, StringComparison.Ordinal);
        Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));

        string missing = Path.Combine(dir, "nope.json");
        (code, _, stderr) = CliTests.Run("coco-eval", "--gt", missing, "--dt", dt);
        Assert.Equal(2, code);
        Assert.Contains(missing, stderr, StringComparison.Ordinal);
    }

    private string Write(string name, string text)
    {
        string path = Path.Combine(dir, name);
        File.WriteAllText(path, text);
        return path;
    }
}
