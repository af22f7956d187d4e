using System.Text.Json;
using SysNoise.Runtime.Bench;
using SysNoise.Runtime.Profiles;
using SysNoise.Tests.Cli;
using SysNoise.Tests.Oracles;
using Xunit.Abstractions;

namespace SysNoise.Tests.Bench;

/// <summary>
/// The benchmark on a small slice of the bundled Fashion-MNIST data with a bundled model: two runs give byte-identical
/// CSVs; a run resumed from a journal cut mid-record gives the uninterrupted run's CSV; parity and export work.
/// </summary>
public sealed class BenchTests(ITestOutputHelper output, BenchTests.SmallData data) : IClassFixture<BenchTests.SmallData>
{
    private static string Repo => Support.TestPaths.Repository;

    private static string Model => Path.Combine(Repo, "models", "fashion", "resnet_narrow.onnx");

    private static DeploymentProfile Train => ProfileLoader.LoadFile(Path.Combine(Repo, "models", "fashion", "train-profile.yaml"));

    /// <summary>40 test images (4 per class) built from Debian's dataset-fashion-mnist by the bundled script.</summary>
    public sealed class SmallData : IDisposable
    {
        public SmallData()
        {
            Dir = Directory.CreateTempSubdirectory("sysnoise-fashion-").FullName;
            PythonOracle.Run(PythonOracle.Script("make-fashion-dataset.py"), "--out", Dir, "--train-count", "0", "--test-count", "40");
        }

        public string Dir { get; }

        public void Dispose() => Directory.Delete(Dir, recursive: true);
    }

    private BenchOptions Options(string outDir) => new()
    {
        Models = [Model],
        Data = Path.Combine(data.Dir, "test_meta.txt"),
        Train = Train,
        Noises = ["decode", "resize", "ceil", "int8", "combined"],
        Out = outDir,
    };

    private static string RunToCsv(BenchOptions o)
    {
        BenchResult r = new BenchRunner(o).Run();
        BenchReport.WriteAll(r, o.Out);
        return File.ReadAllText(Path.Combine(o.Out, "results.csv"));
    }

    [Fact]
    public void TwoRunsGiveByteIdenticalCsvAndAResumedRunTheSame()
    {
        string a = Directory.CreateTempSubdirectory("sysnoise-bench-a-").FullName;
        string b = Directory.CreateTempSubdirectory("sysnoise-bench-b-").FullName;
        try
        {
            string first = RunToCsv(Options(a));
            string second = RunToCsv(Options(b));
            Assert.Equal(first, second);
            string[] lines = first.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.Equal("model,noise,variant,top1,delta_top1,flip_rate,images", lines[0]);
            Assert.Contains(lines, l => l.StartsWith("resnet_narrow,none,", StringComparison.Ordinal));
            Assert.Contains(lines, l => l.StartsWith("resnet_narrow,ceil,on,", StringComparison.Ordinal));
            Assert.Contains(lines, l => l.StartsWith("resnet_narrow,int8,int8-qdq,", StringComparison.Ordinal));

            // int8-int is evaluated (a top-1 value), not reported as unavailable.
            string int8Int = Assert.Single(lines, l => l.StartsWith("resnet_narrow,int8,int8-int,", StringComparison.Ordinal));
            Assert.NotEmpty(int8Int.Split(',')[3]);
            using (JsonDocument results = JsonDocument.Parse(File.ReadAllText(Path.Combine(a, "results.json"))))
            {
                Assert.DoesNotContain(results.RootElement.GetProperty("rows").EnumerateArray(), r =>
                    r.GetProperty("variant").GetString()!.Contains("int8-int", StringComparison.Ordinal) && r.GetProperty("note").ValueKind == JsonValueKind.String && r.GetProperty("note").GetString()!.StartsWith("unavailable", StringComparison.Ordinal));
            }
            Assert.Contains(lines, l => l.StartsWith("resnet_narrow,combined,", StringComparison.Ordinal));
            Assert.Contains(lines, l => l.StartsWith("resnet_narrow,step,", StringComparison.Ordinal));

            // Interrupt b: keep the journal's header and first records, then half a record (a kill mid-write).
            string journal = Path.Combine(b, "journal.jsonl");
            string[] records = File.ReadAllLines(journal);
            int keep = Math.Min(5, records.Length - 1);
            File.WriteAllText(journal, string.Join("\n", records.Take(1 + keep)) + "\n" + records[^1][..(records[^1].Length / 2)]);
            foreach (string f in new[] { "results.csv", "results.json", "report.md" })
            {
                File.Delete(Path.Combine(b, f));
            }

            var resumed = new BenchRunner(Options(b)).Run();
            Assert.Equal(keep, resumed.ResumedEvaluations);
            BenchReport.WriteAll(resumed, b);
            Assert.Equal(first, File.ReadAllText(Path.Combine(b, "results.csv")));
            output.WriteLine($"{lines.Length - 1} rows; identical across two runs and after resuming from {keep} journaled evaluations");
            output.WriteLine(File.ReadAllText(Path.Combine(a, "report.md")));
        }
        finally
        {
            Directory.Delete(a, recursive: true);
            Directory.Delete(b, recursive: true);
        }
    }

