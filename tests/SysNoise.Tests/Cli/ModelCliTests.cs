using System.Text.Json;
using SysNoise.Runtime.Devices;
using SysNoise.Runtime.Model.Execution;
using SysNoise.Runtime.Model.Graph;
using SysNoise.Runtime.Model.Onnx;
using SysNoise.Runtime.IO;
using SysNoise.Runtime.Tensors;
using SysNoise.Tests.Model;
using SysNoise.Tests.Support;
using static SysNoise.Tests.Model.TinyOnnx;

namespace SysNoise.Tests.Cli;

/// <summary>The model verbs (run, onnx-test, model-info) as a user runs them, on small hand-built graphs.</summary>
public sealed class ModelCliTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("sysnoise-model-cli-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    [Fact]
    public void RunWritesOutputsAndDumpAllWritesEveryValue()
    {
        // x -> Identity -> "block/1:mid" -> Identity -> "out/put": both names need sanitising.
        string model = Write("chain.onnx", ModelBytes(
            [new Node("Identity", ["x"], ["block/1:mid"], "first"), new Node("Identity", ["block/1:mid"], ["out/put"], "second")],
            [new Value("x", Float, null, 3)],
            [new Value("out/put", Float, null, 3)]));
        var x = new Tensor<float>([1.5f, -2f, 3.25f, 0f, float.MaxValue, -0f], 2, 3);
        string input = Path.Combine(dir, "x.npy");
        NpyFormat.Write(input, x);

        string outDir = Path.Combine(dir, "plain");
        (int code, string stdout, string stderr) = CliTests.Run("run", "--model", model, "--input", $"x={input}", "--device", "host", "--out", outDir);
        Assert.True(code == 0, stderr);
        Assert.Contains("out_put.npy", stdout, StringComparison.Ordinal);
        Assert.Contains("value 'out/put' is not a portable file name; written as out_put.npy", stderr, StringComparison.Ordinal);
        Assert.Equal(x.Data, ((Tensor<float>)NpyFormat.Read(Path.Combine(outDir, "out_put.npy"))).Data);
        Assert.False(File.Exists(Path.Combine(outDir, "block_1_mid.npy")), "intermediates only with --dump-all");

        // A one-input model also takes the file alone; --dump-all adds the input and every intermediate.
        string dumpDir = Path.Combine(dir, "dump");
        (code, _, stderr) = CliTests.Run("run", "-m", model, "-i", input, "--dump-all", "--precision", "fp16", "--device", "host", "-o", dumpDir);
        Assert.True(code == 0, stderr);
        float[] asHalf = x.Data.Select(v => (float)(Half)v).ToArray();
        foreach (string file in new[] { "x.npy", "block_1_mid.npy", "out_put.npy" })
        {
            Assert.Equal(asHalf, ((Tensor<float>)NpyFormat.Read(Path.Combine(dumpDir, file))).Data);
        }

        using JsonDocument manifest = JsonDocument.Parse(File.ReadAllText(Path.Combine(dumpDir, "manifest.json")));
        var values = manifest.RootElement.GetProperty("values").EnumerateArray()
            .ToDictionary(v => v.GetProperty("name").GetString()!, v => (File: v.GetProperty("file").GetString(), Kind: v.GetProperty("kind").GetString()));
        Assert.Equal(("x.npy", "input"), values["x"]);
        Assert.Equal(("block_1_mid.npy", "intermediate"), values["block/1:mid"]);
        Assert.Equal(("out_put.npy", "output"), values["out/put"]);
        Assert.Equal("fp16", manifest.RootElement.GetProperty("precision").GetString());
    }

    [Fact]
    public void RunInt8IntWritesOutputsTheIntegerModelAndItsDescription()
    {
        // A bundled classifier, calibrated on three random inputs: every Conv and the Gemm become integer layers.
        string model = Path.Combine(AppContext.BaseDirectory, "../../../../..", "models", "fashion", "resnet_narrow.onnx");
        var rng = new Random(SysNoise.Tests.Support.RandomImages.RunSeed);
        Tensor<float> Random() => new(Enumerable.Range(0, 3 * 64 * 64).Select(_ => (float)((rng.NextDouble() * 4) - 2)).ToArray(), 1, 3, 64, 64);
        string calibration = Path.Combine(dir, "calibration");
        Directory.CreateDirectory(calibration);
        for (int i = 0; i < 3; i++)
        {
            NpyFormat.Write(Path.Combine(calibration, $"c{i}.npy"), Random());
        }

        string input = Path.Combine(dir, "x.npy");
        Tensor<float> x = Random();
        NpyFormat.Write(input, x);
        string outDir = Path.Combine(dir, "int8");
        (int code, string stdout, string stderr) = CliTests.Run("run", "--model", model, "--input", $"input={input}", "--precision", "int8-int", "--calibration", calibration, "--device", "host", "--dump-all", "--out", outDir);
        Assert.True(code == 0, stderr);
        Assert.Contains("10 integer layer(s), 0 left in float", stdout, StringComparison.Ordinal);
        var logits = (Tensor<float>)NpyFormat.Read(Path.Combine(outDir, "logits.npy"));
        Assert.Equal(new[] { 1, 10 }, logits.Shape);

        // The description: every layer's integers, in the ranges the arithmetic needs.
        using JsonDocument description = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "model.int8.json")));
        JsonElement root = description.RootElement;
        Assert.Equal("double-rounding", root.GetProperty("requantization").GetString());
        JsonElement[] layers = root.GetProperty("layers").EnumerateArray().ToArray();
        Assert.Equal(10, layers.Length);
        Assert.Equal(9, layers.Count(l => l.GetProperty("kernel").GetString() == "IntegerConv"));
        foreach (JsonElement layer in layers)
        {
            int channels = layer.GetProperty("output_channels").GetInt32();
            Assert.Equal(channels, layer.GetProperty("multiplier").GetArrayLength());
            Assert.All(layer.GetProperty("multiplier").EnumerateArray(), m => Assert.InRange(m.GetInt64(), 1L << 30, (1L << 31) - 1));
            Assert.All(layer.GetProperty("shift").EnumerateArray(), s => Assert.InRange(s.GetInt32(), -31, 30));
            Assert.Equal(channels, layer.GetProperty("bias").GetArrayLength());
            Assert.Equal(channels, layer.GetProperty("weights").GetProperty("scale").GetArrayLength());
            Assert.InRange(layer.GetProperty("output_min").GetInt32(), 0, layer.GetProperty("output_max").GetInt32());
        }

        Assert.Contains(layers, l => l.GetProperty("fused").EnumerateArray().Any(f => f.GetString() == "Relu"));

        // The saved integer model runs to the same logits; --dump-all wrote the uint8 activations between layers.
        var integer = SysNoise.Runtime.Model.Onnx.OnnxLoader.Load(Path.Combine(outDir, "model.int8.onnx"));
        var again = (Tensor<float>)new SysNoise.Runtime.Model.Execution.OnnxSession(integer).Run(new Dictionary<string, Tensor> { ["input"] = x })["logits"];
        Assert.Equal(logits.Data, again.Data);
        using JsonDocument manifest = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "manifest.json")));
        Assert.Contains(manifest.RootElement.GetProperty("values").EnumerateArray(), v => v.GetProperty("dtype").GetString() == "uint8");
        Assert.Equal("int8-int", manifest.RootElement.GetProperty("precision").GetString());
    }

    /// <summary>
    /// --accumulation ort gives ONNX Runtime's bits on a real model (the PP-OCR direction classifier, whose last MatMul
    /// reads its B from a Constant node that ORT prepacks); --accumulation ours gives the in-process executor's bits in
    /// our order; --ort-order-ops Conv,BatchNormalization,GlobalAveragePool (the op types whose order this model is sensitive to, see
    /// <see cref="ZooModel.OrderSensitiveOps"/>) is within the parity bound of ORT. The manifest records each.
    /// </summary>
    [Fact]
    public void RunAccumulationOrdersGiveTheirBits()
    {
        ZooModel zoo = ModelCache.Get("ppocr_mobile_v2_cls");
        string model = ModelCache.PathOf(zoo);
        Tensor<float> x = ModelInputs.Images(zoo.Kind, [3, .. zoo.Shape[1..]], ModelInputs.SeedFor(zoo.Name));
        string input = Path.Combine(dir, "x.npy");
        NpyFormat.Write(input, x);
        (float[] expected, _) = ModelInputs.OnnxRuntime(model, x, optimized: false, threads: 1);
        OnnxModel onnx = OnnxLoader.Load(model);
        float[] ours = ((Tensor<float>)new OnnxSession(onnx, ExecutionOptions.Default, HostDevice.Shared)
            .Run(new Dictionary<string, Tensor> { [onnx.Graph.Inputs.Single().Name] = x })[onnx.Graph.Outputs[0].Name]).Data;

        foreach (string[] order in new string[][] { ["ort"], ["ours"], ["ours", "Conv,BatchNormalization,GlobalAveragePool"] })
        {
            string outDir = Path.Combine(dir, string.Join("-", order).Replace(',', '_'));
            string[] extra = order.Length > 1 ? ["--ort-order-ops", order[1]] : [];
            (int code, _, string stderr) = CliTests.Run(["run", "--model", model, "--input", input, "--accumulation", order[0], .. extra, "--device", "host", "--out", outDir]);
            Assert.True(code == 0, stderr);
            using JsonDocument manifest = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "manifest.json")));
            Assert.Equal(order[0], manifest.RootElement.GetProperty("accumulation").GetString());
            JsonElement recorded = manifest.RootElement.GetProperty("ort_order_ops");
            Assert.Equal(order.Length > 1 ? order[1].Split(',').Order(StringComparer.Ordinal) : [], recorded.ValueKind == JsonValueKind.Null ? [] : recorded.EnumerateArray().Select(e => e.GetString()!));
            string output = manifest.RootElement.GetProperty("values").EnumerateArray().Single(v => v.GetProperty("kind").GetString() == "output").GetProperty("file").GetString()!;
            float[] actual = ((Tensor<float>)NpyFormat.Read(Path.Combine(outDir, output))).Data;
            if (order.Length > 1)
            {
                Assert.True(ModelInputs.RelativeL2(expected, actual) < ModelParityTests.MaxRelativeL2, $"relative L2 {ModelInputs.RelativeL2(expected, actual):E3} (SYSNOISE_SEED={RandomImages.RunSeed})");
            }
            else
            {
                Assert.Equal((order[0] == "ort" ? expected : ours).Select(BitConverter.SingleToInt32Bits), actual.Select(BitConverter.SingleToInt32Bits));
            }
        }
    }

    [Fact]
    public void RunDumpAllKeepsCollidingNamesApart()
    {
        // "a/b" and "a:b" both sanitise to "a_b": the second must not overwrite the first.
        string model = Write("collide.onnx", ModelBytes(
            [new Node("Identity", ["x"], ["a/b"]), new Node("Identity", ["a/b"], ["a:b"]), new Node("Identity", ["a:b"], ["y"])],
            [new Value("x", Float, 2)],
            [new Value("y", Float, 2)]));
        string input = Path.Combine(dir, "x.npy");
        NpyFormat.Write(input, new Tensor<float>([1f, 2f], 2));
        (int code, _, string stderr) = CliTests.Run("run", "--model", model, "--input", $"x={input}", "--dump-all", "--device", "host", "--out", Path.Combine(dir, "o"));
        Assert.True(code == 0, stderr);
        Assert.True(File.Exists(Path.Combine(dir, "o", "a_b.npy")));
        Assert.True(File.Exists(Path.Combine(dir, "o", "a_b~2.npy")));
        Assert.Contains("written as a_b~2.npy", stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("missing --input for 'b' float32 (?, 3)", "--input", "a=A")]
    [InlineData("the model has no input 'c'; its inputs are 'a' float32 (2, 3), 'b' float32 (?, 3)", "--input", "a=A", "--input", "b=A", "--input", "c=A")]
    [InlineData("--input a is given twice", "--input", "a=A", "--input", "a=A", "--input", "b=A")]
    [InlineData("input 'a' must be float32, got int32", "--input", "a=INT", "--input", "b=A")]
    [InlineData("input 'a' must have shape (2, 3), got (3, 3)", "--input", "a=WIDE", "--input", "b=A")]
    [InlineData("nothere.npy: no such file", "--input", "a=MISSING", "--input", "b=A")]
    [InlineData("give NAME=FILE.npy; the model's inputs are", "--input", "A")]
    [InlineData("--precision int8-qdq needs --calibration DIR", "--input", "a=A", "--input", "b=A", "--precision", "int8-qdq")]
    [InlineData("--precision int8-int needs --calibration DIR", "--input", "a=A", "--input", "b=A", "--precision", "int8-int")]
    [InlineData("--calibration applies only to the int8 precisions", "--input", "a=A", "--input", "b=A", "--calibration", "CAL")]
    [InlineData("Argument 'bogus' not recognized. Must be one of: 'on' 'off' 'model'", "--input", "a=A", "--input", "b=A", "--ceil-mode", "bogus")]
    [InlineData("--accumulation ort applies to fp32 (and int8-qdq, which always uses it), not fp16", "--input", "a=A", "--input", "b=A", "--precision", "fp16", "--accumulation", "ort")]
    [InlineData("--ort-order-ops: no ONNX Runtime order for Relu; op types with one: AveragePool, BatchNormalization, Conv", "--input", "a=A", "--input", "b=A", "--ort-order-ops", "Conv,Relu")]
    [InlineData("--ort-order-ops applies to --precision fp32 with --accumulation ours", "--input", "a=A", "--input", "b=A", "--accumulation", "ort", "--ort-order-ops", "Conv")]
    [InlineData("--out must be a folder", "--input", "a=A", "--input", "b=A", "--out", "A")]
    public void RunErrorsAreOneLine(string message, params string[] args)
    {
        string model = Write("two.onnx", ModelBytes(
            [new Node("Identity", ["a"], ["ya"]), new Node("Identity", ["b"], ["yb"])],
            [new Value("a", Float, 2, 3), new Value("b", Float, null, 3)],
            [new Value("ya", Float, 2, 3), new Value("yb", Float, null, 3)]));
        string a = Path.Combine(dir, "a.npy"), asInt = Path.Combine(dir, "int.npy"), wide = Path.Combine(dir, "wide.npy");
        NpyFormat.Write(a, new Tensor<float>(new float[6], 2, 3));
        NpyFormat.Write(asInt, new Tensor<int>(new int[6], 2, 3));
        NpyFormat.Write(wide, new Tensor<float>(new float[9], 3, 3));
        string[] resolved = args.Select(s => s
            .Replace("=A", "=" + a, StringComparison.Ordinal)
            .Replace("=INT", "=" + asInt, StringComparison.Ordinal)
            .Replace("=WIDE", "=" + wide, StringComparison.Ordinal)
            .Replace("=MISSING", "=" + Path.Combine(dir, "nothere.npy"), StringComparison.Ordinal)
            .Replace("CAL", dir, StringComparison.Ordinal)).Select(s => s == "A" ? a : s).ToArray();
        string[] command = ["run", "--model", model, .. resolved];
        if (!resolved.Contains("--out"))
        {
            command = [.. command, "--out", Path.Combine(dir, "out")];
        }

        (int code, _, string stderr) = CliTests.Run(command);
        Assert.True(code == 2, $"exit {code}: {stderr}");
        Assert.Contains(message, stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void RunRefusesBadAndUnsupportedModelsInOneLine()
    {
        string input = Path.Combine(dir, "x.npy");
        NpyFormat.Write(input, new Tensor<float>(new float[4], 4));
        string garbage = Write("garbage.onnx", [0xFF, 0xFF, 0xFF, 0x01, 0x02]);
        (int code, _, string stderr) = CliTests.Run("run", "--model", garbage, "--input", $"x={input}", "--out", Path.Combine(dir, "o"));
        Assert.Equal(2, code);
        Assert.Contains("garbage.onnx: not an ONNX model", stderr, StringComparison.Ordinal);

        string unknown = Write("unknown.onnx", ModelBytes([new Node("NoSuchOp", ["x"], ["y"]), new Node("AlsoNoSuchOp", ["y"], ["z"])], [new Value("x", Float, 4)], [new Value("z", Float, 4)]));
        (code, _, stderr) = CliTests.Run("run", "--model", unknown, "--input", $"x={input}", "--out", Path.Combine(dir, "o"));
        Assert.Equal(2, code);
        Assert.Contains("unsupported op NoSuchOp", stderr, StringComparison.Ordinal);
        Assert.Contains("unsupported op AlsoNoSuchOp", stderr, StringComparison.Ordinal); // every problem, not just the first
        Assert.Single(stderr.Trim().Split('\n'));

        (code, _, stderr) = CliTests.Run("run", "--model", Path.Combine(dir, "absent.onnx"), "--input", $"x={input}", "--out", Path.Combine(dir, "o"));
        Assert.Equal(2, code);
        Assert.Contains("absent.onnx: cannot read", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void OnnxTestReportsEachTestThenTheTotalsThenTheUnsupportedOps()
    {
        // A suite of three: a pass (Debian's own test_identity), a failure (wrong expected output), a skip (unknown op).
        string suite = Path.Combine(dir, "suite");
        CopyFolder("/usr/share/libonnx-testdata/data/node/test_identity", Path.Combine(suite, "a_pass"));
        MakeTest(Path.Combine(suite, "b_fail"), "Identity", input: [1f, 2f, 3f], expected: [1f, 2f, 4f]);
        MakeTest(Path.Combine(suite, "c_skip"), "NoSuchOp", input: [1f], expected: [1f]);

        (int code, string stdout, string stderr) = CliTests.Run("onnx-test", suite);
        Assert.True(code == 1, $"exit {code}: {stderr}");
        string[] lines = stdout.TrimEnd().Split('\n');
        Assert.Equal("PASS suite/a_pass", lines[0]);
        Assert.StartsWith("FAIL suite/b_fail: test_data_set_0 output 'y': element 2: 3, expected 4", lines[1], StringComparison.Ordinal);
        Assert.Equal("SKIP suite/c_skip: unsupported ops NoSuchOp", lines[2]);
        Assert.Equal("1 passed, 1 failed, 1 skipped", lines[3]);
        Assert.Contains("NoSuchOp 1", lines[4..].Select(l => l.Trim()));

        // One test folder given directly is named by itself; all passing exits 0.
        (code, stdout, stderr) = CliTests.Run("onnx-test", Path.Combine(suite, "a_pass"));
        Assert.True(code == 0, stderr);
        Assert.Equal(["PASS a_pass", "1 passed, 0 failed, 0 skipped", "unsupported ops: none"], stdout.TrimEnd().Split('\n'));

        (code, _, stderr) = CliTests.Run("onnx-test", Path.Combine(dir, "nowhere"));
        Assert.Equal(2, code);
        Assert.Contains("nowhere: no such folder", stderr, StringComparison.Ordinal);

        Directory.CreateDirectory(Path.Combine(dir, "empty"));
        (code, _, stderr) = CliTests.Run("onnx-test", Path.Combine(dir, "empty"));
        Assert.Equal(2, code);
        Assert.Contains("holds no model.onnx", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void ModelInfoShowsOpsShapesParametersAndWhatEachKnobTouches()
    {
        // Two pools: on 7×7 a 2×2/2 window gives 3 (floor) or 4 (ceil); on 8×8 it gives 4 either way.
        string model = Write("knobs.onnx", ModelBytes(
            [
                new Node("Conv", ["x", "w"], ["c"], "conv", ("kernel_shape", new long[] { 1, 1 })),
                new Node("MaxPool", ["c"], ["p7"], "pool7", ("kernel_shape", new long[] { 2, 2 }), ("strides", new long[] { 2, 2 })),
                new Node("AveragePool", ["z"], ["p8"], "pool8", ("kernel_shape", new long[] { 2, 2 }), ("strides", new long[] { 2, 2 }), ("ceil_mode", 1L)),
                new Node("Upsample", ["p8", "s"], ["u"], "up"),
                new Node("Identity", ["p7"], ["y"]),
                new Node("NoSuchOp", ["p7"], ["q"], "mystery"),
            ],
            [new Value("x", Float, null, 3, 7, 7), new Value("z", Float, 1, 2, null, null)],
            [new Value("y", Float, null, 4, 3, 3), new Value("u", Float)],
            [new Initializer("w", [4, 3, 1, 1], new float[12]), new Initializer("s", [4], [1f, 1f, 2f, 2f])]));

        (int code, string stdout, string stderr) = CliTests.Run("model-info", model);
        Assert.True(code == 0, stderr);
        Assert.Contains("producer:   sysnoise-tests 1, IR version 8", stdout, StringComparison.Ordinal);
        Assert.Contains("opsets:     ai.onnx 13", stdout, StringComparison.Ordinal);
        Assert.Contains("parameters: 16", stdout, StringComparison.Ordinal);
        Assert.Contains("  x: float32 (?, 3, 7, 7)", stdout, StringComparison.Ordinal);
        Assert.Contains("MaxPool 'pool7': ceil_mode=0, floor (?, 4, 3, 3) vs ceil (?, 4, 4, 4): CHANGES", stdout, StringComparison.Ordinal);
        Assert.Contains("AveragePool 'pool8': ceil_mode=1, floor (1, 2, ?, ?) vs ceil (1, 2, ?, ?): unknown", stdout, StringComparison.Ordinal);
        Assert.Contains("  u: float32 (1, 2, ?, ?)", stdout, StringComparison.Ordinal); // not declared: inferred from the constant scales
        Assert.Contains("upsample (--upsample): 1 node(s): Upsample 'up'", stdout, StringComparison.Ordinal);
        Assert.Contains("int8 (--precision int8-*): 1 Conv/ConvTranspose/Gemm/MatMul node(s), weights and activations: Conv 'conv'", stdout, StringComparison.Ordinal);
        Assert.Contains("NoSuchOp                     1   (not implemented in SysNoise)", stdout, StringComparison.Ordinal);
        Assert.Matches("runnable:   no, not implemented: .*NoSuchOp", stdout);

        // Assuming a size for the symbolic input makes the second pool's verdict known.
        (code, stdout, stderr) = CliTests.Run("model-info", model, "--shape", "z=1x2x8x8", "--json");
        Assert.True(code == 0, stderr);
        using JsonDocument json = JsonDocument.Parse(stdout);
        JsonElement root = json.RootElement;
        Assert.Equal(16, root.GetProperty("parameters").GetInt64());
        Assert.Equal(1, root.GetProperty("ops").GetProperty("MaxPool").GetInt32());
        var ceil = root.GetProperty("knobs").GetProperty("ceil").EnumerateArray().ToDictionary(e => e.GetProperty("node").GetString()!, e => e.GetProperty("changes"));
        Assert.True(ceil["MaxPool 'pool7'"].GetBoolean());
        Assert.False(ceil["AveragePool 'pool8'"].GetBoolean());
        Assert.Equal(["Conv 'conv'"], root.GetProperty("knobs").GetProperty("int8").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(6, root.GetProperty("knobs").GetProperty("fp16").GetArrayLength());

        (code, _, stderr) = CliTests.Run("model-info", model, "--shape", "z=1x3x8x8");
        Assert.Equal(2, code);
        Assert.Contains("the model declares 'z' as (1, 2, ?, ?)", stderr, StringComparison.Ordinal);
    }

    private string Write(string name, byte[] bytes)
    {
        string path = Path.Combine(dir, name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    private static void MakeTest(string folder, string op, float[] input, float[] expected)
    {
        Directory.CreateDirectory(Path.Combine(folder, "test_data_set_0"));
        File.WriteAllBytes(Path.Combine(folder, "model.onnx"), ModelBytes([new Node(op, ["x"], ["y"])], [new Value("x", Float, input.Length)], [new Value("y", Float, expected.Length)]));
        File.WriteAllBytes(Path.Combine(folder, "test_data_set_0", "input_0.pb"), Tensor("x", [input.Length], input));
        File.WriteAllBytes(Path.Combine(folder, "test_data_set_0", "output_0.pb"), Tensor("y", [expected.Length], expected));
    }

    private static void CopyFolder(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (string file in Directory.GetFiles(from, "*", SearchOption.AllDirectories))
        {
            string target = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }
}
