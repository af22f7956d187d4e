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

    public static IReadOnlyDictionary<string, Tensor> PrepareInitializers(IReadOnlyDictionary<string, Tensor> initializers, ExecutionOptions o)
    {
        if (!StoresHalf(o))
        {
            return initializers;
        }

        return initializers.ToDictionary(kv => kv.Key, kv => kv.Value is Tensor<float> f ? RoundToHalf(f) : kv.Value, StringComparer.Ordinal);
    }

    public static Tensor StoreActivation(Tensor t, ExecutionOptions o) => StoresHalf(o) && t is Tensor<float> f ? RoundToHalf(f) : t;
}
