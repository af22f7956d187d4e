using Google.Protobuf;
using SysNoise.Runtime.Devices;
using SysNoise.Runtime.Model.Execution;
using SysNoise.Runtime.Model.Onnx;
using SysNoise.Runtime.Tensors;

namespace SysNoise.Tests.Model;

/// <summary>One single-node ONNX model: an op, its attributes (long, float, string, long[]) and float32 inputs.</summary>
internal sealed record NnCase(string Op, IReadOnlyDictionary<string, object> Attributes, IReadOnlyList<NnInput> Inputs, int Outputs = 1)
{
    public override string ToString()
        => $"{Op}({string.Join(", ", Inputs.Select(i => $"{i.Name}{i.Tensor.ShapeText}{(i.Initializer ? "*" : string.Empty)}"))}) {{{string.Join(", ", Attributes.Select(a => $"{a.Key}={(a.Value is long[] v ? "[" + string.Join(",", v) + "]" : a.Value)}"))}}}";

    /// <summary>Serialized ModelProto (opset 19). Inputs marked as initializers are stored in the graph.</summary>
    public byte[] ToModel()
    {
        var node = new List<byte[]>();
        foreach (NnInput i in Inputs)
        {
            node.Add(Field(1, Str(i.Name)));
        }

        for (int o = 0; o < Outputs; o++)
        {
            node.Add(Field(2, Str($"y{o}")));
        }

        node.Add(Field(4, Str(Op)));
        foreach ((string name, object value) in Attributes)
        {
            var attr = new List<byte[]> { Field(1, Str(name)) };
            switch (value)
            {
                case long l:
                    attr.Add(Varint(3, (ulong)l));
                    attr.Add(Varint(20, 2));
                    break;
                case float f:
                    attr.Add(Fixed32(2, f));
                    attr.Add(Varint(20, 1));
                    break;
                case string s:
                    attr.Add(Field(4, Str(s)));
                    attr.Add(Varint(20, 3));
                    break;
                case long[] ls:
                    foreach (long l in ls)
                    {
                        attr.Add(Varint(8, (ulong)l));
                    }

                    attr.Add(Varint(20, 7));
                    break;
                default:
                    throw new ArgumentException(name);
            }

            node.Add(Field(5, Concat(attr)));
        }

        var graph = new List<byte[]> { Field(1, Concat(node)), Field(2, Str("g")) };
        foreach (NnInput i in Inputs)
        {
            if (i.Initializer)
            {
                var t = new List<byte[]>();
                foreach (int d in i.Tensor.Shape)
                {
                    t.Add(Varint(1, (ulong)d));
                }

                t.Add(Varint(2, 1));
                t.Add(Field(8, Str(i.Name)));
                var raw = new byte[i.Tensor.Data.Length * 4];
                Buffer.BlockCopy(i.Tensor.Data, 0, raw, 0, raw.Length);
                t.Add(Field(9, raw));
                graph.Add(Field(5, Concat(t)));
            }
            else
            {
                graph.Add(Field(11, ValueInfo(i.Name, i.Tensor.Shape)));
            }
        }

        for (int o = 0; o < Outputs; o++)
        {
            graph.Add(Field(12, Concat([Field(1, Str($"y{o}"))])));
        }

        return Concat([Varint(1, 8), Field(7, Concat(graph)), Field(8, Concat([Field(1, Str(string.Empty)), Varint(2, 19)]))]);
    }

    /// <summary>Runs the case on SysNoise (output 0..Outputs−1, by name y0, y1, …).</summary>
    public Tensor[] RunSysNoise(Device? device = null, int threads = 0, ExecutionOptions? options = null)
    {
        var model = OnnxLoader.Load(ToModel(), $"{Op}.onnx", Path.GetTempPath());
        var session = new OnnxSession(model, (options ?? ExecutionOptions.Default) with { Threads = threads }, device);
        var inputs = Inputs.Where(i => !i.Initializer).ToDictionary(i => i.Name, i => (Tensor)i.Tensor);
        IReadOnlyDictionary<string, Tensor> r = session.Run(inputs);
        return Enumerable.Range(0, Outputs).Select(o => r[$"y{o}"]).ToArray();
    }

