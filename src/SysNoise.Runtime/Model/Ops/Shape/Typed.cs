using SysNoise.Runtime.Model.Ops.Elementwise;
using SysNoise.Runtime.Tensors;

namespace SysNoise.Runtime.Model.Ops.Shape;

/// <summary>Something done to a tensor of any element type.</summary>
internal interface ITensorVisitor<TResult>
{
    TResult Visit<T>(Tensor<T> t)
        where T : unmanaged;
}

/// <summary>
/// Type-generic helpers for the data-movement operators. These run on the host in every session (an ILGPU session
/// included): they only move elements, so where they run cannot change a value.
/// </summary>
internal static class Typed
{
    public static TResult Accept<TResult>(Tensor t, ITensorVisitor<TResult> v) => t switch
    {
        Tensor<float> x => v.Visit(x),
        Tensor<double> x => v.Visit(x),
        Tensor<Half> x => v.Visit(x),
        Tensor<long> x => v.Visit(x),
        Tensor<int> x => v.Visit(x),
        Tensor<short> x => v.Visit(x),
        Tensor<sbyte> x => v.Visit(x),
        Tensor<byte> x => v.Visit(x),
        Tensor<bool> x => v.Visit(x),
        _ => throw new NotSupportedException(t.GetType().Name),
    };

    /// <summary>The same elements with another shape (shares the data: tensors are immutable once produced).</summary>
    public static Tensor WithShape(Tensor t, int[] shape)
    {
        if (Tensor.ElementCount(shape) != t.Length)
        {
            throw new ArgumentException($"cannot view {t.Length} elements {t.ShapeText} as ({string.Join(", ", shape)})");
        }

        return Accept(t, new WithShapeVisitor(shape));
    }

    /// <summary>output[i] = source[map[i]], or <paramref name="fill"/>'s value (a scalar of the same type; default 0) where map[i] &lt; 0.</summary>
    public static Tensor Take(Tensor source, int[] map, int[] shape, Tensor? fill = null, int threads = 1) => Accept(source, new TakeVisitor(map, shape, fill, threads));

    public static int[] Strides(int[] shape)
    {
        var s = new int[shape.Length];
        int stride = 1;
        for (int d = shape.Length - 1; d >= 0; d--)
        {
            s[d] = stride;
            stride *= shape[d];
        }

        return s;
    }

    public static int Axis(long axis, int rank, string what = "axis")
    {
        long a = axis < 0 ? axis + rank : axis;
        if (a < 0 || a >= Math.Max(rank, 1) && !(rank == 0 && a == 0))
        {
            throw new ArgumentException($"{what} {axis} is out of range for rank {rank}");
        }

        return (int)a;
    }

    public static int[] ToShape(long[] dims, string what)
    {
        var r = new int[dims.Length];
        for (int i = 0; i < r.Length; i++)
        {
            if (dims[i] < 0 || dims[i] > int.MaxValue)
            {
                throw new ArgumentException($"{what}: dimension {dims[i]} out of range");
            }

            r[i] = (int)dims[i];
        }

        return r;
    }

    /// <summary>A 1-D int64 tensor.</summary>
    public static Tensor<long> Longs(long[] values) => new(values, values.Length);

    /// <summary>
    /// Builds the index map of a strided view: output index (multi-index o over <paramref name="outShape"/>) reads
    /// source offset <c>start + Σ o[d]·steps[d]</c>; offsets are computed incrementally (odometer) per row.
    /// </summary>
    public static int[] StridedMap(int[] outShape, int start, int[] steps)
    {
        long count = Tensor.ElementCount(outShape);
        var map = new int[count];
        if (count == 0)
        {
            return map;
        }

        int rank = outShape.Length;
        if (rank == 0)
        {
            map[0] = start;
            return map;
        }

        var idx = new int[rank];
        int offset = start;
        int inner = outShape[rank - 1], innerStep = steps[rank - 1];
        for (int o = 0; o < count; o += inner)
        {
            int off = offset;
            for (int j = 0; j < inner; j++)
            {
                map[o + j] = off;
                off += innerStep;
            }

            for (int d = rank - 2; d >= 0; d--)
            {
                idx[d]++;
                offset += steps[d];
                if (idx[d] < outShape[d])
                {
                    break;
                }

                offset -= steps[d] * outShape[d];
                idx[d] = 0;
            }
        }

        return map;
    }

    private sealed class WithShapeVisitor(int[] shape) : ITensorVisitor<Tensor>
    {
        public Tensor Visit<T>(Tensor<T> t)
            where T : unmanaged => new Tensor<T>(t.Data, shape);
    }

    private sealed class TakeVisitor(int[] map, int[] shape, Tensor? fill, int threads) : ITensorVisitor<Tensor>
    {
        public Tensor Visit<T>(Tensor<T> t)
            where T : unmanaged
        {
            T f = fill is Tensor<T> ft && ft.Length > 0 ? ft.Data[0] : default;
            if (fill is not null && fill is not Tensor<T> && fill.Length > 0)
            {
                throw new ArgumentException($"fill value is {Lanes.Name(fill.DType)}, the tensor is {Lanes.Name(t.DType)}");
            }

            T[] src = t.Data;
            var r = new T[map.Length];
            if (map.Length < (1 << 16) || threads <= 1)
            {
                for (int i = 0; i < r.Length; i++)
                {
                    int m = map[i];
                    r[i] = m >= 0 ? src[m] : f;
                }
            }
            else
            {
                int chunks = threads * 4;
                Parallel.For(0, chunks, new ParallelOptions { MaxDegreeOfParallelism = threads }, c =>
                {
                    int s = (int)((long)r.Length * c / chunks), e = (int)((long)r.Length * (c + 1) / chunks);
                    for (int i = s; i < e; i++)
                    {
                        int m = map[i];
                        r[i] = m >= 0 ? src[m] : f;
                    }
                });
            }

            return new Tensor<T>(r, shape);
        }
    }
}
