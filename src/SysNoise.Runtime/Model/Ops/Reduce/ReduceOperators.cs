using SysNoise.Kernels.Model.Reduce;
using SysNoise.Runtime.Model.Graph;
using SysNoise.Runtime.Model.Ops.Elementwise;
using SysNoise.Runtime.Model.Ops.Nn;
using SysNoise.Runtime.Model.Ops.Shape;
using SysNoise.Runtime.Tensors;

namespace SysNoise.Runtime.Model.Ops.Reduce;

/// <summary>Which elements a reduction visits: per output, a base offset; per reduced element, an offset (row-major order).</summary>
internal sealed record ReducePlan(int[] OutShape, int[] Bases, int[] Offsets)
{
    public static ReducePlan Create(int[] shape, bool[] reduce, bool keepDims)
    {
        int[] strides = Typed.Strides(shape);
        var keptDims = new List<int>();
        var keptStrides = new List<int>();
        var redDims = new List<int>();
        var redStrides = new List<int>();
        var outShape = new List<int>();
        for (int d = 0; d < shape.Length; d++)
        {
            if (reduce[d])
            {
                redDims.Add(shape[d]);
                redStrides.Add(strides[d]);
                if (keepDims)
                {
                    outShape.Add(1);
                }
            }
            else
            {
                keptDims.Add(shape[d]);
                keptStrides.Add(strides[d]);
                outShape.Add(shape[d]);
            }
        }

        int[] bases = Typed.StridedMap(keptDims.ToArray(), 0, keptStrides.ToArray());
        int[] offsets = Typed.StridedMap(redDims.ToArray(), 0, redStrides.ToArray());
        return new ReducePlan(outShape.ToArray(), bases, offsets);
    }
}

/// <summary>
/// The Reduce* operators: axes from the attribute, or from the second input (ReduceSum from opset 13, the others
/// from 18); keepdims; noop_with_empty_axes. Each output reduces its elements sequentially in row-major index order
/// (float32 accumulation), on the host or as the ILGPU kernel, so results depend on neither threads nor device.
/// </summary>
public abstract class ReduceOperator<TOp> : IOnnxOperator
    where TOp : struct, IReduceOp
{
    public abstract string OpType { get; }

    /// <summary>The opset from which axes are an input.</summary>
    protected virtual int AxesInputFrom => 18;

    public Tensor[] Run(OpContext context, OnnxNode node, IReadOnlyList<Tensor?> inputs)
    {
        Tensor x = inputs[0]!;
        long[]? axes = node.Opset < AxesInputFrom ? node.Ints("axes") : inputs.Count > 1 && inputs[1] is { } a ? Lanes.Ints(a, $"{OpType} axes") : null;
        bool keepDims = node.Int("keepdims", 1) != 0;
        var reduce = new bool[x.Rank];
        if (axes is null || axes.Length == 0)
        {
            if (node.Int("noop_with_empty_axes", 0) != 0)
            {
                return [x];
            }

            Array.Fill(reduce, true);
        }
        else
        {
            foreach (long ax in axes)
            {
                reduce[Typed.Axis(ax, x.Rank, $"{OpType} axis")] = true;
            }
        }

        var plan = ReducePlan.Create(x.Shape, reduce, keepDims);
        if (x.DType == DType.Float32 && OrtOrder.Applies(context, node.OpType) && OrtOrder.EigenRows(x.Shape, reduce) is { } rows && OrtCpu(context, ((Tensor<float>)x).Data, rows.Rows, rows.Length) is { } ort)
        {
            return [new Tensor<float>(ort, plan.OutShape)];
        }

        return [Reduce(context, x, plan, default)];
    }

    /// <summary>
    /// <see cref="Execution.AccumulationOrder.OnnxRuntimeCpu"/>: the reduction of contiguous rows as ORT sums them with
    /// Eigen (<see cref="OrtOrder.EigenRows"/>), or null where this op keeps its own order.
    /// </summary>
    protected virtual float[]? OrtCpu(OpContext context, float[] x, int rows, int length) => null;

    internal static Tensor Reduce(OpContext context, Tensor x, ReducePlan plan, TOp op)
    {
        switch (x.DType)
        {
            case DType.Float32 or DType.Float16:
            {
                float[] data = Lanes.ToFloat(x);
                float[] r;
                if (context.Ilgpu is { } device)
                {
                    r = ModelKernels.Reduce(device, data, plan.Bases, plan.Offsets, op);
                }
                else
                {
                    r = new float[plan.Bases.Length];
                    ReduceHost.Reduce(data, r, plan.Bases, plan.Offsets, op, context.Threads);
                }

                return Lanes.FromFloat(r, plan.OutShape, x.DType);
            }

            case DType.Float64:
            {
                var r = new double[plan.Bases.Length];
                ReduceHost.Reduce(((Tensor<double>)x).Data, r, plan.Bases, plan.Offsets, op, context.Threads);
                return new Tensor<double>(r, plan.OutShape);
            }

            default:
            {
                if (!Lanes.IsInteger(x.DType))
                {
                    throw new NotSupportedException($"reductions of {Lanes.Name(x.DType)} tensors");
                }

                var r = new long[plan.Bases.Length];
                ReduceHost.Reduce(Lanes.ToLong(x), r, plan.Bases, plan.Offsets, op, context.Threads);
                return Lanes.FromLong(r, plan.OutShape, x.DType);
            }
        }
    }
}

