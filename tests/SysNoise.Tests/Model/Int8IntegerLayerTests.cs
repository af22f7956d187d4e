using System.Text.Json;
using SysNoise.Kernels.Model.Quant;
using SysNoise.Runtime.Devices;
using SysNoise.Runtime.IO;
using SysNoise.Runtime.Model.Execution;
using SysNoise.Runtime.Model.Graph;
using SysNoise.Runtime.Model.Onnx;
using SysNoise.Runtime.Model.Quantization;
using SysNoise.Runtime.Tensors;
using SysNoise.Tests.Oracles;
using SysNoise.Tests.Support;
using Xunit.Abstractions;

namespace SysNoise.Tests.Model;

/// <summary>
/// Whole int8-int layers (Conv incl. strided, dilated, padded and depthwise; Gemm; MatMul with weights and a fused bias
/// Add; MatMul of two activations with batch broadcasting; fused Relu/Clip) against a NumPy int64 reference of the
/// documented formula, computed from the float inputs, the int8 weights and the scales alone, over every combination of
/// per-tensor/per-channel, symmetric/asymmetric weights, both roundings and both requantizations: bit-exact, and the
/// ILGPU kernels (CPU simulator; CUDA when present) give the host's bits.
/// </summary>
public sealed class Int8IntegerLayerTests(ITestOutputHelper output, NnKernelTests.Accelerators accelerators) : IClassFixture<NnKernelTests.Accelerators>
{
    private const int Cases = 64;

    private static string Reproduce => $"reproduce: SYSNOISE_SEED={RandomImages.RunSeed} dotnet test tests/SysNoise.Tests --filter \"FullyQualifiedName~{nameof(Int8IntegerLayerTests)}\"";

    [Fact]
    public void LayersMatchTheNumPyInt64ReferenceAndTheCpuSimulator() => Check(accelerators.CpuSimulator, Cases, writeOracle: true);

    [Fact]
    public void CudaMatchesHost()
    {
        if (accelerators.Cuda is null)
        {
            output.WriteLine("no CUDA device: skipped");
            return;
        }

        Check(accelerators.Cuda, Cases, writeOracle: false);
    }

    [Fact]
    public void KernelsCompileToPtxWithoutContractionOrApproximation()
    {
        using var compiler = new PtxCompiler();
        foreach (string name in new[] { "Conv", "MatMulWeights", "MatMulActivations", "Quantize", "Dequantize" })
        {
            string ptx = compiler.Compile(typeof(IntegerKernels).GetMethod(name)!);
            Assert.Contains(".entry", ptx, StringComparison.Ordinal);
            Assert.DoesNotContain("fma.", ptx, StringComparison.Ordinal);
            Assert.DoesNotContain(".approx", ptx, StringComparison.Ordinal);
            if (name == "Quantize")
            {
                Assert.Contains("div.rn.f32", ptx, StringComparison.Ordinal);
            }

            output.WriteLine($"IntegerKernels.{name}: {ptx.Length} chars of PTX");
        }
    }

