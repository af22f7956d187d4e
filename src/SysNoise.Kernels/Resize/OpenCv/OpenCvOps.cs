using System.Runtime.Intrinsics;
using SysNoise.Kernels.Numerics;

namespace SysNoise.Kernels.Resize.OpenCv;

/// <summary>An exact integer sum Σ sample·weight (OpenCV's fixed-point horizontal passes, area sums).</summary>
public readonly struct IntSumOp : IResampleOp<byte, int, int, int>, IInt32Lanes
{
    public int Begin(int lane) => 0;

    public int Accumulate(int acc, byte sample, int weight) => acc + (sample * weight);

    public int Finish(int acc, int lane) => acc;

    public Vector256<int> BeginLanes() => Vector256<int>.Zero;

    public Vector256<int> AccumulateLanes(Vector256<int> acc, Vector256<int> sample, Vector256<int> weight) => acc + (sample * weight);

    public Vector256<int> FinishLanes(Vector256<int> acc) => acc;
}

/// <summary>
/// INTER_LINEAR 8U vertical combine (VResizeLinear&lt;uchar,int,short&gt; and VResizeLinearVec_32s8u, identical):
/// each tap contributes <c>(β·(H &gt;&gt; 4)) &gt;&gt; 16</c>; the sum is rounded as <c>(s + 2) &gt;&gt; 2</c>.
/// </summary>
public readonly struct LinearVerticalOp : IResampleOp<int, int, int, byte>, IInt32Lanes
{
    public int Begin(int lane) => 0;

    public int Accumulate(int acc, int sample, int weight) => acc + ((weight * (sample >> 4)) >> 16);

    public byte Finish(int acc, int lane) => OpenCvRounding.SaturateToByte((acc + 2) >> 2);

    public Vector256<int> BeginLanes() => Vector256<int>.Zero;

    public Vector256<int> AccumulateLanes(Vector256<int> acc, Vector256<int> sample, Vector256<int> weight)
        => acc + Vector256.ShiftRightArithmetic(weight * Vector256.ShiftRightArithmetic(sample, 4), 16);

    public Vector256<int> FinishLanes(Vector256<int> acc) => Int32Lanes.SaturateToByte(Vector256.ShiftRightArithmetic(acc + Vector256.Create(2), 2));
}

/// <summary>FixedPtCast&lt;int, uchar, 22&gt;: <c>sat((Σ H·β + 2^21) &gt;&gt; 22)</c> (INTER_LANCZOS4 8U vertical).</summary>
public readonly struct FixedPoint22VerticalOp : IResampleOp<int, int, int, byte>, IInt32Lanes
{
    public int Begin(int lane) => 0;

    public int Accumulate(int acc, int sample, int weight) => acc + (sample * weight);

    public byte Finish(int acc, int lane) => OpenCvRounding.SaturateToByte((acc + (1 << 21)) >> 22);

    public Vector256<int> BeginLanes() => Vector256<int>.Zero;

    public Vector256<int> AccumulateLanes(Vector256<int> acc, Vector256<int> sample, Vector256<int> weight) => acc + (sample * weight);

    public Vector256<int> FinishLanes(Vector256<int> acc) => Int32Lanes.SaturateToByte(Vector256.ShiftRightArithmetic(acc + Vector256.Create(1 << 21), 22));
}

/// <summary>The two accumulators of <see cref="CubicVerticalOp"/>: the SIMD body's float and the scalar tail's int.</summary>
public struct CubicAccumulator
{
    public float Vector;
    public int Scalar;
}

