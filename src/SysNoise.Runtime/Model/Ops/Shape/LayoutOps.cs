using SysNoise.Runtime.Model.Graph;
using SysNoise.Runtime.Model.Ops.Elementwise;
using SysNoise.Runtime.Tensors;

namespace SysNoise.Runtime.Model.Ops.Shape;

/// <summary>
/// Pad: constant / reflect / edge / wrap. Attributes pads, value before opset 11; inputs pads, constant_value,
/// axes (18) from 11. Negative pads crop.
/// </summary>
public sealed class PadOperator : IOnnxOperator
{
    public string OpType => "Pad";

    public Tensor[] Run(OpContext context, OnnxNode node, IReadOnlyList<Tensor?> inputs)
    {
        Tensor x = inputs[0]!;
        int rank = x.Rank;
        string mode = node.String("mode", "constant");
        long[] pads;
        Tensor? fill = null;
        if (node.Opset < 11)
        {
            pads = node.Ints("pads") ?? node.Ints("paddings") ?? throw new ArgumentException("Pad needs pads");
            float value = node.Float("value", 0f);
            fill = x.DType switch
            {
                DType.Float32 => new Tensor<float>([value], []),
                DType.Float64 => new Tensor<double>([value], []),
                DType.Float16 => new Tensor<Half>([(Half)value], []),
                _ => Basic.CastOperator.Convert(new Tensor<float>([value], []), x.DType),
            };
        }
        else
        {
            long[] given = Lanes.Ints(inputs[1], "Pad pads");
            fill = inputs.Count > 2 ? inputs[2] : null;
            long[]? axes = inputs.Count > 3 && inputs[3] is { } a ? Lanes.Ints(a, "Pad axes") : null;
            if (axes is null)
            {
                pads = given;
            }
            else
            {
                pads = new long[2 * rank];
                for (int i = 0; i < axes.Length; i++)
                {
                    int d = Typed.Axis(axes[i], rank, "Pad axis");
                    pads[d] = given[i];
                    pads[d + rank] = given[i + axes.Length];
                }
            }
        }

        if (pads.Length != 2 * rank)
        {
            throw new ArgumentException($"Pad has {pads.Length} pads for a rank-{rank} input");
        }

        if (fill is not null && fill.DType != x.DType)
        {
            throw new ArgumentException("Pad constant_value has another type than the input");
        }

        var shape = new int[rank];
        for (int d = 0; d < rank; d++)
        {
            long size = x.Shape[d] + pads[d] + pads[d + rank];
            shape[d] = size <= int.MaxValue ? (int)size : throw new ArgumentException($"Pad output dimension {size} is too large");
            if (shape[d] < 0)
            {
                throw new ArgumentException("Pad crops below zero");
            }

            if (mode is "reflect" or "edge" or "wrap" && x.Shape[d] == 0 && shape[d] > 0)
            {
                throw new ArgumentException($"Pad mode {mode} on an empty dimension");
            }
        }

        int[] strides = Typed.Strides(x.Shape);
        var map = new int[Tensor.ElementCount(shape)];
        // Per dimension, the source coordinate of each output coordinate (−1: padding constant).
        var coord = new int[rank][];
        for (int d = 0; d < rank; d++)
        {
            coord[d] = new int[shape[d]];
            int n = x.Shape[d];
            for (int o = 0; o < shape[d]; o++)
            {
                long i = o - pads[d];
                coord[d][o] = (int)(i >= 0 && i < n ? i : mode switch
                {
                    "constant" => -1,
                    "edge" => i < 0 ? 0 : n - 1,
                    "reflect" => Reflect(i, n),
                    "wrap" => ((i % n) + n) % n,
                    _ => throw new ArgumentException($"unknown Pad mode '{mode}'"),
                });
            }
        }

        for (int i = 0; i < map.Length; i++)
        {
            int rem = i, src = 0;
            for (int d = rank - 1; d >= 0; d--)
            {
                int c = coord[d][rem % shape[d]];
                rem /= shape[d];
                if (c < 0 || src < 0)
                {
                    src = -1;
                    continue;
                }

                src += c * strides[d];
            }

            map[i] = src;
        }

        return [Typed.Take(x, map, shape, fill, context.Threads)];
    }

    private static long Reflect(long i, int n)
    {
        if (n == 1)
        {
            return 0;
        }

        long period = 2L * (n - 1);
        long m = ((i % period) + period) % period;
        return m < n ? m : period - m;
    }
}

/// <summary>DepthToSpace (DCR or CRD) and SpaceToDepth on NCHW.</summary>
public sealed class DepthToSpaceOperator : IOnnxOperator
{
    public string OpType => "DepthToSpace";

