using System.Text.Json;
using SysNoise.Kernels.Post;
using SysNoise.Runtime.Devices;
using SysNoise.Runtime.IO;
using SysNoise.Runtime.Post;
using SysNoise.Runtime.Tensors;
using SysNoise.Tests.Cli;
using SysNoise.Tests.Support;

namespace SysNoise.Tests.Post;

/// <summary><c>sysnoise nms</c>, <c>sysnoise box-decode</c> and <c>variants --stage post</c> as a user runs them: a separate process, real exit codes.</summary>
public sealed class PostCliTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("sysnoise-post-cli-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    private string P(string name) => Path.Combine(dir, name);

    [Fact]
    public void NmsWritesTheKeptIndicesAsInt64()
    {
        var rng = new Random(11);
        NmsCase nc = PostCases.Nms(rng, maxBoxes: 300, batched: true, minBoxes: 200);
        NpyFormat.Write(P("boxes.npy"), new Tensor<float>(nc.Boxes, nc.Count, 4));
        NpyFormat.Write(P("scores.npy"), new Tensor<float>(nc.Scores, nc.Count));
        NpyFormat.Write(P("classes.npy"), new Tensor<long>(nc.Classes, nc.Count));
        foreach (int offset in new[] { 0, 1 })
        {
            NmsVariant variant = PostVariants.NmsForOffset(offset);
            (int code, string stdout, string stderr) = CliTests.Run("nms", "--iou", "0.45", "--offset", offset.ToString(), "--device", "host", P("boxes.npy"), P("scores.npy"), P("keep.npy"));
            Assert.True(code == 0, stderr);
            Assert.Contains(variant.Name, stdout, StringComparison.Ordinal);
            var written = (Tensor<long>)NpyFormat.Read(P("keep.npy"));
            Assert.Equal(PostProcessing.Nms(HostDevice.Shared, variant, nc.Boxes, nc.Scores, 0.45), written.Data);
            Assert.Equal(1, written.Rank);

            // Score threshold, top-k and classes.
            (code, _, stderr) = CliTests.Run("nms", "--iou", "0.45", "--offset", offset.ToString(), "--score-threshold", "0.25", "--top-k", "7", "--classes", P("classes.npy"), "--device", "host", P("boxes.npy"), P("scores.npy"), P("keep.npy"));
            Assert.True(code == 0, stderr);
            long[] expected = PostProcessing.BatchedNms(HostDevice.Shared, variant, nc.Boxes, nc.Scores, nc.Classes, 0.45, new NmsFilter { ScoreThreshold = 0.25f, TopK = 7 });
            Assert.Equal(expected, ((Tensor<long>)NpyFormat.Read(P("keep.npy"))).Data);
            Assert.True(expected.Length <= 7);
            Assert.All(expected, i => Assert.True(nc.Scores[i] > 0.25f));
        }
    }

    [Fact]
    public void ScoreThresholdAndTopKFilterAsDocumented()
    {
        // Three disjoint boxes: nothing is suppressed, so the filters alone decide.
        float[] boxes = [0, 0, 10, 10, 20, 0, 30, 10, 40, 0, 50, 10];
        float[] scores = [0.5f, 0.9f, 0.7f];
        NmsVariant v = PostVariants.GetNms("torchvision-nms");
        Assert.Equal([1L, 2L, 0L], PostProcessing.Nms(HostDevice.Shared, v, boxes, scores, 0.5));
        Assert.Equal([1L, 2L], PostProcessing.Nms(HostDevice.Shared, v, boxes, scores, 0.5, new NmsFilter { ScoreThreshold = 0.5f })); // strict >
        Assert.Equal([1L], PostProcessing.Nms(HostDevice.Shared, v, boxes, scores, 0.5, new NmsFilter { TopK = 1 }));
        Assert.Empty(PostProcessing.Nms(HostDevice.Shared, v, [], [], 0.5));
    }

    [Fact]
    public void BoxDecodeWritesTheConventionsBoxes()
    {
        var rng = new Random(12);
        foreach (BoxConvention convention in PostVariants.BoxConventions)
        {
            DecodeCase dc = PostCases.Decode(rng, convention, BoxArithmetic.Float64, maxAnchors: 30);
            dc = dc with { Anchors = dc.Count == 0 ? [0, 0, 4, 4] : dc.Anchors, Deltas = dc.Count == 0 ? new float[4 * dc.Classes] : dc.Deltas };
            NpyFormat.Write(P("anchors.npy"), new Tensor<float>(dc.Anchors, dc.Count, 4));
            NpyFormat.Write(P("deltas.npy"), new Tensor<float>(dc.Deltas, dc.Count, 4 * dc.Classes));
            foreach (string arithmetic in new[] { "float64", "float32" })
            {
                var options = dc.Options with { Weights = convention.HasWeights ? (10, 10, 5, 5) : null, ClipTo = (640, 480), Clamp = 3.5, Arithmetic = arithmetic == "float64" ? BoxArithmetic.Float64 : BoxArithmetic.Float32Torch };
                var args = new List<string> { "box-decode", "--convention", convention.Name, "--offset", options.Offset!.Value.ToString(), "--clip", "640x480", "--clamp", "3.5", "--arithmetic", arithmetic, "--device", "host" };
                if (convention.HasWeights)
                {
                    args.AddRange(["--weights", "10,10,5,5"]);
                }

                if (convention.HasMeansStds)
                {
                    var m = options.Means!.Value;
                    var s = options.Stds!.Value;
                    args.AddRange(["--means", FormattableString.Invariant($"{m.X:R},{m.Y:R},{m.W:R},{m.H:R}"), "--stds", FormattableString.Invariant($"{s.X:R},{s.Y:R},{s.W:R},{s.H:R}")]);
                }

                args.AddRange([P("anchors.npy"), P("deltas.npy"), P("out.npy")]);
                (int code, string stdout, string stderr) = CliTests.Run([.. args]);
                Assert.True(code == 0, $"{convention.Name}: {stderr}");
                Assert.Contains(convention.Name, stdout, StringComparison.Ordinal);
                var written = (Tensor<float>)NpyFormat.Read(P("out.npy"));
                Assert.Equal([dc.Count, 4 * dc.Classes], written.Shape);
                Assert.Equal(PostProcessing.DecodeBoxes(HostDevice.Shared, convention.Spec(options), dc.Anchors, dc.Deltas), written.Data);
            }
        }
    }

    [Fact]
    public void VariantsListsThePostStage()
    {
        (int code, string stdout, _) = CliTests.Run("variants", "--stage", "post");
        Assert.Equal(0, code);
        foreach (string name in new[] { "paper", "detectron", "mmdet1", "mmdet2-legacy", "mmdet2", "torchvision", "torchvision-nms", "mmcv-nms-offset1", "softmax-fp32", "softmax-fp16-plain" })
        {
            Assert.Contains(name, stdout, StringComparison.Ordinal);
        }

        Assert.DoesNotContain("pillow-bilinear", stdout, StringComparison.Ordinal);
        (code, stdout, _) = CliTests.Run("variants", "--stage", "postprocess", "--json");
        Assert.Equal(0, code);
        using JsonDocument json = JsonDocument.Parse(stdout);
        Assert.Equal(PostVariants.All.Count(), json.RootElement.GetArrayLength());
    }

    [Fact]
    public void PostVerbsHaveHelp()
    {
        foreach (string verb in new[] { "nms", "box-decode" })
        {
            (int code, string stdout, _) = CliTests.Run(verb, "--help");
            Assert.Equal(0, code);
            Assert.Contains("Usage:", stdout, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("boxes3.npy: expected boxes as an N×4 float32 array, got shape (5, 3)", "nms", "--iou", "0.5", "BOXES3", "SCORES", "OUT")]
    [InlineData("boxes64.npy: dtype float64 is not supported; boxes must be float32", "nms", "--iou", "0.5", "BOXES64", "SCORES", "OUT")]
    [InlineData("scores6.npy: 6 scores for 5 boxes in", "nms", "--iou", "0.5", "BOXES", "SCORES6", "OUT")]
    [InlineData("scores2d.npy: expected scores as a 1-D float32 array of N values, got shape (5, 1)", "nms", "--iou", "0.5", "BOXES", "SCORES2D", "OUT")]
    [InlineData("classes.npy: dtype float32 is not supported; class indices must be int64", "nms", "--iou", "0.5", "--classes", "CLASSESF", "BOXES", "SCORES", "OUT")]
    [InlineData("missing.npy: no such file", "nms", "--iou", "0.5", "MISSING", "SCORES", "OUT")]
    [InlineData("--offset must be 0 or 1, got 2", "nms", "--iou", "0.5", "--offset", "2", "BOXES", "SCORES", "OUT")]
    [InlineData("box convention 'paper' needs an offset", "box-decode", "--convention", "paper", "BOXES", "DELTAS", "OUT")]
    [InlineData("box convention 'torchvision' fixes the offset at 0", "box-decode", "--convention", "torchvision", "--offset", "1", "BOXES", "DELTAS", "OUT")]
    [InlineData("box convention 'mmdet2' has no weights", "box-decode", "--convention", "mmdet2", "--weights", "1,1,1,1", "BOXES", "DELTAS", "OUT")]
    [InlineData("unknown box convention 'bogus'. Valid: paper, detectron,", "box-decode", "--convention", "bogus", "BOXES", "DELTAS", "OUT")]
    [InlineData("deltas7.npy: 7 rows of deltas for 5 anchors in", "box-decode", "--convention", "torchvision", "BOXES", "DELTAS7", "OUT")]
    [InlineData("deltas6.npy: expected deltas as an N×4K (K ≥ 1) float32 array, got shape (5, 6)", "box-decode", "--convention", "torchvision", "BOXES", "DELTAS6", "OUT")]
    [InlineData("bad --weights '1,2': expected four comma-separated numbers", "box-decode", "--convention", "torchvision", "--weights", "1,2", "BOXES", "DELTAS", "OUT")]
    [InlineData("unknown arithmetic 'float16'. Valid: float64, float32", "box-decode", "--convention", "torchvision", "--arithmetic", "float16", "BOXES", "DELTAS", "OUT")]
    public void ErrorsAreOneLineNamingTheFile(string message, params string[] args)
    {
        NpyFormat.Write(P("boxes.npy"), new Tensor<float>(new float[20], 5, 4));
        NpyFormat.Write(P("boxes3.npy"), new Tensor<float>(new float[15], 5, 3));
        NpyFormat.Write(P("boxes64.npy"), new Tensor<double>(new double[20], 5, 4));
        NpyFormat.Write(P("scores.npy"), new Tensor<float>(new float[5], 5));
        NpyFormat.Write(P("scores6.npy"), new Tensor<float>(new float[6], 6));
        NpyFormat.Write(P("scores2d.npy"), new Tensor<float>(new float[5], 5, 1));
        NpyFormat.Write(P("classes.npy"), new Tensor<float>(new float[5], 5));
        NpyFormat.Write(P("deltas.npy"), new Tensor<float>(new float[20], 5, 4));
        NpyFormat.Write(P("deltas7.npy"), new Tensor<float>(new float[28], 7, 4));
        NpyFormat.Write(P("deltas6.npy"), new Tensor<float>(new float[30], 5, 6));
        var map = new Dictionary<string, string>
        {
            ["BOXES"] = P("boxes.npy"), ["BOXES3"] = P("boxes3.npy"), ["BOXES64"] = P("boxes64.npy"), ["SCORES"] = P("scores.npy"),
            ["SCORES6"] = P("scores6.npy"), ["SCORES2D"] = P("scores2d.npy"), ["CLASSESF"] = P("classes.npy"), ["DELTAS"] = P("deltas.npy"),
            ["DELTAS7"] = P("deltas7.npy"), ["DELTAS6"] = P("deltas6.npy"), ["MISSING"] = P("missing.npy"), ["OUT"] = P("out.npy"),
        };
        (int code, string stdout, string stderr) = CliTests.Run(args.Select(a => map.GetValueOrDefault(a, a)).ToArray());
        Assert.Equal(2, code);
        Assert.Equal(string.Empty, stdout);
        string[] lines = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(lines);
        Assert.Contains(message, lines[0], StringComparison.Ordinal);
        Assert.StartsWith("sysnoise: error: ", lines[0], StringComparison.Ordinal);
        Assert.False(File.Exists(P("out.npy")));
    }

    [Fact]
    public void MissingIouIsAParseError()
    {
        NpyFormat.Write(P("boxes.npy"), new Tensor<float>(new float[4], 1, 4));
        NpyFormat.Write(P("scores.npy"), new Tensor<float>(new float[1], 1));
        (int code, _, string stderr) = CliTests.Run("nms", P("boxes.npy"), P("scores.npy"), P("out.npy"));
        Assert.Equal(2, code);
        Assert.Contains("--iou", stderr, StringComparison.Ordinal);
    }
}
