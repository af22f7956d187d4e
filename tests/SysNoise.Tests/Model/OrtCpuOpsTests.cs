using SysNoise.Runtime.Devices;
using SysNoise.Runtime.Model.Execution;
using SysNoise.Runtime.Model.Graph;
using SysNoise.Runtime.Model.Onnx;
using SysNoise.Runtime.Tensors;
using SysNoise.Tests.Support;
using Xunit.Abstractions;

namespace SysNoise.Tests.Model;

/// <summary>
/// <see cref="AccumulationOrder.OnnxRuntimeCpu"/> beyond the GEMMs: single Softmax / Erf / ReduceMean / ReduceSum /
/// Pow nodes give exactly ONNX Runtime's bits (ORT_DISABLE_ALL, one thread), and the ILGPU CPU accelerator gives the
/// host's. Each op reads an intermediate value (x·1, which keeps every bit but lives in ORT's own 64-byte-aligned
/// arena, as in a real graph, so Eigen's packet alignment is the one a graph sees).
/// </summary>
public sealed class OrtCpuOpsTests(ITestOutputHelper output, NnKernelTests.Accelerators fixture) : IClassFixture<NnKernelTests.Accelerators>
{
    private static readonly ExecutionOptions OrtOptions = new() { Accumulation = AccumulationOrder.OnnxRuntimeCpu };

    private string Reproduce => $"reproduce: SYSNOISE_SEED={RandomImages.RunSeed} dotnet test tests/SysNoise.Tests --filter \"FullyQualifiedName~{nameof(OrtCpuOpsTests)}\"";

    [Fact]
    public void SoftmaxMatchesOnnxRuntimeBitForBit() => CheckAgainstOrt(SoftmaxCases(new Random(RandomImages.RunSeed ^ 0x50f7)));

    [Fact]
    public void ErfMatchesOnnxRuntimeBitForBit() => CheckAgainstOrt(ErfCases(new Random(RandomImages.RunSeed ^ 0xe4f0)));

    [Fact]
    public void ReduceMeanAndSumMatchOnnxRuntimeBitForBit() => CheckAgainstOrt(ReduceCases(new Random(RandomImages.RunSeed ^ 0x4ed0)));

    [Fact]
    public void PowByTwoAndThreeMatchOnnxRuntimeBitForBit() => CheckAgainstOrt(PowCases(new Random(RandomImages.RunSeed ^ 0x9077)));

    [Fact]
    public void AveragePoolMatchesOnnxRuntimeBitForBit() => CheckAgainstOrt(PoolCases(new Random(RandomImages.RunSeed ^ 0xa7e0)));

    [Fact]
    public void SigmoidAndBatchNormalizationMatchOnnxRuntimeBitForBit() => CheckAgainstOrt(SigmoidAndBatchNormCases(new Random(RandomImages.RunSeed ^ 0xb7a1)));

    /// <summary>Host loops split rows, planes or elements over threads above 2^16 operations: 1 and 2 threads agree.</summary>
    [Fact]
    public void ThreadCountDoesNotChangeBits()
    {
        output.WriteLine($"seed {RandomImages.RunSeed}");
        var rng = new Random(RandomImages.RunSeed ^ 0x7778);
        float[] wide = Normal(rng, 80 * 1000, 3);
        List<OpCase> cases =
        [
            Softmax("large", wide, [80, 1000]),
            new("large", "Erf", 13, wide, [wide.Length], []),
            new("large", "Sigmoid", 13, wide, [wide.Length], []),
            Reduce("large", "ReduceMean", wide, [80, 1000], [1]),
            Pool(rng, "large 3x3 s1 p1", [1, 8, 100, 100], [3, 3], [1, 1], [1, 1, 1, 1], false),
        ];
        foreach (OpCase c in cases)
        {
            Tensor<float> one = RunOurs(c, HostDevice.Shared, OrtOptions with { Threads = 1 });
            Tensor<float> two = RunOurs(c, HostDevice.Shared, OrtOptions with { Threads = 2 });
            Assert.True(QdqOrtDiagnostics.SameBits(one, two), $"{c}: 1 vs 2 threads differ\n{Reproduce}");
        }

        output.WriteLine($"{cases.Count} cases: 1 and 2 threads bit-identical");
    }

