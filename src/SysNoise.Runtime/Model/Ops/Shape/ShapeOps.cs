using SysNoise.Kernels.Model.Elementwise;
using SysNoise.Runtime.Model.Graph;
using SysNoise.Runtime.Model.Ops.Elementwise;
using SysNoise.Runtime.Tensors;

namespace SysNoise.Runtime.Model.Ops.Shape;

/// <summary>Reshape (shape input; 0 copies the input dimension unless allowzero = 1 (opset 14); one −1 is inferred).</summary>
public sealed class ReshapeOperator : IOnnxOperator
{
    public string OpType => "Reshape";

    public int MinOpset => 5;

    public Tensor[] Run(OpContext context, OnnxNode node, IReadOnlyList<Tensor?> inputs)
    {
        Tensor x = inputs[0]!;
        long[] spec = Lanes.Ints(inputs[1], "Reshape shape");
        bool allowZero = node.Int("allowzero", 0) != 0;
        var shape = new int[spec.Length];
        int infer = -1;
        long known = 1;
        for (int i = 0; i < spec.Length; i++)
        {
            long d = spec[i];
            if (d == -1)
            {
                if (infer >= 0)
                {
                    throw new ArgumentException("Reshape shape has more than one -1");
                }

                infer = i;
                continue;
            }

            if (d == 0 && !allowZero)
            {
                if (i >= x.Rank)
                {
                    throw new ArgumentException($"Reshape shape copies dimension {i} of a rank-{x.Rank} input");
                }

                d = x.Shape[i];
            }

            if (d < 0)
            {
                throw new ArgumentException($"Reshape shape has dimension {d}");
            }

            shape[i] = d <= int.MaxValue ? (int)d : throw new ArgumentException($"Reshape dimension {d} is too large");
            known *= d;
        }

        if (infer >= 0)
        {
            if (known == 0 || x.Length % known != 0)
            {
                throw new ArgumentException($"cannot reshape {x.ShapeText} to ({string.Join(", ", spec)})");
            }

            shape[infer] = (int)(x.Length / known);
        }

        return [Typed.WithShape(x, shape)];
    }
}

/// <summary>Flatten to 2-D at axis (negative from opset 11).</summary>
public sealed class FlattenOperator : IOnnxOperator
{
    public string OpType => "Flatten";

    public Tensor[] Run(OpContext context, OnnxNode node, IReadOnlyList<Tensor?> inputs)
    {
        Tensor x = inputs[0]!;
        long axis = node.Int("axis", 1);
        int a = (int)(axis < 0 ? axis + x.Rank : axis);
        if (a < 0 || a > x.Rank)
        {
            throw new ArgumentException($"Flatten axis {axis} is out of range for rank {x.Rank}");
        }

        long outer = Tensor.ElementCount(x.Shape.AsSpan(0, a));
        long inner = Tensor.ElementCount(x.Shape.AsSpan(a));
        return [Typed.WithShape(x, [(int)outer, (int)inner])];
    }
}

/// <summary>Squeeze: axes attribute before opset 13, input from 13; none removes every size-1 dimension.</summary>
public sealed class SqueezeOperator : IOnnxOperator
{
    public string OpType => "Squeeze";

    public Tensor[] Run(OpContext context, OnnxNode node, IReadOnlyList<Tensor?> inputs)
    {
        Tensor x = inputs[0]!;
        long[]? axes = node.Opset < 13 ? node.Ints("axes") : inputs.Count > 1 && inputs[1] is { } t ? Lanes.Ints(t, "Squeeze axes") : null;
        var remove = new bool[x.Rank];
        if (axes is null || axes.Length == 0)
        {
            for (int d = 0; d < x.Rank; d++)
            {
                remove[d] = x.Shape[d] == 1;
            }
        }
        else
        {
            foreach (long a in axes)
            {
                int d = Typed.Axis(a, x.Rank, "Squeeze axis");
                if (x.Shape[d] != 1)
                {
                    throw new ArgumentException($"Squeeze axis {a} has size {x.Shape[d]}, not 1");
                }

                remove[d] = true;
            }
        }

        var shape = new List<int>();
        for (int d = 0; d < x.Rank; d++)
        {
            if (!remove[d])
            {
                shape.Add(x.Shape[d]);
            }
        }

        return [Typed.WithShape(x, shape.ToArray())];
    }
}