/// <summary>
/// INTER_CUBIC 8U vertical combine. Columns in the SIMD body (x &lt; <see cref="BodyEnd"/>) are computed in
/// float by VResizeCubicVec_32s8u as <c>S0·b0 + (S1·b1 + (S2·b2 + S3·b3))</c> with b = β·2^-22, rounded half to
/// even; the scalar tail uses FixedPtCast: <c>(Σ S·β + 2^21) &gt;&gt; 22</c>. The two differ by ±1 on some
/// pixels, and where the body ends depends on the vector width the build runs, which is why OpenCV
/// builds disagree. The weight map lists the taps from the last to the first, the order of the muladd chain.
/// </summary>
public readonly struct CubicVerticalOp : IResampleOp<int, int, CubicAccumulator, byte>
{
    private const float CoefficientScale = 1f / (2048f * 2048f);

    // Kernel parameters must be blittable, so the flag is kept as an int.
    private readonly int fused;

    public CubicVerticalOp(int bodyEnd, bool fusedMultiplyAdd)
    {
        BodyEnd = bodyEnd;
        fused = fusedMultiplyAdd ? 1 : 0;
    }

    /// <summary>First column of the scalar tail: the row width rounded down to a whole number of vector steps.</summary>
    public int BodyEnd { get; }

    /// <summary>Whether the build's v_muladd is a fused multiply-add (AVX2/AVX-512) or a multiply then an add (SSE).</summary>
    public bool FusedMultiplyAdd => fused != 0;

    public CubicAccumulator Begin(int lane) => default;

    public CubicAccumulator Accumulate(CubicAccumulator acc, int sample, int weight)
    {
        float s = sample;
        float b = StrictFloat.Mul(weight, CoefficientScale);
        acc.Vector = FusedMultiplyAdd ? StrictFloat.FusedMultiplyAdd(s, b, acc.Vector) : StrictFloat.Add(StrictFloat.Mul(s, b), acc.Vector);
        acc.Scalar += sample * weight;
        return acc;
    }

    public byte Finish(CubicAccumulator acc, int lane)
        => lane < BodyEnd
            ? OpenCvRounding.SaturateToByte(OpenCvRounding.SaturateToShort(OpenCvRounding.RoundHalfEven(acc.Vector)))
            : OpenCvRounding.SaturateToByte((acc.Scalar + (1 << 21)) >> 22);
}

/// <summary>
/// INTER_AREA, integer scales: the block sum, rounded as <c>(s + 2) &gt;&gt; 2</c> for 2×2 cells (the SIMD kernel
/// and its scalar tail) and as cvRound(s · (1/area)) in float for every other factor pair (1×4 and 4×1 included).
/// </summary>
public readonly struct AreaFastVerticalOp : IResampleOp<int, int, int, byte>, IInt32Lanes
{
    // Kernel parameters must be blittable, so the flag is kept as an int.
    private readonly int twoByTwo;

    public AreaFastVerticalOp(int factorX, int factorY)
    {
        twoByTwo = factorX == 2 && factorY == 2 ? 1 : 0;
        Scale = 1f / (factorX * factorY);
    }

    public float Scale { get; }

    public int Begin(int lane) => 0;

    public int Accumulate(int acc, int sample, int weight) => acc + (sample * weight);

    public byte Finish(int acc, int lane)
        => twoByTwo != 0
            ? OpenCvRounding.SaturateToByte((acc + 2) >> 2)
            : OpenCvRounding.SaturateToByte(OpenCvRounding.RoundHalfEven(StrictFloat.Mul(acc, Scale)));

    public Vector256<int> BeginLanes() => Vector256<int>.Zero;

    public Vector256<int> AccumulateLanes(Vector256<int> acc, Vector256<int> sample, Vector256<int> weight) => acc + (sample * weight);

    public Vector256<int> FinishLanes(Vector256<int> acc)
        => twoByTwo != 0
            ? Int32Lanes.SaturateToByte(Vector256.ShiftRightArithmetic(acc + Vector256.Create(2), 2))
            : Int32Lanes.SaturateToByte(Int32Lanes.RoundHalfEven(Vector256.ConvertToSingle(acc) * Vector256.Create(Scale)));
}

/// <summary>INTER_AREA general decimation, horizontal: <c>buf += S·α</c> in float, in table order.</summary>
public readonly struct AreaHorizontalOp : IResampleOp<byte, float, float, float>
{
    public float Begin(int lane) => 0f;

    public float Accumulate(float acc, byte sample, float weight) => StrictFloat.Add(acc, StrictFloat.Mul(sample, weight));

    public float Finish(float acc, int lane) => acc;
}

/// <summary>INTER_AREA general decimation, vertical: <c>sum += β·buf</c> in float, then cvRound with saturation.</summary>
public readonly struct AreaVerticalOp : IResampleOp<float, float, float, byte>
{
    public float Begin(int lane) => 0f;

    public float Accumulate(float acc, float sample, float weight) => StrictFloat.Add(acc, StrictFloat.Mul(weight, sample));

    public byte Finish(float acc, int lane) => OpenCvRounding.SaturateToByte(OpenCvRounding.RoundHalfEven(acc));
}

/// <summary>INTER_LINEAR_EXACT horizontal: ufixedpoint16 (8 fractional bits) Σ c·p, saturating at 65535.</summary>
public readonly struct LinearExactHorizontalOp : IResampleOp<byte, int, int, int>, IInt32Lanes
{
    public int Begin(int lane) => 0;

    public int Accumulate(int acc, byte sample, int weight)
    {
        int v = acc + (sample * weight);
        return v > ushort.MaxValue ? ushort.MaxValue : v;
    }

    public int Finish(int acc, int lane) => acc;

    public Vector256<int> BeginLanes() => Vector256<int>.Zero;

    public Vector256<int> AccumulateLanes(Vector256<int> acc, Vector256<int> sample, Vector256<int> weight)
        => Vector256.Min(acc + (sample * weight), Vector256.Create((int)ushort.MaxValue));

    public Vector256<int> FinishLanes(Vector256<int> acc) => acc;
}