    [Fact]
    public void CpuAcceleratorMatchesHost()
    {
        var rng = new Random(RandomImages.RunSeed ^ 0x51a3);
        CheckDevice(fixture.CpuSimulator, [.. SoftmaxCases(rng), .. ErfCases(rng), .. ReduceCases(rng), .. PowCases(rng), .. PoolCases(rng), .. SigmoidAndBatchNormCases(rng)]);
    }

    [Fact]
    public void CudaMatchesHost()
    {
        if (fixture.Cuda is null)
        {
            output.WriteLine("no CUDA device: skipped");
            return;
        }

        var rng = new Random(RandomImages.RunSeed ^ 0x51a4);
        CheckDevice(fixture.Cuda, [.. SoftmaxCases(rng), .. ErfCases(rng), .. ReduceCases(rng), .. PowCases(rng), .. PoolCases(rng), .. SigmoidAndBatchNormCases(rng)]);
    }

    /// <summary>One op on x·1; <paramref name="Exponent"/> adds a one-element initializer "e" as the op's second input.</summary>
    internal sealed record OpCase(string Label, string Op, int Opset, float[] X, int[] Shape, (string Name, object Value)[] Attributes, float? Exponent = null, TinyOnnx.Initializer[]? Parameters = null)
    {
        public override string ToString() => $"{Label}: {Op}[{string.Join("x", Shape)}] opset {Opset}";

        public byte[] Model()
        {
            var initializers = new List<TinyOnnx.Initializer> { new("one", [1], [1f]) };
            var inputs = new List<string> { "t" };
            if (Exponent is { } e)
            {
                initializers.Add(new TinyOnnx.Initializer("e", [], [e]));
                inputs.Add("e");
            }

            foreach (TinyOnnx.Initializer parameter in Parameters ?? [])
            {
                initializers.Add(parameter);
                inputs.Add(parameter.Name);
            }

            long?[] dims = Shape.Select(d => (long?)d).ToArray();
            return TinyOnnx.ModelBytes(
                [new TinyOnnx.Node("Mul", ["x", "one"], ["t"], "copy"), new TinyOnnx.Node(Op, [.. inputs], ["y"], "op", Attributes)],
                [new TinyOnnx.Value("x", TinyOnnx.Float, dims)],
                [new TinyOnnx.Value("y", TinyOnnx.Float)],
                initializers,
                Opset);
        }

        public Tensor<float> Input => new(X, Shape);
    }

    private void CheckAgainstOrt(List<OpCase> cases)
    {
        output.WriteLine($"seed {RandomImages.RunSeed}");
        int defaultDiffers = 0;
        foreach (OpCase c in cases)
        {
            var inputs = new Dictionary<string, Tensor> { ["x"] = c.Input };
            var ort = (Tensor<float>)OrtOracle.Run(c.Model(), inputs)["y"];
            var ours = RunOurs(c, HostDevice.Shared, OrtOptions with { Threads = 2 });
            var sequential = RunOurs(c, HostDevice.Shared, ExecutionOptions.Default with { Threads = 2 });
            bool defaultSame = QdqOrtDiagnostics.SameBits(sequential, ort);
            defaultDiffers += defaultSame ? 0 : 1;
            Assert.Equal(ort.Shape.AsEnumerable(), ours.Shape.AsEnumerable());
            int first = Enumerable.Range(0, ort.Data.Length).FirstOrDefault(i => Bits(ours.Data[i]) != Bits(ort.Data[i]), -1);
            int differing = ours.Data.Zip(ort.Data).Count(p => Bits(p.First) != Bits(p.Second));
            output.WriteLine($"{c}: {(differing == 0 ? "bit-identical" : $"{differing} of {ort.Length} differ")} (default mode: {(defaultSame ? "identical" : "differs")})");
            Assert.True(differing == 0, $"{c}: {differing} of {ort.Length} outputs differ from ONNX Runtime; first at {first}: x {(first < 0 ? 0 : c.X[first]):R} (bits {(first < 0 ? 0 : Bits(c.X[first])):X8}), ours {(first < 0 ? 0 : ours.Data[first]):R}, ORT {(first < 0 ? 0 : ort.Data[first]):R}\n{Reproduce}");
        }

        output.WriteLine($"{cases.Count} cases bit-identical with ORT; the default mode differs on {defaultDiffers}");
    }

