using SysNoise.Runtime.Bench;
using SysNoise.Runtime.Dense;
using SysNoise.Runtime.IO;
using SysNoise.Runtime.Model.Execution;
using SysNoise.Runtime.Model.Onnx;
using SysNoise.Runtime.Pipeline;
using SysNoise.Runtime.Profiles;
using SysNoise.Runtime.Tensors;
using SysNoise.Tests.Cli;
using SysNoise.Tests.Model;
using Xunit.Abstractions;

namespace SysNoise.Tests.Dense;

/// <summary>
/// <c>sysnoise bench --task detect|segment</c> end to end on the real text images (a CI-sized subset: two images, a few
/// noise types): two runs give byte-identical CSVs, a run resumed from a journal cut mid-record gives the same CSV, the
/// columns are the documented ones; segmentation with the detector as a 1-class model and with a tiny generated model
/// against label maps.
/// </summary>
public sealed class DenseBenchTests(ITestOutputHelper output, TextImages images) : IClassFixture<TextImages>
{
    /// <summary>Two of the real images with text the detector finds (rendered and scanned), copied to a folder of their own.</summary>
    private string Subset()
    {
        string dir = Directory.CreateTempSubdirectory("sysnoise-text-subset-").FullName;
        foreach (string name in new[] { "opencv_imageTextN.jpg", "skimage_page.jpg" })
        {
            File.Copy(Path.Combine(images.Dir, name), Path.Combine(dir, name));
        }

        return dir;
    }

    private static BenchOptions Detect(string data, string outDir, params string[] noises) => new()
    {
        Models = [TextImages.ModelPath],
        Data = data,
        Train = TextImages.Profile,
        Noises = noises,
        Out = outDir,
        Task = BenchTask.Detect,
    };

    private static string RunToCsv(BenchOptions o)
    {
        DenseResult r = new DenseBenchRunner(o).Run();
        DenseReport.WriteAll(r, o.Out);
        return File.ReadAllText(Path.Combine(o.Out, "results.csv"));
    }

    [Fact]
    public void DetectTwoRunsGiveByteIdenticalCsvAndAResumedRunTheSame()
    {
        string data = Subset();
        string a = Directory.CreateTempSubdirectory("sysnoise-dense-a-").FullName;
        string b = Directory.CreateTempSubdirectory("sysnoise-dense-b-").FullName;
        try
        {
            string[] noises = ["upsample", "post", "combined"];
            string first = RunToCsv(Detect(data, a, noises));
            string second = RunToCsv(Detect(data, b, noises));
            Assert.Equal(first, second);
            string[] lines = first.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.Equal("model,noise,variant,f1,delta_f1,mean_iou,mask_iou,images", lines[0]);
            string model = Path.GetFileNameWithoutExtension(TextImages.ModelPath);
            Assert.Contains($"{model},none,paddleocr-det,1.0000,0.0000,1.0000,1.0000,2", lines);
            foreach (string row in new[] { "upsample,linear,", "post,score-slow,", "post,dilation,", "post,uint8-threshold,", "post,cpp-rescale,", "post,class-defaults,", "combined,", "step," })
            {
                Assert.Contains(lines, l => l.StartsWith($"{model},{row}", StringComparison.Ordinal));
            }

            // Upsampling through linear instead of nearest changes the map: the binarised masks no longer agree exactly.
            string linear = lines.Single(l => l.StartsWith($"{model},upsample,linear,", StringComparison.Ordinal));
            Assert.True(double.Parse(linear.Split(',')[6], System.Globalization.CultureInfo.InvariantCulture) < 1, linear);

            string journal = Path.Combine(b, "journal.jsonl");
            string[] records = File.ReadAllLines(journal);
            int keep = Math.Min(3, records.Length - 1);
            File.WriteAllText(journal, string.Join("\n", records.Take(1 + keep)) + "\n" + records[^1][..(records[^1].Length / 2)]);
            File.Delete(Path.Combine(b, "results.csv"));
            DenseResult resumed = new DenseBenchRunner(Detect(data, b, noises)).Run();
            Assert.Equal(keep, resumed.ResumedEvaluations);
            DenseReport.WriteAll(resumed, b);
            Assert.Equal(first, File.ReadAllText(Path.Combine(b, "results.csv")));
            output.WriteLine($"{lines.Length - 1} rows; identical across two runs and after resuming from {keep} journaled evaluations");
            output.WriteLine(File.ReadAllText(Path.Combine(a, "report.md")));
        }
        finally
        {
            foreach (string d in new[] { data, a, b })
            {
                Directory.Delete(d, recursive: true);
            }
        }
    }

