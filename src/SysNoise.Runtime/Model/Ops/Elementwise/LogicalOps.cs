using SysNoise.Kernels.Model.Elementwise;
using SysNoise.Runtime.Model.Graph;
using SysNoise.Runtime.Tensors;

namespace SysNoise.Runtime.Model.Ops.Elementwise;

/// <summary>And, Or, Xor over bool tensors (host; integers widen to long and compare to 0).</summary>
public readonly struct AndOp : ICompareOp
{
    public bool Apply(float a, float b) => a != 0 && b != 0;

    public bool Apply(double a, double b) => a != 0 && b != 0;

    public bool Apply(long a, long b) => a != 0 && b != 0;
}

public readonly struct OrOp : ICompareOp
{
    public bool Apply(float a, float b) => a != 0 || b != 0;

    public bool Apply(double a, double b) => a != 0 || b != 0;

    public bool Apply(long a, long b) => a != 0 || b != 0;
}

public readonly struct XorOp : ICompareOp
{
    public bool Apply(float a, float b) => (a != 0) != (b != 0);

    public bool Apply(double a, double b) => (a != 0) != (b != 0);

    public bool Apply(long a, long b) => (a != 0) != (b != 0);
}

public abstract class LogicalOperator<TOp> : IOnnxOperator
    where TOp : struct, ICompareOp
{
    public abstract string OpType { get; }

    public Tensor[] Run(OpContext context, OnnxNode node, IReadOnlyList<Tensor?> inputs)
    {
        if (inputs[0]!.DType != DType.Bool || inputs[1]!.DType != DType.Bool)
        {
            throw new ArgumentException($"{OpType} needs bool inputs");
        }

        return [Elementwise.Compare(context, inputs[0]!, inputs[1]!, default(TOp), OpType)];
    }
}

public sealed class AndOperator : LogicalOperator<AndOp> { public override string OpType => "And"; }

public sealed class OrOperator : LogicalOperator<OrOp> { public override string OpType => "Or"; }

public sealed class XorOperator : LogicalOperator<XorOp> { public override string OpType => "Xor"; }

public sealed class NotOperator : IOnnxOperator
{
    public string OpType => "Not";

    public Tensor[] Run(OpContext context, OnnxNode node, IReadOnlyList<Tensor?> inputs)
    {
        if (inputs[0] is not Tensor<bool> x)
        {
            throw new ArgumentException("Not needs a bool input");
        }

        var r = new bool[x.Data.Length];
        for (int i = 0; i < r.Length; i++)
        {
            r[i] = !x.Data[i];
        }

        return [new Tensor<bool>(r, x.Shape)];
    }
}