/// <summary>Unsqueeze: axes attribute before opset 13, input from 13; axes refer to the output rank.</summary>
public sealed class UnsqueezeOperator : IOnnxOperator
{
    public string OpType => "Unsqueeze";

    public Tensor[] Run(OpContext context, OnnxNode node, IReadOnlyList<Tensor?> inputs)
    {
        Tensor x = inputs[0]!;
        long[] axes = (node.Opset < 13 ? node.Ints("axes") : inputs.Count > 1 ? Lanes.Ints(inputs[1], "Unsqueeze axes") : null)
            ?? throw new ArgumentException("Unsqueeze needs axes");
        int rank = x.Rank + axes.Length;
        var insert = new bool[rank];
        foreach (long a in axes)
        {
            int d = Typed.Axis(a, rank, "Unsqueeze axis");
            if (insert[d])
            {
                throw new ArgumentException($"Unsqueeze axis {a} repeats");
            }

            insert[d] = true;
        }

        var shape = new int[rank];
        for (int d = 0, k = 0; d < rank; d++)
        {
            shape[d] = insert[d] ? 1 : x.Shape[k++];
        }

        return [Typed.WithShape(x, shape)];
    }
}

/// <summary>Transpose (perm; default reverses the dimensions).</summary>
public sealed class TransposeOperator : IOnnxOperator
{
    public string OpType => "Transpose";

    public Tensor[] Run(OpContext context, OnnxNode node, IReadOnlyList<Tensor?> inputs)
    {
        Tensor x = inputs[0]!;
        int rank = x.Rank;
        long[] perm = node.Ints("perm") ?? Enumerable.Range(0, rank).Reverse().Select(i => (long)i).ToArray();
        if (perm.Length != rank)
        {
            throw new ArgumentException($"Transpose perm has {perm.Length} entries for a rank-{rank} input");
        }

        int[] strides = Typed.Strides(x.Shape);
        var shape = new int[rank];
        var steps = new int[rank];
        var seen = new bool[rank];
        for (int d = 0; d < rank; d++)
        {
            int p = Typed.Axis(perm[d], rank, "Transpose perm entry");
            if (seen[p])
            {
                throw new ArgumentException("Transpose perm is not a permutation");
            }

            seen[p] = true;
            shape[d] = x.Shape[p];
            steps[d] = strides[p];
        }

        return [Typed.Take(x, Typed.StridedMap(shape, 0, steps), shape, threads: context.Threads)];
    }
}

/// <summary>Concat along axis (all inputs the same type and shape except on the axis).</summary>
public sealed class ConcatOperator : IOnnxOperator
{
    public string OpType => "Concat";

    public Tensor[] Run(OpContext context, OnnxNode node, IReadOnlyList<Tensor?> inputs)
    {
        Tensor first = inputs[0]!;
        int rank = first.Rank;
        int axis = node.Has("axis") ? Typed.Axis(node.Int("axis", 0), rank, "Concat axis") : throw new ArgumentException("Concat needs axis");
        var shape = (int[])first.Shape.Clone();
        int total = 0;
        foreach (Tensor? t in inputs)
        {
            if (t!.DType != first.DType || t.Rank != rank)
            {
                throw new ArgumentException("Concat inputs differ in type or rank");
            }

            for (int d = 0; d < rank; d++)
            {
                if (d != axis && t.Shape[d] != first.Shape[d])
                {
                    throw new ArgumentException($"Concat inputs {first.ShapeText} and {t.ShapeText} differ off the axis");
                }
            }

            total += t.Shape[axis];
        }

        shape[axis] = total;

        // Every element is copied from an input: float32 outputs come from the arena uninitialised.
        Tensor result = first is Tensor<float> ? new Tensor<float>(context.NewFloats(Tensor.ElementCount(shape)), shape) : Tensor.Create(first.DType, shape);
        long outer = Tensor.ElementCount(shape.AsSpan(0, axis));
        long inner = Tensor.ElementCount(shape.AsSpan(axis + 1));
        long outRow = total * inner;
        long offset = 0;
        foreach (Tensor? t in inputs)
        {
            long block = t!.Shape[axis] * inner;
            for (long o = 0; o < outer && block > 0; o++)
            {
                Array.Copy(t.RawData, o * block, result.RawData, (o * outRow) + offset, block);
            }

            offset += block;
        }

        return [result];
    }
}

