using System.Runtime.CompilerServices;
using ILGPU;
using SysNoise.Kernels.Model;
using SysNoise.Kernels.Numerics;

namespace SysNoise.Kernels.Post;

/// <summary>
/// The max/min/clamp-at-zero semantics of one implementation. They agree on finite numbers other than −0 and differ
/// on NaN (and on which zero a max of −0 and +0 returns).
/// </summary>
public interface IExtremaRule
{
    float Max(float a, float b);

    float Min(float a, float b);

    /// <summary>max(0, d) as the implementation writes it.</summary>
    float AtLeastZero(float d);
}

/// <summary>C++ <c>std::max</c>/<c>std::min</c> (torchvision's and mmcv's CPU NMS): a NaN second operand is ignored, and <c>std::max(0, NaN)</c> is 0.</summary>
public readonly struct StdExtrema : IExtremaRule
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float Max(float a, float b) => a < b ? b : a;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float Min(float a, float b) => b < a ? b : a;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float AtLeastZero(float d) => 0f < d ? d : 0f;
}

/// <summary>torch's vectorized <c>torch.max</c>/<c>torch.min</c> (NaN propagates) and <c>clamp(min=0)</c> (NaN passes, −0 stays −0), as <c>box_iou</c> uses them.</summary>
public readonly struct TorchExtrema : IExtremaRule
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float Max(float a, float b) => DetMath.IsNaN(a) || DetMath.IsNaN(b) ? float.NaN : (a > b ? a : b);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float Min(float a, float b) => DetMath.IsNaN(a) || DetMath.IsNaN(b) ? float.NaN : (a < b ? a : b);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float AtLeastZero(float d) => 0f > d ? 0f : d;
}

/// <summary>
/// IoU of two boxes in float32, the one helper behind NMS (host and kernel) and <c>box_iou</c>. The operation order is
/// torchvision's (<c>nms_kernel.cpp</c>, <c>_box_inter_union</c>) and mmcv's: area = (x2 − x1 [+ offset])·(y2 − y1 [+ offset]),
/// computed beforehand; w = max(0, min(x2a, x2b) − max(x1a, x1b) [+ offset]), h likewise; inter = w·h;
/// iou = inter / ((area_a + area_b) − inter). Every op rounds once (<see cref="StrictFloat"/>, <see cref="DetMath.Div"/>).
/// An offset of 0 adds nothing (torchvision has no addition there).
/// </summary>
public static class IouMath
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Area(Box4 box, float offset)
    {
        float w = DetMath.Sub(box.C, box.A);
        float h = DetMath.Sub(box.D, box.B);
        if (offset != 0f)
        {
            w = StrictFloat.Add(w, offset);
            h = StrictFloat.Add(h, offset);
        }

        return StrictFloat.Mul(w, h);
    }

    /// <summary>IoU of <paramref name="a"/> (the higher-scoring box in NMS, the row box in box_iou) with <paramref name="b"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Iou<TRule>(Box4 a, float areaA, Box4 b, float areaB, float offset, TRule rule)
        where TRule : struct, IExtremaRule
    {
        float xx1 = rule.Max(a.A, b.A);
        float yy1 = rule.Max(a.B, b.B);
        float xx2 = rule.Min(a.C, b.C);
        float yy2 = rule.Min(a.D, b.D);
        float w = DetMath.Sub(xx2, xx1);
        float h = DetMath.Sub(yy2, yy1);
        if (offset != 0f)
        {
            w = StrictFloat.Add(w, offset);
            h = StrictFloat.Add(h, offset);
        }

        w = rule.AtLeastZero(w);
        h = rule.AtLeastZero(h);
        float inter = StrictFloat.Mul(w, h);
        return X86Nan.Canonical(DetMath.Div(inter, DetMath.Sub(StrictFloat.Add(areaA, areaB), inter)));
    }
}

/// <summary>
/// NaN results as x86 produces them: an invalid operation (0/0, ∞ − ∞, ∞/∞) gives the "default NaN" 0xFFC00000 on the
/// CPU, which torch returns, while CUDA's <c>div.rn.f32</c> gives 0x7FFFFFFF. Post-processing outputs pass through
/// <see cref="Canonical"/> so that every device writes x86's bits (a NaN input's payload is not carried through).
/// </summary>
public static class X86Nan
{
    public const uint DefaultNanBits = 0xFFC00000u;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Canonical(float x) => DetMath.IsNaN(x) ? Interop.IntAsFloat(DefaultNanBits) : x;
}

/// <summary>
/// One NMS variant's pair test as data: the IoU offset (0 torchvision, 1 mmcv's legacy convention) and the threshold.
/// torchvision compares the float IoU with a double threshold (<c>ovr &gt; iou_threshold</c>, the threshold a C++ double);
/// mmcv takes the threshold as a C++ float; either way the comparison is strict, so an IoU equal to the threshold is kept.
/// </summary>
public readonly struct NmsSpec(float offset, double threshold)
{
    public readonly float Offset = offset;

    /// <summary>The threshold the float IoU is compared with, already rounded to float where the library does that.</summary>
    public readonly double Threshold = threshold;

    /// <summary>Whether box <paramref name="b"/> is suppressed by the kept, higher-scoring box <paramref name="a"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool Suppresses(Box4 a, float areaA, Box4 b, float areaB) =>
        (double)IouMath.Iou(a, areaA, b, areaB, Offset, default(StdExtrema)) > Threshold;
}