    [Fact]
    public void DetectThroughTheCliPrintsTheTable()
    {
        string data = Subset();
        string outDir = Directory.CreateTempSubdirectory("sysnoise-dense-cli-").FullName;
        try
        {
            (int code, string stdout, string stderr) = CliTests.Run("bench", "--task", "detect", "--model", TextImages.ModelPath, "--data", data, "--train-profile", "paddleocr-det", "--noises", "post", "--out", outDir);
            Assert.True(code == 0, stderr);
            Assert.Contains("| model | F1 (train) | post mean (max) |", stdout);
            Assert.StartsWith("model,noise,variant,f1,delta_f1,mean_iou,mask_iou,images\n", File.ReadAllText(Path.Combine(outDir, "results.csv")));
            (int bad, _, string err) = CliTests.Run("bench", "--task", "detect", "--model", TextImages.ModelPath, "--data", data, "--train-profile", "paddleocr-det", "--noises", "post,bogus", "--out", outDir);
            Assert.Equal(2, bad);
            Assert.Contains("unknown noise type(s) bogus", err);
            output.WriteLine(stdout);
        }
        finally
        {
            Directory.Delete(data, recursive: true);
            Directory.Delete(outDir, recursive: true);
        }
    }

    /// <summary>
    /// With a COCO ground truth equal to the training pipeline's own boxes (their bounding rectangles, computed here from the
    /// detector's maps), the baseline scores mAP 1 and the post-processing variants score against it.
    /// </summary>
    [Fact]
    public void DetectWithGroundTruthScoresMap()
    {
        string data = Subset();
        string outDir = Directory.CreateTempSubdirectory("sysnoise-dense-gt-").FullName;
        try
        {
            var imagesJson = new System.Text.Json.Nodes.JsonArray();
            var annotations = new System.Text.Json.Nodes.JsonArray();
            int id = 1;
            foreach ((string file, int imageId) in Directory.GetFiles(data, "*.jpg").Order(StringComparer.Ordinal).Select((f, i) => (f, i + 1)))
            {
                DetectorMap m = images.Maps.Single(x => Path.GetFileName(x.File) == Path.GetFileName(file));
                imagesJson.Add(new System.Text.Json.Nodes.JsonObject { ["id"] = imageId, ["file_name"] = Path.GetFileName(file), ["width"] = m.SourceWidth, ["height"] = m.SourceHeight });
                foreach (TextBox b in DbPostProcess.Run(m.Prob, m.Height, m.Width, m.SourceHeight, m.SourceWidth, TextImages.Profile.PostProcess.Db).Boxes)
                {
                    int[] xs = [b.Quad[0], b.Quad[2], b.Quad[4], b.Quad[6]], ys = [b.Quad[1], b.Quad[3], b.Quad[5], b.Quad[7]];
                    int w = xs.Max() - xs.Min(), h = ys.Max() - ys.Min();
                    annotations.Add(new System.Text.Json.Nodes.JsonObject
                    {
                        ["id"] = id++, ["image_id"] = imageId, ["category_id"] = 1, ["iscrowd"] = 0, ["area"] = w * h,
                        ["bbox"] = new System.Text.Json.Nodes.JsonArray(xs.Min(), ys.Min(), w, h),
                    });
                }
            }

            string gt = Path.Combine(outDir, "gt.json");
            File.WriteAllText(gt, new System.Text.Json.Nodes.JsonObject
            {
                ["images"] = imagesJson,
                ["annotations"] = annotations,
                ["categories"] = new System.Text.Json.Nodes.JsonArray(new System.Text.Json.Nodes.JsonObject { ["id"] = 1, ["name"] = "text" }),
            }.ToJsonString());
            DenseResult r = new DenseBenchRunner(Detect(data, outDir, "post") with { GroundTruth = gt }).Run();
            DenseReport.WriteAll(r, outDir);
            Assert.StartsWith("model,noise,variant,map,delta_map,ap50,f1,mean_iou,mask_iou,images\n", File.ReadAllText(Path.Combine(outDir, "results.csv")));
            DenseRow baseline = r.Rows.Single(x => x.Noise == NoiseTypes.None);
            Assert.True(annotations.Count > 5, $"{annotations.Count} ground-truth boxes");
            Assert.Equal(1.0, baseline.Score);
            Assert.Equal(1.0, baseline.Ap50);
            Assert.All(r.Rows.Where(x => x.Noise == NoiseTypes.Post), x => Assert.Equal(1.0 - x.Score!.Value, x.Delta!.Value, 12));
            Assert.Contains(r.Rows, x => x.Noise == NoiseTypes.Post && x.Score < 1);
            output.WriteLine(DenseReport.Markdown(r));
        }
        finally
        {
            Directory.Delete(data, recursive: true);
            Directory.Delete(outDir, recursive: true);
        }
    }