    private void CheckDevice(Device device, List<OpCase> cases)
    {
        output.WriteLine($"seed {RandomImages.RunSeed}; device {device.Name}");
        foreach (OpCase c in cases)
        {
            Tensor<float> host = RunOurs(c, HostDevice.Shared, OrtOptions with { Threads = 2 });
            Tensor<float> kernel = RunOurs(c, device, OrtOptions);
            Assert.True(QdqOrtDiagnostics.SameBits(host, kernel), $"{c} on {device.Name}: differs from the host\n{Reproduce}");
        }

        output.WriteLine($"{cases.Count} cases bit-identical");
    }

    private static Tensor<float> RunOurs(OpCase c, Device device, ExecutionOptions options)
    {
        OnnxModel model = OnnxLoader.Load(c.Model(), $"{c.Op}.onnx", Path.GetTempPath());
        var session = new OnnxSession(model, options, device);
        return (Tensor<float>)session.Run(new Dictionary<string, Tensor> { ["x"] = c.Input })["y"];
    }

    private static int Bits(float v) => BitConverter.SingleToInt32Bits(v);

    private static float[] Normal(Random rng, int count, double scale)
    {
        var data = new float[count];
        for (int i = 0; i < count; i++)
        {
            double u = 1 - rng.NextDouble(), v = rng.NextDouble();
            data[i] = (float)(scale * Math.Sqrt(-2 * Math.Log(u)) * Math.Cos(2 * Math.PI * v));
        }

        return data;
    }

    /// <summary>Values spread over many binades (sign, magnitude 10^[lo, hi)), so any change of summation order shows.</summary>
    private static float[] Spread(Random rng, int count, int lo, int hi)
    {
        var data = new float[count];
        for (int i = 0; i < count; i++)
        {
            data[i] = (float)((rng.Next(2) == 0 ? -1 : 1) * Math.Pow(10, lo + ((hi - lo) * rng.NextDouble())));
        }

        return data;
    }

    private static int Count(int[] shape) => shape.Aggregate(1, (a, b) => a * b);

    private static OpCase Softmax(string label, float[] x, int[] shape, long axis = -1, int opset = 13) => new(label, "Softmax", opset, x, shape, [("axis", axis)]);

    /// <summary>
    /// Row lengths below, at and beyond the 16-lane vector and the 48-element loop, ragged tails; logits of scale 1
    /// to 60 (exp arguments down to the −103.97 clamp and subnormal terms), ties, −0, a huge row maximum; axis not
    /// last (ORT transposes) and the opset-11 2-D coercion.
    /// </summary>
    private static List<OpCase> SoftmaxCases(Random rng)
    {
        var cases = new List<OpCase>();
        foreach (int[] shape in new[] { new[] { 3, 17 }, [2, 5], [4, 1000], [2, 48], [2, 96], [1, 4, 17, 17], [3, 1], [2, 63], [5, 16] })
        {
            cases.Add(Softmax("normal", Normal(rng, Count(shape), 1), shape));
            cases.Add(Softmax("scale 60", Normal(rng, Count(shape), 60), shape));
        }

        float[] edges = Normal(rng, 6 * 40, 30);
        for (int r = 0; r < 6; r++)
        {
            edges[(r * 40) + 3] = -0f;
            edges[(r * 40) + 5] = 0f;
            edges[(r * 40) + 7] = edges[(r * 40) + 8];
        }

        edges[0] = 3e38f;                               // a huge maximum: every other term underflows
        edges[41] = -103.97f;                           // exp arguments at and beyond the clamp (row maximum ~0)
        edges[42] = -104.5f;
        edges[43] = -87.5f;
        edges[44] = -126.2f;
        for (int k = 80; k < 120; k++)
        {
            edges[k] = -0f;                             // a row of −0: every term 1
        }

        cases.Add(Softmax("edges", edges, [6, 40]));
        cases.Add(Softmax("axis 1 of 3", Normal(rng, 2 * 7 * 5, 3), [2, 7, 5], axis: 1));
        cases.Add(Softmax("opset 11, axis 1", Normal(rng, 2 * 3 * 10, 3), [2, 3, 10], axis: 1, opset: 11));
        return cases;
    }

