using System.Runtime.InteropServices;
using Google.Protobuf;
using SysNoise.Runtime.Model.Onnx.Proto;
using SysNoise.Runtime.Tensors;

namespace SysNoise.Runtime.Model.Onnx;

/// <summary>TensorProto ↔ <see cref="Tensor"/>: raw_data (little-endian) or the typed fields, sizes checked.</summary>
public static class OnnxTensors
{
    /// <summary>ONNX TensorProto.DataType → our dtype, or null when SysNoise has no such dtype.</summary>
    public static DType? ToDType(int onnxType) => onnxType switch
    {
        1 => DType.Float32,
        2 => DType.UInt8,
        3 => DType.Int8,
        5 => DType.Int16,
        6 => DType.Int32,
        7 => DType.Int64,
        9 => DType.Bool,
        10 => DType.Float16,
        11 => DType.Float64,
        _ => null,
    };

    public static int ToOnnx(DType type) => type switch
    {
        DType.Float32 => 1,
        DType.UInt8 => 2,
        DType.Int8 => 3,
        DType.Int16 => 5,
        DType.Int32 => 6,
        DType.Int64 => 7,
        DType.Bool => 9,
        DType.Float16 => 10,
        DType.Float64 => 11,
        _ => throw new ArgumentOutOfRangeException(nameof(type)),
    };

    public static string OnnxTypeName(int onnxType) => onnxType switch
    {
        0 => "undefined", 1 => "float", 2 => "uint8", 3 => "int8", 4 => "uint16", 5 => "int16", 6 => "int32", 7 => "int64",
        8 => "string", 9 => "bool", 10 => "float16", 11 => "double", 12 => "uint32", 13 => "uint64", 14 => "complex64",
        15 => "complex128", 16 => "bfloat16", _ => $"type {onnxType}",
    };

    /// <summary>Decodes a TensorProto; <paramref name="external"/> supplies the bytes of external data.</summary>
    internal static Tensor Decode(TensorProto proto, Func<TensorProto, byte[]>? external = null)
    {
        DType type = ToDType(proto.DataType) ?? throw new InvalidDataException($"tensor '{proto.Name}': element type {OnnxTypeName(proto.DataType)} is not supported");
        var shape = new int[proto.Dims.Count];
        long count = 1;
        for (int i = 0; i < shape.Length; i++)
        {
            long d = proto.Dims[i];
            if (d < 0 || d > int.MaxValue)
            {
                throw new InvalidDataException($"tensor '{proto.Name}': dimension {d} out of range");
            }

            shape[i] = (int)d;
            count *= d;
        }

        if (count > int.MaxValue)
        {
            throw new InvalidDataException($"tensor '{proto.Name}': {count} elements is too many");
        }

        Tensor tensor = Tensor.Create(type, shape);
        Span<byte> destination = RawBytes(tensor);
        if (proto.DataLocation == TensorProto.Types.DataLocation.External)
        {
            byte[] bytes = external?.Invoke(proto) ?? throw new InvalidDataException($"tensor '{proto.Name}': external data is not allowed here");
            CopyExact(bytes, destination, proto.Name, count);
            return tensor;
        }

        if (!proto.RawData.IsEmpty)
        {
            CopyExact(proto.RawData.Span, destination, proto.Name, count);
            return tensor;
        }

        switch (type)
        {
            case DType.Float32:
                Fill(proto.FloatData, ((Tensor<float>)tensor).Data, proto.Name, v => v);
                break;
            case DType.Float64:
                Fill(proto.DoubleData, ((Tensor<double>)tensor).Data, proto.Name, v => v);
                break;
            case DType.Int64:
                Fill(proto.Int64Data, ((Tensor<long>)tensor).Data, proto.Name, v => v);
                break;
            case DType.Int32:
                Fill(proto.Int32Data, ((Tensor<int>)tensor).Data, proto.Name, v => v);
                break;
            case DType.Int16:
                Fill(proto.Int32Data, ((Tensor<short>)tensor).Data, proto.Name, v => (short)v);
                break;
            case DType.Int8:
                Fill(proto.Int32Data, ((Tensor<sbyte>)tensor).Data, proto.Name, v => (sbyte)v);
                break;
            case DType.UInt8:
                Fill(proto.Int32Data, ((Tensor<byte>)tensor).Data, proto.Name, v => (byte)v);
                break;
            case DType.Bool:
                Fill(proto.Int32Data, ((Tensor<bool>)tensor).Data, proto.Name, v => v != 0);
                break;
            case DType.Float16:
                // float16 values travel as their bit patterns in int32_data.
                Fill(proto.Int32Data, ((Tensor<Half>)tensor).Data, proto.Name, v => BitConverter.UInt16BitsToHalf((ushort)v));
                break;
        }

        return tensor;
    }

    internal static TensorProto Encode(Tensor tensor, string name)
    {
        var proto = new TensorProto { Name = name, DataType = ToOnnx(tensor.DType), RawData = ByteString.CopyFrom(RawBytes(tensor)) };
        proto.Dims.AddRange(tensor.Shape.Select(d => (long)d));
        return proto;
    }

    internal static Span<byte> RawBytes(Tensor t) => t switch
    {
        Tensor<float> x => MemoryMarshal.AsBytes(x.Data.AsSpan()),
        Tensor<double> x => MemoryMarshal.AsBytes(x.Data.AsSpan()),
        Tensor<long> x => MemoryMarshal.AsBytes(x.Data.AsSpan()),
        Tensor<int> x => MemoryMarshal.AsBytes(x.Data.AsSpan()),
        Tensor<short> x => MemoryMarshal.AsBytes(x.Data.AsSpan()),
        Tensor<sbyte> x => MemoryMarshal.AsBytes(x.Data.AsSpan()),
        Tensor<byte> x => x.Data,
        Tensor<bool> x => MemoryMarshal.AsBytes(x.Data.AsSpan()),
        Tensor<Half> x => MemoryMarshal.AsBytes(x.Data.AsSpan()),
        _ => throw new NotSupportedException(t.GetType().Name),
    };

    private static void CopyExact(ReadOnlySpan<byte> source, Span<byte> destination, string name, long count)
    {
        if (source.Length != destination.Length)
        {
            throw new InvalidDataException($"tensor '{name}': declared shape needs {count} elements ({destination.Length} bytes) but the data has {source.Length} bytes");
        }

        source.CopyTo(destination);
    }

    private static void Fill<TSource, T>(IReadOnlyList<TSource> source, T[] destination, string name, Func<TSource, T> convert)
    {
        if (source.Count != destination.Length)
        {
            throw new InvalidDataException($"tensor '{name}': declared shape needs {destination.Length} elements but the data has {source.Count}");
        }

        for (int i = 0; i < destination.Length; i++)
        {
            destination[i] = convert(source[i]);
        }
    }
}
