using SysNoise.Runtime.Model.Graph;
using SysNoise.Runtime.Tensors;

namespace SysNoise.Runtime.Model.Ops.Basic;

/// <summary>Identity: the input itself (tensors are immutable once produced, so no copy).</summary>
public sealed class IdentityOp : IOnnxOperator
{
    public string OpType => "Identity";

    public Tensor[] Run(OpContext context, OnnxNode node, IReadOnlyList<Tensor?> inputs) => [inputs[0]!];
}