    [Fact]
    public void SegmentWithTheDetectorAsAOneClassModel()
    {
        string data = Subset();
        string outDir = Directory.CreateTempSubdirectory("sysnoise-dense-seg-").FullName;
        try
        {
            BenchOptions o = Detect(data, outDir, "upsample", "post") with { Task = BenchTask.Segment };
            DenseResult r = new DenseBenchRunner(o).Run();
            DenseReport.WriteAll(r, outDir);
            string[] lines = File.ReadAllLines(Path.Combine(outDir, "results.csv"));
            Assert.Equal("model,noise,variant,miou,delta_miou,pixel_agreement,images", lines[0]);
            DenseRow baseline = r.Rows.Single(x => x.Noise == NoiseTypes.None);
            Assert.Equal(1.0, baseline.Score);
            Assert.Equal(1.0, baseline.PixelAgreement);
            DenseRow linear = r.Rows.Single(x => x.Noise == NoiseTypes.Upsample && x.Variant == "linear");
            Assert.True(linear.Score < 1 && linear.PixelAgreement < 1 && linear.PixelAgreement > 0.5, $"{linear}");
            Assert.Contains(r.Rows, x => x.Noise == NoiseTypes.Post && x.Variant == "n/a");
            output.WriteLine(DenseReport.Markdown(r));
        }
        finally
        {
            Directory.Delete(data, recursive: true);
            Directory.Delete(outDir, recursive: true);
        }
    }