/// <summary>INTER_LINEAR_EXACT vertical: ufixedpoint32 (16 fractional bits) Σ h·c, cast to uint8 rounding half up.</summary>
public readonly struct LinearExactVerticalOp : IResampleOp<int, int, uint, byte>, IInt32Lanes
{
    public uint Begin(int lane) => 0;

    public uint Accumulate(uint acc, int sample, int weight) => acc + ((uint)sample * (uint)weight);

    public byte Finish(uint acc, int lane)
    {
        uint v = (acc + 0x8000u) >> 16;
        return v > 255 ? (byte)255 : (byte)v;
    }

    public Vector256<int> BeginLanes() => Vector256<int>.Zero;

    // The low 32 bits of a product and a sum are the same in int and uint.
    public Vector256<int> AccumulateLanes(Vector256<int> acc, Vector256<int> sample, Vector256<int> weight) => acc + (sample * weight);

    // After the logical shift the value lies in [0, 65535], where signed and unsigned minimum agree.
    public Vector256<int> FinishLanes(Vector256<int> acc)
        => Vector256.Min(Vector256.ShiftRightLogical(acc + Vector256.Create(0x8000), 16), Vector256.Create(255));
}

/// <summary>
/// IPP's cubic resize as OpenCV 4.13's IPP build runs it: float taps accumulated with fused multiply-adds
/// from the first tap to the last, the intermediate kept in float.
/// </summary>
public readonly struct IppCubicFirstPassOp : IResampleOp<byte, float, float, float>
{
    public float Begin(int lane) => 0f;

    public float Accumulate(float acc, byte sample, float weight) => StrictFloat.FusedMultiplyAdd(sample, weight, acc);

    public float Finish(float acc, int lane) => acc;
}

/// <summary>
/// The second pass of <see cref="IppCubicFirstPassOp"/> without the final rounding: the value IPP rounds, used to
/// show that every byte where the model and IPP differ sits on a rounding tie.
/// </summary>
public readonly struct IppCubicUnroundedPassOp : IResampleOp<float, float, float, float>
{
    public float Begin(int lane) => 0f;

    public float Accumulate(float acc, float sample, float weight) => StrictFloat.FusedMultiplyAdd(sample, weight, acc);

    public float Finish(float acc, int lane) => acc;
}

/// <summary>The second pass of <see cref="IppCubicFirstPassOp"/>: the same accumulation, then rounded half to even and saturated.</summary>
public readonly struct IppCubicSecondPassOp : IResampleOp<float, float, float, byte>
{
    public float Begin(int lane) => 0f;

    public float Accumulate(float acc, float sample, float weight) => StrictFloat.FusedMultiplyAdd(sample, weight, acc);

    public byte Finish(float acc, int lane) => OpenCvRounding.SaturateToByte(OpenCvRounding.RoundHalfEven(acc));
}

/// <summary>OpenCV's float horizontal pass (HResizeLinear/Cubic/Lanczos4 &lt;float&gt;): <c>S0·a0 + S1·a1 + …</c> left to right, unfused.</summary>
public readonly struct FloatHorizontalOp : IResampleOp<float, float, float, float>
{
    // −0 is the identity of float addition, so the first product passes through unchanged.
    public float Begin(int lane) => -0f;

    public float Accumulate(float acc, float sample, float weight) => StrictFloat.Add(acc, StrictFloat.Mul(sample, weight));

    public float Finish(float acc, int lane) => acc;
}

/// <summary>Up to eight (row sample, β) pairs of one float vertical output.</summary>
public struct FloatTaps
{
    public int Count;
    public float S0, S1, S2, S3, S4, S5, S6, S7;
    public float B0, B1, B2, B3, B4, B5, B6, B7;

    public readonly float Product(int k) => k switch
    {
        0 => StrictFloat.Mul(S0, B0),
        1 => StrictFloat.Mul(S1, B1),
        2 => StrictFloat.Mul(S2, B2),
        3 => StrictFloat.Mul(S3, B3),
        4 => StrictFloat.Mul(S4, B4),
        5 => StrictFloat.Mul(S5, B5),
        6 => StrictFloat.Mul(S6, B6),
        _ => StrictFloat.Mul(S7, B7),
    };
}

