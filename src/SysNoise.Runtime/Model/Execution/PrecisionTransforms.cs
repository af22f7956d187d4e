using SysNoise.Kernels.Model.Numerics;
using SysNoise.Runtime.Tensors;

namespace SysNoise.Runtime.Model.Execution;

/// <summary>How a precision stores tensors between ops.</summary>
public static class PrecisionTransforms
{
    public static bool StoresHalf(ExecutionOptions o) => o.Precision is Precision.Fp16 or Precision.Fp16Acc16;

    /// <summary>float32 values rounded to the nearest binary16 (ties to even; overflow to ±inf), kept as float32 (<see cref="HalfMath.RoundToHalf"/>, the kernels' own rounding).</summary>
    public static Tensor<float> RoundToHalf(Tensor<float> t)
    {
        var r = new float[t.Data.Length];
        for (int i = 0; i < r.Length; i++)
        {
            r[i] = HalfMath.RoundToHalf(t.Data[i]);
        }

        return new Tensor<float>(r, t.Shape);
    }

    /// <summary>
    /// Values that stay float32 under the fp16 precisions: BatchNormalization's statistics and affine parameters
    /// (inputs 1–4; initializers or Constant outputs) when nothing else reads them. An fp16 engine folds an inference
    /// BatchNormalization into a per-channel scale and shift in fp32 and stores those (TensorRT folds them into the
    /// convolution); the op rounds its folded a and b to binary16 instead (<see cref="RoundFolded"/>). Rounding the raw
    /// statistics would be an artefact of the emulation: a running variance above 65504 (PP-OCRv4's detector has
    /// 9.79e7) would become +inf and zero the channel.
    /// </summary>
    public static IReadOnlySet<string> FoldedParameters(IEnumerable<Graph.OnnxNode> nodes)
    {
        var readers = new Dictionary<string, (int BatchNormParams, int Other)>(StringComparer.Ordinal);
        foreach (Graph.OnnxNode node in nodes)
        {
            for (int i = 0; i < node.Inputs.Count; i++)
            {
                (int bn, int other) = readers.GetValueOrDefault(node.Inputs[i]);
                readers[node.Inputs[i]] = node.OpType == "BatchNormalization" && node.Domain.Length == 0 && i >= 1 ? (bn + 1, other) : (bn, other + 1);
            }
        }

        return readers.Where(kv => kv.Value.BatchNormParams > 0 && kv.Value.Other == 0).Select(kv => kv.Key).ToHashSet(StringComparer.Ordinal);
    }

    /// <summary>The initializers as the precision stores them: float32 ones rounded to binary16 for the fp16 precisions, except <paramref name="keepFloat"/>.</summary>
    public static IReadOnlyDictionary<string, Tensor> PrepareInitializers(IReadOnlyDictionary<string, Tensor> initializers, ExecutionOptions o, IReadOnlySet<string> keepFloat)
    {
        if (!StoresHalf(o))
        {
            return initializers;
        }

        return initializers.ToDictionary(kv => kv.Key, kv => kv.Value is Tensor<float> f && !keepFloat.Contains(kv.Key) ? RoundToHalf(f) : kv.Value, StringComparer.Ordinal);
    }

    /// <summary>BatchNormalization's folded scale and shift as an fp16 engine stores them (binary16 for the fp16 precisions).</summary>
    public static void RoundFolded(float[] a, float[] b, ExecutionOptions o)
    {
        if (!StoresHalf(o))
        {
            return;
        }

        for (int i = 0; i < a.Length; i++)
        {
            a[i] = HalfMath.RoundToHalf(a[i]);
            b[i] = HalfMath.RoundToHalf(b[i]);
        }
    }

    public static Tensor StoreActivation(Tensor t, ExecutionOptions o) => StoresHalf(o) && t is Tensor<float> f ? RoundToHalf(f) : t;
}