    /// <summary>
    /// A generated 3-class model (a 1×1 convolution: class scores are fixed mixes of B, G, R) on 64×64 direct resizes, with
    /// label maps equal to its own argmax under the training pipeline (computed here, independently of the runner): the
    /// baseline scores mIoU 1 against them and each noise row reports mIoU against the labels.
    /// </summary>
    [Fact]
    public void SegmentATinyModelAgainstLabelMaps()
    {
        string data = Subset();
        string labels = Directory.CreateTempSubdirectory("sysnoise-dense-labels-").FullName;
        string outDir = Directory.CreateTempSubdirectory("sysnoise-dense-tiny-").FullName;
        try
        {
            float[] weights = [1, -1, 0, 0, 1, -1, -1, 0, 1];
            byte[] bytes = TinyOnnx.ModelBytes(
                [new TinyOnnx.Node("Conv", ["x", "w"], ["logits"], "mix", ("kernel_shape", new long[] { 1, 1 }))],
                [new TinyOnnx.Value("x", TinyOnnx.Float, 1, 3, null, null)],
                [new TinyOnnx.Value("logits", TinyOnnx.Float, 1, 3, null, null)],
                [new TinyOnnx.Initializer("w", [3, 3, 1, 1], weights)]);
            string modelPath = Path.Combine(outDir, "tiny_seg.onnx");
            File.WriteAllBytes(modelPath, bytes);
            DeploymentProfile profile = ProfileLoader.Parse("name: tiny-seg\nextends: paddleocr-det\ntransform:\n  mode: direct\n  crop: 64\n", "tiny-seg.yaml");

            var pre = new Preprocessor(profile);
            var session = new OnnxSession(OnnxLoader.Load(modelPath));
            foreach (string file in Directory.GetFiles(data, "*.jpg"))
            {
                Tensor<float> x = pre.Run(File.ReadAllBytes(file), file);
                var logits = (Tensor<float>)session.Run(new Dictionary<string, Tensor> { ["x"] = new Tensor<float>(x.Data, [1, .. x.Shape]) }).Values.First();
                var label = new byte[64 * 64];
                for (int i = 0; i < label.Length; i++)
                {
                    float c0 = logits.Data[i], c1 = logits.Data[4096 + i], c2 = logits.Data[8192 + i];
                    label[i] = c1 > c0 ? (c2 > c1 ? (byte)2 : (byte)1) : c2 > c0 ? (byte)2 : (byte)0;
                }

                ImageFile.WritePng(Path.Combine(labels, Path.GetFileNameWithoutExtension(file) + ".png"), new Tensor<byte>(label, 64, 64, 1));
            }

            BenchOptions o = new()
            {
                Models = [modelPath],
                Data = data,
                Train = profile,
                Noises = ["decode", "resize", "combined"],
                Out = outDir,
                Task = BenchTask.Segment,
                Labels = labels,
            };
            DenseResult r = new DenseBenchRunner(o).Run();
            DenseReport.WriteAll(r, outDir);
            DenseRow baseline = r.Rows.Single(x => x.Noise == NoiseTypes.None);
            Assert.Equal(1.0, baseline.Score);
            Assert.True(r.HasGroundTruth);
            Assert.Contains(r.Rows, x => x.Noise == NoiseTypes.Resize && x.Score < 1);
            Assert.All(r.Rows.Where(x => x.Score is not null), x => Assert.Equal(1.0 - x.Score!.Value, x.Delta!.Value, 12));
            output.WriteLine(DenseReport.Markdown(r));
        }
        finally
        {
            foreach (string d in new[] { data, labels, outDir })
            {
                Directory.Delete(d, recursive: true);
            }
        }
    }

    [Fact]
    public void PaddleProfileValidatesItsNewKeys()
    {
        DeploymentProfile p = TextImages.Profile;
        Assert.Equal(ResizeMode.LimitMax, p.Transform.Mode);
        Assert.Equal(960, p.Transform.LimitSide);
        Assert.Equal(ScaleOp.Multiply, p.Transform.ScaleOp);
        Assert.Equal(new DbSettings(), p.PostProcess.Db);
        var bad = Assert.Throws<ProfileException>(() => ProfileLoader.Parse("name: x\nextends: paddleocr-det\npostprocess:\n  db_score_mode: medium\n", "x.yaml"));
        Assert.Contains("x.yaml:4: invalid db_score_mode 'medium'; valid values: fast, slow", bad.Message);
        bad = Assert.Throws<ProfileException>(() => ProfileLoader.Parse("name: x\ntransform:\n  mode: limit-min\n", "x.yaml"));
        Assert.Contains("valid values: resize-crop, shorter-side, direct, limit-max", bad.Message);
        Assert.Equal((960, 640), Preprocessor.LimitMaxSize(1920, 1280, 960));
        Assert.Equal((704, 480), Preprocessor.LimitMaxSize(697, 472, 960));
        // 16/32 = 0.5 rounds to even (0), then the 32 floor applies; 48/32 = 1.5 rounds to 2.
        Assert.Equal((32, 64), Preprocessor.LimitMaxSize(16, 48, 960));
    }
}
