using SysNoise.Kernels.Model.Reduce;
using SysNoise.Runtime.Model.Graph;
using SysNoise.Runtime.Model.Ops.Elementwise;
using SysNoise.Runtime.Model.Ops.Nn;
using SysNoise.Runtime.Model.Ops.Shape;
using SysNoise.Runtime.Tensors;

namespace SysNoise.Runtime.Model.Ops.Reduce;

/// <summary>
/// Softmax / LogSoftmax. Before opset 13 the input is coerced to 2-D at axis (default 1) and each row of
/// prod(shape[axis:]) elements is normalized; from 13 only the one axis (default −1). Per row: the maximum, then
/// Σe^(x−max) sequentially in index order, then each output; host loop or ILGPU kernel, the same arithmetic.
/// </summary>
public abstract class SoftmaxOperatorBase : IOnnxOperator
{
    public abstract string OpType { get; }

    protected abstract bool Log { get; }

    public Tensor[] Run(OpContext context, OnnxNode node, IReadOnlyList<Tensor?> inputs)
    {
        Tensor x = inputs[0]!;
        int rank = x.Rank;
        int length, stride;
        if (rank == 0)
        {
            length = 1;
            stride = 1;
        }
        else if (node.Opset < 13)
        {
            int axis = Typed.Axis(node.Int("axis", 1), rank, $"{OpType} axis");
            length = (int)Tensor.ElementCount(x.Shape.AsSpan(axis));
            stride = 1;
        }
        else
        {
            int axis = Typed.Axis(node.Int("axis", -1), rank, $"{OpType} axis");
            length = x.Shape[axis];
            stride = (int)Tensor.ElementCount(x.Shape.AsSpan(axis + 1));
        }

        int rows = length == 0 ? 0 : (int)(x.Length / length);
        var g = new SoftmaxGeometry(length, Math.Max(stride, 1), Log);
        switch (x.DType)
        {
            case DType.Float32 when !Log && OrtOrder.Applies(context, node.OpType):
                // ORT's MlasComputeSoftmax over each row (opset 13+ transposes the axis last, which visits the
                // same elements in the same order as this stride).
                return [new Tensor<float>(OrtOrder.Softmax(context, ((Tensor<float>)x).Data, rows, length, Math.Max(stride, 1)), x.Shape)];

            case DType.Float32 or DType.Float16:
            {
                float[] data = Lanes.ToFloat(x);
                float[] r;
                if (context.Ilgpu is { } device)
                {
                    r = ModelKernels.Softmax(device, data, rows, g);
                }
                else
                {
                    r = new float[data.Length];
                    ReduceHost.Softmax(data, r, rows, g, context.Threads);
                }

                return [Lanes.FromFloat(r, x.Shape, x.DType)];
            }

            case DType.Float64:
            {
                var r = new double[x.Length];
                ReduceHost.Softmax(((Tensor<double>)x).Data, r, rows, g, context.Threads);
                return [new Tensor<double>(r, x.Shape)];
            }

            default:
                throw new NotSupportedException($"{OpType} of {Lanes.Name(x.DType)} tensors");
        }
    }
}

public sealed class SoftmaxOperator : SoftmaxOperatorBase
{
    public override string OpType => "Softmax";

    protected override bool Log => false;
}

public sealed class LogSoftmaxOperator : SoftmaxOperatorBase
{
    public override string OpType => "LogSoftmax";

    protected override bool Log => true;
}

/// <summary>Shared row normalization for LayerNormalization and InstanceNormalization (float32 arithmetic; float16 widened).</summary>
internal static class RowNormalize
{
    public static (float[] Y, float[] Mean, float[] InvStd) Run(OpContext context, float[] x, float[] scale, float[]? bias, int rows, NormGeometry g)
    {
        if (context.Ilgpu is { } device)
        {
            return ModelKernels.Normalize(device, x, scale, bias, rows, g);
        }

        var y = new float[x.Length];
        var mean = new float[rows];
        var inv = new float[rows];
        ReduceHost.Normalize(x, scale, bias, y, mean, inv, rows, g, context.Threads);
        return (y, mean, inv);
    }

