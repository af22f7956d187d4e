using SysNoise.Runtime.Model.Graph;
using SysNoise.Runtime.Model.Ops.Elementwise;
using SysNoise.Runtime.Tensors;

namespace SysNoise.Runtime.Model.Ops.Shape;

internal static class Indices
{
    /// <summary>An index in [−dim, dim) made non-negative.</summary>
    public static int Normalize(long index, int dim, string op)
    {
        long i = index < 0 ? index + dim : index;
        if (i < 0 || i >= dim)
        {
            throw new ArgumentException($"{op} index {index} is out of range for a dimension of {dim}");
        }

        return (int)i;
    }
}

/// <summary>Gather along axis: output shape = data[:axis] + indices + data[axis+1:]; negative indices count from the end.</summary>
public sealed class GatherOperator : IOnnxOperator
{
    public string OpType => "Gather";

    public Tensor[] Run(OpContext context, OnnxNode node, IReadOnlyList<Tensor?> inputs)
    {
        Tensor data = inputs[0]!;
        Tensor idxT = inputs[1]!;
        long[] idx = Lanes.Ints(idxT, "Gather indices");
        int axis = Typed.Axis(node.Int("axis", 0), data.Rank, "Gather axis");
        int dim = data.Shape[axis];
        int outer = (int)Tensor.ElementCount(data.Shape.AsSpan(0, axis));
        int inner = (int)Tensor.ElementCount(data.Shape.AsSpan(axis + 1));
        int[] shape = [.. data.Shape[..axis], .. idxT.Shape, .. data.Shape[(axis + 1)..]];
        var map = new int[Tensor.ElementCount(shape)];
        int m = 0;
        for (int o = 0; o < outer; o++)
        {
            for (int k = 0; k < idx.Length; k++)
            {
                int src = ((o * dim) + Indices.Normalize(idx[k], dim, OpType)) * inner;
                for (int j = 0; j < inner; j++)
                {
                    map[m++] = src + j;
                }
            }
        }

        return [Typed.Take(data, map, shape, threads: context.Threads)];
    }
}

/// <summary>GatherElements: output[i] = data[i with i[axis] replaced by indices[i]].</summary>
public sealed class GatherElementsOperator : IOnnxOperator
{
    public string OpType => "GatherElements";

    public int MinOpset => 11;

    public Tensor[] Run(OpContext context, OnnxNode node, IReadOnlyList<Tensor?> inputs)
    {
        Tensor data = inputs[0]!, idxT = inputs[1]!;
        long[] idx = Lanes.Ints(idxT, "GatherElements indices");
        int axis = Typed.Axis(node.Int("axis", 0), data.Rank, "GatherElements axis");
        int[] ds = Typed.Strides(data.Shape);
        var map = new int[idx.Length];
        int rank = idxT.Rank;
        for (int i = 0; i < idx.Length; i++)
        {
            int rem = i, src = 0;
            for (int d = rank - 1; d >= 0; d--)
            {
                int c = rem % idxT.Shape[d];
                rem /= idxT.Shape[d];
                src += (d == axis ? Indices.Normalize(idx[i], data.Shape[axis], OpType) : c) * ds[d];
            }

            map[i] = src;
        }

        return [Typed.Take(data, map, idxT.Shape, threads: context.Threads)];
    }
}

/// <summary>GatherND with batch_dims.</summary>
public sealed class GatherNDOperator : IOnnxOperator
{
    public string OpType => "GatherND";

    public int MinOpset => 11;