    private static byte[] ValueInfo(string name, int[] shape)
    {
        var dims = shape.Select(d => Field(1, Varint(1, (ulong)d))).ToList();
        byte[] tensorType = Concat([Varint(1, 1), Field(2, Concat(dims))]);
        return Concat([Field(1, Str(name)), Field(2, Field(1, tensorType))]);
    }

    private static byte[] Str(string s) => System.Text.Encoding.UTF8.GetBytes(s);

    private static byte[] Concat(IEnumerable<byte[]> parts) => parts.SelectMany(p => p).ToArray();

    private static byte[] Field(int number, byte[] payload)
    {
        using var ms = new MemoryStream();
        var o = new CodedOutputStream(ms);
        o.WriteTag(number, WireFormat.WireType.LengthDelimited);
        o.WriteBytes(ByteString.CopyFrom(payload));
        o.Flush();
        return ms.ToArray();
    }

    private static byte[] Varint(int number, ulong value)
    {
        using var ms = new MemoryStream();
        var o = new CodedOutputStream(ms);
        o.WriteTag(number, WireFormat.WireType.Varint);
        o.WriteUInt64(value);
        o.Flush();
        return ms.ToArray();
    }

    private static byte[] Fixed32(int number, float value)
    {
        using var ms = new MemoryStream();
        var o = new CodedOutputStream(ms);
        o.WriteTag(number, WireFormat.WireType.Fixed32);
        o.WriteFloat(value);
        o.Flush();
        return ms.ToArray();
    }
}

internal sealed record NnInput(string Name, Tensor<float> Tensor, bool Initializer = false);

/// <summary>Random NN-op cases (tiny ones for the ILGPU simulator, larger ones for thread and ORT checks).</summary>
internal static class NnRandomCases
{
    public static Tensor<float> Random(Random rng, params int[] shape)
    {
        var t = new Tensor<float>(shape);
        for (int i = 0; i < t.Data.Length; i++)
        {
            t.Data[i] = (float)((rng.NextDouble() * 2) - 1);
        }

        return t;
    }

    /// <summary>Cases of every op. <paramref name="scale"/> ≈ spatial size; channels grow with it.</summary>
    public static List<NnCase> Generate(Random rng, int count, int scale, bool ortCompatible = false)
    {
        var cases = new List<NnCase>();
        for (int i = 0; i < count; i++)
        {
            cases.Add((i % 9) switch
            {
                0 or 1 => Conv(rng, scale, depthwise: false, ortCompatible),
                2 => Conv(rng, scale, depthwise: true, ortCompatible),
                3 => ConvTranspose(rng, scale),
                4 => MatMul(rng, scale),
                5 => Gemm(rng, scale),
                6 => Pool(rng, scale, "MaxPool", ortCompatible),
                7 => Pool(rng, scale, "AveragePool", ortCompatible),
                _ => rng.Next(3) switch
                {
                    0 => new NnCase("GlobalAveragePool", new Dictionary<string, object>(), [new("x", Random(rng, 1 + rng.Next(2), 1 + rng.Next(20), 1 + rng.Next(scale), 1 + rng.Next(scale)))]),
                    1 => new NnCase("GlobalMaxPool", new Dictionary<string, object>(), [new("x", Random(rng, 1 + rng.Next(2), 1 + rng.Next(8), 1 + rng.Next(scale), 1 + rng.Next(scale)))]),
                    _ => BatchNorm(rng, scale),
                },
            });
        }

        return cases;
    }

    private static long[] L(params int[] v) => v.Select(x => (long)x).ToArray();