    /// <summary>A float32 view of a float32/float16/float64 tensor's values (float64 rounds: the stash type is float).</summary>
    public static float[] Floats(Tensor t) => t.DType == DType.Float64 ? Array.ConvertAll(((Tensor<double>)t).Data, v => (float)v) : Lanes.ToFloat(t);

    public static Tensor Output(float[] y, int[] shape, DType type) => type == DType.Float64
        ? new Tensor<double>(Array.ConvertAll(y, v => (double)v), shape)
        : Lanes.FromFloat(y, shape, type);
}

/// <summary>
/// LayerNormalization (opset 17): over shape[axis:], mean = Σx/n, var = Σ(x−mean)²/n (two sequential passes),
/// y = ((x − mean)·(1/√(var+ε)))·scale + bias; optional Mean and InvStdDev outputs (float32, the stash type).
/// </summary>
public sealed class LayerNormalizationOperator : IOnnxOperator
{
    public string OpType => "LayerNormalization";

    public int MinOpset => 17;

    public IEnumerable<string> Check(OnnxNode node)
    {
        if (node.Int("stash_type", 1) != 1)
        {
            yield return "unsupported LayerNormalization stash_type (SysNoise computes in float32, stash_type 1)";
        }
    }

    public Tensor[] Run(OpContext context, OnnxNode node, IReadOnlyList<Tensor?> inputs)
    {
        Tensor x = inputs[0]!;
        int axis = Typed.Axis(node.Int("axis", -1), x.Rank, "LayerNormalization axis");
        int[] normShape = x.Shape[axis..];
        int length = (int)Tensor.ElementCount(normShape);
        int rows = length == 0 ? 0 : (int)(x.Length / length);
        float[] scale = Expand(inputs[1]!, normShape);
        float[]? bias = inputs.Count > 2 && inputs[2] is { } b ? Expand(b, normShape) : null;
        var g = new NormGeometry(length, 0, node.Float("epsilon", 1e-5f), bias is not null);
        (float[] y, float[] mean, float[] inv) = RowNormalize.Run(context, RowNormalize.Floats(x), scale, bias, rows, g);
        var statShape = new int[x.Rank];
        for (int d = 0; d < x.Rank; d++)
        {
            statShape[d] = d < axis ? x.Shape[d] : 1;
        }

        return [RowNormalize.Output(y, x.Shape, x.DType), new Tensor<float>(mean, statShape), new Tensor<float>(inv, statShape)];
    }

    private static float[] Expand(Tensor t, int[] shape)
    {
        float[] v = RowNormalize.Floats(t);
        if (t.Shape.SequenceEqual(shape))
        {
            return v;
        }

        int[] map = Broadcast.Map(t.Shape, shape);
        if (map.Length != Tensor.ElementCount(shape))
        {
            throw new ArgumentException($"LayerNormalization scale/bias {t.ShapeText} does not broadcast to ({string.Join(", ", shape)})");
        }

        var r = new float[map.Length];
        for (int i = 0; i < r.Length; i++)
        {
            r[i] = v[map[i]];
        }

        return r;
    }
}

/// <summary>InstanceNormalization: per (n, c) over the spatial dimensions, with per-channel scale and bias (same arithmetic as LayerNormalization).</summary>
public sealed class InstanceNormalizationOperator : IOnnxOperator
{
    public string OpType => "InstanceNormalization";

    public Tensor[] Run(OpContext context, OnnxNode node, IReadOnlyList<Tensor?> inputs)
    {
        Tensor x = inputs[0]!;
        if (x.Rank < 2)
        {
            throw new ArgumentException("InstanceNormalization needs at least 2 dimensions");
        }

        int channels = x.Shape[1];
        int length = (int)Tensor.ElementCount(x.Shape.AsSpan(2));
        int rows = x.Shape[0] * channels;
        float[] scale = RowNormalize.Floats(inputs[1]!), bias = RowNormalize.Floats(inputs[2]!);
        if (scale.Length != channels || bias.Length != channels)
        {
            throw new ArgumentException($"InstanceNormalization scale/bias must have {channels} elements");
        }

        var g = new NormGeometry(length, channels, node.Float("epsilon", 1e-5f), true);
        (float[] y, _, _) = RowNormalize.Run(context, RowNormalize.Floats(x), scale, bias, length == 0 ? 0 : rows, g);
        return [RowNormalize.Output(y, x.Shape, x.DType)];
    }
}