    private void Check(IlgpuDevice device, int count, bool writeOracle)
    {
        int seed = RandomImages.RunSeed;
        var rng = new Random(seed ^ 0x1a7e);
        string dir = Directory.CreateTempSubdirectory("sysnoise-int8-layer-").FullName;
        var layers = new List<(LayerCase Case, IntegerLayerDescription Layer, byte[] Ours)>();
        try
        {
            var leftShifts = 0;
            for (int i = 0; i < count; i++)
            {
                LayerCase c = LayerCase.Random(rng, i);
                (IntegerLayerDescription layer, byte[] ours, OnnxModel model) = c.Run(HostDevice.Shared);
                (_, byte[] onDevice, _) = c.Run(device);
                int differ = ours.Zip(onDevice).Count(p => p.First != p.Second);
                Assert.True(differ == 0, $"case {i} {c}: {differ} of {ours.Length} outputs differ between the host and {device.Name}\n{Reproduce}");
                leftShifts += layer.Shift.Any(s => s > 0) ? 1 : 0;
                layers.Add((c, layer, ours));
                if (writeOracle)
                {
                    c.WriteOracleCase(Path.Combine(dir, $"case{i:D3}"), layer, model, ours);
                }
            }

            if (!writeOracle)
            {
                output.WriteLine($"seed {seed}: {count} layers bit-identical on the host and {device.Name}");
                return;
            }

            PythonOracle.Run(PythonOracle.Script("integer_layer.py"), dir);
            int clamped = 0;
            for (int i = 0; i < layers.Count; i++)
            {
                (LayerCase c, IntegerLayerDescription layer, byte[] ours) = layers[i];
                string caseDir = Path.Combine(dir, $"case{i:D3}");
                byte[] reference = ((Tensor<byte>)NpyFormat.Read(Path.Combine(caseDir, "ref.npy"))).Data;
                using JsonDocument refJson = JsonDocument.Parse(File.ReadAllText(Path.Combine(caseDir, "ref.json")));
                JsonElement r = refJson.RootElement;
                int channels = r.GetProperty("multiplier").GetArrayLength();
                int[] Expand(int[] v) => v.Length == channels ? v : Enumerable.Repeat(v[0], channels).ToArray();
                Assert.Equal(r.GetProperty("multiplier").EnumerateArray().Select(e => e.GetInt32()), Expand(layer.Multiplier));
                Assert.Equal(r.GetProperty("shift").EnumerateArray().Select(e => e.GetInt32()), Expand(layer.Shift));
                if (layer.Bias is not null)
                {
                    Assert.Equal(r.GetProperty("bias_q").EnumerateArray().Select(e => e.GetInt32()), layer.Bias);
                }

                Assert.Equal(r.GetProperty("y_min").GetInt32(), layer.OutputMin);
                Assert.Equal(r.GetProperty("y_max").GetInt32(), layer.OutputMax);
                int differ = reference.Zip(ours).Count(p => p.First != p.Second);
                int first = Enumerable.Range(0, reference.Length).FirstOrDefault(j => reference[j] != ours[j], -1);
                Assert.True(differ == 0, $"case {i} {c}: {differ} of {ours.Length} uint8 outputs differ from NumPy (first at {first}: ours {(first >= 0 ? ours[first] : 0)}, NumPy {(first >= 0 ? reference[first] : 0)})\n{Reproduce}");
                clamped += ours.Count(v => v == layer.OutputMax || v == layer.OutputMin);
            }

            output.WriteLine($"seed {seed}: {layers.Count} layers ({string.Join(", ", layers.GroupBy(l => l.Case.Kind).Select(g => $"{g.Count()} {g.Key}"))}) bit-exact with NumPy and {device.Name}; " +
                $"{leftShifts} with a multiplier > 1 (left shift), {clamped} outputs at a clamp bound");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>One random single-layer model, its inputs, its quantization settings and its calibrated range factors.</summary>
    private sealed record LayerCase(string Kind, byte[] Model, Dictionary<string, Tensor> Inputs, IntegerOptions Options, double InputFactor, double OutputFactor,
        string Fused, float? ClipLo, float? ClipHi, int[] Strides, int[] Pads, int[] Dilations, int Group, bool TransB, bool HasBias)
    {
        public override string ToString() =>
            $"{Kind} fused={Fused} perChannel={Options.PerChannel} symmetric={Options.SymmetricWeights} rounding={Options.Rounding} requant={Options.Requantization} " +
            $"x-range×{InputFactor} y-range×{OutputFactor} inputs {string.Join(", ", Inputs.Select(kv => $"{kv.Key} {kv.Value.ShapeText}"))}";

        public static LayerCase Random(Random rng, int i)
        {
            string kind = (i % 4) switch { 0 => "conv", 1 => "gemm", 2 => "matmul-weights", _ => "matmul-activations" };
            int combo = (i / 4) % 16;
            var options = new IntegerOptions
            {
                PerChannel = (combo & 1) != 0,
                SymmetricWeights = (combo & 2) != 0,
                Rounding = (combo & 4) != 0 ? QuantRounding.HalfAwayFromZero : QuantRounding.HalfToEven,
                Requantization = (combo & 8) != 0 ? RequantMode.SingleRounding : RequantMode.DoubleRounding,
            };
            float[] Values(int n, double scale) => Enumerable.Range(0, n).Select(_ => (float)((rng.NextDouble() * 2 - 1) * scale)).ToArray();
            string fused = kind == "matmul-activations" ? "none" : (((i / 64) + i) % 3) switch { 0 => "none", 1 => "Relu", _ => "Clip" };
            float? clipLo = fused == "Clip" ? new[] { 0f, -0.5f, 0.25f }[rng.Next(3)] : fused == "Relu" ? 0f : null;
            float? clipHi = fused == "Clip" ? new[] { 6f, 1f, 0.75f }[rng.Next(3)] : null;
            double inputFactor = new[] { 1.0, 0.8, 1.3 }[rng.Next(3)];
            double outputFactor = new[] { 1.0, 0.5, 1.5, 0.004 }[rng.Next(4)];
            var builder = new OnnxModelBuilder(13);
            var inputs = new Dictionary<string, Tensor>(StringComparer.Ordinal);
            int[] strides = [1, 1], pads = [0, 0, 0, 0], dilations = [1, 1];
            int group = 1;
            bool transB = false, hasBias = rng.Next(10) < 7;
            string y;
            switch (kind)
            {
                case "conv":
                {
                    int n, ch, h, w, oc, kh, kw;
                    while (true)
                    {
                        n = 1 + rng.Next(2);
                        ch = 1 + rng.Next(5);
                        h = 3 + rng.Next(7);
                        w = 3 + rng.Next(7);
                        kh = 1 + rng.Next(3);
                        kw = 1 + rng.Next(3);
                        strides = [1 + rng.Next(2), 1 + rng.Next(2)];
                        dilations = [1 + rng.Next(2), 1 + rng.Next(2)];
                        pads = [rng.Next(3), rng.Next(3), rng.Next(3), rng.Next(3)];
                        bool depthwise = rng.Next(3) == 0 && ch > 1;
                        group = depthwise ? ch : 1;
                        oc = depthwise ? ch * (1 + rng.Next(2)) : 1 + rng.Next(6);
                        if (h + pads[0] + pads[2] >= (dilations[0] * (kh - 1)) + 1 && w + pads[1] + pads[3] >= (dilations[1] * (kw - 1)) + 1)
                        {
                            break;
                        }
                    }

                    var x = new Tensor<float>(Values(n * ch * h * w, 2), n, ch, h, w);
                    inputs["x"] = x;
                    builder.Input("x", DType.Float32, n, ch, h, w).Initializer("w", new Tensor<float>(Values(oc * (ch / group) * kh * kw, 0.6), oc, ch / group, kh, kw));
                    if (hasBias)
                    {
                        builder.Initializer("b", new Tensor<float>(Values(oc, 1.5), oc));
                    }

                    builder.Node("Conv", hasBias ? ["x", "w", "b"] : ["x", "w"], ["conv"],
                        ("strides", strides.Select(v => (long)v).ToArray()), ("pads", pads.Select(v => (long)v).ToArray()),
                        ("dilations", dilations.Select(v => (long)v).ToArray()), ("group", (long)group), ("kernel_shape", new long[] { kh, kw }));
                    y = "conv";
                    break;
                }

                case "gemm":
                {
                    int m = 1 + rng.Next(5), k = 1 + rng.Next(40), n = 1 + rng.Next(8);
                    transB = rng.Next(2) == 0;
                    inputs["x"] = new Tensor<float>(Values(m * k, 2), m, k);
                    builder.Input("x", DType.Float32, m, k).Initializer("w", new Tensor<float>(Values(k * n, 0.5), transB ? [n, k] : [k, n]));
                    if (hasBias)
                    {
                        builder.Initializer("b", new Tensor<float>(Values(n, 1.5), n));
                    }

                    builder.Node("Gemm", hasBias ? ["x", "w", "b"] : ["x", "w"], ["gemm"], ("transB", transB ? 1L : 0L));
                    y = "gemm";
                    break;
                }

                case "matmul-weights":
                {
                    int batch = rng.Next(3), m = 1 + rng.Next(5), k = 1 + rng.Next(40), n = 1 + rng.Next(8);
                    int[] shape = batch == 0 ? [m, k] : [batch, m, k];
                    inputs["x"] = new Tensor<float>(Values(shape.Aggregate(1, (a, b) => a * b), 2), shape);
                    builder.Input("x", DType.Float32, shape).Initializer("w", new Tensor<float>(Values(k * n, 0.5), k, n));
                    builder.Node("MatMul", ["x", "w"], ["mm"]);
                    y = "mm";
                    if (hasBias)
                    {
                        builder.Initializer("b", new Tensor<float>(Values(n, 1.5), n)).Node("Add", rng.Next(2) == 0 ? ["mm", "b"] : ["b", "mm"], ["biased"]);
                        y = "biased";
                    }

                    break;
                }

                default:
                {
                    int batch = 1 + rng.Next(3), m = 1 + rng.Next(5), k = 1 + rng.Next(24), n = 1 + rng.Next(8);
                    int bBatch = rng.Next(2) == 0 ? 1 : batch;
                    hasBias = false;
                    inputs["x"] = new Tensor<float>(Values(batch * m * k, 2), batch, m, k);
                    inputs["b"] = new Tensor<float>(Values(bBatch * k * n, 1.5), bBatch, k, n);
                    builder.Input("x", DType.Float32, batch, m, k).Input("b", DType.Float32, bBatch, k, n).Node("MatMul", ["x", "b"], ["mm"]);
                    y = "mm";
                    break;
                }
            }

            if (fused == "Relu")
            {
                builder.Node("Relu", [y], ["act"]);
                y = "act";
            }
            else if (fused == "Clip")
            {
                builder.Initializer("lo", new Tensor<float>([clipLo!.Value])).Initializer("hi", new Tensor<float>([clipHi!.Value])).Node("Clip", [y, "lo", "hi"], ["act"]);
                y = "act";
            }

            builder.Output(y, DType.Float32);
            return new LayerCase(kind, builder.ToBytes(), inputs, options, inputFactor, outputFactor, fused, clipLo, clipHi, strides, pads, dilations, group, transB, hasBias);
        }

        /// <summary>Calibrates (the fp32 ranges scaled by the case's factors), rewrites and runs the layer; returns its uint8 output.</summary>
        public (IntegerLayerDescription Layer, byte[] Output, OnnxModel Model) Run(Device device)
        {
            string dir = Path.GetTempPath();
            OnnxModel floatModel = OnnxLoader.Load(Model, "layer.onnx", dir);
            var seen = new Dictionary<string, (float Lo, float Hi, int Rank)>(StringComparer.Ordinal);
            new OnnxSession(floatModel).Run(Inputs, (name, t) =>
            {
                if (t is Tensor<float> f && f.Data.Length > 0)
                {
                    seen[name] = (f.Data.Min(), f.Data.Max(), f.Rank);
                }
            });
            var calibrator = new RangeCalibrator();
            foreach ((string name, (float lo, float hi, int rank)) in seen)
            {
                double factor = Inputs.ContainsKey(name) ? InputFactor : OutputFactor;
                calibrator.Add(name, new Tensor<float>([(float)(lo * factor), (float)(hi * factor)], [2, .. Enumerable.Repeat(1, rank - 1)]));
            }

            (byte[] bytes, IntegerModelDescription description) = IntegerRewriter.Rewrite(Model, calibrator, Options);
            Assert.True(description.Layers.Count == 1 && description.Skipped.Count == 0, $"{this}: expected one integer layer, got {description.Layers.Count} (skipped: {string.Join("; ", description.Skipped)})");
            IntegerLayerDescription layer = description.Layers[0];
            OnnxModel integer = OnnxLoader.Load(bytes, "layer.int8.onnx", dir);
            string quantizedOutput = IntegerRewriter.QuantizedName(layer.Output.Value);
            Tensor<byte>? captured = null;
            IReadOnlyDictionary<string, Tensor> result = new OnnxSession(integer, new ExecutionOptions { Threads = 2 }, device).Run(Inputs, (name, t) =>
            {
                if (name == quantizedOutput)
                {
                    captured = (Tensor<byte>)t;
                }
            });
            Assert.NotNull(captured);
            float[] dequantized = ((Tensor<float>)result.Values.Single()).Data;
            for (int j = 0; j < dequantized.Length; j++)
            {
                Assert.Equal(IntegerMath.Dequantize(captured!.Data[j], layer.Output.ZeroPoint, layer.Output.Scale), dequantized[j]);
            }

            return (layer, captured!.Data, integer);
        }

        public void WriteOracleCase(string dir, IntegerLayerDescription layer, OnnxModel integer, byte[] ours)
        {
            Directory.CreateDirectory(dir);
            NpyFormat.Write(Path.Combine(dir, "x.npy"), Inputs["x"]);
            if (layer.Weights is { } w)
            {
                NpyFormat.Write(Path.Combine(dir, "w.npy"), integer.Graph.Initializers[w.Int8Value]);
            }

            if (Inputs.TryGetValue("b", out Tensor? b))
            {
                NpyFormat.Write(Path.Combine(dir, "b.npy"), b);
            }

            if (HasBias)
            {
                OnnxModel floatModel = OnnxLoader.Load(Model, "layer.onnx", Path.GetTempPath());
                NpyFormat.Write(Path.Combine(dir, "bias.npy"), floatModel.Graph.Initializers["b"]);
            }

            NpyFormat.Write(Path.Combine(dir, "ours.npy"), new Tensor<byte>(ours, ours.Length));
            var json = new Dictionary<string, object?>
            {
                ["kind"] = Kind == "conv" ? "conv" : "matmul",
                ["rounding"] = Options.Rounding == QuantRounding.HalfAwayFromZero ? "half-away-from-zero" : "half-to-even",
                ["requantization"] = Options.Requantization == RequantMode.SingleRounding ? "single-rounding" : "double-rounding",
                ["x_scale"] = layer.Input.Scale,
                ["x_zp"] = layer.Input.ZeroPoint,
                ["w_scale"] = layer.Weights?.Scale,
                ["w_zp"] = layer.Weights?.ZeroPoint,
                ["b_scale"] = layer.RightInput?.Scale,
                ["b_zp"] = layer.RightInput?.ZeroPoint,
                ["y_scale"] = layer.Output.Scale,
                ["y_zp"] = layer.Output.ZeroPoint,
                ["clip_lo"] = ClipLo,
                ["clip_hi"] = ClipHi,
                ["strides"] = Strides,
                ["pads"] = Pads,
                ["dilations"] = Dilations,
                ["group"] = Group,
                ["trans_b"] = TransB,
                ["right"] = Kind == "matmul-activations" ? "activation" : "weights",
            };
            File.WriteAllText(Path.Combine(dir, "case.json"), JsonSerializer.Serialize(json));
        }
    }
}