/// <summary>Split: sizes from the attribute before opset 13, the input from 13, or num_outputs (18; last part smaller).</summary>
public sealed class SplitOperator : IOnnxOperator
{
    public string OpType => "Split";

    public Tensor[] Run(OpContext context, OnnxNode node, IReadOnlyList<Tensor?> inputs)
    {
        Tensor x = inputs[0]!;
        int axis = Typed.Axis(node.Int("axis", 0), x.Rank, "Split axis");
        int length = x.Shape[axis];
        long[]? split = node.Opset < 13 ? node.Ints("split") : inputs.Count > 1 && inputs[1] is { } s ? Lanes.Ints(s, "Split split") : null;
        int parts = node.Outputs.Count;
        if (split is null || split.Length == 0)
        {
            if (node.Has("num_outputs"))
            {
                parts = (int)node.Int("num_outputs", parts);
            }

            int chunk = (length + parts - 1) / parts;
            split = new long[parts];
            for (int i = 0; i < parts; i++)
            {
                split[i] = Math.Max(0, Math.Min(chunk, length - (i * chunk)));
            }

            if (!node.Has("num_outputs") && length % parts != 0)
            {
                throw new ArgumentException($"Split cannot divide {length} into {parts} equal parts");
            }
        }

        if (split.Sum() != length)
        {
            throw new ArgumentException($"Split sizes ({string.Join(", ", split)}) do not add up to {length}");
        }

        long outer = Tensor.ElementCount(x.Shape.AsSpan(0, axis));
        long inner = Tensor.ElementCount(x.Shape.AsSpan(axis + 1));
        var results = new Tensor[split.Length];
        long start = 0;
        for (int p = 0; p < split.Length; p++)
        {
            var shape = (int[])x.Shape.Clone();
            shape[axis] = (int)split[p];
            Tensor r = Tensor.Create(x.DType, shape);
            long block = split[p] * inner;
            for (long o = 0; o < outer && block > 0; o++)
            {
                Array.Copy(x.RawData, (o * length * inner) + (start * inner), r.RawData, o * block, block);
            }

            start += split[p];
            results[p] = r;
        }

        return results;
    }
}

/// <summary>Slice: attributes starts/ends/axes in opset 1–9; inputs starts, ends, axes, steps from 10 (negative steps, clamping).</summary>
public sealed class SliceOperator : IOnnxOperator
{
    public string OpType => "Slice";

    public Tensor[] Run(OpContext context, OnnxNode node, IReadOnlyList<Tensor?> inputs)
    {
        Tensor x = inputs[0]!;
        long[] starts, ends;
        long[]? axes, steps = null;
        if (node.Opset < 10)
        {
            starts = node.Ints("starts") ?? throw new ArgumentException("Slice needs starts");
            ends = node.Ints("ends") ?? throw new ArgumentException("Slice needs ends");
            axes = node.Ints("axes");
        }
        else
        {
            starts = Lanes.Ints(inputs[1], "Slice starts");
            ends = Lanes.Ints(inputs[2], "Slice ends");
            axes = inputs.Count > 3 && inputs[3] is { } a ? Lanes.Ints(a, "Slice axes") : null;
            steps = inputs.Count > 4 && inputs[4] is { } s ? Lanes.Ints(s, "Slice steps") : null;
        }

        int rank = x.Rank;
        int[] strides = Typed.Strides(x.Shape);
        var shape = (int[])x.Shape.Clone();
        var stepArr = (int[])strides.Clone();
        int offset = 0;
        for (int i = 0; i < starts.Length; i++)
        {
            int d = Typed.Axis(axes is null ? i : axes[i], rank, "Slice axis");
            long step = steps is null ? 1 : steps[i];
            if (step == 0)
            {
                throw new ArgumentException("Slice step 0");
            }

            long dim = x.Shape[d];
            long start = starts[i], end = ends[i];
            start = start < 0 ? start + dim : start;
            end = end < 0 ? end + dim : end;
            long count;
            if (step > 0)
            {
                start = Math.Clamp(start, 0, dim);
                end = Math.Clamp(end, 0, dim);
                count = end > start ? (end - start + step - 1) / step : 0;
            }
            else
            {
                start = Math.Clamp(start, 0, dim - 1);
                end = Math.Clamp(end, -1, dim - 1);
                count = start > end ? (start - end + (-step) - 1) / (-step) : 0;
            }

            shape[d] = (int)count;
            if (count > 0)
            {
                offset += (int)(start * strides[d]);
            }

            stepArr[d] = (int)(step * strides[d]);
        }

        return [Typed.Take(x, Typed.StridedMap(shape, Tensor.ElementCount(shape) == 0 ? 0 : offset, stepArr), shape, threads: context.Threads)];
    }
}

