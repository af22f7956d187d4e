using SysNoise.Kernels.Model.Elementwise;
using SysNoise.Runtime.Model.Execution;
using SysNoise.Runtime.Model.Graph;
using SysNoise.Runtime.Model.Ops.Nn;
using SysNoise.Runtime.Tensors;

namespace SysNoise.Runtime.Model.Ops.Elementwise;

/// <summary>A unary op over float tensors (float32/float16 via kernels or host loops, float64 on the host), optionally integers.</summary>
public abstract class UnaryOperator<TOp> : IOnnxOperator
    where TOp : struct, IUnaryOp
{
    public abstract string OpType { get; }

    public virtual int MinOpset => 1;

    /// <summary>The integer version (null: floats only).</summary>
    protected virtual Func<long, long>? Integer => null;

    protected virtual TOp Create(OnnxNode node) => default;

    public Tensor[] Run(OpContext context, OnnxNode node, IReadOnlyList<Tensor?> inputs) =>
        [Elementwise.Unary(context, inputs[0]!, Create(node), Integer, OpType)];
}

/// <summary>A binary op with multidirectional broadcasting.</summary>
public abstract class BinaryOperator<TOp> : IOnnxOperator
    where TOp : struct, IBinaryOp
{
    public abstract string OpType { get; }

    public virtual Tensor[] Run(OpContext context, OnnxNode node, IReadOnlyList<Tensor?> inputs) =>
        [Elementwise.Binary(context, inputs[0]!, inputs[1]!, default(TOp), OpType)];
}

public abstract class CompareOperator<TOp> : IOnnxOperator
    where TOp : struct, ICompareOp
{
    public abstract string OpType { get; }

    public Tensor[] Run(OpContext context, OnnxNode node, IReadOnlyList<Tensor?> inputs) =>
        [Elementwise.Compare(context, inputs[0]!, inputs[1]!, default(TOp), OpType)];
}

public sealed class AddOperator : BinaryOperator<AddOp> { public override string OpType => "Add"; }

public sealed class SubOperator : BinaryOperator<SubOp> { public override string OpType => "Sub"; }

public sealed class MulOperator : BinaryOperator<MulOp> { public override string OpType => "Mul"; }

public sealed class DivOperator : BinaryOperator<DivOp> { public override string OpType => "Div"; }

public sealed class PReluOperator : BinaryOperator<PReluOp> { public override string OpType => "PRelu"; }

/// <summary>Mod: fmod = 0 (integers) takes the divisor's sign; fmod = 1 is C's fmod (required for floats).</summary>
public sealed class ModOperator : IOnnxOperator
{
    public string OpType => "Mod";

    public int MinOpset => 10;

    public Tensor[] Run(OpContext context, OnnxNode node, IReadOnlyList<Tensor?> inputs)
    {
        Tensor a = inputs[0]!, b = inputs[1]!;
        bool fmod = node.Int("fmod", 0) != 0;
        if (!fmod && Lanes.IsFloat(a.DType))
        {
            throw new ArgumentException("Mod on floating-point inputs needs fmod = 1");
        }

        return fmod ? [Elementwise.Binary(context, a, b, default(FmodOp), OpType)] : [Elementwise.Binary(context, a, b, default(PyModOp), OpType)];
    }
}

/// <summary>Pow: the exponent may have another type than the base; the result has the base's type.</summary>
public sealed class PowOperator : IOnnxOperator
{
    public string OpType => "Pow";

