using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using SysNoise.Runtime.Model.Execution;
using SysNoise.Runtime.Model.Onnx;
using SysNoise.Runtime.Model.Onnx.Proto;
using SysNoise.Runtime.Model.Ops;
using SysNoise.Runtime.Model.Quantization;
using SysNoise.Runtime.Tensors;
using SysNoise.Tests.Support;
using Xunit.Abstractions;

namespace SysNoise.Tests.Model;

/// <summary>INT8 tooling: ORT's scale/zero-point rule, calibration, weight quantization, the QDQ rewrite against ONNX Runtime.</summary>
public sealed class ResizeQuantQdqTests(ITestOutputHelper output)
{
    [Fact]
    public void ScaleAndZeroPointFollowOrtRule()
    {
        // rmin/rmax widened to include 0; asymmetric uint8 over [-1, 3]: scale 4/255, zp round(0 + 1/scale) = 64.
        (float s, int z) = QuantParams.Compute(-1f, 3f, QuantRange.For(DType.UInt8), symmetric: false);
        Assert.Equal((float)(4.0 / 255), s);
        Assert.Equal(64, z);
        (s, z) = QuantParams.Compute(0.5f, 2f, QuantRange.For(DType.UInt8), symmetric: false);
        Assert.Equal((float)(2.0 / 255), s);
        Assert.Equal(0, z);
        (s, z) = QuantParams.Compute(-3f, 1f, QuantRange.For(DType.Int8, symmetric: true), symmetric: true);
        Assert.Equal((float)(6.0 / 254), s);
        Assert.Equal(0, z);
        (s, z) = QuantParams.Compute(-3f, 1f, QuantRange.For(DType.UInt8, symmetric: true), symmetric: true);
        Assert.Equal(127, z);
        (s, z) = QuantParams.Compute(0f, 0f, QuantRange.For(DType.Int8), symmetric: false);
        Assert.Equal((1f, 0), (s, z));
        Assert.Equal(new QuantRange(DType.Int8, -64, 64), QuantRange.For(DType.Int8, reduceRange: true));
    }

    [Fact]
    public void CalibrationMinMaxAndPercentile()
    {
        var rng = new Random(RandomImages.RunSeed);
        var minMax = new RangeCalibrator();
        var pct = new RangeCalibrator(CalibrationMethod.Percentile, percentile: 99.0, symmetric: true);
        var pctAsym = new RangeCalibrator(CalibrationMethod.Percentile, percentile: 98.0);
        for (int b = 0; b < 4; b++)
        {
            // Uniform in [-1, 1] plus a few large outliers.
            float[] v = Enumerable.Range(0, 10000).Select(i => i % 997 == 0 ? 50f : (float)((rng.NextDouble() * 2) - 1)).ToArray();
            var t = new Tensor<float>(v, v.Length);
            minMax.Add("a", t);
            pct.Add("a", t);
            pctAsym.Add("a", t);
        }

        (float lo, float hi) = minMax.Range("a");
        Assert.Equal(50f, hi);
        Assert.True(lo < -0.99f);
        (lo, hi) = pct.Range("a");
        Assert.Equal(-hi, lo);
        Assert.InRange(hi, 0.97f, 1.03f);   // 99 % of |x| is below ~0.99; the outliers (0.1 %) are cut
        (lo, hi) = pctAsym.Range("a");
        Assert.InRange(lo, -1.01f, -0.95f);
        Assert.InRange(hi, 0.95f, 1.05f);
    }

    [Fact]
    public void WeightQuantizationPerChannelAndRounding()
    {
        // Channel 0 spans [-2, 2] (symmetric int8 scale 4/254); the value 1.5·scale is a tie.
        float scale = (float)(4.0 / 254);
        float tie = 2.5f * scale;
        var w = new Tensor<float>([-2f, 2f, tie, 0f, 1f, -1f, 0.5f, 0f], 2, 4);
        (Tensor q, QuantParams p) = WeightQuantizer.Quantize(w, QuantRange.For(DType.Int8, symmetric: true), symmetric: true, axis: 0, QuantRounding.HalfToEven);
        var qs = ((Tensor<sbyte>)q).Data;
        Assert.Equal(scale, p.Scale[0]);
        Assert.Equal(-127, qs[0]);
        Assert.Equal(127, qs[1]);
        int even = (int)MathF.Round(tie / scale, MidpointRounding.ToEven);
        Assert.Equal(even, qs[2]);
        (Tensor q2, _) = WeightQuantizer.Quantize(w, QuantRange.For(DType.Int8, symmetric: true), symmetric: true, axis: 0, QuantRounding.HalfAwayFromZero);
        Assert.Equal((int)MathF.Round(tie / scale, MidpointRounding.AwayFromZero), ((Tensor<sbyte>)q2).Data[2]);
        Assert.Equal(2, p.Scale.Length);
        Assert.Equal(127, qs[4]); // channel 1: [-1, 1]
    }

