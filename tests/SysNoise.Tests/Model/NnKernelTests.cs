using Microsoft.ML.OnnxRuntime;
using SysNoise.Kernels.Model.Nn;
using SysNoise.Runtime.Devices;
using SysNoise.Runtime.Model.Execution;
using SysNoise.Runtime.Tensors;
using SysNoise.Tests.Support;
using Xunit.Abstractions;

namespace SysNoise.Tests.Model;

/// <summary>
/// The NN ops' numerics: the ILGPU kernels (CPU accelerator; CUDA when present) give the host path's bits, the host
/// path gives the same bits on 1, 2 and all threads, results agree with ONNX Runtime (relative L2 &lt; 1e-5), and the
/// pooling ceil-mode knob follows the modern and legacy rules.
/// </summary>
public sealed class NnKernelTests(ITestOutputHelper output, NnKernelTests.Accelerators fixture) : IClassFixture<NnKernelTests.Accelerators>
{
    private string Reproduce => $"reproduce: SYSNOISE_SEED={RandomImages.RunSeed} dotnet test tests/SysNoise.Tests --filter \"FullyQualifiedName~{nameof(NnKernelTests)}\"";

    [Fact]
    public void CpuAcceleratorMatchesHost()
    {
        CheckDevice(fixture.CpuSimulator, 36, 5);
    }

    [Fact]
    public void CudaMatchesHost()
    {
        if (fixture.Cuda is null)
        {
            output.WriteLine("no CUDA device: skipped");
            return;
        }

        CheckDevice(fixture.Cuda, 90, 16);
    }

    private void CheckDevice(Device device, int count, int scale)
    {
        output.WriteLine($"seed {RandomImages.RunSeed}; device {device.Name}");
        var rng = new Random(HashCode.Combine(RandomImages.RunSeed, device.Kind) & int.MaxValue);
        int n = 0;
        foreach (NnCase c in NnRandomCases.Generate(rng, count, scale))
        {
            Tensor[] host = c.RunSysNoise(HostDevice.Shared, threads: 2);
            Tensor[] kernel = c.RunSysNoise(device);
            for (int o = 0; o < host.Length; o++)
            {
                string? diff = Bits(host[o], kernel[o]);
                Assert.True(diff is null, $"{c} output {o} on {device.Name}: {diff}\n{Reproduce}");
            }

            n++;
        }

        output.WriteLine($"{n} cases bit-identical");
    }

    [Fact]
    public void ThreadCountDoesNotChangeBits()
    {
        output.WriteLine($"seed {RandomImages.RunSeed}");
        var rng = new Random(RandomImages.RunSeed ^ 0x5eed);
        var cases = NnRandomCases.Generate(rng, 27, 24);
        cases.AddRange(LargeCases(rng));
        foreach (NnCase c in cases)
        {
            Tensor[] one = c.RunSysNoise(threads: 1);
            Tensor[] two = c.RunSysNoise(threads: 2);
            Tensor[] all = c.RunSysNoise(threads: 0);
            for (int o = 0; o < one.Length; o++)
            {
                Assert.True(Bits(one[o], two[o]) is null, $"{c} output {o}: 1 vs 2 threads: {Bits(one[o], two[o])}\n{Reproduce}");
                Assert.True(Bits(one[o], all[o]) is null, $"{c} output {o}: 1 vs all threads: {Bits(one[o], all[o])}\n{Reproduce}");
            }
        }

        output.WriteLine($"{cases.Count} cases bit-identical on 1, 2 and {Environment.ProcessorCount} threads");
    }

