using SysNoise.Kernels.Model.Nn;
using SysNoise.Runtime.Model.Execution;
using SysNoise.Runtime.Model.Graph;
using SysNoise.Runtime.Tensors;

namespace SysNoise.Runtime.Model.Ops.Nn;

/// <summary>
/// MaxPool (kernel_shape, strides, pads, dilations, ceil_mode, auto_pad, storage_order, optional Indices; float32,
/// and int8/uint8 from opset 12). The session's <c>CeilMode</c>/<c>CeilRule</c> knobs decide the output size.
/// </summary>
public sealed class MaxPoolOp : IOnnxOperator
{
    public string OpType => "MaxPool";

    public IEnumerable<string> Check(OnnxNode node) => NnAttributes.CheckAutoPad(node).Concat(node.Has("kernel_shape") ? [] : ["kernel_shape is required"]);

    public Tensor[] Run(OpContext context, OnnxNode node, IReadOnlyList<Tensor?> inputs)
    {
        Tensor x = inputs[0] ?? throw new ArgumentException("MaxPool needs X");
        float[] data = x switch
        {
            Tensor<float> f => f.Data,
            Tensor<byte> u => Array.ConvertAll(u.Data, v => (float)v),
            Tensor<sbyte> s => Array.ConvertAll(s.Data, v => (float)v),
            _ => throw new NotSupportedException($"MaxPool of {x.DType.ToString().ToLowerInvariant()} is not supported"),
        };
        NnGeometry g = NnAttributes.Pool(node, x.Shape, context.Options, dilationsAllowed: true);
        int storageOrder = (int)node.Int("storage_order", 0);
        bool wantIndices = node.Outputs.Count > 1 && node.Outputs[1].Length > 0;
        int[] shape = NnAttributes.OutputShape(g, x.Rank - 2);
        float[] y;
        long[]? indices;
        if (context.Ilgpu is { } device)
        {
            (y, indices) = NnDevice.MaxPool(device, data, g, storageOrder, wantIndices);
        }
        else
        {
            // Every output element is written.
            y = x is Tensor<float> ? context.NewFloats(g.OutputElements) : new float[g.OutputElements];
            indices = wantIndices ? new long[y.Length] : null;
            PoolHost.MaxPool(data, y, indices, g, storageOrder, context.Threads);
        }

        Tensor output = x switch
        {
            Tensor<byte> => new Tensor<byte>(Array.ConvertAll(y, v => (byte)v), shape),
            Tensor<sbyte> => new Tensor<sbyte>(Array.ConvertAll(y, v => (sbyte)v), shape),
            _ => new Tensor<float>(y, shape),
        };
        return indices is null ? [output] : [output, new Tensor<long>(indices, shape)];
    }
}

/// <summary>AveragePool (count_include_pad, ceil_mode, pads, auto_pad, dilations from opset 19), float32.</summary>
public sealed class AveragePoolOp : IOnnxOperator
{
    public string OpType => "AveragePool";

    public IEnumerable<string> Check(OnnxNode node) => NnAttributes.CheckAutoPad(node).Concat(node.Has("kernel_shape") ? [] : ["kernel_shape is required"]);

    public Tensor[] Run(OpContext context, OnnxNode node, IReadOnlyList<Tensor?> inputs)
    {
        Tensor<float> x = NnAttributes.Float(inputs[0], node, "X");
        NnGeometry g = NnAttributes.Pool(node, x.Shape, context.Options, dilationsAllowed: true);
        bool includePad = node.Int("count_include_pad", 0) != 0;
        int[] shape = NnAttributes.OutputShape(g, x.Rank - 2);
        // ceil_mode with count_include_pad: ORT 1.31.1 gives the default path's bits (a row-major sum over the window
        // clipped to the input, divided by the cells inside the padded input), not MlasPool's (measured).
        bool ceil = context.Options.CeilMode ?? node.Int("ceil_mode", 0) != 0;
        if (OrtOrder.Applies(context, node.OpType) && !(ceil && includePad) && OrtOrder.PoolKernel(g, x.Rank - 2) is { } kernel)
        {
            return [new Tensor<float>(OrtOrder.AveragePool(context, x.Data, g, kernel, includePad), shape)];
        }

        if (context.Ilgpu is { } device)
        {
            return [new Tensor<float>(NnDevice.AveragePool(device, x.Data, g, includePad), shape)];
        }

        var y = new Tensor<float>(context.NewFloats(Tensor.ElementCount(shape)), shape);
        PoolHost.AveragePool(x.Data, y.Data, g, includePad, context.Threads);
        return [y];
    }
}

