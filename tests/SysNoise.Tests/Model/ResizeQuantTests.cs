using System.Text.RegularExpressions;
using SysNoise.Runtime.Devices;
using Google.Protobuf;
using SysNoise.Runtime.Model.Onnx;
using SysNoise.Runtime.Model.Onnx.Proto;
using SysNoise.Runtime.Tensors;
using SysNoise.Tests.Support;
using Xunit.Abstractions;

namespace SysNoise.Tests.Model;

/// <summary>Shared accelerators for the Resize/Quant tests (the CPU simulator always, CUDA when present).</summary>
public sealed class ResizeQuantAccelerators : IDisposable
{
    public IlgpuDevice CpuSimulator { get; } = IlgpuDevice.CreateCpuSimulator();

    public IlgpuDevice? Cuda { get; } = IlgpuDevice.TryCreateCuda();

    public void Dispose()
    {
        CpuSimulator.Dispose();
        Cuda?.Dispose();
    }
}

/// <summary>The ONNX backend tests of Resize, Upsample, QuantizeLinear and DequantizeLinear (libonnx-testdata 1.12).</summary>
public sealed partial class ResizeQuantConformanceTests(ITestOutputHelper output, ResizeQuantAccelerators fixture) : IClassFixture<ResizeQuantAccelerators>
{
    private static readonly string[] Roots = ["node", "pytorch-converted", "pytorch-operator", "simple"];

    public static IEnumerable<string> Directories()
    {
        const string data = "/usr/share/libonnx-testdata/data";
        foreach (string root in Roots)
        {
            string dir = Path.Combine(data, root);
            if (!Directory.Exists(dir))
            {
                continue;
            }

            foreach (string test in Directory.GetDirectories(dir).Order(StringComparer.Ordinal))
            {
                if (MyTests().IsMatch(Path.GetFileName(test)))
                {
                    yield return test;
                }
            }
        }
    }

    [Fact]
    public void EveryBackendTestPassesOnTheHost() => RunAll(null, "host");

    [Fact]
    public void EveryBackendTestPassesOnTheCpuAccelerator() => RunAll(fixture.CpuSimulator, "ILGPU CPU");

    [Fact]
    public void EveryBackendTestPassesOnCuda()
    {
        if (fixture.Cuda is null)
        {
            output.WriteLine("no CUDA device: skipped");
            return;
        }

        RunAll(fixture.Cuda, "CUDA");
    }

    private void RunAll(Device? device, string where)
    {
        var dirs = Directories().ToList();
        Assert.True(dirs.Count >= 28, $"expected the libonnx-testdata Resize/Upsample/Quantize/Dequantize tests, found {dirs.Count}");
        var results = dirs.Select(d => RunWithPrivateConstant(d, device)).ToList();
        foreach (var r in results)
        {
            output.WriteLine($"{r.Outcome,-7} {r.Name} {r.Detail}");
        }

        int passed = results.Count(r => r.Outcome == BackendTestOutcome.Passed);
        output.WriteLine($"{where}: {passed} passed, {results.Count(r => r.Outcome == BackendTestOutcome.Skipped)} skipped, {results.Count(r => r.Outcome == BackendTestOutcome.Failed)} failed of {results.Count}");
        Assert.Empty(results.Where(r => r.Outcome == BackendTestOutcome.Failed).Select(r => $"{r.Name}: {r.Detail}"));
        // Every one of these tests uses only Resize/Upsample/QuantizeLinear/DequantizeLinear: none may be skipped.
        Assert.Empty(results.Where(r => r.Outcome == BackendTestOutcome.Skipped).Select(r => $"{r.Name}: {r.Detail}"));
    }

