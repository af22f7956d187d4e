using System.Diagnostics;
using SysNoise.Runtime.Devices;
using SysNoise.Runtime.Model.Execution;
using SysNoise.Runtime.Model.Graph;
using SysNoise.Runtime.Model.Onnx;
using SysNoise.Runtime.Tensors;
using SysNoise.Tests.Resize;
using SysNoise.Tests.Support;
using Xunit.Abstractions;

namespace SysNoise.Tests.Model;

/// <summary>
/// Whole-model parity on the zoo (<see cref="ModelCache.All"/>: eight torchvision architectures with random weights
/// and the three real PP-OCR models), on seeded random images:
/// <list type="bullet">
/// <item>SysNoise's host executor (fp32) against ONNX Runtime running the graph as written: relative L2 error
/// below 1e-5, the same top-1 class (classifiers, direction classifier), the same greedy CTC decode (recognizer);
/// for the detector, the probability map by relative L2 (threshold flips at DB's 0.3 are reported). For the two models
/// whose output some inputs make sensitive to summing order (<see cref="ZooModel.OrderSensitiveOps"/>) the bound is
/// asserted with those op types in ORT's order and every other op in ours; our own order's distance is printed.</item>
/// <item>In ONNX Runtime's order, ORT's own bits on every model.</item>
/// <item>The ILGPU CPU simulator against the host path, bit for bit, on every value of the graph, for the models
/// with a reduced input (<see cref="ZooModel.ReducedShape"/>); the simulator is ~40× slower than the host loops.</item>
/// <item>ONNX Runtime against itself: as written at batch 1 vs at batch 2 (the exports really have a dynamic batch),
/// and optimized vs as written (the 1e-5 bound is one two correct fp32 executors meet, except on the
/// order-sensitive models, where ORT misses it against itself too).</item>
/// </list>
/// </summary>
public sealed class ModelParityTests(ITestOutputHelper output, KernelParityTests.Accelerators accelerators) : IClassFixture<KernelParityTests.Accelerators>
{
    /// <summary>Relative L2 bound between two fp32 executors; never loosened.</summary>
    public const double MaxRelativeL2 = 1e-5;

    /// <summary>DB's default binarisation threshold of the PP-OCR detector's probability map.</summary>
    private const float DetectorThreshold = 0.3f;

    public static TheoryData<string> Models => new(ModelCache.All.Select(m => m.Name));


    public static TheoryData<string> SimulatorModels => new(ModelCache.All.Where(m => m.ReducedShape is not null).Select(m => m.Name));