public sealed class ReduceSumOperator : ReduceOperator<ReduceSumOp>
{
    public override string OpType => "ReduceSum";

    protected override int AxesInputFrom => 13;

    protected override float[]? OrtCpu(OpContext context, float[] x, int rows, int length) => OrtOrder.EigenSum(context, x, rows, length, mean: false);
}

public sealed class ReduceMeanOperator : ReduceOperator<ReduceMeanOp>
{
    public override string OpType => "ReduceMean";

    protected override float[]? OrtCpu(OpContext context, float[] x, int rows, int length) => OrtOrder.EigenSum(context, x, rows, length, mean: true);
}

public sealed class ReduceMaxOperator : ReduceOperator<ReduceMaxOp> { public override string OpType => "ReduceMax"; }

public sealed class ReduceMinOperator : ReduceOperator<ReduceMinOp> { public override string OpType => "ReduceMin"; }

public sealed class ReduceProdOperator : ReduceOperator<ReduceProdOp> { public override string OpType => "ReduceProd"; }

public sealed class ReduceL1Operator : ReduceOperator<ReduceL1Op> { public override string OpType => "ReduceL1"; }

public sealed class ReduceL2Operator : ReduceOperator<ReduceL2Op> { public override string OpType => "ReduceL2"; }

public sealed class ReduceSumSquareOperator : ReduceOperator<ReduceSumSquareOp> { public override string OpType => "ReduceSumSquare"; }

public sealed class ReduceLogSumOperator : ReduceOperator<ReduceLogSumOp> { public override string OpType => "ReduceLogSum"; }

public sealed class ReduceLogSumExpOperator : ReduceOperator<ReduceLogSumExpOp> { public override string OpType => "ReduceLogSumExp"; }

/// <summary>ArgMax / ArgMin (int64 indices; ties go to the first index, or the last with select_last_index). Host.</summary>
public abstract class ArgOperator : IOnnxOperator
{
    public abstract string OpType { get; }

    protected abstract bool Max { get; }

    public Tensor[] Run(OpContext context, OnnxNode node, IReadOnlyList<Tensor?> inputs)
    {
        Tensor x = inputs[0]!;
        int axis = Typed.Axis(node.Int("axis", 0), x.Rank, $"{OpType} axis");
        bool keepDims = node.Int("keepdims", 1) != 0, last = node.Int("select_last_index", 0) != 0;
        var reduce = new bool[x.Rank];
        reduce[axis] = true;
        var plan = ReducePlan.Create(x.Shape, reduce, keepDims);
        if (x.Shape[axis] == 0)
        {
            throw new ArgumentException($"{OpType} over an empty axis");
        }

        var r = new long[plan.Bases.Length];
        bool isFloat = Lanes.IsFloat(x.DType);
        double[]? d = isFloat ? Lanes.ToDouble(x) : null;
        long[]? l = isFloat ? null : Lanes.ToLong(x);
        int[] offsets = plan.Offsets;
        for (int o = 0; o < r.Length; o++)
        {
            int b = plan.Bases[o];
            int best = 0;
            for (int k = 1; k < offsets.Length; k++)
            {
                int cmp = isFloat ? d![b + offsets[k]].CompareTo(d[b + offsets[best]]) : l![b + offsets[k]].CompareTo(l[b + offsets[best]]);
                if (!Max)
                {
                    cmp = -cmp;
                }

                if (cmp > 0 || (cmp == 0 && last))
                {
                    best = k;
                }
            }

            r[o] = best;
        }

        return [new Tensor<long>(r, plan.OutShape)];
    }
}

public sealed class ArgMaxOperator : ArgOperator
{
    public override string OpType => "ArgMax";

    protected override bool Max => true;
}

public sealed class ArgMinOperator : ArgOperator
{
    public override string OpType => "ArgMin";

    protected override bool Max => false;
}