    /// <summary>
    /// Runs a test; when it is skipped only because it uses Constant (another engineer's op, not on this branch),
    /// runs it again on a copy whose Constant nodes are folded into initializers by this harness. Constant is not
    /// registered as an operator anywhere.
    /// </summary>
    private BackendTestResult RunWithPrivateConstant(string dir, Device? device)
    {
        BackendTestResult r = OnnxBackendTests.Run(dir, device);
        if (r.Outcome != BackendTestOutcome.Skipped || r.UnsupportedOps.Count == 0 || r.UnsupportedOps.Any(op => op != "Constant"))
        {
            return r;
        }

        string copy = Path.Combine(Path.GetTempPath(), $"sysnoise-const-{Environment.ProcessId}-{Path.GetFileName(dir)}");
        Directory.CreateDirectory(copy);
        try
        {
            var model = ModelProto.Parser.ParseFrom(File.ReadAllBytes(Path.Combine(dir, "model.onnx")));
            foreach (NodeProto node in model.Graph.Node.Where(n => n.OpType == "Constant" && n.Domain.Length == 0).ToList())
            {
                model.Graph.Initializer.Add(PrivateConstant(node));
                model.Graph.Node.Remove(node);
            }

            File.WriteAllBytes(Path.Combine(copy, "model.onnx"), model.ToByteArray());
            foreach (string set in Directory.GetDirectories(dir, "test_data_set_*"))
            {
                string target = Path.Combine(copy, Path.GetFileName(set));
                Directory.CreateDirectory(target);
                foreach (string f in Directory.GetFiles(set))
                {
                    File.Copy(f, Path.Combine(target, Path.GetFileName(f)), overwrite: true);
                }
            }

            BackendTestResult folded = OnnxBackendTests.Run(copy, device);
            return folded with { Detail = "(Constant folded by the test harness) " + folded.Detail };
        }
        finally
        {
            Directory.Delete(copy, recursive: true);
        }
    }

    /// <summary>The value of a Constant node as an initializer named after its output.</summary>
    private static TensorProto PrivateConstant(NodeProto node)
    {
        AttributeProto a = Assert.Single(node.Attribute);
        string name = node.Output[0];
        return a.Name switch
        {
            "value" => CopyNamed(a.T, name),
            "value_float" => OnnxTensors.Encode(new Tensor<float>([a.F]), name),
            "value_floats" => OnnxTensors.Encode(new Tensor<float>(a.Floats.ToArray(), a.Floats.Count), name),
            "value_int" => OnnxTensors.Encode(new Tensor<long>([a.I]), name),
            "value_ints" => OnnxTensors.Encode(new Tensor<long>(a.Ints.ToArray(), a.Ints.Count), name),
            _ => throw new NotSupportedException($"Constant attribute {a.Name}"),
        };
    }

    private static TensorProto CopyNamed(TensorProto t, string name)
    {
        TensorProto c = t.Clone();
        c.Name = name;
        return c;
    }

    [GeneratedRegex(@"^test_(resize|upsample|quantizelinear|dequantizelinear)")]
    private static partial Regex MyTests();
}

/// <summary>The upsample noise knobs, and PTX compilation of the Resize/Quant kernels.</summary>
public sealed class ResizeQuantKnobAndPtxTests(ITestOutputHelper output)
{
    private static byte[] ResizeModel(string mode, string coord, int opset = 13) =>
        new SysNoise.Runtime.Model.Quantization.OnnxModelBuilder(opset)
            .Input("x", DType.Float32, 1, 2, 5, 7).Output("y", DType.Float32)
            .Initializer("roi", new Tensor<float>([], 0)).Initializer("scales", new Tensor<float>([1f, 1f, 2.2f, 1.7f], 4))
            .Node("Resize", ["x", "roi", "scales"], ["y"], ("mode", mode), ("coordinate_transformation_mode", coord))
            .ToBytes();

    private static float[] RunModel(byte[] model, Tensor<float> x, SysNoise.Runtime.Model.Execution.ExecutionOptions options) =>
        ((Tensor<float>)new SysNoise.Runtime.Model.Execution.OnnxSession(OnnxLoader.Load(model, "k.onnx", Path.GetTempPath()), options).Run(new Dictionary<string, Tensor> { ["x"] = x })["y"]).Data;