    public Tensor[] Run(OpContext context, OnnxNode node, IReadOnlyList<Tensor?> inputs)
    {
        Tensor data = inputs[0]!, idxT = inputs[1]!;
        long[] idx = Lanes.Ints(idxT, "GatherND indices");
        int b = (int)node.Int("batch_dims", 0);
        int q = idxT.Rank, r = data.Rank;
        int k = idxT.Shape[q - 1];
        if (k > r - b)
        {
            throw new ArgumentException("GatherND index tuples are longer than the data rank allows");
        }

        int[] shape = [.. idxT.Shape[..(q - 1)], .. data.Shape[(b + k)..]];
        int batch = (int)Tensor.ElementCount(data.Shape.AsSpan(0, b));
        int batchStride = (int)Tensor.ElementCount(data.Shape.AsSpan(b));
        int tuplesPerBatch = (int)Tensor.ElementCount(idxT.Shape.AsSpan(b, q - 1 - b));
        int slice = (int)Tensor.ElementCount(data.Shape.AsSpan(b + k));
        int[] ds = Typed.Strides(data.Shape);
        var map = new int[Tensor.ElementCount(shape)];
        int m = 0;
        for (int bi = 0; bi < batch; bi++)
        {
            for (int t = 0; t < tuplesPerBatch; t++)
            {
                int tuple = ((bi * tuplesPerBatch) + t) * k;
                int src = bi * batchStride;
                for (int j = 0; j < k; j++)
                {
                    src += Indices.Normalize(idx[tuple + j], data.Shape[b + j], OpType) * ds[b + j];
                }

                for (int e = 0; e < slice; e++)
                {
                    map[m++] = src + e;
                }
            }
        }

        return [Typed.Take(data, map, shape, threads: context.Threads)];
    }
}

/// <summary>Reductions of ScatterND / ScatterElements.</summary>
internal static class ScatterReduction
{
    public static void Apply<T>(T[] dst, int at, T value, string reduction)
    {
        if (reduction == "none")
        {
            dst[at] = value;
            return;
        }

        dst[at] = Combine(dst[at], value, reduction);
    }

    private static T Combine<T>(T a, T b, string reduction)
    {
        switch (a, b)
        {
            case (float x, float y): return (T)(object)(reduction switch { "add" => x + y, "mul" => x * y, "max" => Math.Max(x, y), "min" => Math.Min(x, y), _ => throw Bad(reduction) });
            case (double x, double y): return (T)(object)(reduction switch { "add" => x + y, "mul" => x * y, "max" => Math.Max(x, y), "min" => Math.Min(x, y), _ => throw Bad(reduction) });
            case (Half x, Half y): return (T)(object)(Half)(float)Combine((float)x, (float)y, reduction);
            case (long x, long y): return (T)(object)(reduction switch { "add" => x + y, "mul" => x * y, "max" => Math.Max(x, y), "min" => Math.Min(x, y), _ => throw Bad(reduction) });
            case (int x, int y): return (T)(object)(int)Combine((long)x, (long)y, reduction);
            case (short x, short y): return (T)(object)(short)Combine((long)x, (long)y, reduction);
            case (sbyte x, sbyte y): return (T)(object)(sbyte)Combine((long)x, (long)y, reduction);
            case (byte x, byte y): return (T)(object)(byte)Combine((long)x, (long)y, reduction);
            case (bool x, bool y): return (T)(object)(reduction switch { "add" or "max" => x || y, "mul" or "min" => x && y, _ => throw Bad(reduction) });
            default: throw new NotSupportedException(typeof(T).Name);
        }
    }

    private static ArgumentException Bad(string r) => new($"unknown scatter reduction '{r}'");
}

/// <summary>ScatterND (reduction from opset 16): updates applied in index order.</summary>
public sealed class ScatterNDOperator : IOnnxOperator
{
    public string OpType => "ScatterND";

    public int MinOpset => 11;

    public Tensor[] Run(OpContext context, OnnxNode node, IReadOnlyList<Tensor?> inputs) =>
        [Typed.Accept(inputs[0]!, new Visitor(inputs[1]!, inputs[2]!, node.String("reduction", "none")))];

    private sealed class Visitor(Tensor indices, Tensor updates, string reduction) : ITensorVisitor<Tensor>
    {
        public Tensor Visit<T>(Tensor<T> data)
            where T : unmanaged
        {
            long[] idx = Lanes.Ints(indices, "ScatterND indices");
            T[] upd = ((Tensor<T>)updates).Data;
            var r = (T[])data.Data.Clone();
            int k = indices.Shape[^1];
            int tuples = k == 0 ? 0 : idx.Length / k;
            int slice = (int)Tensor.ElementCount(data.Shape.AsSpan(k));
            int[] ds = Typed.Strides(data.Shape);
            for (int t = 0; t < tuples; t++)
            {
                int dst = 0;
                for (int j = 0; j < k; j++)
                {
                    dst += Indices.Normalize(idx[(t * k) + j], data.Shape[j], "ScatterND") * ds[j];
                }

                for (int e = 0; e < slice; e++)
                {
                    ScatterReduction.Apply(r, dst + e, upd[(t * slice) + e], reduction);
                }
            }

            return new Tensor<T>(r, data.Shape);
        }
    }
}

