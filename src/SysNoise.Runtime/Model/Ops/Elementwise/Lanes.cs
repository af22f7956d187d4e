using SysNoise.Runtime.Tensors;

namespace SysNoise.Runtime.Model.Ops.Elementwise;

/// <summary>
/// The arithmetic lanes of the elementwise operators. float32 computes in float (host loops or ILGPU kernels);
/// float16 is widened to float, computed as float32 and rounded back to binary16 (nearest-even) at the output;
/// float64 computes in double on the host; integer and bool tensors widen to long on the host and wrap back.
/// </summary>
internal static class Lanes
{
    public static bool IsFloat(DType t) => t is DType.Float32 or DType.Float16 or DType.Float64;

    public static bool IsInteger(DType t) => t is DType.UInt8 or DType.Int8 or DType.Int16 or DType.Int32 or DType.Int64;

    public static string Name(DType t) => t.ToString().ToLowerInvariant();

    /// <summary>float32 data (the array itself for float32, a widened copy for float16).</summary>
    public static float[] ToFloat(Tensor t) => t switch
    {
        Tensor<float> f => f.Data,
        Tensor<Half> h => HalfToFloat(h.Data),
        _ => throw new NotSupportedException($"{Name(t.DType)} is not a float32/float16 tensor"),
    };

    public static float[] HalfToFloat(Half[] h)
    {
        var r = new float[h.Length];
        for (int i = 0; i < r.Length; i++)
        {
            r[i] = (float)h[i];
        }

        return r;
    }

    /// <summary>A float32 result as a tensor of <paramref name="type"/> (float32, or float16 rounded to nearest-even).</summary>
    public static Tensor FromFloat(float[] data, int[] shape, DType type)
    {
        if (type == DType.Float32)
        {
            return new Tensor<float>(data, shape);
        }

        var h = new Half[data.Length];
        for (int i = 0; i < h.Length; i++)
        {
            h[i] = (Half)data[i];
        }

        return new Tensor<Half>(h, shape);
    }

    public static double[] ToDouble(Tensor t)
    {
        if (t is Tensor<double> d)
        {
            return d.Data;
        }

        var r = new double[t.Length];
        switch (t)
        {
            case Tensor<float> f:
                for (int i = 0; i < r.Length; i++) { r[i] = f.Data[i]; }
                break;
            case Tensor<Half> h:
                for (int i = 0; i < r.Length; i++) { r[i] = (double)h.Data[i]; }
                break;
            default:
                long[] l = ToLong(t);
                for (int i = 0; i < r.Length; i++) { r[i] = l[i]; }
                break;
        }

        return r;
    }

    /// <summary>Integer or bool data widened to long.</summary>
    public static long[] ToLong(Tensor t)
    {
        if (t is Tensor<long> l)
        {
            return l.Data;
        }

        var r = new long[t.Length];
        switch (t)
        {
            case Tensor<int> x: for (int i = 0; i < r.Length; i++) { r[i] = x.Data[i]; } break;
            case Tensor<short> x: for (int i = 0; i < r.Length; i++) { r[i] = x.Data[i]; } break;
            case Tensor<sbyte> x: for (int i = 0; i < r.Length; i++) { r[i] = x.Data[i]; } break;
            case Tensor<byte> x: for (int i = 0; i < r.Length; i++) { r[i] = x.Data[i]; } break;
            case Tensor<bool> x: for (int i = 0; i < r.Length; i++) { r[i] = x.Data[i] ? 1 : 0; } break;
            default: throw new NotSupportedException($"{Name(t.DType)} is not an integer tensor");
        }

        return r;
    }

    /// <summary>A long result wrapped (two's complement) to <paramref name="type"/>.</summary>
    public static Tensor FromLong(long[] data, int[] shape, DType type)
    {
        switch (type)
        {
            case DType.Int64: return new Tensor<long>(data, shape);
            case DType.Int32: { var r = new int[data.Length]; for (int i = 0; i < r.Length; i++) { r[i] = unchecked((int)data[i]); } return new Tensor<int>(r, shape); }
            case DType.Int16: { var r = new short[data.Length]; for (int i = 0; i < r.Length; i++) { r[i] = unchecked((short)data[i]); } return new Tensor<short>(r, shape); }
            case DType.Int8: { var r = new sbyte[data.Length]; for (int i = 0; i < r.Length; i++) { r[i] = unchecked((sbyte)data[i]); } return new Tensor<sbyte>(r, shape); }
            case DType.UInt8: { var r = new byte[data.Length]; for (int i = 0; i < r.Length; i++) { r[i] = unchecked((byte)data[i]); } return new Tensor<byte>(r, shape); }
            case DType.Bool: { var r = new bool[data.Length]; for (int i = 0; i < r.Length; i++) { r[i] = data[i] != 0; } return new Tensor<bool>(r, shape); }
            default: throw new NotSupportedException($"no integer lane for {Name(type)}");
        }
    }

    /// <summary>Integer values of an int32/int64 tensor (shape/axes/indices inputs).</summary>
    public static long[] Ints(Tensor? t, string what)
    {
        return t switch
        {
            null => throw new ArgumentException($"{what} is missing"),
            Tensor<long> l => l.Data,
            Tensor<int> or Tensor<short> or Tensor<sbyte> or Tensor<byte> => ToLong(t),
            _ => throw new ArgumentException($"{what} must be an integer tensor, got {Name(t.DType)}"),
        };
    }

    /// <summary>A scalar (one-element tensor) as double.</summary>
    public static double Scalar(Tensor t, string what) => t.Length == 1 ? t.GetAsDouble(0) : throw new ArgumentException($"{what} must be a scalar, got shape {t.ShapeText}");
}