/// <summary>Shape (start/end from opset 15, clamped).</summary>
public sealed class ShapeOperator : IOnnxOperator
{
    public string OpType => "Shape";

    public Tensor[] Run(OpContext context, OnnxNode node, IReadOnlyList<Tensor?> inputs)
    {
        Tensor x = inputs[0]!;
        int rank = x.Rank;
        long start = node.Int("start", 0), end = node.Int("end", rank);
        start = Math.Clamp(start < 0 ? start + rank : start, 0, rank);
        end = Math.Clamp(end < 0 ? end + rank : end, 0, rank);
        var dims = new long[Math.Max(0, end - start)];
        for (int i = 0; i < dims.Length; i++)
        {
            dims[i] = x.Shape[start + i];
        }

        return [Typed.Longs(dims)];
    }
}

public sealed class SizeOperator : IOnnxOperator
{
    public string OpType => "Size";

    public Tensor[] Run(OpContext context, OnnxNode node, IReadOnlyList<Tensor?> inputs) => [new Tensor<long>([inputs[0]!.Length], [])];
}

/// <summary>Expand: broadcast to the given shape (bidirectionally).</summary>
public sealed class ExpandOperator : IOnnxOperator
{
    public string OpType => "Expand";

    public int MinOpset => 8;

    public Tensor[] Run(OpContext context, OnnxNode node, IReadOnlyList<Tensor?> inputs)
    {
        Tensor x = inputs[0]!;
        int[] target = Typed.ToShape(Lanes.Ints(inputs[1], "Expand shape"), "Expand shape");
        var plan = BroadcastPlan.Create(x.Shape, target);
        return [Typed.Take(x, Broadcast.Map(x.Shape, plan.OutShape), plan.OutShape, threads: context.Threads)];
    }
}

/// <summary>Tile: repeats each dimension.</summary>
public sealed class TileOperator : IOnnxOperator
{
    public string OpType => "Tile";

    public Tensor[] Run(OpContext context, OnnxNode node, IReadOnlyList<Tensor?> inputs)
    {
        Tensor x = inputs[0]!;
        long[] repeats = Lanes.Ints(inputs[1], "Tile repeats");
        if (repeats.Length != x.Rank)
        {
            throw new ArgumentException($"Tile repeats has {repeats.Length} entries for a rank-{x.Rank} input");
        }

        var shape = new int[x.Rank];
        for (int d = 0; d < shape.Length; d++)
        {
            long size = x.Shape[d] * repeats[d];
            shape[d] = repeats[d] >= 0 && size <= int.MaxValue ? (int)size : throw new ArgumentException($"Tile repeats {repeats[d]} out of range");
        }

        int[] strides = Typed.Strides(x.Shape);
        var map = new int[Tensor.ElementCount(shape)];
        var idx = new int[shape.Length];
        for (int i = 0; i < map.Length; i++)
        {
            int rem = i, src = 0;
            for (int d = shape.Length - 1; d >= 0; d--)
            {
                int c = rem % shape[d];
                rem /= shape[d];
                src += (c % x.Shape[d]) * strides[d];
            }

            map[i] = src;
        }

        return [Typed.Take(x, map, shape, threads: context.Threads)];
    }
}

/// <summary>Index maps for broadcasting one tensor to a shape.</summary>
internal static class Broadcast
{
    public static int[] Map(int[] from, int[] to)
    {
        var plan = BroadcastPlan.Create(from, to);
        var map = new int[plan.Count];
        int inner = plan.Inner;
        int step = plan.Strides[0][^1];
        for (int r = 0, o = 0; inner > 0 && o < map.Length; r++, o += inner)
        {
            int b = plan.RowOffset(0, r);
            for (int j = 0; j < inner; j++)
            {
                map[o + j] = b + (j * step);
            }
        }

        return map;
    }
}
