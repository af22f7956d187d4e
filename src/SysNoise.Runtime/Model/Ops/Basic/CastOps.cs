using SysNoise.Runtime.Model.Graph;
using SysNoise.Runtime.Model.Onnx;
using SysNoise.Runtime.Model.Ops.Elementwise;
using SysNoise.Runtime.Tensors;

namespace SysNoise.Runtime.Model.Ops.Basic;

/// <summary>
/// Cast between every SysNoise dtype. Floats to integers truncate toward zero (NaN → 0, out-of-range saturates as
/// .NET converts, then wraps to narrower types); to bool is "≠ 0"; float16 results round to nearest-even directly from
/// the source value (no double rounding through float32).
/// </summary>
public sealed class CastOperator : IOnnxOperator
{
    public string OpType => "Cast";

    public IEnumerable<string> Check(OnnxNode node)
    {
        long to = node.Int("to", 0);
        if (OnnxTensors.ToDType((int)to) is null)
        {
            yield return $"unsupported Cast target type {OnnxTensors.OnnxTypeName((int)to)}";
        }
    }

    public Tensor[] Run(OpContext context, OnnxNode node, IReadOnlyList<Tensor?> inputs) =>
        [Convert(inputs[0]!, OnnxTensors.ToDType((int)node.Int("to", 0)) ?? throw new NotSupportedException("Cast target type"))];

    public static Tensor Convert(Tensor x, DType to)
    {
        if (x.DType == to)
        {
            return x;
        }

        int n = (int)x.Length;
        if (Lanes.IsFloat(x.DType))
        {
            double[] d = Lanes.ToDouble(x);
            switch (to)
            {
                case DType.Float32: { var r = new float[n]; for (int i = 0; i < n; i++) { r[i] = (float)d[i]; } return new Tensor<float>(r, x.Shape); }
                case DType.Float64: return new Tensor<double>(d, x.Shape);
                case DType.Float16: { var r = new Half[n]; for (int i = 0; i < n; i++) { r[i] = (Half)d[i]; } return new Tensor<Half>(r, x.Shape); }
                case DType.Bool: { var r = new bool[n]; for (int i = 0; i < n; i++) { r[i] = d[i] != 0; } return new Tensor<bool>(r, x.Shape); }
                default: { var r = new long[n]; for (int i = 0; i < n; i++) { r[i] = double.IsNaN(d[i]) ? 0 : (long)d[i]; } return Lanes.FromLong(r, x.Shape, to); }
            }
        }

        long[] l = Lanes.ToLong(x);
        switch (to)
        {
            case DType.Float32: { var r = new float[n]; for (int i = 0; i < n; i++) { r[i] = l[i]; } return new Tensor<float>(r, x.Shape); }
            case DType.Float64: { var r = new double[n]; for (int i = 0; i < n; i++) { r[i] = l[i]; } return new Tensor<double>(r, x.Shape); }
            case DType.Float16: { var r = new Half[n]; for (int i = 0; i < n; i++) { r[i] = (Half)l[i]; } return new Tensor<Half>(r, x.Shape); }
            default: return Lanes.FromLong(l, x.Shape, to);
        }
    }
}

/// <summary>CastLike (opset 15): Cast to the second input's type.</summary>
public sealed class CastLikeOperator : IOnnxOperator
{
    public string OpType => "CastLike";

    public int MinOpset => 15;

    public Tensor[] Run(OpContext context, OnnxNode node, IReadOnlyList<Tensor?> inputs) => [CastOperator.Convert(inputs[0]!, inputs[1]!.DType)];
}
