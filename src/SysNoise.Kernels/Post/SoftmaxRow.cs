using SysNoise.Kernels.Model;
using SysNoise.Kernels.Model.Numerics;
using SysNoise.Kernels.Numerics;

namespace SysNoise.Kernels.Post;

/// <summary>
/// A classifier's softmax as a deployment computes it, as data: with or without subtracting the row maximum, in float32
/// or binary16. The order is fixed and documented so that a NumPy reference can follow it exactly:
/// <list type="bullet">
/// <item>float32: m = max of the row (NaN propagates) when <see cref="SubtractMax"/>; e_k = exp(x_k − m) (the difference
/// rounded to float32, exp as <see cref="DetMath.Exp"/>: the double exp rounded once, i.e. the correctly rounded expf but
/// for values within ~1e-16 of a rounding boundary); sum = ((e_0 + e_1) + e_2) + … in float32, index order;
/// y_k = e_k / sum. Plain: e_k = exp(x_k), which overflows to ∞ for x_k &gt; 88.72 (∞/∞ = NaN).</item>
/// <item>binary16: the inputs are binary16 values; x_k − m is rounded to binary16; exp is computed in float32 as above
/// and stored as binary16 (an fp16 unit with a float32 exp); the sum of those binary16 values accumulates in float32
/// (what torch does for half softmax: float accumulation); y_k = binary16(e_k / sum). Plain fp16 overflows for
/// x_k &gt; 11.09 (exp &gt; 65504), which is the failure a deployment without the max shift shows.</item>
/// </list>
/// </summary>
public readonly struct SoftmaxSpec(bool subtractMax, bool half)
{
    public readonly int SubtractMax = subtractMax ? 1 : 0;
    public readonly int Half = half ? 1 : 0;
}

/// <summary>Per-row softmax arithmetic shared by <see cref="PostKernels.Softmax"/> and <see cref="PostHost.Softmax"/>.</summary>
public static class SoftmaxRow
{
    /// <summary>The shift: the row maximum (NaN if any element is NaN) or 0 for the plain variant.</summary>
    public static float Shift(float max, SoftmaxSpec spec) => spec.SubtractMax != 0 ? max : 0f;

    /// <summary>Running maximum that lets NaN win, so a NaN anywhere makes the whole row NaN (as torch.max does).</summary>
    public static float Max(float running, float x) => DetMath.IsNaN(running) || DetMath.IsNaN(x) ? float.NaN : (x > running ? x : running);

    /// <summary>exp(x − shift) as the spec computes and stores it.</summary>
    public static float Exp(float x, float shift, SoftmaxSpec spec)
    {
        if (spec.Half != 0)
        {
            float d = spec.SubtractMax != 0 ? HalfMath.RoundToHalf(DetMath.Sub(x, shift)) : x;
            return HalfMath.RoundToHalf(DetMath.Exp(d));
        }

        return DetMath.Exp(spec.SubtractMax != 0 ? DetMath.Sub(x, shift) : x);
    }

    public static float Accumulate(float sum, float e) => StrictFloat.Add(sum, e);

    public static float Output(float e, float sum, SoftmaxSpec spec)
    {
        float y = DetMath.Div(e, sum);
        return X86Nan.Canonical(spec.Half != 0 ? HalfMath.RoundToHalf(y) : y);
    }
}