    [Theory]
    [MemberData(nameof(Models))]
    public void OnnxRuntimeReferenceIsStable(string name)
    {
        ZooModel model = ModelCache.Get(name);
        string path = ModelCache.PathOf(model);
        int seed = ModelInputs.SeedFor(name);
        output.WriteLine($"{name}: seed {seed} (SYSNOISE_SEED={RandomImages.RunSeed} replays)");
        Tensor<float> batch = ModelInputs.Images(model.Kind, [2, .. model.Shape[1..]], seed);
        (float[] both, int[] shape) = ModelInputs.OnnxRuntime(path, batch, optimized: false);
        Assert.Equal(2, shape[0]);
        output.WriteLine($"ONNX Runtime output {string.Join("x", shape)}: mean {both.Average():G4}, max {both.Max():G4}");
        int per = both.Length / 2;
        var problems = new List<string>();
        for (int b = 0; b < 2; b++)
        {
            ReadOnlySpan<float> item = both.AsSpan(b * per, per);
            (float[] single, int[] singleShape) = ModelInputs.OnnxRuntime(path, ModelInputs.Item(batch, b), optimized: false);
            Assert.Equal(shape[1..], singleShape[1..]);
            problems.AddRange(Compare(model, single, item, singleShape, line => output.WriteLine($"item {b}, as written, batch 1 vs 2: {line}"))
                .Select(p => $"item {b}: ORT as written batch 1 vs batch 2: {p}"));

            // Optimized (Conv+BatchNorm folded, other kernels) vs as written: a different summing order within ORT.
            (float[] optimized, _) = ModelInputs.OnnxRuntime(path, ModelInputs.Item(batch, b), optimized: true);
            bool bounded = model.OrderSensitiveOps is null;
            problems.AddRange(Compare(model, optimized, item, singleShape, line => output.WriteLine($"item {b}, optimized vs as written: {line}"), bounded)
                .Select(p => $"item {b}: ORT optimized batch 1 vs as written batch 2: {p}"));
        }

        Assert.True(problems.Count == 0, $"{name}: {string.Join("; ", problems)} (SYSNOISE_SEED={RandomImages.RunSeed})");
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void HostExecutorMatchesOnnxRuntime(string name)
    {
        (ZooModel model, string path, Tensor<float> input) = SeededInput(name);

        var clock = Stopwatch.StartNew();
        (float[] expected, int[] expectedShape) = ModelInputs.OnnxRuntime(path, input, optimized: false);
        double ortMs = clock.Elapsed.TotalMilliseconds;

        OnnxModel onnx = OnnxLoader.Load(path);
        var session = new OnnxSession(onnx, ExecutionOptions.Default, HostDevice.Shared);
        clock.Restart();
        var feeds = new Dictionary<string, Tensor> { [onnx.Graph.Inputs.Single().Name] = input };
        IReadOnlyDictionary<string, Tensor> results = session.Run(feeds);
        double oursMs = clock.Elapsed.TotalMilliseconds;
        var actual = Assert.IsType<Tensor<float>>(results[onnx.Graph.Outputs[0].Name]);
        Assert.Equal(expectedShape, actual.Shape);
        output.WriteLine($"ONNX Runtime {ortMs:0.0} ms (session creation included), SysNoise host {oursMs:0.0} ms");

        // Our order on an order-sensitive model: the distance is printed, top-1 / the decode still asserted.
        bool bounded = model.OrderSensitiveOps is null;
        List<string> problems = Compare(model, expected, actual.Data, expectedShape, output.WriteLine, bounded);
        if (model.OrderSensitiveOps is { } ops)
        {
            // The same run with only those op types in ONNX Runtime's order: every other op, in our order, within the bound.
            var attributed = new OnnxSession(onnx, OrderSensitiveInOrtOrder(model), HostDevice.Shared);
            var partly = Assert.IsType<Tensor<float>>(attributed.Run(feeds)[onnx.Graph.Outputs[0].Name]);
            problems.AddRange(Compare(model, expected, partly.Data, expectedShape, line => output.WriteLine($"with {string.Join(", ", ops)} in ORT's order: {line}"))
                .Select(p => $"with {string.Join(", ", ops)} in ORT's order: {p}"));
        }

        Assert.True(problems.Count == 0, $"{name}: SysNoise host vs ONNX Runtime: {string.Join("; ", problems)} (SYSNOISE_SEED={RandomImages.RunSeed})");
    }

    /// <summary>
    /// In ONNX Runtime's accumulation order (<see cref="AccumulationOrder.OnnxRuntimeCpu"/>: MLAS's K blocks and kernels,
    /// ORT's Softmax/Erf/reductions) the executor gives ORT's own bits (graph as written, one intra-op thread) on every
    /// model of the zoo: the default order's small relative differences above are accumulation order and nothing else.
    /// </summary>
    [Theory]
    [MemberData(nameof(Models))]
    public void OnnxRuntimeOrderGivesOnnxRuntimesBits(string name)
    {
        (_, string path, Tensor<float> input) = SeededInput(name);
        (float[] expected, int[] expectedShape) = ModelInputs.OnnxRuntime(path, input, optimized: false, threads: 1);

        OnnxModel onnx = OnnxLoader.Load(path);
        var session = new OnnxSession(onnx, new ExecutionOptions { Accumulation = AccumulationOrder.OnnxRuntimeCpu }, HostDevice.Shared);
        var inputs = new Dictionary<string, Tensor> { [onnx.Graph.Inputs.Single().Name] = input };
        var actual = Assert.IsType<Tensor<float>>(session.Run(inputs)[onnx.Graph.Outputs[0].Name]);
        Assert.Equal(expectedShape, actual.Shape);
        int differing = expected.Zip(actual.Data).Count(p => BitConverter.SingleToInt32Bits(p.First) != BitConverter.SingleToInt32Bits(p.Second));
        output.WriteLine($"{differing} of {expected.Length} output values differ from ONNX Runtime's bits");
        if (differing > 0)
        {
            // Name the first differing intermediate and the op types that differ on ORT's own inputs.
            QdqOrtDiagnostics.Report report = QdqOrtDiagnostics.Compare(session, onnx, File.ReadAllBytes(path), inputs);
            Assert.Fail($"{name}: ORT order vs ONNX Runtime: {differing}/{expected.Length} output values differ; {report} (SYSNOISE_SEED={RandomImages.RunSeed})");
        }
    }

    /// <summary>
    /// <see cref="ExecutionOptions.OrtOrderOps"/> listing every op type that has an ORT order gives
    /// <see cref="AccumulationOrder.OnnxRuntimeCpu"/>'s bits, and an empty list our order's: the switch is per op type and
    /// misses none that these models use.
    /// </summary>
    [Theory]
    [InlineData("ppocr_mobile_v2_cls")]
    [InlineData("ppocrv4_rec")]
    public void OrtOrderOpsSwitchOneOpTypeAtATime(string name)
    {
        (_, string path, Tensor<float> input) = SeededInput(name);
        OnnxModel onnx = OnnxLoader.Load(path);
        var inputs = new Dictionary<string, Tensor> { [onnx.Graph.Inputs.Single().Name] = input };
        int[] Bits(ExecutionOptions options) => [.. Assert.IsType<Tensor<float>>(new OnnxSession(onnx, options, HostDevice.Shared).Run(inputs)[onnx.Graph.Outputs[0].Name]).Data.Select(BitConverter.SingleToInt32Bits)];

        int[] ort = Bits(new ExecutionOptions { Accumulation = AccumulationOrder.OnnxRuntimeCpu });
        int[] ours = Bits(ExecutionOptions.Default);
        Assert.Equal(ort, Bits(new ExecutionOptions { OrtOrderOps = ExecutionOptions.OrtOrderOpTypes }));
        Assert.Equal(ours, Bits(new ExecutionOptions { OrtOrderOps = new HashSet<string>() }));
        if (name == "ppocrv4_rec")
        {
            // Conv alone lands between the two on the recognizer's 265,000 outputs (the classifier's 2 may coincide with either).
            int[] convOnly = Bits(new ExecutionOptions { OrtOrderOps = new HashSet<string> { "Conv" } });
            Assert.NotEqual(ours, convOnly);
            Assert.NotEqual(ort, convOnly);
        }
    }

    /// <summary>The zoo model, its cached file, and its seeded full-size input (the seed printed for replay).</summary>
    private (ZooModel Model, string Path, Tensor<float> Input) SeededInput(string name)
    {
        ZooModel model = ModelCache.Get(name);
        int seed = ModelInputs.SeedFor(name);
        output.WriteLine($"{name}: input {string.Join("x", model.Shape)}, seed {seed} (SYSNOISE_SEED={RandomImages.RunSeed} replays)");
        return (model, ModelCache.PathOf(model), ModelInputs.Images(model.Kind, model.Shape, seed));
    }

    [Theory]
    [MemberData(nameof(SimulatorModels))]
    public void IlgpuCpuMatchesHostBitForBit(string name)
    {
        ZooModel model = ModelCache.Get(name);
        CheckBitForBit(model, model.ReducedShape!, accelerators.CpuSimulator, ExecutionOptions.Default);
    }

    /// <summary>
    /// A run with some op types in ONNX Runtime's order (the direction classifier's order-sensitive ones: Conv,
    /// BatchNormalization and GlobalAveragePool through MLAS's plans, the rest in ours) gives the host path's bits
    /// through the kernels too (CPU simulator).
    /// </summary>
    [Fact]
    public void IlgpuCpuMatchesHostBitForBitWithOrtOrderOps()
    {
        ZooModel model = ModelCache.Get("ppocr_mobile_v2_cls");
        CheckBitForBit(model, model.ReducedShape!, accelerators.CpuSimulator, OrderSensitiveInOrtOrder(model));
    }

    /// <summary>The same on CUDA for both order-sensitive models at their full input size (skips without a GPU).</summary>
    [Theory]
    [InlineData("ppocr_mobile_v2_cls")]
    [InlineData("ppocrv4_rec")]
    public void CudaMatchesHostBitForBitWithOrtOrderOps(string name)
    {
        ZooModel model = ModelCache.Get(name);
        CheckOnCuda(model, OrderSensitiveInOrtOrder(model));
    }

    /// <summary>fp16 storage through the kernels (CPU simulator, reduced input) gives the host path's bits.</summary>
    [Fact]
    public void IlgpuCpuMatchesHostBitForBitFp16()
    {
        ZooModel model = ModelCache.Get("mobilenet_v3_small");
        CheckBitForBit(model, model.ReducedShape!, accelerators.CpuSimulator, new ExecutionOptions { Precision = Precision.Fp16 });
    }

    /// <summary>
    /// fp16 storage keeps the PP-OCRv4 detector working: its first BatchNormalization has a running variance of 9.79e7
    /// (beyond binary16's 65504), which an fp16 engine folds into a per-channel scale in fp32 before storing it; rounding
    /// the raw statistics to binary16 would make it +inf and zero the probability map.
    /// </summary>
    [Fact]
    public void Fp16KeepsTheOcrDetectorsProbabilityMap()
    {
        ZooModel model = ModelCache.Get("ppocrv4_det");
        int seed = ModelInputs.SeedFor(model.Name);
        OnnxModel onnx = OnnxLoader.Load(ModelCache.PathOf(model));
        var inputs = new Dictionary<string, Tensor> { [onnx.Graph.Inputs.Single().Name] = ModelInputs.Images(model.Kind, model.Shape, seed) };
        float[] fp32 = ((Tensor<float>)new OnnxSession(onnx, ExecutionOptions.Default).Run(inputs).Values.First()).Data;
        float[] fp16 = ((Tensor<float>)new OnnxSession(onnx, new ExecutionOptions { Precision = Precision.Fp16 }).Run(inputs).Values.First()).Data;
        int text32 = fp32.Count(v => v > DetectorThreshold), agree = fp32.Zip(fp16).Count(p => (p.First > DetectorThreshold) == (p.Second > DetectorThreshold));
        double rel = ModelInputs.RelativeL2(fp32, fp16);
        output.WriteLine($"seed {seed}: {text32} text pixels in fp32, binarised maps agree on {agree}/{fp32.Length}, relative L2 {rel:E2}");
        Assert.True(text32 > 0, "the text crop should contain text pixels");
        Assert.True(agree >= 0.99 * fp32.Length, $"fp16 binarised map agrees with fp32 on only {agree}/{fp32.Length} pixels (seed {seed})");
    }

    /// <summary>Every model at its full input size on CUDA: the kernels on a real GPU give the host path's bits.</summary>
    [Theory]
    [MemberData(nameof(Models))]
    public void CudaMatchesHostBitForBit(string name)
    {
        CheckOnCuda(ModelCache.Get(name), ExecutionOptions.Default);
    }

    /// <summary>fp16 storage (binary16 rounding at every op output) on CUDA gives the host path's bits too.</summary>
    [Theory]
    [InlineData("resnet18")]
    [InlineData("mobilenet_v3_small")]
    [InlineData("ppocrv4_det")]
    public void CudaMatchesHostBitForBitFp16(string name)
    {
        CheckOnCuda(ModelCache.Get(name), new ExecutionOptions { Precision = Precision.Fp16 });
    }

    /// <summary>Our order, with the model's <see cref="ZooModel.OrderSensitiveOps"/> in ONNX Runtime's.</summary>
    private static ExecutionOptions OrderSensitiveInOrtOrder(ZooModel model) => new() { OrtOrderOps = model.OrderSensitiveOps!.ToHashSet() };

    /// <summary><see cref="CheckBitForBit"/> at the model's full input size on CUDA; passes with a note without a GPU.</summary>
    private void CheckOnCuda(ZooModel model, ExecutionOptions options)
    {
        if (accelerators.Cuda is null)
        {
            output.WriteLine("no CUDA device: skipped");
            return;
        }

        CheckBitForBit(model, model.Shape, accelerators.Cuda, options);
    }

    private void CheckBitForBit(ZooModel model, int[] shape, Device device, ExecutionOptions options)
    {
        int seed = ModelInputs.SeedFor(model.Name);
        output.WriteLine($"{model.Name}: {options.Precision}, input {string.Join("x", shape)} on {device.Name}, seed {seed} (SYSNOISE_SEED={RandomImages.RunSeed} replays)");
        OnnxModel onnx = OnnxLoader.Load(ModelCache.PathOf(model));
        var inputs = new Dictionary<string, Tensor> { [onnx.Graph.Inputs.Single().Name] = ModelInputs.Images(model.Kind, shape, seed) };

        // Every value the host produces, so the first diverging node is named, not just a differing output.
        var host = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        var clock = Stopwatch.StartNew();
        new OnnxSession(onnx, options, HostDevice.Shared).Run(inputs, (value, t) => host[value] = t);
        double hostMs = clock.Elapsed.TotalMilliseconds;

        string? firstDifference = null;
        int compared = 0;
        clock.Restart();
        new OnnxSession(onnx, options, device).Run(inputs, (value, t) =>
        {
            compared++;
            if (firstDifference is null && BitDifference(host[value], t) is { } diff)
            {
                firstDifference = $"value '{value}': {diff}";
            }
        });
        output.WriteLine($"host {hostMs:0.0} ms, {device.Kind} {clock.Elapsed.TotalMilliseconds:0.0} ms (first run, kernel compilation included), {compared} values compared");
        Assert.Equal(host.Count, compared);
        Assert.True(firstDifference is null, $"{model.Name} {device.Name} vs host, first difference at {firstDifference} (SYSNOISE_SEED={RandomImages.RunSeed})");
    }

    [Fact]
    public void MetricsMeanWhatTheySay()
    {
        Assert.Equal(0, ModelInputs.RelativeL2([1f, 2f], [1f, 2f]));
        Assert.Equal(0.5, ModelInputs.RelativeL2([3f, 4f], [3f + 1.5f, 4f + 2f]), 12);
        Assert.Equal([1, 0], ModelInputs.ArgMaxRows([0f, 5f, 1f, 9f, 2f, 3f], 3));
        Assert.Equal(2f, ModelInputs.TopMargin([1f, 7f, 5f]));
        Assert.Equal([3, 2], GreedyCtc([0, 3, 3, 0, 2, 2, 0]));
        Assert.Equal([3, 3], GreedyCtc([3, 0, 3]));
        Tensor<float> a = ModelInputs.Images(ZooKind.Classifier, [2, 3, 8, 8], 7), b = ModelInputs.Images(ZooKind.Classifier, [2, 3, 8, 8], 7);
        Assert.Equal(a.Data, b.Data);
        Assert.Equal(a.Data.AsSpan(192, 192).ToArray(), ModelInputs.Item(a, 1).Data);
    }

    /// <summary>Every check for one output pair (the relative L2 bound only when <paramref name="boundL2"/>); empty when they agree.</summary>
    private static List<string> Compare(ZooModel model, ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, int[] shape, Action<string>? log = null, bool boundL2 = true)
    {
        var problems = new List<string>();
        if (expected.Length != actual.Length)
        {
            problems.Add($"{actual.Length} values, expected {expected.Length}");
            return problems;
        }

        double rel = ModelInputs.RelativeL2(expected, actual);
        double maxAbs = ModelInputs.MaxAbsDiff(expected, actual);
        log?.Invoke($"relative L2 {rel:E3}, max |diff| {maxAbs:E3}{(boundL2 ? "" : " (summing order; not bounded here)")}");
        if (boundL2 && !(rel < MaxRelativeL2))
        {
            problems.Add($"relative L2 error {rel:E3} (bound {MaxRelativeL2:E0}), max |diff| {maxAbs:E3}");
        }

        int width = shape[^1];
        switch (model.Kind)
        {
            case ZooKind.Classifier or ZooKind.OcrDirection:
            {
                int[] e = ModelInputs.ArgMaxRows(expected, width), a = ModelInputs.ArgMaxRows(actual, width);
                for (int r = 0; r < e.Length; r++)
                {
                    if (e[r] != a[r])
                    {
                        problems.Add($"top-1 of row {r}: {a[r]}, expected {e[r]} (expected top-2 margin {ModelInputs.TopMargin(expected.Slice(r * width, width)):E3})");
                    }
                }

                break;
            }

            case ZooKind.OcrRecognizer:
            {
                // The text is the greedy CTC decode of the per-timestep argmax; it must be the same string.
                int[] e = GreedyCtc(ModelInputs.ArgMaxRows(expected, width)), a = GreedyCtc(ModelInputs.ArgMaxRows(actual, width));
                if (!e.SequenceEqual(a))
                {
                    problems.Add($"CTC decode [{string.Join(",", a)}], expected [{string.Join(",", e)}]");
                }

                break;
            }

            case ZooKind.OcrDetector:
            {
                int flips = 0;
                for (int i = 0; i < expected.Length; i++)
                {
                    flips += (expected[i] > DetectorThreshold) != (actual[i] > DetectorThreshold) ? 1 : 0;
                }

                // Informational: a pixel within rounding of the threshold may flip without either executor being wrong.
                if (problems.Count > 0)
                {
                    problems.Add($"{flips} of {expected.Length} pixels on the other side of {DetectorThreshold}");
                }

                break;
            }
        }

        return problems;
    }

    /// <summary>Greedy CTC: merge repeats, then drop the blank (class 0, as PaddleOCR's CTCLabelDecode).</summary>
    private static int[] GreedyCtc(int[] argmax)
    {
        var result = new List<int>();
        for (int t = 0; t < argmax.Length; t++)
        {
            if (argmax[t] != 0 && (t == 0 || argmax[t] != argmax[t - 1]))
            {
                result.Add(argmax[t]);
            }
        }

        return [.. result];
    }

    /// <summary>null when shape, dtype and every element's bits agree.</summary>
    private static string? BitDifference(Tensor expected, Tensor actual)
    {
        if (!expected.Shape.SequenceEqual(actual.Shape) || expected.DType != actual.DType)
        {
            return $"{actual.DType} {actual.ShapeText}, host {expected.DType} {expected.ShapeText}";
        }

        if (expected is Tensor<float> e && actual is Tensor<float> a)
        {
            for (int i = 0; i < e.Data.Length; i++)
            {
                if (BitConverter.SingleToInt32Bits(e.Data[i]) != BitConverter.SingleToInt32Bits(a.Data[i]))
                {
                    return $"element {i}: {a.Data[i]:R}, host {e.Data[i]:R} of {e.Data.Length}";
                }
            }

            return null;
        }

        for (long i = 0; i < expected.Length; i++)
        {
            double x = expected.GetAsDouble(i), y = actual.GetAsDouble(i);
            if (BitConverter.DoubleToInt64Bits(x) != BitConverter.DoubleToInt64Bits(y))
            {
                return $"element {i}: {y:R}, host {x:R}";
            }
        }

        return null;
    }
}
