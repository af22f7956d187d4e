namespace SysNoise.Runtime.Tensors;

/// <summary>Element types a tensor may hold; names follow NumPy's dtype names.</summary>
public enum DType
{
    UInt8,
    Int8,
    Int16,
    Int32,
    Int64,
    Float16,
    Float32,
    Float64,
    Bool,
}

/// <summary>A dense C-order (row-major) n-dimensional array. Images are H×W×C.</summary>
public abstract class Tensor
{
    protected Tensor(int[] shape)
    {
        foreach (int d in shape)
        {
            if (d < 0)
            {
                throw new ArgumentException($"Negative dimension in shape ({string.Join(", ", shape)}).", nameof(shape));
            }
        }

        Shape = shape;
    }

    public int[] Shape { get; }

    public int Rank => Shape.Length;

    public long Length => ElementCount(Shape);

    public abstract DType DType { get; }

    public abstract Array RawData { get; }

    public string ShapeText => "(" + string.Join(", ", Shape) + (Shape.Length == 1 ? ",)" : ")");

    public static long ElementCount(ReadOnlySpan<int> shape)
    {
        long n = 1;
        foreach (int d in shape)
        {
            n *= d;
        }

        return n;
    }

    public static int SizeOf(DType type) => type switch
    {
        DType.UInt8 or DType.Int8 or DType.Bool => 1,
        DType.Int16 or DType.Float16 => 2,
        DType.Int32 or DType.Float32 => 4,
        DType.Int64 or DType.Float64 => 8,
        _ => throw new ArgumentOutOfRangeException(nameof(type)),
    };

    public static DType DTypeOf<T>()
        where T : unmanaged
    {
        if (typeof(T) == typeof(byte)) { return DType.UInt8; }
        if (typeof(T) == typeof(sbyte)) { return DType.Int8; }
        if (typeof(T) == typeof(short)) { return DType.Int16; }
        if (typeof(T) == typeof(int)) { return DType.Int32; }
        if (typeof(T) == typeof(long)) { return DType.Int64; }
        if (typeof(T) == typeof(Half)) { return DType.Float16; }
        if (typeof(T) == typeof(float)) { return DType.Float32; }
        if (typeof(T) == typeof(double)) { return DType.Float64; }
        if (typeof(T) == typeof(bool)) { return DType.Bool; }
        throw new NotSupportedException($"No tensor dtype for {typeof(T).Name}.");
    }

    /// <summary>Allocates a zeroed tensor of the given dtype.</summary>
    public static Tensor Create(DType type, int[] shape) => type switch
    {
        DType.UInt8 => new Tensor<byte>(shape),
        DType.Int8 => new Tensor<sbyte>(shape),
        DType.Int16 => new Tensor<short>(shape),
        DType.Int32 => new Tensor<int>(shape),
        DType.Int64 => new Tensor<long>(shape),
        DType.Float16 => new Tensor<Half>(shape),
        DType.Float32 => new Tensor<float>(shape),
        DType.Float64 => new Tensor<double>(shape),
        DType.Bool => new Tensor<bool>(shape),
        _ => throw new ArgumentOutOfRangeException(nameof(type)),
    };

    /// <summary>Element <paramref name="i"/> (flat index) widened to double, for reports and diffs.</summary>
    public abstract double GetAsDouble(long i);

    /// <summary>The same elements under another shape with the same element count (no copy).</summary>
    public abstract Tensor WithShape(int[] shape);
}

/// <summary>A typed dense C-order tensor.</summary>
public sealed class Tensor<T> : Tensor
    where T : unmanaged
{
    public Tensor(params int[] shape)
        : base(shape)
    {
        Data = new T[ElementCount(shape)];
    }

    public Tensor(T[] data, params int[] shape)
        : base(shape)
    {
        if (data.LongLength != ElementCount(shape))
        {
            throw new ArgumentException($"Data has {data.LongLength} elements but shape {string.Join("×", shape)} needs {ElementCount(shape)}.", nameof(data));
        }

        Data = data;
    }

    public T[] Data { get; }

    public override DType DType => DTypeOf<T>();

    public override Array RawData => Data;

    public Span<T> Span => Data;

    public override Tensor WithShape(int[] shape) => new Tensor<T>(Data, shape);

    public override double GetAsDouble(long i)
    {
        T v = Data[i];
        return v switch
        {
            byte b => b,
            sbyte sb => sb,
            short s => s,
            int n => n,
            long l => l,
            Half h => (double)h,
            float f => f,
            double d => d,
            bool b => b ? 1 : 0,
            _ => throw new NotSupportedException(),
        };
    }
}
