using System.Runtime.InteropServices;
using Google.Protobuf;

namespace SysNoise.Tests.Model;

/// <summary>
/// Writes small ONNX models and TensorProto files field by field (onnx.proto field numbers), so CLI tests can build
/// exactly the graph they need — odd value names, unknown ops, static pooling shapes — without an exporter.
/// </summary>
public static class TinyOnnx
{
    public const int Float = 1;
    public const int Int32 = 6;

    /// <summary>A graph input or output: dims null are symbolic ("N"); no dims at all leaves the shape (and rank) unknown.</summary>
    public sealed record Value(string Name, int ElementType, params long?[] Dims);

    /// <summary>A node; each attribute value is a long (INT) or a long[] (INTS).</summary>
    public sealed record Node(string OpType, string[] Inputs, string[] Outputs, string Name = "", params (string Name, object Value)[] Attributes);

    public sealed record Initializer(string Name, long[] Dims, float[] Data);

    public static byte[] ModelBytes(IEnumerable<Node> nodes, IEnumerable<Value> inputs, IEnumerable<Value> outputs, IEnumerable<Initializer>? initializers = null, int opset = 13)
    {
        byte[] graph = Message(w =>
        {
            foreach (Node n in nodes)
            {
                w.WriteTag(1, WireFormat.WireType.LengthDelimited);
                w.WriteBytes(ByteString.CopyFrom(NodeBytes(n)));
            }

            w.WriteTag(2, WireFormat.WireType.LengthDelimited);
            w.WriteString("tiny");
            foreach (Initializer i in initializers ?? [])
            {
                w.WriteTag(5, WireFormat.WireType.LengthDelimited);
                w.WriteBytes(ByteString.CopyFrom(Tensor(i.Name, i.Dims, i.Data)));
            }

            foreach (Value v in inputs)
            {
                w.WriteTag(11, WireFormat.WireType.LengthDelimited);
                w.WriteBytes(ByteString.CopyFrom(ValueBytes(v)));
            }

            foreach (Value v in outputs)
            {
                w.WriteTag(12, WireFormat.WireType.LengthDelimited);
                w.WriteBytes(ByteString.CopyFrom(ValueBytes(v)));
            }
        });
        byte[] opsetImport = Message(w =>
        {
            w.WriteTag(1, WireFormat.WireType.LengthDelimited);
            w.WriteString(string.Empty);
            w.WriteTag(2, WireFormat.WireType.Varint);
            w.WriteInt64(opset);
        });
        return Message(w =>
        {
            w.WriteTag(1, WireFormat.WireType.Varint);
            w.WriteInt64(8);
            w.WriteTag(2, WireFormat.WireType.LengthDelimited);
            w.WriteString("sysnoise-tests");
            w.WriteTag(3, WireFormat.WireType.LengthDelimited);
            w.WriteString("1");
            w.WriteTag(7, WireFormat.WireType.LengthDelimited);
            w.WriteBytes(ByteString.CopyFrom(graph));
            w.WriteTag(8, WireFormat.WireType.LengthDelimited);
            w.WriteBytes(ByteString.CopyFrom(opsetImport));
        });
    }

    /// <summary>A float32 TensorProto (raw_data), as backend tests store inputs and expected outputs.</summary>
    public static byte[] Tensor(string name, long[] dims, float[] data) => Message(w =>
    {
        foreach (long d in dims)
        {
            w.WriteTag(1, WireFormat.WireType.Varint);
            w.WriteInt64(d);
        }

        w.WriteTag(2, WireFormat.WireType.Varint);
        w.WriteInt32(Float);
        w.WriteTag(8, WireFormat.WireType.LengthDelimited);
        w.WriteString(name);
        w.WriteTag(9, WireFormat.WireType.LengthDelimited);
        w.WriteBytes(ByteString.CopyFrom(MemoryMarshal.AsBytes(data.AsSpan())));
    });

    private static byte[] NodeBytes(Node n) => Message(w =>
    {
        foreach (string i in n.Inputs)
        {
            w.WriteTag(1, WireFormat.WireType.LengthDelimited);
            w.WriteString(i);
        }

        foreach (string o in n.Outputs)
        {
            w.WriteTag(2, WireFormat.WireType.LengthDelimited);
            w.WriteString(o);
        }

        w.WriteTag(3, WireFormat.WireType.LengthDelimited);
        w.WriteString(n.Name);
        w.WriteTag(4, WireFormat.WireType.LengthDelimited);
        w.WriteString(n.OpType);
        foreach ((string name, object value) in n.Attributes)
        {
            byte[] attribute = Message(a =>
            {
                a.WriteTag(1, WireFormat.WireType.LengthDelimited);
                a.WriteString(name);
                if (value is long single)
                {
                    a.WriteTag(3, WireFormat.WireType.Varint);
                    a.WriteInt64(single);
                    a.WriteTag(20, WireFormat.WireType.Varint);
                    a.WriteInt32(2); // AttributeType.INT
                    return;
                }

                foreach (long v in (long[])value)
                {
                    a.WriteTag(8, WireFormat.WireType.Varint);
                    a.WriteInt64(v);
                }

                a.WriteTag(20, WireFormat.WireType.Varint);
                a.WriteInt32(7); // AttributeType.INTS
            });
            w.WriteTag(5, WireFormat.WireType.LengthDelimited);
            w.WriteBytes(ByteString.CopyFrom(attribute));
        }
    });

    private static byte[] ValueBytes(Value v)
    {
        byte[] shape = Message(w =>
        {
            foreach (long? d in v.Dims)
            {
                byte[] dim = Message(x =>
                {
                    if (d is long value)
                    {
                        x.WriteTag(1, WireFormat.WireType.Varint);
                        x.WriteInt64(value);
                    }
                    else
                    {
                        x.WriteTag(2, WireFormat.WireType.LengthDelimited);
                        x.WriteString("N");
                    }
                });
                w.WriteTag(1, WireFormat.WireType.LengthDelimited);
                w.WriteBytes(ByteString.CopyFrom(dim));
            }
        });
        byte[] tensorType = Message(w =>
        {
            w.WriteTag(1, WireFormat.WireType.Varint);
            w.WriteInt32(v.ElementType);
            if (v.Dims.Length > 0)
            {
                w.WriteTag(2, WireFormat.WireType.LengthDelimited);
                w.WriteBytes(ByteString.CopyFrom(shape));
            }
        });
        byte[] type = Message(w =>
        {
            w.WriteTag(1, WireFormat.WireType.LengthDelimited);
            w.WriteBytes(ByteString.CopyFrom(tensorType));
        });
        return Message(w =>
        {
            w.WriteTag(1, WireFormat.WireType.LengthDelimited);
            w.WriteString(v.Name);
            w.WriteTag(2, WireFormat.WireType.LengthDelimited);
            w.WriteBytes(ByteString.CopyFrom(type));
        });
    }

    private static byte[] Message(Action<CodedOutputStream> write)
    {
        using var stream = new MemoryStream();
        var output = new CodedOutputStream(stream);
        write(output);
        output.Flush();
        return stream.ToArray();
    }
}