    public Tensor[] Run(OpContext context, OnnxNode node, IReadOnlyList<Tensor?> inputs)
    {
        Tensor x = inputs[0]!;
        int b = (int)node.Int("blocksize", 0);
        bool crd = node.String("mode", "DCR") == "CRD";
        int n = x.Shape[0], c = x.Shape[1], h = x.Shape[2], w = x.Shape[3];
        if (b <= 0 || c % (b * b) != 0)
        {
            throw new ArgumentException($"DepthToSpace blocksize {b} does not divide {c} channels");
        }

        int oc = c / (b * b);
        int[] shape = [n, oc, h * b, w * b];
        var map = new int[x.Length];
        int m = 0;
        for (int ni = 0; ni < n; ni++)
        {
            for (int ci = 0; ci < oc; ci++)
            {
                for (int y = 0; y < h * b; y++)
                {
                    for (int xx = 0; xx < w * b; xx++)
                    {
                        int by = y % b, bx = xx % b;
                        int sc = crd ? (ci * b * b) + (by * b) + bx : (((by * b) + bx) * oc) + ci;
                        map[m++] = (((((ni * c) + sc) * h) + (y / b)) * w) + (xx / b);
                    }
                }
            }
        }

        return [Typed.Take(x, map, shape, threads: context.Threads)];
    }
}

public sealed class SpaceToDepthOperator : IOnnxOperator
{
    public string OpType => "SpaceToDepth";

    public Tensor[] Run(OpContext context, OnnxNode node, IReadOnlyList<Tensor?> inputs)
    {
        Tensor x = inputs[0]!;
        int b = (int)node.Int("blocksize", 0);
        int n = x.Shape[0], c = x.Shape[1], h = x.Shape[2], w = x.Shape[3];
        if (b <= 0 || h % b != 0 || w % b != 0)
        {
            throw new ArgumentException($"SpaceToDepth blocksize {b} does not divide {h}×{w}");
        }

        int[] shape = [n, c * b * b, h / b, w / b];
        var map = new int[x.Length];
        int m = 0;
        for (int ni = 0; ni < n; ni++)
        {
            for (int oc = 0; oc < c * b * b; oc++)
            {
                int ci = oc % c, block = oc / c, by = block / b, bx = block % b;
                for (int y = 0; y < h / b; y++)
                {
                    for (int xx = 0; xx < w / b; xx++)
                    {
                        map[m++] = (((((ni * c) + ci) * h) + (y * b) + by) * w) + (xx * b) + bx;
                    }
                }
            }
        }

        return [Typed.Take(x, map, shape, threads: context.Threads)];
    }
}

/// <summary>Trilu (opset 14): keep the upper (default) or lower triangle of the last two dimensions, diagonal offset k.</summary>
public sealed class TriluOperator : IOnnxOperator
{
    public string OpType => "Trilu";

    public int MinOpset => 14;

    public Tensor[] Run(OpContext context, OnnxNode node, IReadOnlyList<Tensor?> inputs)
    {
        Tensor x = inputs[0]!;
        long k = inputs.Count > 1 && inputs[1] is { } kt ? Lanes.Ints(kt, "Trilu k")[0] : 0;
        bool upper = node.Int("upper", 1) != 0;
        int rows = x.Shape[^2], cols = x.Shape[^1];
        var map = new int[x.Length];
        for (int i = 0; i < map.Length; i++)
        {
            int j = i % cols, r = i / cols % rows;
            bool keep = upper ? j - r >= k : j - r <= k;
            map[i] = keep ? i : -1;
        }

        return [Typed.Take(x, map, x.Shape)];
    }
}

/// <summary>Range: start, start + delta, … while before limit (count = max(⌈(limit − start)/delta⌉, 0)); value i = start + i·delta.</summary>
public sealed class RangeOperator : IOnnxOperator
{
    public string OpType => "Range";

    public int MinOpset => 11;

    public Tensor[] Run(OpContext context, OnnxNode node, IReadOnlyList<Tensor?> inputs)
    {
        Tensor s = inputs[0]!;
        if (Lanes.IsInteger(s.DType))
        {
            long start = Lanes.Ints(s, "Range start")[0], limit = Lanes.Ints(inputs[1], "Range limit")[0], delta = Lanes.Ints(inputs[2], "Range delta")[0];
            if (delta == 0)
            {
                throw new ArgumentException("Range delta 0");
            }

            long count = Math.Max((long)Math.Ceiling((double)(limit - start) / delta), 0);
            var r = new long[count];
            for (long i = 0; i < count; i++)
            {
                r[i] = start + (i * delta);
            }

            return [Lanes.FromLong(r, [(int)count], s.DType)];
        }

        double ds = Lanes.Scalar(s, "Range start"), dl = Lanes.Scalar(inputs[1]!, "Range limit"), dd = Lanes.Scalar(inputs[2]!, "Range delta");
        if (dd == 0)
        {
            throw new ArgumentException("Range delta 0");
        }

        int n = (int)Math.Max(Math.Ceiling((dl - ds) / dd), 0);
        switch (s.DType)
        {
            case DType.Float32:
            {
                float fs = (float)ds, fd = (float)dd;
                var r = new float[n];
                for (int i = 0; i < n; i++)
                {
                    r[i] = fs + (i * fd);
                }

                return [new Tensor<float>(r, n)];
            }

            case DType.Float64:
            {
                var r = new double[n];
                for (int i = 0; i < n; i++)
                {
                    r[i] = ds + (i * dd);
                }

                return [new Tensor<double>(r, n)];
            }

            default:
                throw new NotSupportedException($"Range of {Lanes.Name(s.DType)}");
        }
    }
}