/// <summary>GlobalAveragePool / GlobalMaxPool: one value per (n, c) plane, spatial axes kept as 1.</summary>
public abstract class GlobalPoolOp(bool max) : IOnnxOperator
{
    public abstract string OpType { get; }

    public Tensor[] Run(OpContext context, OnnxNode node, IReadOnlyList<Tensor?> inputs)
    {
        Tensor<float> x = NnAttributes.Float(inputs[0], node, "X");
        if (x.Rank < 2)
        {
            throw new ArgumentException($"{OpType} needs rank ≥ 2, got {x.ShapeText}");
        }

        int planes = x.Shape[0] * x.Shape[1];
        int length = checked((int)Tensor.ElementCount(x.Shape.AsSpan(2)));
        int[] shape = [x.Shape[0], x.Shape[1], .. Enumerable.Repeat(1, x.Rank - 2)];
        if (!max && OrtOrder.Applies(context, node.OpType))
        {
            return [new Tensor<float>(OrtOrder.GlobalAverage(context, x.Data, planes, length), shape)];
        }

        if (context.Ilgpu is { } device)
        {
            return [new Tensor<float>(NnDevice.GlobalPool(device, x.Data, planes, length, max), shape)];
        }

        var y = new Tensor<float>(context.NewFloats(planes), shape);
        PoolHost.GlobalPool(x.Data, y.Data, planes, length, max, context.Threads);
        return [y];
    }
}

public sealed class GlobalAveragePoolOp() : GlobalPoolOp(false)
{
    public override string OpType => "GlobalAveragePool";
}

public sealed class GlobalMaxPoolOp() : GlobalPoolOp(true)
{
    public override string OpType => "GlobalMaxPool";
}

/// <summary>
/// BatchNormalization (opsets 7–15). Inference: y = fma(x, a, b) with per-channel a = scale/√(var+ε), b = B − mean·a
/// (<see cref="NnMath.FoldBatchNorm"/>); opset 7–8 <c>spatial=0</c> takes per-(channel, position) parameters.
/// training_mode=1 (opset 14+) normalises with the batch's statistics (mean and population variance, in double,
/// rounded to float) and also returns the updated running mean and variance.
/// </summary>
public sealed class BatchNormalizationOp : IOnnxOperator
{
    public string OpType => "BatchNormalization";

    public IEnumerable<string> Check(OnnxNode node)
    {
        if (node.Inputs.Count != 5)
        {
            yield return $"BatchNormalization needs 5 inputs, got {node.Inputs.Count}";
        }
    }