    [Theory]
    [InlineData(true, DType.UInt8)]
    [InlineData(false, DType.Int8)]
    public void QdqModelRunsInOrtAndOurQdqArithmeticIsOrts(bool perChannel, DType activationType)
    {
        var rng = new Random(HashCode.Combine(RandomImages.RunSeed, perChannel, activationType) & int.MaxValue);
        output.WriteLine($"seed {RandomImages.RunSeed}");
        const int M = 4, K = 16, N = 6;
        float[] wData = Enumerable.Range(0, K * N).Select(_ => (float)((rng.NextDouble() * 2) - 1) * (1 + rng.Next(4))).ToArray();
        byte[] floatModel = new OnnxModelBuilder(13).Input("x", DType.Float32, M, K).Output("y", DType.Float32, [M, N])
            .Initializer("W", new Tensor<float>(wData, K, N)).Node("MatMul", ["x", "W"], ["y"]).ToBytes();

        // Calibration over 8 batches of the graph input (the only activation here).
        var calibrator = new RangeCalibrator();
        Tensor<float> Batch() => new(Enumerable.Range(0, M * K).Select(_ => (float)((rng.NextDouble() * 6) - 2)).ToArray(), M, K);
        for (int i = 0; i < 8; i++)
        {
            calibrator.Add("x", Batch());
        }

        var options = new QdqOptions { PerChannel = perChannel, ActivationType = activationType };
        byte[] qdq = QdqRewriter.Rewrite(floatModel, calibrator, options);
        string path = Path.Combine(Path.GetTempPath(), $"sysnoise-qdq-{Environment.ProcessId}.onnx");
        File.WriteAllBytes(path, qdq);
        try
        {
            var parsed = ModelProto.Parser.ParseFrom(qdq);
            Assert.Equal(["QuantizeLinear", "DequantizeLinear", "DequantizeLinear", "MatMul"], parsed.Graph.Node.Select(n => n.OpType));
            Assert.DoesNotContain(parsed.Graph.Initializer, t => t.Name == "W");

            Tensor<float> x = Batch();
            var inputs = new Dictionary<string, Tensor> { ["x"] = x };
            var ortQdq = (Tensor<float>)OrtOracle.Run(File.ReadAllBytes(path), inputs)["y"];
            var ortFloat = (Tensor<float>)OrtOracle.Run(floatModel, inputs)["y"];
            double maxErr = ortQdq.Data.Zip(ortFloat.Data, (a, b) => Math.Abs(a - b)).Max();
            double maxAbs = ortFloat.Data.Max(MathF.Abs);
            output.WriteLine($"QDQ vs float in ORT: max |error| {maxErr:G4} (max |y| {maxAbs:G4})");
            Assert.True(maxErr < 0.05 * maxAbs, "the QDQ model should approximate the float model");

            // ORT's default optimisations fuse Q/DQ around MatMul into integer kernels: report what it runs and whether it differs.
            string optimized = OrtOracle.OptimizedModelPath(File.ReadAllBytes(path), GraphOptimizationLevel.ORT_ENABLE_ALL, path + ".opt.onnx");
            var optOps = ModelProto.Parser.ParseFrom(File.ReadAllBytes(optimized)).Graph.Node.Select(n => n.OpType).ToList();
            var ortOpt = (Tensor<float>)OrtOracle.Run(File.ReadAllBytes(path), inputs, GraphOptimizationLevel.ORT_ENABLE_ALL)["y"];
            int differing = ortOpt.Data.Zip(ortQdq.Data, (a, b) => a.Equals(b) ? 0 : 1).Sum();
            output.WriteLine($"ORT_ENABLE_ALL runs [{string.Join(", ", optOps)}]; {differing} of {ortOpt.Data.Length} outputs differ from ORT_DISABLE_ALL (max |diff| {ortOpt.Data.Zip(ortQdq.Data, (a, b) => Math.Abs(a - b)).Max():G4})");
            File.Delete(optimized);

            // Our executor on the graph's Q/DQ nodes: bit-exact with ORT (MatMul itself is another branch's op).
            ModelProto sub = parsed.Clone();
            sub.Graph.Node.Remove(sub.Graph.Node.Single(n => n.OpType == "MatMul"));
            sub.Graph.Output.Clear();
            sub.Graph.Output.Add(OnnxModelBuilder.ValueInfo("x_dequantized", DType.Float32, [M, K]));
            sub.Graph.Output.Add(OnnxModelBuilder.ValueInfo("W_dequantized", DType.Float32, [K, N]));
            byte[] subBytes = sub.ToByteArray();
            var ortSub = OrtOracle.Run(subBytes, inputs);
            var ours = new OnnxSession(OnnxLoader.Load(subBytes, "sub.onnx", Path.GetTempPath())).Run(inputs);
            foreach (string name in new[] { "x_dequantized", "W_dequantized" })
            {
                Assert.Equal(((Tensor<float>)ortSub[name]).Data.Select(BitConverter.SingleToInt32Bits), ((Tensor<float>)ours[name]).Data.Select(BitConverter.SingleToInt32Bits));
            }

            // The whole QDQ model on our executor once MatMul is available (branch nn): exactly ORT_DISABLE_ALL's output.
            if (OpRegistry.TryGet(string.Empty, "MatMul", out _))
            {
                var full = (Tensor<float>)new OnnxSession(OnnxLoader.Load(path)).Run(inputs)["y"];
                Assert.Equal(ortQdq.Data.Select(BitConverter.SingleToInt32Bits), full.Data.Select(BitConverter.SingleToInt32Bits));
                output.WriteLine("full QDQ model: identical to ORT_DISABLE_ALL");
            }
            else
            {
                output.WriteLine("MatMul is not on this branch: the full QDQ model runs after the merge with branch nn");
            }
        }
        finally
        {
            File.Delete(path);
        }
    }
}