    [Fact]
    public void ParityReportsTheFirstDifferingStage()
    {
        string image = Directory.GetFiles(Path.Combine(data.Dir, "test"), "*.jpg", SearchOption.AllDirectories).Order(StringComparer.Ordinal).First();
        string json = Path.Combine(data.Dir, $"parity-{Guid.NewGuid():N}.json");
        string yaml = Path.Combine(Repo, "models", "fashion", "train-profile.yaml");
        string other = Path.Combine(data.Dir, $"ifast-{Guid.NewGuid():N}.yaml");
        File.WriteAllText(other, $"name: fashion-fast\nextends: pytorch-pil\ndecode: libjpeg-ifast\nresize: pillow-bilinear\ntransform:\n  crop: 64\n  resize: 72\n  mean: [0.455, 0.303, 0.291]\n  std: [0.392, 0.285, 0.119]\n");
        (int same, _, string err1) = CliTests.Run("parity", "--model", Model, "--input", image, "--profile", yaml, "--profile", yaml, "--json", json);
        Assert.True(same == 0, err1);
        Assert.Equal(JsonValueKind.Null, JsonDocument.Parse(File.ReadAllText(json)).RootElement.GetProperty("first_difference").ValueKind);
        (int diff, string stdout, string err2) = CliTests.Run("parity", "--model", Model, "--input", image, "--profile", yaml, "--profile", other, "--json", json);
        Assert.True(diff == 1, err2);
        JsonElement root = JsonDocument.Parse(File.ReadAllText(json)).RootElement;
        Assert.Equal("decoded", root.GetProperty("first_difference").GetString());
        Assert.Contains(root.GetProperty("stages").EnumerateArray(), s => s.GetProperty("name").GetString()!.StartsWith("layer ", StringComparison.Ordinal));
        output.WriteLine(stdout);
    }

    /// <summary>An NPU profile (int8-int) against the training profile: calibrated on --calibration's images, compared.</summary>
    [Fact]
    public void ParityRunsAnInt8ProfileCalibratedOnTheGivenImages()
    {
        string[] images = Directory.GetFiles(Path.Combine(data.Dir, "test"), "*.jpg", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToArray();
        string calibration = Path.Combine(data.Dir, $"calibration-{Guid.NewGuid():N}");
        Directory.CreateDirectory(calibration);
        foreach (string f in images.Take(8))
        {
            File.Copy(f, Path.Combine(calibration, Path.GetFileName(f)));
        }

        string json = Path.Combine(data.Dir, $"parity-{Guid.NewGuid():N}.json");
        string yaml = Path.Combine(Repo, "models", "fashion", "train-profile.yaml");
        string npu = Path.Combine(data.Dir, $"npu-{Guid.NewGuid():N}.yaml");
        File.WriteAllText(npu, "name: fashion-npu\nextends: npu-int8\ntransform:\n  crop: 64\n  resize: 72\n  mean: [0.455, 0.303, 0.291]\n  std: [0.392, 0.285, 0.119]\n");
        (int code, string stdout, string err) = CliTests.Run("parity", "--model", Model, "--input", images[^1], "--profile", yaml, "--profile", npu, "--calibration", calibration, "--json", json);
        Assert.True(code == 1, err);
        JsonElement root = JsonDocument.Parse(File.ReadAllText(json)).RootElement;
        Assert.Equal("decoded", root.GetProperty("first_difference").GetString());
        Assert.Contains(root.GetProperty("stages").EnumerateArray(), s => s.GetProperty("name").GetString()!.StartsWith("top-", StringComparison.Ordinal));
        output.WriteLine(stdout);
    }

    [Fact]
    public void MixExportWritesSeededShardsWithLabels()
    {
        string outDir = Path.Combine(data.Dir, $"mix-{Guid.NewGuid():N}");
        (int code, _, string err) = CliTests.Run("export", "--data", Path.Combine(data.Dir, "test_meta.txt"), "--profiles", $"{Path.Combine(Repo, "models", "fashion", "train-profile.yaml")},opencv-server,fast-dct-loader", "--mix", "--seed", "7", "--shard-size", "16", "--out", outDir);
        Assert.True(code == 0, err);
        Assert.Equal(3, Directory.GetFiles(outDir, "shard-*.npy").Length);
        var shard = (SysNoise.Runtime.Tensors.Tensor<float>)SysNoise.Runtime.IO.NpyFormat.Read(Path.Combine(outDir, "shard-00000.npy"));
        Assert.Equal(new[] { 16, 3, 64, 64 }, shard.Shape);
        JsonElement choices = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "choices.json"))).RootElement;
        Assert.True(choices.GetProperty("images").EnumerateArray().Select(i => i.GetProperty("decoder").GetString()).Distinct().Count() > 1);
    }
}