/// <summary>
/// OpenCV's float vertical pass (VResizeLinear/Cubic/Lanczos4 with their VResize*Vec_32f bodies). Row elements
/// below <see cref="BodyEnd"/> come from the SIMD body, nested v_muladd calls innermost-last:
/// <c>S0·b0 + (S1·b1 + (… + Sn·bn))</c>, unfused on SSE builds; the scalar tail sums left to right.
/// </summary>
public readonly struct FloatVerticalOp : IResampleOp<float, float, FloatTaps, float>
{
    public FloatVerticalOp(int bodyEnd)
    {
        BodyEnd = bodyEnd;
    }

    public int BodyEnd { get; }

    public FloatTaps Begin(int lane) => default;

    public FloatTaps Accumulate(FloatTaps acc, float sample, float weight)
    {
        switch (acc.Count)
        {
            case 0: acc.S0 = sample; acc.B0 = weight; break;
            case 1: acc.S1 = sample; acc.B1 = weight; break;
            case 2: acc.S2 = sample; acc.B2 = weight; break;
            case 3: acc.S3 = sample; acc.B3 = weight; break;
            case 4: acc.S4 = sample; acc.B4 = weight; break;
            case 5: acc.S5 = sample; acc.B5 = weight; break;
            case 6: acc.S6 = sample; acc.B6 = weight; break;
            default: acc.S7 = sample; acc.B7 = weight; break;
        }

        acc.Count++;
        return acc;
    }

    public float Finish(FloatTaps acc, int lane)
    {
        int n = acc.Count;
        if (lane >= BodyEnd)
        {
            float s = acc.Product(0);
            for (int k = 1; k < n; k++)
            {
                s = StrictFloat.Add(s, acc.Product(k));
            }

            return s;
        }

        float t = acc.Product(n - 1);
        for (int k = n - 2; k >= 0; k--)
        {
            t = StrictFloat.Add(acc.Product(k), t);
        }

        return t;
    }
}

/// <summary>Accumulator of <see cref="AreaFastFloatGatherOp"/>: the generic loop's running sum and group of
/// four, plus the four taps of a 2×2 cell for the SIMD order.</summary>
public struct AreaFastFloatAccumulator
{
    public float Sum;
    public float Group;
    public float T0;
    public float T1;
    public float T2;
    public float T3;
    public int Count;
    public int Order;
}

/// <summary>
/// INTER_AREA integer-scale float32 (resizeAreaFast_&lt;float&gt;) as one gather over the whole cell, taps in
/// OpenCV's row-major <c>ofs</c> order. The generic loop sums <c>sum += ((s0+s1)+s2)+s3</c> per group of four,
/// then single taps, then multiplies by <c>1.f/area</c>. 2×2 cells that the SSE kernel handles (the tap weight
/// says so) sum <c>(a+b)+(c+d)</c> with a, b the top row. Groups of four cross cell rows, which is why this is
/// not a separable pair of passes.
/// </summary>
public readonly struct AreaFastFloatGatherOp : IResampleOp<float, int, AreaFastFloatAccumulator, float>
{
    public const int OrderScalar = 0;
    public const int OrderRowPairs = 1;

    public AreaFastFloatGatherOp(int area)
    {
        Area = area;
        InverseArea = 1f / area;
    }

    public int Area { get; }

    public float InverseArea { get; }

    public AreaFastFloatAccumulator Begin(int lane) => default;

    public AreaFastFloatAccumulator Accumulate(AreaFastFloatAccumulator acc, float sample, int weight)
    {
        int k = acc.Count;
        if (k < (Area & ~3))
        {
            acc.Group = (k & 3) == 0 ? sample : StrictFloat.Add(acc.Group, sample);
            if ((k & 3) == 3)
            {
                acc.Sum = StrictFloat.Add(acc.Sum, acc.Group);
            }
        }
        else
        {
            acc.Sum = StrictFloat.Add(acc.Sum, sample);
        }

        switch (k)
        {
            case 0: acc.T0 = sample; break;
            case 1: acc.T1 = sample; break;
            case 2: acc.T2 = sample; break;
            case 3: acc.T3 = sample; break;
        }

        acc.Count = k + 1;
        acc.Order = weight;
        return acc;
    }

    public float Finish(AreaFastFloatAccumulator acc, int lane)
    {
        float sum = acc.Order == OrderRowPairs
            ? StrictFloat.Add(StrictFloat.Add(acc.T0, acc.T1), StrictFloat.Add(acc.T2, acc.T3))
            : acc.Sum;
        return StrictFloat.Mul(sum, InverseArea);
    }
}