    private static NnCase Conv(Random rng, int scale, bool depthwise, bool ortCompatible)
    {
        int r = rng.Next(8) switch { 0 => 1, 1 => 3, _ => 2 };
        if (depthwise)
        {
            r = 2;
        }

        int group = depthwise ? 1 + rng.Next(6) : (rng.Next(4) == 0 ? 1 + rng.Next(3) : 1);
        int icg = depthwise ? 1 : 1 + rng.Next(Math.Max(1, scale / 2));
        int ocg = depthwise ? 1 + rng.Next(2) : 1 + rng.Next(Math.Max(1, scale));
        int scaleR = r == 3 ? Math.Max(3, scale / 3) : scale;
        var k = new int[r];
        var s = new int[r];
        var d = new int[r];
        var inSize = new int[r];
        var pads = new int[2 * r];
        for (int a = 0; a < r; a++)
        {
            k[a] = 1 + rng.Next(3);
            s[a] = 1 + rng.Next(rng.Next(3) == 0 ? 3 : 1);
            d[a] = 1 + rng.Next(rng.Next(4) == 0 ? 2 : 1);
            inSize[a] = ((k[a] - 1) * d[a]) + 1 + rng.Next(scaleR);
            pads[a] = rng.Next(k[a]);
            pads[r + a] = rng.Next(k[a]);
        }

        var attrs = new Dictionary<string, object> { ["strides"] = L(s), ["dilations"] = L(d), ["group"] = (long)group };
        switch (rng.Next(5))
        {
            case 0 when !ortCompatible || d.All(v => v == 1): // ONNX Runtime refuses SAME with dilations
                attrs["auto_pad"] = rng.Next(2) == 0 ? "SAME_UPPER" : "SAME_LOWER";
                break;
            case 1:
                attrs["auto_pad"] = "VALID";
                break;
            default:
                attrs["pads"] = L(pads);
                break;
        }

        if (rng.Next(2) == 0)
        {
            attrs["kernel_shape"] = L(k);
        }

        int batch = 1 + rng.Next(2);
        var inputs = new List<NnInput>
        {
            new("x", Random(rng, [batch, icg * group, .. inSize])),
            new("w", Random(rng, [ocg * group, icg, .. k]), Initializer: true),
        };
        if (rng.Next(3) != 0)
        {
            inputs.Add(new("b", Random(rng, ocg * group), Initializer: true));
        }

        return new NnCase("Conv", attrs, inputs);
    }

    private static NnCase ConvTranspose(Random rng, int scale)
    {
        int r = rng.Next(4) == 0 ? 1 : 2;
        int group = rng.Next(3) == 0 ? 2 : 1;
        int icg = 1 + rng.Next(Math.Max(1, scale / 2)), ocg = 1 + rng.Next(Math.Max(1, scale / 2));
        var k = new int[r];
        var s = new int[r];
        var d = new int[r];
        var inSize = new int[r];
        var pads = new int[2 * r];
        var outPad = new int[r];
        for (int a = 0; a < r; a++)
        {
            k[a] = 1 + rng.Next(3);
            s[a] = 1 + rng.Next(3);
            d[a] = 1 + rng.Next(rng.Next(3) == 0 ? 2 : 1);
            inSize[a] = 1 + rng.Next(Math.Max(1, scale / 2));
            pads[a] = rng.Next(k[a]);
            pads[r + a] = rng.Next(k[a]);
            outPad[a] = rng.Next(Math.Min(s[a], d[a]));
            int full = (s[a] * (inSize[a] - 1)) + outPad[a] + ((k[a] - 1) * d[a]) + 1;
            if (pads[a] + pads[r + a] >= full)
            {
                // Keep at least one output (ONNX Runtime refuses empty outputs).
                pads[a] = pads[r + a] = 0;
            }
        }

        var attrs = new Dictionary<string, object> { ["strides"] = L(s), ["dilations"] = L(d), ["group"] = (long)group, ["pads"] = L(pads), ["output_padding"] = L(outPad) };
        var inputs = new List<NnInput>
        {
            new("x", Random(rng, [1 + rng.Next(2), icg * group, .. inSize])),
            new("w", Random(rng, [icg * group, ocg, .. k]), Initializer: true),
        };
        if (rng.Next(2) == 0)
        {
            inputs.Add(new("b", Random(rng, ocg * group), Initializer: true));
        }

        return new NnCase("ConvTranspose", attrs, inputs);
    }

    private static NnCase MatMul(Random rng, int scale)
    {
        int m = 1 + rng.Next(scale * 2), k = 1 + rng.Next(scale * 2), n = 1 + rng.Next(scale * 3);
        return rng.Next(4) switch
        {
            0 => new NnCase("MatMul", new Dictionary<string, object>(), [new("a", Random(rng, 2, 1, m, k)), new("b", Random(rng, 3, k, n))]),
            1 => new NnCase("MatMul", new Dictionary<string, object>(), [new("a", Random(rng, k)), new("b", Random(rng, 2, k, n))]),
            2 => new NnCase("MatMul", new Dictionary<string, object>(), [new("a", Random(rng, 2, m, k)), new("b", Random(rng, k))]),
            _ => new NnCase("MatMul", new Dictionary<string, object>(), [new("a", Random(rng, m, k)), new("b", Random(rng, k, n), Initializer: rng.Next(2) == 0)]),
        };
    }

