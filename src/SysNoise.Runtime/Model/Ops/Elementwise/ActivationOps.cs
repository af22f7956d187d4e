using SysNoise.Kernels.Model.Elementwise;
using SysNoise.Runtime.Model.Execution;
using SysNoise.Runtime.Model.Graph;
using SysNoise.Runtime.Model.Ops.Nn;
using SysNoise.Runtime.Tensors;

namespace SysNoise.Runtime.Model.Ops.Elementwise;

public sealed class ReluOperator : UnaryOperator<ReluOp>
{
    public override string OpType => "Relu";

    protected override Func<long, long>? Integer => x => x < 0 ? 0 : x;
}

public sealed class LeakyReluOperator : UnaryOperator<LeakyReluOp>
{
    public override string OpType => "LeakyRelu";

    protected override LeakyReluOp Create(OnnxNode node) => new(node.Float("alpha", 0.01f));
}

public sealed class SigmoidOperator : IOnnxOperator
{
    public string OpType => "Sigmoid";

    /// <summary><see cref="AccumulationOrder.OnnxRuntimeCpu"/>: float32 as ORT's MlasComputeLogistic (<see cref="OrtOrder.Logistic"/>).</summary>
    public Tensor[] Run(OpContext context, OnnxNode node, IReadOnlyList<Tensor?> inputs)
    {
        Tensor x = inputs[0]!;
        return x.DType == DType.Float32 && OrtOrder.Applies(context, node.OpType)
            ? [new Tensor<float>(OrtOrder.Logistic(context, ((Tensor<float>)x).Data), x.Shape)]
            : [Elementwise.Unary(context, x, default(SigmoidOp), null, OpType)];
    }
}

public sealed class HardSigmoidOperator : UnaryOperator<HardSigmoidOp>
{
    public override string OpType => "HardSigmoid";

    protected override HardSigmoidOp Create(OnnxNode node) => new(node.Float("alpha", 0.2f), node.Float("beta", 0.5f));
}

public sealed class HardSwishOperator : UnaryOperator<HardSwishOp>
{
    public override string OpType => "HardSwish";

    public override int MinOpset => 14;
}

public sealed class TanhOperator : UnaryOperator<TanhOp> { public override string OpType => "Tanh"; }

public sealed class EluOperator : UnaryOperator<EluOp>
{
    public override string OpType => "Elu";

    protected override EluOp Create(OnnxNode node) => new(node.Float("alpha", 1f));
}

public sealed class SeluOperator : UnaryOperator<SeluOp>
{
    public override string OpType => "Selu";

    protected override SeluOp Create(OnnxNode node) => new(node.Float("alpha", 1.67326319217681884765625f), node.Float("gamma", 1.05070102214813232421875f));
}

public sealed class SoftplusOperator : UnaryOperator<SoftplusOp> { public override string OpType => "Softplus"; }

public sealed class SoftsignOperator : UnaryOperator<SoftsignOp> { public override string OpType => "Softsign"; }

/// <summary>Gelu (opset 20): approximate "none" (erf) or "tanh".</summary>
public sealed class GeluOperator : UnaryOperator<GeluOp>
{
    public override string OpType => "Gelu";

    public override int MinOpset => 20;

    protected override GeluOp Create(OnnxNode node) => new(node.String("approximate", "none") == "tanh");
}

/// <summary>Clip: min/max attributes before opset 11, optional scalar inputs from 11 (integers from 12).</summary>
public sealed class ClipOperator : IOnnxOperator
{
    public string OpType => "Clip";

    public Tensor[] Run(OpContext context, OnnxNode node, IReadOnlyList<Tensor?> inputs)
    {
        Tensor x = inputs[0]!;
        if (node.Opset < 11)
        {
            (float l0, float h0) = FloatBounds(node, null, null);
            return [Elementwise.Unary(context, x, new ClipOp(l0, h0), null, OpType)];
        }

        Tensor? lo = inputs.Count > 1 ? inputs[1] : null, hi = inputs.Count > 2 ? inputs[2] : null;
        if (Lanes.IsInteger(x.DType))
        {
            long l = lo is null ? long.MinValue : Lanes.Ints(lo, "Clip min")[0];
            long h = hi is null ? long.MaxValue : Lanes.Ints(hi, "Clip max")[0];
            return [Elementwise.Unary(context, x, default(ClipOp), v => v < l ? l : v > h ? h : v, OpType)];
        }

        if (x.DType == DType.Float64)
        {
            double dl = lo is null ? double.NegativeInfinity : Lanes.Scalar(lo, "Clip min"), dh = hi is null ? double.PositiveInfinity : Lanes.Scalar(hi, "Clip max");
            return [Elementwise.Unary(context, x, new ClipDoubleOp(dl, dh), null, OpType)];
        }

        (float fl, float fh) = FloatBounds(node, lo, hi);
        return [Elementwise.Unary(context, x, new ClipOp(fl, fh), null, OpType)];
    }

    /// <summary>
    /// The bounds Clip applies to float32/float16 values: the min/max attributes before opset 11 (default ±float.MaxValue),
    /// else the optional scalar inputs (default ±inf). A fused convolution epilogue takes them from here too.
    /// </summary>
    public static (float Lo, float Hi) FloatBounds(OnnxNode node, Tensor? lo, Tensor? hi) => node.Opset < 11
        ? (node.Float("min", float.MinValue), node.Float("max", float.MaxValue))
        : (lo is null ? float.NegativeInfinity : (float)Lanes.Scalar(lo, "Clip min"), hi is null ? float.PositiveInfinity : (float)Lanes.Scalar(hi, "Clip max"));
}