    /// <summary>The host's fast paths (GEMM tiles, K blocks, depthwise vectors) against the scalar per-element chain.</summary>
    [Fact]
    public void FastPathsMatchTheScalarChain()
    {
        var rng = new Random(RandomImages.RunSeed ^ 0xc0de);
        foreach (NnCase c in LargeCases(rng).Where(c => c.Op == "Conv"))
        {
            Tensor<float> x = c.Inputs[0].Tensor, w = c.Inputs[1].Tensor;
            float[]? b = c.Inputs.Count > 2 ? c.Inputs[2].Tensor.Data : null;
            var y = (Tensor<float>)c.RunSysNoise(threads: 2)[0];
            int group = c.Attributes.TryGetValue("group", out object? gv) ? (int)(long)gv : 1;
            long[] pads = (long[])c.Attributes["pads"];
            long[] strides = (long[])c.Attributes["strides"];
            var g = new NnGeometry
            {
                Batch = x.Shape[0], Channels = x.Shape[1], InD = 1, InH = x.Shape[2], InW = x.Shape[3], OutChannels = w.Shape[0], Group = group,
                KD = 1, KH = w.Shape[2], KW = w.Shape[3], SD = 1, SH = (int)strides[0], SW = (int)strides[1], PD = 0, PH = (int)pads[0], PW = (int)pads[1],
                DD = 1, DH = 1, DW = 1, OutD = 1, OutH = y.Shape[2], OutW = y.Shape[3],
            };
            unsafe
            {
                fixed (float* xp = x.Data)
                {
                    fixed (float* wp = w.Data)
                    {
                        var xs = new PointerSource(xp);
                        var ws = new PointerSource(wp);
                        long i = 0;
                        for (int n = 0; n < g.Batch; n++)
                        {
                            for (int oc = 0; oc < g.OutChannels; oc++)
                            {
                                for (int oh = 0; oh < g.OutH; oh++)
                                {
                                    for (int ow = 0; ow < g.OutW; ow++, i++)
                                    {
                                        float acc = NnMath.ConvElement(xs, ws, g, n, oc, 0, oh, ow);
                                        float expected = b is null ? acc : NnMath.AddBias(acc, b[oc]);
                                        Assert.True(BitConverter.SingleToInt32Bits(expected) == BitConverter.SingleToInt32Bits(y.Data[i]), $"{c}: element {i}: {y.Data[i]:R}, scalar chain {expected:R}");
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    [Fact]
    public void MatchesOnnxRuntime()
    {
        output.WriteLine($"seed {RandomImages.RunSeed}");
        var rng = new Random(RandomImages.RunSeed ^ 0x0e7);
        var cases = NnRandomCases.Generate(rng, 45, 14, ortCompatible: true);
        cases.AddRange(LargeCases(rng));
        using var options = new SessionOptions { IntraOpNumThreads = 2 };
        double worst = 0;
        foreach (NnCase c in cases)
        {
            Tensor[] ours = c.RunSysNoise(threads: 2);
            using var session = new InferenceSession(c.ToModel(), options);
            var feeds = c.Inputs.Where(i => !i.Initializer).Select(i => NamedOnnxValue.CreateFromTensor(i.Name, new Microsoft.ML.OnnxRuntime.Tensors.DenseTensor<float>(i.Tensor.Data, i.Tensor.Shape))).ToList();
            using var results = session.Run(feeds);
            for (int o = 0; o < ours.Length; o++)
            {
                var r = results.First(v => v.Name == $"y{o}");
                if (ours[o] is Tensor<long> idx)
                {
                    long[] theirs = r.AsTensor<long>().ToArray();
                    Assert.True(idx.Data.SequenceEqual(theirs), $"{c}: indices differ from ONNX Runtime\n{Reproduce}");
                    continue;
                }

                var t = r.AsTensor<float>();
                var ourT = (Tensor<float>)ours[o];
                Assert.True(t.Dimensions.ToArray().SequenceEqual(ourT.Shape), $"{c}: shape {ourT.ShapeText}, ONNX Runtime ({string.Join(", ", t.Dimensions.ToArray())})\n{Reproduce}");
                float[] theirsF = t.ToArray();
                double num = 0, den = 0;
                for (int i = 0; i < theirsF.Length; i++)
                {
                    double d = (double)ourT.Data[i] - theirsF[i];
                    num += d * d;
                    den += (double)theirsF[i] * theirsF[i];
                }

                double rel = den == 0 ? Math.Sqrt(num) : Math.Sqrt(num / den);
                worst = Math.Max(worst, rel);
                Assert.True(rel < 1e-5, $"{c}: relative L2 {rel:E2} from ONNX Runtime\n{Reproduce}");
            }
        }

        output.WriteLine($"{cases.Count} cases, worst relative L2 vs ONNX Runtime {worst:E2}");
    }

    [Fact]
    public void CeilRulesAndKnob()
    {
        // kernels.md §5.1: k=1, s=2, no pad on 4: floor 2; ceil 3 under the legacy rule, 2 under the modern one
        // (the third window would start at 4 ≥ in + pad_begin).
        Assert.Equal(2, PoolGeometry.OutputSize(4, 1, 2, 0, 0, 1, false, PoolCeilRule.Modern));
        Assert.Equal(3, PoolGeometry.OutputSize(4, 1, 2, 0, 0, 1, true, PoolCeilRule.Legacy));
        Assert.Equal(2, PoolGeometry.OutputSize(4, 1, 2, 0, 0, 1, true, PoolCeilRule.Modern));
        Assert.False(PoolGeometry.CeilChangesSize(4, 1, 2, 0, 0, 1, PoolCeilRule.Modern));
        Assert.True(PoolGeometry.CeilChangesSize(4, 1, 2, 0, 0, 1, PoolCeilRule.Legacy));

        // ResNet's stem pool (3×3, s2, pad 1) on 112: 56 floor, 57 ceil (the knob changes ResNet's shapes); on 113: 57 either way.
        Assert.Equal(56, PoolGeometry.OutputSize(112, 3, 2, 1, 1, 1, false, PoolCeilRule.Modern));
        Assert.Equal(57, PoolGeometry.OutputSize(112, 3, 2, 1, 1, 1, true, PoolCeilRule.Modern));
        Assert.Equal(57, PoolGeometry.OutputSize(112, 3, 2, 1, 1, 1, true, PoolCeilRule.Legacy));
        Assert.Equal(57, PoolGeometry.OutputSize(113, 3, 2, 1, 1, 1, false, PoolCeilRule.Modern));
        Assert.Equal(57, PoolGeometry.OutputSize(113, 3, 2, 1, 1, 1, true, PoolCeilRule.Modern));

        // 5, k=2, s=2, pad 1+1: ceil gives 4 windows; the 4th would start at 6 ≥ 5 + 1, dropped by the modern rule.
        Assert.Equal(3, PoolGeometry.OutputSize(5, 2, 2, 1, 1, 1, false, PoolCeilRule.Modern));
        Assert.Equal(3, PoolGeometry.OutputSize(5, 2, 2, 1, 1, 1, true, PoolCeilRule.Modern));
        Assert.Equal(4, PoolGeometry.OutputSize(5, 2, 2, 1, 1, 1, true, PoolCeilRule.Legacy));

        // The session knob overrides the model's ceil_mode on every pool.
        var x = NnRandomCases.Random(new Random(1), 1, 2, 5, 5);
        var c = new NnCase("MaxPool", new Dictionary<string, object> { ["kernel_shape"] = new long[] { 2, 2 }, ["strides"] = new long[] { 2, 2 }, ["pads"] = new long[] { 1, 1, 1, 1 } }, [new("x", x)]);
        Assert.Equal(new[] { 1, 2, 3, 3 }, c.RunSysNoise().Single().Shape);
        Assert.Equal(new[] { 1, 2, 3, 3 }, c.RunSysNoise(options: new ExecutionOptions { CeilMode = true }).Single().Shape);
        var legacy = (Tensor<float>)c.RunSysNoise(options: new ExecutionOptions { CeilMode = true, CeilRule = CeilRule.Legacy }).Single();
        Assert.Equal(new[] { 1, 2, 4, 4 }, legacy.Shape);

        // The legacy extra window starts in the right padding and holds no input: −inf (empty max), as old PyTorch.
        Assert.Equal(float.NegativeInfinity, legacy.Data[3]);
        Assert.Equal(x.Data[0], legacy.Data[0]);
        var ceilOff = new NnCase("MaxPool", new Dictionary<string, object> { ["kernel_shape"] = new long[] { 3 }, ["strides"] = new long[] { 2 }, ["ceil_mode"] = 1L }, [new("x", NnRandomCases.Random(new Random(2), 1, 1, 8))]);
        Assert.Equal(new[] { 1, 1, 4 }, ceilOff.RunSysNoise().Single().Shape);
        Assert.Equal(new[] { 1, 1, 3 }, ceilOff.RunSysNoise(options: new ExecutionOptions { CeilMode = false }).Single().Shape);
    }

    /// <summary>ResNet/MobileNet-like shapes: K above the GEMM's K block, many tiles and panels, depthwise planes.</summary>
    private static List<NnCase> LargeCases(Random rng)
    {
        NnCase Conv(int c, int oc, int hw, int k, int s, int group = 1, bool bias = true)
        {
            var attrs = new Dictionary<string, object> { ["strides"] = new long[] { s, s }, ["pads"] = new long[] { k / 2, k / 2, k / 2, k / 2 }, ["group"] = (long)group };
            var inputs = new List<NnInput> { new("x", NnRandomCases.Random(rng, 1, c, hw, hw)), new("w", NnRandomCases.Random(rng, oc, c / group, k, k), true) };
            if (bias)
            {
                inputs.Add(new("b", NnRandomCases.Random(rng, oc), true));
            }

            return new NnCase("Conv", attrs, inputs);
        }

        return
        [
            Conv(64, 64, 28, 3, 1),
            Conv(40, 36, 19, 3, 2, bias: false),
            Conv(128, 72, 14, 1, 1),
            Conv(96, 96, 30, 3, 1, group: 96),
            Conv(32, 64, 17, 3, 2, group: 32),
            Conv(3, 16, 45, 7, 2),
            new NnCase("Gemm", new Dictionary<string, object> { ["transB"] = 1L }, [new("a", NnRandomCases.Random(rng, 1, 700)), new("b", NnRandomCases.Random(rng, 300, 700), true), new("c", NnRandomCases.Random(rng, 300), true)]),
            new NnCase("MatMul", new Dictionary<string, object>(), [new("a", NnRandomCases.Random(rng, 3, 70, 300)), new("b", NnRandomCases.Random(rng, 300, 90))]),
        ];
    }

    private static string? Bits(Tensor a, Tensor b)
    {
        if (!a.Shape.SequenceEqual(b.Shape))
        {
            return $"shape {b.ShapeText} vs {a.ShapeText}";
        }

        for (long i = 0; i < a.Length; i++)
        {
            double x = a.GetAsDouble(i), y = b.GetAsDouble(i);
            bool same = a is Tensor<float> fa && b is Tensor<float> fb
                ? BitConverter.SingleToInt32Bits(fa.Data[i]) == BitConverter.SingleToInt32Bits(fb.Data[i])
                : x.Equals(y);
            if (!same)
            {
                return $"element {i}: {y:R} vs {x:R}";
            }
        }

        return null;
    }

    /// <summary>The accelerators, created once for the class (ILGPU contexts are expensive).</summary>
    public sealed class Accelerators : IDisposable
    {
        public IlgpuDevice CpuSimulator { get; } = IlgpuDevice.CreateCpuSimulator();

        public IlgpuDevice? Cuda { get; } = IlgpuDevice.TryCreateCuda();

        public void Dispose()
        {
            CpuSimulator.Dispose();
            Cuda?.Dispose();
        }
    }
}