/// <summary>ScatterElements (reduction from opset 16); also the deprecated Scatter (opset 9–10), which is the same op.</summary>
public class ScatterElementsOperator : IOnnxOperator
{
    public virtual string OpType => "ScatterElements";

    public Tensor[] Run(OpContext context, OnnxNode node, IReadOnlyList<Tensor?> inputs)
    {
        Tensor data = inputs[0]!;
        int axis = Typed.Axis(node.Int("axis", 0), data.Rank, "ScatterElements axis");
        return [Typed.Accept(data, new Visitor(inputs[1]!, inputs[2]!, axis, node.String("reduction", "none")))];
    }

    private sealed class Visitor(Tensor indices, Tensor updates, int axis, string reduction) : ITensorVisitor<Tensor>
    {
        public Tensor Visit<T>(Tensor<T> data)
            where T : unmanaged
        {
            long[] idx = Lanes.Ints(indices, "ScatterElements indices");
            T[] upd = ((Tensor<T>)updates).Data;
            var r = (T[])data.Data.Clone();
            int[] ds = Typed.Strides(data.Shape);
            int rank = indices.Rank;
            for (int i = 0; i < idx.Length; i++)
            {
                int rem = i, dst = 0;
                for (int d = rank - 1; d >= 0; d--)
                {
                    int c = rem % indices.Shape[d];
                    rem /= indices.Shape[d];
                    dst += (d == axis ? Indices.Normalize(idx[i], data.Shape[axis], "ScatterElements") : c) * ds[d];
                }

                ScatterReduction.Apply(r, dst, upd[i], reduction);
            }

            return new Tensor<T>(r, data.Shape);
        }
    }
}

public sealed class ScatterOperator : ScatterElementsOperator
{
    public override string OpType => "Scatter";
}

/// <summary>NonZero: int64 [rank, count] indices of the non-zero elements in row-major order.</summary>
public sealed class NonZeroOperator : IOnnxOperator
{
    public string OpType => "NonZero";

    public int MinOpset => 9;

    public Tensor[] Run(OpContext context, OnnxNode node, IReadOnlyList<Tensor?> inputs)
    {
        Tensor x = inputs[0]!;
        var hits = new List<int>();
        for (int i = 0; i < x.Length; i++)
        {
            if (x.GetAsDouble(i) != 0)
            {
                hits.Add(i);
            }
        }

        int rank = Math.Max(x.Rank, 1);
        var r = new long[rank * hits.Count];
        for (int h = 0; h < hits.Count; h++)
        {
            int rem = hits[h];
            for (int d = x.Rank - 1; d >= 0; d--)
            {
                r[(d * hits.Count) + h] = rem % x.Shape[d];
                rem /= x.Shape[d];
            }
        }

        return [new Tensor<long>(r, rank, hits.Count)];
    }
}

/// <summary>OneHot: indices (negative count from depth), depth, values [off, on]; new axis at axis (default −1).</summary>
public sealed class OneHotOperator : IOnnxOperator
{
    public string OpType => "OneHot";

    public int MinOpset => 9;

    public Tensor[] Run(OpContext context, OnnxNode node, IReadOnlyList<Tensor?> inputs)
    {
        Tensor indices = inputs[0]!, values = inputs[2]!;
        double[] idx = Lanes.ToDouble(indices);
        long depth = (long)Lanes.Scalar(inputs[1]!, "OneHot depth");
        int rank = indices.Rank + 1;
        int axis = Typed.Axis(node.Int("axis", -1), rank, "OneHot axis");
        int[] shape = [.. indices.Shape[..axis], (int)depth, .. indices.Shape[axis..]];
        int outer = (int)Tensor.ElementCount(indices.Shape.AsSpan(0, axis));
        int inner = (int)Tensor.ElementCount(indices.Shape.AsSpan(axis));
        var map = new int[Tensor.ElementCount(shape)];
        for (int o = 0; o < outer; o++)
        {
            for (int dd = 0; dd < depth; dd++)
            {
                for (int i = 0; i < inner; i++)
                {
                    long v = (long)idx[(o * inner) + i];
                    v = v < 0 ? v + depth : v;
                    map[(((o * depth) + dd) * inner) + i] = v == dd ? 1 : 0;
                }
            }
        }

        return [Typed.Take(values, map, shape)];
    }
}