    public Tensor[] Run(OpContext context, OnnxNode node, IReadOnlyList<Tensor?> inputs)
    {
        Tensor x = inputs[0]!, y = inputs[1]!;
        if (x.DType == DType.Float32 && OrtOrder.Applies(context, node.OpType) && y.Length == 1 && y.Rank <= x.Rank && Lanes.IsFloat(y.DType) | Lanes.IsInteger(y.DType))
        {
            // ORT's Pow with a one-element exponent (element_wise_ops.cc PowImpl): 2 is x·x and 3 is (x·x)·x, one
            // rounding per product; any other exponent is std::pow, left to the default path.
            double exponent = Lanes.ToDouble(y)[0];
            if (exponent is 2 or 3)
            {
                Tensor square = Elementwise.Binary(context, x, x, default(MulOp), OpType);
                return [exponent == 2 ? square : Elementwise.Binary(context, square, x, default(MulOp), OpType)];
            }
        }

        if (x.DType == y.DType)
        {
            return [Elementwise.Binary(context, x, y, default(PowOp), OpType)];
        }

        if (Lanes.IsFloat(x.DType))
        {
            // The exponent converted to the base's type.
            double[] yd = Lanes.ToDouble(y);
            Tensor converted = x.DType switch
            {
                DType.Float64 => new Tensor<double>(yd, y.Shape),
                DType.Float32 => new Tensor<float>(Array.ConvertAll(yd, v => (float)v), y.Shape),
                _ => new Tensor<Half>(Array.ConvertAll(yd, v => (Half)v), y.Shape),
            };
            return [Elementwise.Binary(context, x, converted, default(PowOp), OpType)];
        }

        if (Lanes.IsInteger(x.DType) && Lanes.IsFloat(y.DType))
        {
            // Integer base, float exponent: pow in double, truncated to the base's type.
            var plan = BroadcastPlan.Create(x.Shape, y.Shape);
            double[] xd = Lanes.ToDouble(x), yd = Lanes.ToDouble(y);
            var r = new long[plan.Count];
            var rd = new double[plan.Count];
            SysNoise.Kernels.Model.Elementwise.ElementwiseHost.Binary<double, double, DoubleBinary<PowOp>>(xd, yd, rd, plan, default, context.Threads);
            for (int i = 0; i < r.Length; i++)
            {
                r[i] = (long)rd[i];
            }

            return [Lanes.FromLong(r, plan.OutShape, x.DType)];
        }

        if (Lanes.IsInteger(x.DType) && Lanes.IsInteger(y.DType))
        {
            var plan = BroadcastPlan.Create(x.Shape, y.Shape);
            var r = new long[plan.Count];
            ElementwiseHost.Binary<long, long, LongBinary<PowOp>>(Lanes.ToLong(x), Lanes.ToLong(y), r, plan, default, context.Threads);
            return [Lanes.FromLong(r, plan.OutShape, x.DType)];
        }

        throw new NotSupportedException($"Pow of {Lanes.Name(x.DType)} by {Lanes.Name(y.DType)}");
    }
}

/// <summary>Sum, Mean, Max, Min: variadic, folded left to right ((a ∘ b) ∘ c …) with broadcasting.</summary>
public abstract class VariadicOperator<TOp> : IOnnxOperator
    where TOp : struct, IBinaryOp
{
    public abstract string OpType { get; }

    protected virtual bool Mean => false;

    public Tensor[] Run(OpContext context, OnnxNode node, IReadOnlyList<Tensor?> inputs)
    {
        Tensor acc = inputs[0]!;
        if (inputs.Count == 1)
        {
            // One input: the op over a single tensor is the tensor itself (Mean divides by 1).
            return [acc];
        }

        for (int i = 1; i < inputs.Count; i++)
        {
            acc = Elementwise.Binary(context, acc, inputs[i]!, default(TOp), OpType);
        }

        if (Mean)
        {
            Tensor n = acc.DType switch
            {
                DType.Float32 => new Tensor<float>([inputs.Count], []),
                DType.Float16 => new Tensor<Half>([(Half)inputs.Count], []),
                DType.Float64 => new Tensor<double>([inputs.Count], []),
                _ => throw new NotSupportedException($"Mean does not support {Lanes.Name(acc.DType)} tensors"),
            };
            acc = Elementwise.Binary(context, acc, n, default(DivOp), OpType);
        }

        return [acc];
    }
}

public sealed class SumOperator : VariadicOperator<AddOp> { public override string OpType => "Sum"; }

public sealed class MeanOperator : VariadicOperator<AddOp>
{
    public override string OpType => "Mean";

    protected override bool Mean => true;
}

public sealed class MaxOperator : VariadicOperator<MaxOp> { public override string OpType => "Max"; }

public sealed class MinOperator : VariadicOperator<MinOp> { public override string OpType => "Min"; }

public sealed class EqualOperator : CompareOperator<EqualOp> { public override string OpType => "Equal"; }

public sealed class LessOperator : CompareOperator<LessOp> { public override string OpType => "Less"; }