    [Theory]
    [InlineData("nearest", "asymmetric", "linear", "half_pixel")]
    [InlineData("linear", "half_pixel", "nearest", "asymmetric")]
    [InlineData("linear", "pytorch_half_pixel", "cubic", "align_corners")]
    public void UpsampleKnobsOverrideEveryResize(string mode, string coord, string knobMode, string knobCoord)
    {
        var rng = new Random(RandomImages.RunSeed);
        var x = new Tensor<float>(Enumerable.Range(0, 70).Select(_ => (float)rng.NextDouble()).ToArray(), 1, 2, 5, 7);
        var plain = SysNoise.Runtime.Model.Execution.ExecutionOptions.Default;
        float[] asModel = RunModel(ResizeModel(mode, coord), x, plain);
        float[] knobbed = RunModel(ResizeModel(mode, coord), x, plain with { UpsampleMode = knobMode, UpsampleCoordinateMode = knobCoord });
        float[] target = RunModel(ResizeModel(knobMode, knobCoord), x, plain);
        Assert.Equal(target, knobbed);
        Assert.NotEqual(asModel, knobbed);

        // Only the mode, or only the coordinates.
        Assert.Equal(RunModel(ResizeModel(knobMode, coord), x, plain), RunModel(ResizeModel(mode, coord), x, plain with { UpsampleMode = knobMode }));
        Assert.Equal(RunModel(ResizeModel(mode, knobCoord), x, plain), RunModel(ResizeModel(mode, coord), x, plain with { UpsampleCoordinateMode = knobCoord }));
    }

    [Fact]
    public void UpsampleKnobsApplyToUpsample()
    {
        var x = new Tensor<float>(Enumerable.Range(0, 12).Select(i => (float)i).ToArray(), 1, 1, 3, 4);
        byte[] up = new SysNoise.Runtime.Model.Quantization.OnnxModelBuilder(9).Input("x", DType.Float32, 1, 1, 3, 4).Output("y", DType.Float32)
            .Initializer("s", new Tensor<float>([1f, 1f, 2f, 2f], 4)).Node("Upsample", ["x", "s"], ["y"], ("mode", "nearest")).ToBytes();
        var plain = SysNoise.Runtime.Model.Execution.ExecutionOptions.Default;
        float[] nearest = RunModel(up, x, plain);
        float[] linear = RunModel(up, x, plain with { UpsampleMode = "linear" });
        Assert.Equal(new float[] { 0, 0, 1, 1, 2, 2, 3, 3 }, nearest.Take(8));
        Assert.Equal(new float[] { 0, 0.5f, 1, 1.5f, 2, 2.5f, 3, 3 }, linear.Take(8)); // asymmetric bilinear
    }

    [Fact]
    public void KernelsCompileToPtxWithoutContraction()
    {
        using var compiler = new PtxCompiler();
        var kernels = new (string Name, System.Reflection.MethodInfo Method)[]
        {
            ("Weighted<float>", typeof(SysNoise.Kernels.Model.Resize.ResizeKernels).GetMethod("Weighted")!.MakeGenericMethod(typeof(float), typeof(SysNoise.Kernels.Model.Resize.Float32ResizeSum))),
            ("Weighted<double>", typeof(SysNoise.Kernels.Model.Resize.ResizeKernels).GetMethod("Weighted")!.MakeGenericMethod(typeof(double), typeof(SysNoise.Kernels.Model.Resize.Float64ResizeSum))),
            ("Gather<byte>", typeof(SysNoise.Kernels.Model.Resize.ResizeKernels).GetMethod("Gather")!.MakeGenericMethod(typeof(byte))),
            ("Quantize<sbyte>", typeof(SysNoise.Kernels.Model.Quant.QuantKernels).GetMethod("Quantize")!.MakeGenericMethod(typeof(sbyte), typeof(SysNoise.Kernels.Model.Quant.Int8Quant))),
            ("Dequantize<byte>", typeof(SysNoise.Kernels.Model.Quant.QuantKernels).GetMethod("Dequantize")!.MakeGenericMethod(typeof(byte), typeof(SysNoise.Kernels.Model.Quant.UInt8Quant))),
        };
        foreach ((string name, System.Reflection.MethodInfo method) in kernels)
        {
            string ptx = compiler.Compile(method);
            Assert.Contains(".entry", ptx, StringComparison.Ordinal);
            Assert.DoesNotContain("fma.", ptx, StringComparison.Ordinal);
            Assert.DoesNotContain(".approx", ptx, StringComparison.Ordinal);
            if (name.StartsWith("Quantize", StringComparison.Ordinal))
            {
                Assert.Contains("div.rn.f32", ptx, StringComparison.Ordinal);
            }

            output.WriteLine($"{name}: {ptx.Length} chars of PTX");
        }
    }
}
