using Google.Protobuf;
using SysNoise.Runtime.Model.Onnx;
using SysNoise.Runtime.Model.Onnx.Proto;
using SysNoise.Runtime.Tensors;

namespace SysNoise.Runtime.Model.Quantization;

/// <summary>How the QDQ rewrite quantizes.</summary>
public sealed record QdqOptions
{
    public DType WeightType { get; init; } = DType.Int8;

    public DType ActivationType { get; init; } = DType.UInt8;

    public bool PerChannel { get; init; } = true;

    public bool SymmetricWeights { get; init; } = true;

    public bool SymmetricActivations { get; init; }

    public bool ReduceRange { get; init; }

    public QuantRounding WeightRounding { get; init; } = QuantRounding.HalfToEven;

    public IReadOnlySet<string> OpTypes { get; init; } = new HashSet<string>(StringComparer.Ordinal) { "Conv", "Gemm", "MatMul" };
}

/// <summary>
/// Rewrites a float ONNX model into ORT's QDQ format: every Conv/Gemm/MatMul reads its activation input through a
/// QuantizeLinear→DequantizeLinear pair (scale/zero point from calibration) and its weight initializer as an 8-bit
/// initializer through a DequantizeLinear (per channel: Conv axis 0, Gemm axis 0 when transB else 1, MatMul axis 1).
/// Biases stay float. The result is a normal .onnx file that ONNX Runtime runs; SysNoise's executor runs the same
/// graph with ORT's Q/DQ arithmetic.
/// </summary>
public static class QdqRewriter
{
    public static byte[] Rewrite(byte[] floatModel, RangeCalibrator activations, QdqOptions? options = null)
    {
        options ??= new QdqOptions();
        ModelProto model = ModelProto.Parser.ParseFrom(floatModel);
        GraphProto g = model.Graph;
        int opset = (int)(model.OpsetImport.FirstOrDefault(o => o.Domain.Length == 0 || o.Domain == "ai.onnx")?.Version ?? 0);
        if (opset < (options.PerChannel ? 13 : 10))
        {
            throw new ArgumentException($"QDQ needs opset {(options.PerChannel ? "13 (per-channel)" : "10")} or later; the model has {opset}");
        }

        var initializers = g.Initializer.ToDictionary(t => t.Name, StringComparer.Ordinal);
        var newNodes = new List<NodeProto>();
        var quantizedActivations = new Dictionary<string, string>(StringComparer.Ordinal);
        var quantizedWeights = new Dictionary<string, string>(StringComparer.Ordinal);
        QuantRange actRange = QuantRange.For(options.ActivationType, options.SymmetricActivations, options.ReduceRange);
        QuantRange wRange = QuantRange.For(options.WeightType, options.SymmetricWeights, options.ReduceRange);
        foreach (NodeProto node in g.Node)
        {
            if ((node.Domain.Length > 0 && node.Domain != "ai.onnx") || !options.OpTypes.Contains(node.OpType) || node.Input.Count < 2)
            {
                newNodes.Add(node);
                continue;
            }

            // Activation (input 0).
            string act = node.Input[0];
            if (!initializers.ContainsKey(act))
            {
                if (!quantizedActivations.TryGetValue(act, out string? dq))
                {
                    (float lo, float hi) = activations.Range(act);
                    (float scale, int zp) = QuantParams.Compute(lo, hi, actRange, options.SymmetricActivations);
                    string s = act + "_scale", z = act + "_zero_point", q = act + "_quantized";
                    dq = act + "_dequantized";
                    g.Initializer.Add(OnnxTensors.Encode(new Tensor<float>([scale]), s));
                    g.Initializer.Add(OnnxTensors.Encode(ZeroPoints(options.ActivationType, [zp], []), z));
                    newNodes.Add(Node("QuantizeLinear", [act, s, z], [q], act + "_QuantizeLinear"));
                    newNodes.Add(Node("DequantizeLinear", [q, s, z], [dq], act + "_DequantizeLinear"));
                    quantizedActivations[act] = dq;
                }

                node.Input[0] = dq;
            }

            // Weight (input 1) when it is an initializer.
            string weight = node.Input[1];
            if (initializers.TryGetValue(weight, out TensorProto? wProto))
            {
                if (!quantizedWeights.TryGetValue(weight, out string? dq))
                {
                    var w = OnnxTensors.Decode(wProto) as Tensor<float> ?? throw new ArgumentException($"weight '{weight}' is not float32");
                    int axis = !options.PerChannel ? -1 : node.OpType switch
                    {
                        "Conv" => 0,
                        "Gemm" => node.Attribute.FirstOrDefault(a => a.Name == "transB")?.I == 1 ? 0 : 1,
                        _ => w.Rank - 1,
                    };
                    (Tensor qw, QuantParams p) = WeightQuantizer.Quantize(w, wRange, options.SymmetricWeights, axis, options.WeightRounding);
                    string s = weight + "_scale", z = weight + "_zero_point", q = weight + "_quantized";
                    dq = weight + "_dequantized";
                    int[] pShape = axis < 0 ? [] : [p.Scale.Length];
                    g.Initializer.Add(OnnxTensors.Encode(qw, q));
                    g.Initializer.Add(OnnxTensors.Encode(new Tensor<float>(p.Scale, pShape), s));
                    g.Initializer.Add(OnnxTensors.Encode(ZeroPoints(options.WeightType, p.ZeroPoint, pShape), z));
                    NodeProto dqNode = Node("DequantizeLinear", [q, s, z], [dq], weight + "_DequantizeLinear");
                    if (axis >= 0)
                    {
                        dqNode.Attribute.Add(new AttributeProto { Name = "axis", Type = AttributeProto.Types.AttributeType.Int, I = axis });
                    }

                    newNodes.Add(dqNode);
                    quantizedWeights[weight] = dq;
                }

                node.Input[1] = dq;
            }

            newNodes.Add(node);
        }

        // The float weights that only quantized ops used are dropped.
        var stillUsed = new HashSet<string>(newNodes.SelectMany(n => n.Input), StringComparer.Ordinal);
        foreach (string w in quantizedWeights.Keys.Where(w => !stillUsed.Contains(w) && g.Output.All(o => o.Name != w)))
        {
            g.Initializer.Remove(initializers[w]);
        }

        g.Node.Clear();
        g.Node.AddRange(newNodes);
        return model.ToByteArray();
    }

    public static void Rewrite(string floatModelPath, string qdqModelPath, RangeCalibrator activations, QdqOptions? options = null)
        => File.WriteAllBytes(qdqModelPath, Rewrite(File.ReadAllBytes(floatModelPath), activations, options));

    private static Tensor ZeroPoints(DType type, int[] zp, int[] shape) => type == DType.Int8
        ? new Tensor<sbyte>(zp.Select(v => (sbyte)v).ToArray(), shape)
        : new Tensor<byte>(zp.Select(v => (byte)v).ToArray(), shape);

    private static NodeProto Node(string op, string[] inputs, string[] outputs, string name)
    {
        var n = new NodeProto { OpType = op, Name = name };
        n.Input.AddRange(inputs);
        n.Output.AddRange(outputs);
        return n;
    }
}