    /// <summary>
    /// Lengths through the 32-wide loop, the 8-wide tail and the masked rest; values around the 0.921875 split, the
    /// 3.925 clamp, tiny, subnormal and huge magnitudes, ±0, ±∞ and NaN.
    /// </summary>
    private static List<OpCase> ErfCases(Random rng)
    {
        var cases = new List<OpCase>();
        foreach (int n in new[] { 1, 7, 8, 31, 32, 33, 1000 })
        {
            cases.Add(new OpCase("normal ×2", "Erf", 13, Normal(rng, n, 2), [n], []));
        }

        var special = new List<float> { 0f, -0f, float.PositiveInfinity, float.NegativeInfinity, float.NaN, -float.NaN, 1e-45f, -1e-40f, 1e-30f, 1e10f, -3e38f, 3.925f, -3.9249999f, 3.9250002f, 0.921875f, -0.921875f };
        for (int i = 0; i < 200; i++)
        {
            float around = i % 2 == 0 ? 0.921875f : 3.925f; // the split and the clamp
            special.Add((float)((i % 4 < 2 ? 1 : -1) * around * (1 + ((rng.NextDouble() - 0.5) * 1e-5))));
        }

        special.AddRange(Spread(rng, 300, -8, 1));
        cases.Add(new OpCase("special", "Erf", 13, [.. special], [special.Count], []));
        return cases;
    }

    private static OpCase Reduce(string label, string op, float[] x, int[] shape, long[] axes, long keepDims = 1) => new(label, op, op == "ReduceSum" ? 11 : 13, x, shape, [("axes", axes), ("keepdims", keepDims)]);

    /// <summary>
    /// The layouts ORT sums with Eigen: kept-then-reduced (KR) with rows starting at every alignment mod 4 (length
    /// 13, 3, 6), fewer than 4 aligned elements, merged reduced axes, size-1 axes, keepdims 0, full reductions; values
    /// over 12 binades so any order change shows.
    /// </summary>
    private static List<OpCase> ReduceCases(Random rng)
    {
        var cases = new List<OpCase>();
        foreach (string op in new[] { "ReduceMean", "ReduceSum" })
        {
            cases.Add(Reduce("LayerNorm rows", op, Normal(rng, 17 * 64, 1), [1, 17, 64], [-1]));
            cases.Add(Reduce("ragged rows", op, Spread(rng, 9 * 13, -6, 6), [9, 13], [1]));
            cases.Add(Reduce("length 3", op, Spread(rng, 8 * 3, -6, 6), [8, 3], [1]));
            cases.Add(Reduce("length 6", op, Spread(rng, 7 * 6, -6, 6), [7, 6], [1]));
            cases.Add(Reduce("length 1001", op, Spread(rng, 3 * 1001, -6, 6), [3, 1001], [1], keepDims: 0));
            cases.Add(Reduce("merged axes", op, Spread(rng, 3 * 7 * 5, -6, 6), [3, 7, 5], [1, 2]));
            cases.Add(Reduce("size-1 kept", op, Spread(rng, 4 * 1 * 10, -6, 6), [4, 1, 10], [1, 2]));
            cases.Add(Reduce("all axes", op, Spread(rng, 5 * 23, -6, 6), [5, 23], [0, 1]));
            cases.Add(Reduce("one row", op, Spread(rng, 37, -6, 6), [1, 37], [1]));
        }

        return cases;
    }

    /// <summary>
    /// Pow by a one-element 2 or 3: products rounded once each. Bases with 12–13 significant bits make x² land exactly
    /// on a rounding tie, where an exp(2·log x) evaluation can round the other way.
    /// </summary>
    private static List<OpCase> PowCases(Random rng)
    {
        var ties = new float[500];
        for (int i = 0; i < ties.Length; i++)
        {
            ties[i] = (float)((rng.Next(2) == 0 ? -1 : 1) * (4096 + rng.Next(4096)) * Math.Pow(2, rng.Next(-30, 10)));
        }

        float[] normal = Normal(rng, 300, 3);
        normal[0] = -0f;
        normal[1] = float.PositiveInfinity;
        normal[2] = 1e30f;
        normal[3] = 1e-30f;
        return
        [
            new OpCase("ties ^2", "Pow", 13, ties, [ties.Length], [], 2f),
            new OpCase("ties ^3", "Pow", 13, ties, [ties.Length], [], 3f),
            new OpCase("normal ^2", "Pow", 13, normal, [3, 100], [], 2f),
            new OpCase("normal ^3", "Pow", 13, normal, [3, 100], [], 3f),
        ];
    }

