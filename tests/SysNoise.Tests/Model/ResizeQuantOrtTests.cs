using SysNoise.Runtime.Devices;
using SysNoise.Runtime.Model.Execution;
using SysNoise.Runtime.Model.Graph;
using SysNoise.Runtime.Model.Onnx;
using SysNoise.Runtime.Model.Quantization;
using SysNoise.Runtime.Tensors;
using SysNoise.Tests.Support;
using Xunit.Abstractions;

namespace SysNoise.Tests.Model;

/// <summary>QuantizeLinear/DequantizeLinear bit-exact with ONNX Runtime 1.31.1 on fresh random inputs, ties included.</summary>
public sealed class ResizeQuantOrtTests(ITestOutputHelper output, ResizeQuantAccelerators fixture) : IClassFixture<ResizeQuantAccelerators>
{
    public static TheoryData<int, DType, bool> QuantCases()
    {
        var data = new TheoryData<int, DType, bool>();
        foreach (int opset in new[] { 10, 13, 19 })
        {
            foreach (DType t in new[] { DType.UInt8, DType.Int8 })
            {
                data.Add(opset, t, false);
                if (opset >= 13)
                {
                    data.Add(opset, t, true);
                }
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(QuantCases))]
    public void QuantizeLinearIsBitExactWithOrt(int opset, DType type, bool perAxis)
    {
        int seed = HashCode.Combine(RandomImages.RunSeed, opset, type, perAxis) & int.MaxValue;
        output.WriteLine($"seed {RandomImages.RunSeed} (case seed {seed})");
        var rng = new Random(seed);
        for (int round = 0; round < 8; round++)
        {
            int[] shape = [1 + rng.Next(3), 1 + rng.Next(6), 1 + rng.Next(40), 1 + rng.Next(40)];
            int axis = perAxis ? rng.Next(4) : 1;
            int channels = perAxis ? shape[axis] : 1;
            float[] scale = Enumerable.Range(0, channels).Select(_ => Scale(rng)).ToArray();
            int[] zp = Enumerable.Range(0, channels).Select(_ => type == DType.UInt8 ? rng.Next(256) : rng.Next(-128, 128)).ToArray();
            long inner = 1;
            for (int d = axis + 1; d < 4; d++)
            {
                inner *= shape[d];
            }

            var x = new float[Tensor.ElementCount(shape)];
            for (long i = 0; i < x.Length; i++)
            {
                int c = perAxis ? (int)((i / inner) % channels) : 0;
                x[i] = Value(rng, scale[c], zp[c]);
            }

            Tensor zpTensor = type == DType.UInt8
                ? new Tensor<byte>(zp.Select(v => (byte)v).ToArray(), perAxis ? [channels] : [])
                : new Tensor<sbyte>(zp.Select(v => (sbyte)v).ToArray(), perAxis ? [channels] : []);
            var builder = new OnnxModelBuilder(opset)
                .Input("x", DType.Float32, shape)
                .Output("y", type, shape)
                .Initializer("scale", new Tensor<float>(scale, perAxis ? [channels] : []))
                .Initializer("zp", zpTensor);
            builder.Node("QuantizeLinear", ["x", "scale", "zp"], ["y"], opset >= 13 ? [("axis", (long)axis)] : []);
            CompareWithOrt(builder.ToBytes(), new Dictionary<string, Tensor> { ["x"] = new Tensor<float>(x, shape) }, $"QuantizeLinear opset {opset} {type} axis {(perAxis ? axis : -1)} shape {string.Join("x", shape)}");
        }
    }

    [Theory]
    [MemberData(nameof(QuantCases))]
    public void DequantizeLinearIsBitExactWithOrt(int opset, DType type, bool perAxis)
    {
        int seed = HashCode.Combine(RandomImages.RunSeed, opset, type, perAxis, "dq") & int.MaxValue;
        output.WriteLine($"seed {RandomImages.RunSeed} (case seed {seed})");
        var rng = new Random(seed);
        for (int round = 0; round < 8; round++)
        {
            int[] shape = [1 + rng.Next(3), 1 + rng.Next(6), 1 + rng.Next(40), 1 + rng.Next(40)];
            int axis = perAxis ? rng.Next(4) : 1;
            int channels = perAxis ? shape[axis] : 1;
            float[] scale = Enumerable.Range(0, channels).Select(_ => Scale(rng)).ToArray();
            int n = (int)Tensor.ElementCount(shape);
            Tensor x, zpTensor;
            if (type == DType.UInt8)
            {
                x = new Tensor<byte>(Enumerable.Range(0, n).Select(_ => (byte)rng.Next(256)).ToArray(), shape);
                zpTensor = new Tensor<byte>(Enumerable.Range(0, channels).Select(_ => (byte)rng.Next(256)).ToArray(), perAxis ? [channels] : []);
            }
            else
            {
                x = new Tensor<sbyte>(Enumerable.Range(0, n).Select(_ => (sbyte)rng.Next(-128, 128)).ToArray(), shape);
                zpTensor = new Tensor<sbyte>(Enumerable.Range(0, channels).Select(_ => (sbyte)rng.Next(-128, 128)).ToArray(), perAxis ? [channels] : []);
            }

            var builder = new OnnxModelBuilder(opset)
                .Input("x", type, shape)
                .Output("y", DType.Float32, shape)
                .Initializer("scale", new Tensor<float>(scale, perAxis ? [channels] : []))
                .Initializer("zp", zpTensor);
            builder.Node("DequantizeLinear", ["x", "scale", "zp"], ["y"], opset >= 13 ? [("axis", (long)axis)] : []);
            CompareWithOrt(builder.ToBytes(), new Dictionary<string, Tensor> { ["x"] = x }, $"DequantizeLinear opset {opset} {type} axis {(perAxis ? axis : -1)}");
        }
    }

    [Fact]
    public void DequantizeLinearOfInt32IsBitExactWithOrt()
    {
        var rng = new Random(HashCode.Combine(RandomImages.RunSeed, "dq32") & int.MaxValue);
        output.WriteLine($"seed {RandomImages.RunSeed}");
        int[] shape = [3, 1000];
        var x = new Tensor<int>(Enumerable.Range(0, 3000).Select(i => i % 3 == 0 ? rng.Next() - (int.MaxValue / 2) : rng.Next(-70000, 70000)).ToArray(), shape);
        var builder = new OnnxModelBuilder(13)
            .Input("x", DType.Int32, shape)
            .Output("y", DType.Float32, shape)
            .Initializer("scale", new Tensor<float>([Scale(rng)], []))
            .Initializer("zp", new Tensor<int>([0], []));
        builder.Node("DequantizeLinear", ["x", "scale", "zp"], ["y"]);
        CompareWithOrt(builder.ToBytes(), new Dictionary<string, Tensor> { ["x"] = x }, "DequantizeLinear int32");
    }

    [Theory]
    [InlineData(DType.UInt8)]
    [InlineData(DType.Int8)]
    public void QuantizeLinearOfNaNMatchesOrt(DType type)
    {
        // NaN has no defined quantization; ORT's vectorised path gives qmin. Long and short tensors (SIMD body and tail).
        foreach (int n in new[] { 1, 3, 67, 1000 })
        {
            var x = new Tensor<float>(Enumerable.Repeat(float.NaN, n).ToArray(), n);
            Tensor zp = type == DType.UInt8 ? new Tensor<byte>([(byte)100], []) : new Tensor<sbyte>([(sbyte)-7], []);
            var builder = new OnnxModelBuilder(13).Input("x", DType.Float32, n).Output("y", type, [n])
                .Initializer("scale", new Tensor<float>([0.25f], [])).Initializer("zp", zp);
            builder.Node("QuantizeLinear", ["x", "scale", "zp"], ["y"]);
            CompareWithOrt(builder.ToBytes(), new Dictionary<string, Tensor> { ["x"] = x }, $"QuantizeLinear NaN x{n} {type}");
        }
    }

    /// <summary>Scales from tiny to large; one in four a power of two so that x/scale ties are exact.</summary>
    private static float Scale(Random rng) => rng.Next(4) == 0 ? MathF.Pow(2, rng.Next(-12, 4)) : (float)Math.Exp((rng.NextDouble() * 12) - 9);

    /// <summary>
    /// Inputs that stress rounding and saturation: ties (k+0.5)·scale, their float neighbours, ordinary values in and
    /// beyond the range, signed zeros, infinities, huge values.
    /// </summary>
    private static float Value(Random rng, float scale, int zp)
    {
        int k = rng.Next(-300, 300);
        float tie = (k + 0.5f) * scale;
        return rng.Next(10) switch
        {
            0 or 1 or 2 => tie,
            3 => BitConverter.Int32BitsToSingle(BitConverter.SingleToInt32Bits(tie) + rng.Next(-2, 3)),
            4 => k * scale,
            5 => rng.Next(6) switch { 0 => 0f, 1 => -0f, 2 => float.PositiveInfinity, 3 => float.NegativeInfinity, 4 => 3e38f, _ => -3e38f },
            _ => (float)((rng.NextDouble() - 0.5) * 600 * scale),
        };
    }

    private void CompareWithOrt(byte[] model, Dictionary<string, Tensor> inputs, string label)
    {
        Dictionary<string, Tensor> ort = OrtOracle.Run(model, inputs);
        OnnxModel loaded = OnnxLoader.Load(model, "test.onnx", Path.GetTempPath());
        var devices = new List<Device?> { null, fixture.CpuSimulator };
        if (fixture.Cuda is not null)
        {
            devices.Add(fixture.Cuda);
        }

        foreach (Device? device in devices)
        {
            var session = new OnnxSession(loaded, ExecutionOptions.Default, device);
            IReadOnlyDictionary<string, Tensor> ours = session.Run(inputs);
            foreach ((string name, Tensor expected) in ort)
            {
                Tensor actual = ours[name];
                Assert.Equal(expected.Shape, actual.Shape);
                Assert.Equal(expected.DType, actual.DType);
                long bad = -1;
                for (long i = 0; i < expected.Length && bad < 0; i++)
                {
                    if (BitConverter.DoubleToInt64Bits(expected.GetAsDouble(i)) != BitConverter.DoubleToInt64Bits(actual.GetAsDouble(i)))
                    {
                        bad = i;
                    }
                }

                Assert.True(bad < 0, bad < 0 ? string.Empty : $"{label} on {device?.Name ?? "host"}: element {bad}: ours {actual.GetAsDouble(bad):R}, ORT {expected.GetAsDouble(bad):R}, input {inputs.Values.First().GetAsDouble(bad):R}");
            }
        }

        output.WriteLine($"{label}: identical to ORT ({ort.Values.First().Length} elements)");
    }
}