    private static NnCase Gemm(Random rng, int scale)
    {
        int m = 1 + rng.Next(scale * 2), k = 1 + rng.Next(scale * 2), n = 1 + rng.Next(scale * 3);
        bool ta = rng.Next(2) == 0, tb = rng.Next(2) == 0;
        var attrs = new Dictionary<string, object> { ["transA"] = ta ? 1L : 0L, ["transB"] = tb ? 1L : 0L };
        if (rng.Next(2) == 0)
        {
            attrs["alpha"] = (float)(0.5 + rng.NextDouble());
        }

        if (rng.Next(2) == 0)
        {
            attrs["beta"] = (float)(0.5 + rng.NextDouble());
        }

        var inputs = new List<NnInput> { new("a", ta ? Random(rng, k, m) : Random(rng, m, k)), new("b", tb ? Random(rng, n, k) : Random(rng, k, n), Initializer: true) };
        switch (rng.Next(4))
        {
            case 0:
                inputs.Add(new("c", Random(rng, n), Initializer: true));
                break;
            case 1:
                inputs.Add(new("c", Random(rng, m, n)));
                break;
            case 2:
                inputs.Add(new("c", Random(rng, m, 1), Initializer: true));
                break;
        }

        return new NnCase("Gemm", attrs, inputs);
    }

    private static NnCase Pool(Random rng, int scale, string op, bool ortCompatible)
    {
        int r = rng.Next(6) switch { 0 => 1, 1 => 3, _ => 2 };
        int scaleR = r == 3 ? Math.Max(3, scale / 3) : scale;
        var k = new int[r];
        var s = new int[r];
        var d = new int[r];
        var inSize = new int[r];
        var pads = new int[2 * r];
        bool dil = op == "MaxPool" || !ortCompatible;
        for (int a = 0; a < r; a++)
        {
            k[a] = 1 + rng.Next(3);
            s[a] = 1 + rng.Next(3);
            d[a] = dil ? 1 + rng.Next(rng.Next(3) == 0 ? 2 : 1) : 1;
            inSize[a] = ((k[a] - 1) * d[a]) + 1 + rng.Next(scaleR);
            // PyTorch's and ORT's rule: pads at most half the (dilated) window.
            int maxPad = (((k[a] - 1) * d[a]) + 1) / 2;
            pads[a] = rng.Next(maxPad + 1);
            pads[r + a] = rng.Next(maxPad + 1);
        }

        var attrs = new Dictionary<string, object> { ["kernel_shape"] = L(k), ["strides"] = L(s), ["pads"] = L(pads) };
        if (dil)
        {
            attrs["dilations"] = L(d);
        }

        if (rng.Next(2) == 0)
        {
            attrs["ceil_mode"] = 1L;
        }

        if (op == "AveragePool" && rng.Next(2) == 0)
        {
            attrs["count_include_pad"] = 1L;
        }

        var x = Random(rng, [1 + rng.Next(2), 1 + rng.Next(6), .. inSize]);
        int outputs = op == "MaxPool" && rng.Next(2) == 0 ? 2 : 1;
        return new NnCase(op, attrs, [new("x", x)], outputs);
    }

    private static NnCase BatchNorm(Random rng, int scale)
    {
        int c = 1 + rng.Next(8);
        var variance = Random(rng, c);
        for (int i = 0; i < c; i++)
        {
            variance.Data[i] = Math.Abs(variance.Data[i]) + 0.1f;
        }

        var attrs = new Dictionary<string, object> { ["epsilon"] = 1e-3f };
        int[] shape = rng.Next(2) == 0 ? [1 + rng.Next(2), c, 1 + rng.Next(scale), 1 + rng.Next(scale)] : [1 + rng.Next(2), c, 1 + rng.Next(scale * 4)];
        return new NnCase("BatchNormalization", attrs, [new("x", Random(rng, shape)), new("scale", Random(rng, c), true), new("bias", Random(rng, c), true), new("mean", Random(rng, c), true), new("var", variance, true)]);
    }
}