    private static OpCase Pool(Random rng, string label, int[] shape, long[] kernel, long[] strides, long[] pads, bool includePad, bool ceil = false)
        => new(label + (includePad ? ", include pad" : ", exclude pad"), "AveragePool", 13, Spread(rng, Count(shape), -4, 4), shape,
            [("kernel_shape", kernel), ("strides", strides), ("pads", pads), ("count_include_pad", includePad ? 1L : 0L), ("ceil_mode", ceil ? 1L : 0L)]);

    /// <summary>
    /// MlasPool's 2-D vector kernel (width stride 1 and 2, windows in the padding, asymmetric pads, ceil mode) and its
    /// generic kernels (width stride 3, 1-D), each with and without count_include_pad; values over 8 binades.
    /// </summary>
    private static List<OpCase> PoolCases(Random rng)
    {
        var cases = new List<OpCase>();
        foreach (bool include in new[] { false, true })
        {
            cases.Add(Pool(rng, "3x3 s1 p1", [1, 3, 10, 11], [3, 3], [1, 1], [1, 1, 1, 1], include));
            cases.Add(Pool(rng, "3x3 s2 p1", [1, 2, 13, 15], [3, 3], [2, 2], [1, 1, 1, 1], include));
            cases.Add(Pool(rng, "2x2 s2", [2, 4, 8, 8], [2, 2], [2, 2], [0, 0, 0, 0], include));
            cases.Add(Pool(rng, "5x5 s3 p2 (generic)", [1, 2, 17, 19], [5, 5], [3, 3], [2, 2, 2, 2], include));
            cases.Add(Pool(rng, "3x3 s2 ceil", [1, 2, 10, 10], [3, 3], [2, 2], [0, 0, 0, 0], include, ceil: true));
            cases.Add(Pool(rng, "3x3 s2 p1 ceil, no extra window", [1, 2, 11, 11], [3, 3], [2, 2], [1, 1, 1, 1], include, ceil: true));
            cases.Add(Pool(rng, "7x7 on 7x9", [1, 2, 7, 9], [7, 7], [1, 1], [0, 0, 0, 0], include));
            cases.Add(Pool(rng, "asymmetric pads", [1, 2, 9, 12], [3, 4], [1, 2], [0, 1, 2, 3], include));
            cases.Add(Pool(rng, "3x1 s(2,1)", [1, 3, 11, 6], [3, 1], [2, 1], [1, 0, 1, 0], include));
            cases.Add(Pool(rng, "1-D k3 p1", [1, 3, 20], [3], [1], [1, 1], include));
            cases.Add(Pool(rng, "1-D k4 s2 p2", [2, 2, 17], [4], [2], [2, 1], include));
        }

        return cases;
    }

    /// <summary>
    /// Sigmoid (MLAS's FMA3 rational logistic: lengths through the 8-wide loop and the masked tail, values past the ±18
    /// clamps, ±0, ±∞, NaN) and inference BatchNormalization (ORT's unfused x·a + b with a = (1/√(var+ε))·scale).
    /// </summary>
    private static List<OpCase> SigmoidAndBatchNormCases(Random rng)
    {
        var special = new List<float> { 0f, -0f, 18f, -18f, 18.5f, -25f, float.PositiveInfinity, float.NegativeInfinity, float.NaN, 1e-30f, -1e-40f };
        special.AddRange(Normal(rng, 189, 8));
        var cases = new List<OpCase>
        {
            new("normal ×4", "Sigmoid", 13, Normal(rng, 7, 4), [7], []),
            new("normal ×4", "Sigmoid", 13, Normal(rng, 1003, 4), [1003], []),
            new("special", "Sigmoid", 13, [.. special], [special.Count], []),
        };
        foreach (int[] shape in new[] { new[] { 2, 5, 7, 3 }, [1, 16, 9, 9], [3, 4, 10] })
        {
            int c = shape[1];
            float[] variance = Normal(rng, c, 2).Select(v => (v * v) + 1e-3f).ToArray();
            cases.Add(new OpCase("inference", "BatchNormalization", 13, Normal(rng, Count(shape), 3), shape, [],
                Parameters: [new("scale", [c], Normal(rng, c, 1)), new("bias", [c], Normal(rng, c, 1)), new("mean", [c], Normal(rng, c, 1)), new("var", [c], variance)]));
        }

        return cases;
    }
}