/// <summary>
/// INT8 QDQ of a real convolutional model (the bundled Fashion-MNIST ResNet): ours vs ONNX Runtime on the same QDQ
/// graph. The Q/DQ arithmetic itself is bit-exact (the MatMul test above), and with
/// <see cref="AccumulationOrder.OnnxRuntimeCpu"/> the float ops between them (Conv, Gemm, GlobalAveragePool) sum in
/// MLAS's order, so every output is ORT_DISABLE_ALL's, bit for bit (per value: <see cref="QdqOrtParityTests"/>).
/// </summary>
public sealed class QdqConvModelTests(ITestOutputHelper output)
{
    [Fact]
    public void BundledResNetQdqGraphIsOnnxRuntimeBitForBit()
    {
        string repo = TestPaths.Repository;
        string modelPath = Path.Combine(repo, "models", "fashion", "resnet_narrow.onnx");
        Assert.True(File.Exists(modelPath), modelPath);
        SysNoise.Runtime.Model.Graph.OnnxModel model = SysNoise.Runtime.Model.Onnx.OnnxLoader.Load(modelPath);
        var rng = new Random(SysNoise.Tests.Support.RandomImages.RunSeed);
        Tensor<float> Input() => new(Enumerable.Range(0, 3 * 64 * 64).Select(_ => (float)((rng.NextDouble() * 4) - 2)).ToArray(), 1, 3, 64, 64);
        var calibration = Enumerable.Range(0, 4).Select(_ => (IReadOnlyDictionary<string, Tensor>)new Dictionary<string, Tensor> { ["input"] = Input() }).ToList();
        var qdq = SysNoise.Runtime.Model.Quantization.QdqPipeline.Prepare(model, calibration, new SysNoise.Runtime.Profiles.QuantizationSettings());
        var session = new SysNoise.Runtime.Model.Execution.OnnxSession(qdq.Model, new ExecutionOptions { Accumulation = AccumulationOrder.OnnxRuntimeCpu });
        int identical = 0;
        double worst = 0, worstRel = 0;
        for (int i = 0; i < 4; i++)
        {
            var inputs = new Dictionary<string, Tensor> { ["input"] = Input() };
            var ours = (Tensor<float>)session.Run(inputs)["logits"];
            var ort = (Tensor<float>)OrtOracle.Run(qdq.Bytes, inputs, GraphOptimizationLevel.ORT_DISABLE_ALL)["logits"];
            bool same = ours.Data.Select(BitConverter.SingleToInt32Bits).SequenceEqual(ort.Data.Select(BitConverter.SingleToInt32Bits));
            identical += same ? 1 : 0;
            worst = Math.Max(worst, ours.Data.Zip(ort.Data).Max(p => Math.Abs(p.First - p.Second)));
            double num = ours.Data.Zip(ort.Data).Sum(p => ((double)p.First - p.Second) * ((double)p.First - p.Second));
            double den = ort.Data.Sum(v => (double)v * v);
            worstRel = Math.Max(worstRel, Math.Sqrt(num / den));
            Assert.Equal(Array.IndexOf(ort.Data, ort.Data.Max()), Array.IndexOf(ours.Data, ours.Data.Max()));
        }

        output.WriteLine($"seed {SysNoise.Tests.Support.RandomImages.RunSeed}: {identical}/4 inputs bit-identical to ORT (ORT_DISABLE_ALL) on the QDQ ResNet; max |diff| {worst:G3}, relative L2 {worstRel:G3}");
        Assert.True(worstRel < 1e-5, $"relative L2 {worstRel:G3} (seed {SysNoise.Tests.Support.RandomImages.RunSeed})");
        Assert.True(identical == 4, $"{identical}/4 inputs bit-identical to ORT; max |diff| {worst:G3} (seed {SysNoise.Tests.Support.RandomImages.RunSeed})");
    }
}