    public Tensor[] Run(OpContext context, OnnxNode node, IReadOnlyList<Tensor?> inputs)
    {
        Tensor<float> x = NnAttributes.Float(inputs[0], node, "X");
        Tensor<float> scale = NnAttributes.Float(inputs[1], node, "scale");
        Tensor<float> bias = NnAttributes.Float(inputs[2], node, "B");
        Tensor<float> mean = NnAttributes.Float(inputs[3], node, "mean");
        Tensor<float> variance = NnAttributes.Float(inputs[4], node, "var");
        if (x.Rank < 2)
        {
            throw new ArgumentException($"BatchNormalization needs rank ≥ 2, got {x.ShapeText}");
        }

        float epsilon = node.Float("epsilon", 1e-5f);
        bool training = node.Opset >= 14 && node.Int("training_mode", 0) != 0;
        bool spatial = node.Opset >= 9 || node.Int("spatial", 1) != 0;
        int channels = x.Shape[1];
        int inner = checked((int)Tensor.ElementCount(x.Shape.AsSpan(2)));
        int paramCount = spatial ? channels : channels * inner;
        foreach (Tensor<float> p in new[] { scale, bias, mean, variance })
        {
            if (p.Length != paramCount)
            {
                throw new ArgumentException($"BatchNormalization parameter of {p.Length} values, expected {paramCount}");
            }
        }

        float[] meanUsed = mean.Data, varUsed = variance.Data;
        Tensor[] extra = [];
        if (training)
        {
            (meanUsed, varUsed) = BatchStatistics(x.Data, x.Shape[0], channels, inner);
            float momentum = node.Float("momentum", 0.9f);
            var runningMean = new float[channels];
            var runningVar = new float[channels];
            for (int c = 0; c < channels; c++)
            {
                runningMean[c] = (mean.Data[c] * momentum) + (meanUsed[c] * (1 - momentum));
                runningVar[c] = (variance.Data[c] * momentum) + (varUsed[c] * (1 - momentum));
            }

            extra = [new Tensor<float>(runningMean, channels), new Tensor<float>(runningVar, channels)];
        }

        var a = new float[paramCount];
        var b = new float[paramCount];
        for (int i = 0; i < paramCount; i++)
        {
            (a[i], b[i]) = NnMath.FoldBatchNorm(scale.Data[i], bias.Data[i], meanUsed[i], varUsed[i], epsilon);
        }

        PrecisionTransforms.RoundFolded(a, b, context.Options);

        int pc = spatial ? channels : channels * inner;
        int pi = spatial ? inner : 1;
        if (OrtOrder.Applies(context, node.OpType) && !training)
        {
            // ORT's batch_norm.h (Eigen, no FMA): inv_std = 1/√(var + ε), a = inv_std·scale, b = B − mean·a, y = x·a + b.
            for (int i = 0; i < paramCount; i++)
            {
                (a[i], b[i]) = OrtCpuMath.BatchNormFold(scale.Data[i], bias.Data[i], meanUsed[i], varUsed[i], epsilon);
            }

            return [new Tensor<float>(OrtOrder.BatchNorm(context, x.Data, a, b, pi, pc), x.Shape), .. extra.Take(Math.Max(0, node.Outputs.Count - 1))];
        }

        Tensor<float> y = context.Ilgpu is { } device
            ? new Tensor<float>(NnDevice.BatchNorm(device, x.Data, a, b, pi, pc), x.Shape)
            : Host(context, x, a, b, pc, pi);
        return [y, .. extra.Take(Math.Max(0, node.Outputs.Count - 1))];
    }

    private static Tensor<float> Host(OpContext context, Tensor<float> x, float[] a, float[] b, int channels, int inner)
    {
        var y = new Tensor<float>(context.NewFloats(x.Length), x.Shape);
        PoolHost.BatchNorm(x.Data, y.Data, a, b, channels, inner, context.Threads);
        return y;
    }

    private static (float[] Mean, float[] Var) BatchStatistics(float[] x, int batch, int channels, int inner)
    {
        var mean = new float[channels];
        var variance = new float[channels];
        for (int c = 0; c < channels; c++)
        {
            double sum = 0;
            for (int n = 0; n < batch; n++)
            {
                long o = (((long)n * channels) + c) * inner;
                for (int i = 0; i < inner; i++)
                {
                    sum += x[o + i];
                }
            }

            double count = (double)batch * inner;
            double mu = sum / count, sq = 0;
            for (int n = 0; n < batch; n++)
            {
                long o = (((long)n * channels) + c) * inner;
                for (int i = 0; i < inner; i++)
                {
                    double d = x[o + i] - mu;
                    sq += d * d;
                }
            }

            mean[c] = (float)mu;
            variance[c] = (float)(sq / count);
        }

        return (mean, variance);
    }
}
