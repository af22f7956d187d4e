using Google.Protobuf;
using SysNoise.Runtime.Model.Onnx;
using SysNoise.Runtime.Model.Onnx.Proto;
using SysNoise.Runtime.Tensors;

namespace SysNoise.Runtime.Model.Quantization;

/// <summary>
/// Writes ONNX models with the generated proto classes: inputs, outputs, initializers (raw little-endian data),
/// nodes with typed attributes. Used by the QDQ rewrite to save its model, and by tests to build small graphs that
/// both SysNoise and ONNX Runtime run.
/// </summary>
public sealed class OnnxModelBuilder(int opset, string graphName = "sysnoise")
{
    private readonly GraphProto graph = new() { Name = graphName };

    public int Opset { get; } = opset;

    internal GraphProto Graph => graph;

    public OnnxModelBuilder Input(string name, DType type, params int[] shape)
    {
        graph.Input.Add(ValueInfo(name, type, shape));
        return this;
    }

    /// <summary>An output; a null shape leaves it unspecified.</summary>
    public OnnxModelBuilder Output(string name, DType type, int[]? shape = null)
    {
        graph.Output.Add(ValueInfo(name, type, shape));
        return this;
    }

    public OnnxModelBuilder Initializer(string name, Tensor value)
    {
        graph.Initializer.Add(OnnxTensors.Encode(value, name));
        return this;
    }

    /// <summary>A node; attribute values may be long/int, float/double, string, long[]/int[], float[], or a <see cref="Tensor"/>.</summary>
    public OnnxModelBuilder Node(string opType, string[] inputs, string[] outputs, params (string Name, object Value)[] attributes)
    {
        var node = new NodeProto { OpType = opType, Name = $"{opType}_{graph.Node.Count}" };
        node.Input.AddRange(inputs);
        node.Output.AddRange(outputs);
        foreach ((string name, object value) in attributes)
        {
            node.Attribute.Add(Attribute(name, value));
        }

        graph.Node.Add(node);
        return this;
    }

    internal ModelProto Build() => new()
    {
        IrVersion = Opset >= 19 ? 9 : Opset >= 15 ? 8 : 7,
        ProducerName = "sysnoise",
        Graph = graph,
        OpsetImport = { new OperatorSetIdProto { Domain = string.Empty, Version = Opset } },
    };

    public byte[] ToBytes() => Build().ToByteArray();

    public void Save(string path) => File.WriteAllBytes(path, ToBytes());

    internal static ValueInfoProto ValueInfo(string name, DType type, int[]? shape)
    {
        var t = new TypeProto.Types.Tensor { ElemType = OnnxTensors.ToOnnx(type) };
        if (shape is not null)
        {
            t.Shape = new TensorShapeProto();
            foreach (int d in shape)
            {
                t.Shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = d });
            }
        }

        return new ValueInfoProto { Name = name, Type = new TypeProto { TensorType = t } };
    }

    internal static AttributeProto Attribute(string name, object value) => value switch
    {
        long l => new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = l },
        int i => new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = i },
        float f => new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Float, F = f },
        double d => new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Float, F = (float)d },
        string s => new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.String, S = ByteString.CopyFromUtf8(s) },
        long[] ls => new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints, Ints = { ls } },
        int[] ints => new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints, Ints = { ints.Select(v => (long)v) } },
        float[] fs => new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Floats, Floats = { fs } },
        Tensor t => new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Tensor, T = OnnxTensors.Encode(t, name) },
        _ => throw new ArgumentException($"attribute '{name}': {value.GetType().Name} values are not supported"),
    };
}