/// <summary>CumSum along an axis (exclusive, reverse); sequential in scan order (float32 sums in float32).</summary>
public sealed class CumSumOperator : IOnnxOperator
{
    public string OpType => "CumSum";

    public int MinOpset => 11;

    public Tensor[] Run(OpContext context, OnnxNode node, IReadOnlyList<Tensor?> inputs)
    {
        Tensor x = inputs[0]!;
        int axis = Typed.Axis(Lanes.Ints(inputs[1], "CumSum axis")[0], x.Rank, "CumSum axis");
        bool exclusive = node.Int("exclusive", 0) != 0, reverse = node.Int("reverse", 0) != 0;
        int n = x.Shape[axis];
        int inner = (int)Tensor.ElementCount(x.Shape.AsSpan(axis + 1));
        int outer = (int)Tensor.ElementCount(x.Shape.AsSpan(0, axis));
        switch (x.DType)
        {
            case DType.Float32 or DType.Float16:
            {
                float[] d = Lanes.ToFloat(x);
                var r = new float[d.Length];
                Scan(d, r, outer, n, inner, exclusive, reverse, 0f, static (a, b) => a + b);
                return [Lanes.FromFloat(r, x.Shape, x.DType)];
            }

            case DType.Float64:
            {
                double[] d = ((Tensor<double>)x).Data;
                var r = new double[d.Length];
                Scan(d, r, outer, n, inner, exclusive, reverse, 0.0, static (a, b) => a + b);
                return [new Tensor<double>(r, x.Shape)];
            }

            default:
            {
                long[] d = Lanes.ToLong(x);
                var r = new long[d.Length];
                Scan(d, r, outer, n, inner, exclusive, reverse, 0L, static (a, b) => unchecked(a + b));
                return [Lanes.FromLong(r, x.Shape, x.DType)];
            }
        }
    }

    private static void Scan<T>(T[] x, T[] r, int outer, int n, int inner, bool exclusive, bool reverse, T zero, Func<T, T, T> add)
    {
        for (int o = 0; o < outer; o++)
        {
            for (int j = 0; j < inner; j++)
            {
                T acc = zero;
                for (int s = 0; s < n; s++)
                {
                    int k = reverse ? n - 1 - s : s;
                    int i = (((o * n) + k) * inner) + j;
                    if (exclusive)
                    {
                        r[i] = acc;
                        acc = add(acc, x[i]);
                    }
                    else
                    {
                        acc = add(acc, x[i]);
                        r[i] = acc;
                    }
                }
            }
        }
    }
}

/// <summary>TopK: k from the attribute (opset &lt; 10) or input; largest/sorted (11). Ties keep the lower index first.</summary>
public sealed class TopKOperator : IOnnxOperator
{
    public string OpType => "TopK";

    public Tensor[] Run(OpContext context, OnnxNode node, IReadOnlyList<Tensor?> inputs)
    {
        Tensor x = inputs[0]!;
        int axis = Typed.Axis(node.Int("axis", -1), x.Rank, "TopK axis");
        long k = node.Opset < 10 ? node.Int("k", 0) : Lanes.Ints(inputs[1], "TopK k")[0];
        bool largest = node.Int("largest", 1) != 0;
        int n = x.Shape[axis];
        if (k < 0 || k > n)
        {
            throw new ArgumentException($"TopK k = {k} for an axis of {n}");
        }

        int inner = (int)Tensor.ElementCount(x.Shape.AsSpan(axis + 1));
        int outer = (int)Tensor.ElementCount(x.Shape.AsSpan(0, axis));
        bool isFloat = Lanes.IsFloat(x.DType);
        double[]? d = isFloat ? Lanes.ToDouble(x) : null;
        long[]? l = isFloat ? null : Lanes.ToLong(x);
        var shape = (int[])x.Shape.Clone();
        shape[axis] = (int)k;
        var map = new int[Tensor.ElementCount(shape)];
        var indices = new long[map.Length];
        var order = new int[n];
        for (int o = 0; o < outer; o++)
        {
            for (int j = 0; j < inner; j++)
            {
                int b = (o * n * inner) + j;
                for (int i = 0; i < n; i++)
                {
                    order[i] = i;
                }

                Comparison<int> cmp = (p, q) =>
                {
                    int c = isFloat ? d![b + (p * inner)].CompareTo(d[b + (q * inner)]) : l![b + (p * inner)].CompareTo(l[b + (q * inner)]);
                    c = largest ? -c : c;
                    return c != 0 ? c : p.CompareTo(q);
                };
                Array.Sort(order, cmp);
                for (int t = 0; t < k; t++)
                {
                    int oi = (((o * (int)k) + t) * inner) + j;
                    map[oi] = b + (order[t] * inner);
                    indices[oi] = order[t];
                }
            }
        }

        return [Typed.Take(x, map, shape), new Tensor<long>(indices, shape)];
    }
}