public sealed class GreaterOperator : CompareOperator<GreaterOp> { public override string OpType => "Greater"; }

public sealed class LessOrEqualOperator : CompareOperator<LessOrEqualOp> { public override string OpType => "LessOrEqual"; }

public sealed class GreaterOrEqualOperator : CompareOperator<GreaterOrEqualOp> { public override string OpType => "GreaterOrEqual"; }

public sealed class AbsOperator : UnaryOperator<AbsOp>
{
    public override string OpType => "Abs";

    protected override Func<long, long>? Integer => x => x < 0 ? unchecked(-x) : x;
}

public sealed class NegOperator : UnaryOperator<NegOp>
{
    public override string OpType => "Neg";

    protected override Func<long, long>? Integer => x => unchecked(-x);
}

public sealed class SignOperator : UnaryOperator<SignOp>
{
    public override string OpType => "Sign";

    protected override Func<long, long>? Integer => x => Math.Sign(x);
}

public sealed class SqrtOperator : UnaryOperator<SqrtOp> { public override string OpType => "Sqrt"; }

public sealed class ExpOperator : UnaryOperator<ExpOp> { public override string OpType => "Exp"; }

public sealed class LogOperator : UnaryOperator<LogOp> { public override string OpType => "Log"; }

public sealed class ReciprocalOperator : UnaryOperator<ReciprocalOp> { public override string OpType => "Reciprocal"; }

public sealed class FloorOperator : UnaryOperator<FloorOp> { public override string OpType => "Floor"; }

public sealed class CeilOperator : UnaryOperator<CeilOp> { public override string OpType => "Ceil"; }

public sealed class RoundOperator : UnaryOperator<RoundOp> { public override string OpType => "Round"; }

public sealed class SinOperator : UnaryOperator<SinOp> { public override string OpType => "Sin"; }

public sealed class CosOperator : UnaryOperator<CosOp> { public override string OpType => "Cos"; }

public sealed class TanOperator : UnaryOperator<TanOp> { public override string OpType => "Tan"; }

public sealed class AtanOperator : UnaryOperator<AtanOp> { public override string OpType => "Atan"; }

public sealed class ErfOperator : IOnnxOperator
{
    public string OpType => "Erf";

    /// <summary><see cref="AccumulationOrder.OnnxRuntimeCpu"/>: float32 erf as ORT's MlasComputeErf (<see cref="OrtOrder.Erf"/>).</summary>
    public Tensor[] Run(OpContext context, OnnxNode node, IReadOnlyList<Tensor?> inputs)
    {
        Tensor x = inputs[0]!;
        return x.DType == DType.Float32 && OrtOrder.Applies(context, node.OpType)
            ? [new Tensor<float>(OrtOrder.Erf(context, ((Tensor<float>)x).Data), x.Shape)]
            : [Elementwise.Unary(context, x, default(ErfOp), null, OpType)];
    }
}

/// <summary>IsNaN / IsInf (host: a bool per element).</summary>
public sealed class IsNaNOperator : IOnnxOperator
{
    public string OpType => "IsNaN";

    public Tensor[] Run(OpContext context, OnnxNode node, IReadOnlyList<Tensor?> inputs)
    {
        double[] x = Lanes.ToDouble(inputs[0]!);
        var r = new bool[x.Length];
        for (int i = 0; i < r.Length; i++)
        {
            r[i] = double.IsNaN(x[i]);
        }

        return [new Tensor<bool>(r, inputs[0]!.Shape)];
    }
}

public sealed class IsInfOperator : IOnnxOperator
{
    public string OpType => "IsInf";

    public int MinOpset => 10;

    public Tensor[] Run(OpContext context, OnnxNode node, IReadOnlyList<Tensor?> inputs)
    {
        bool neg = node.Int("detect_negative", 1) != 0, pos = node.Int("detect_positive", 1) != 0;
        double[] x = Lanes.ToDouble(inputs[0]!);
        var r = new bool[x.Length];
        for (int i = 0; i < r.Length; i++)
        {
            r[i] = (pos && double.IsPositiveInfinity(x[i])) || (neg && double.IsNegativeInfinity(x[i]));
        }

        return [new Tensor<bool>(r, inputs[0]!.Shape)];
    }
}
