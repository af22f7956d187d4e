using System.Runtime.CompilerServices;
using ILGPU;
using SysNoise.Kernels.Numerics;

namespace SysNoise.Kernels.Decode;

/// <summary>
/// libjpeg-turbo 2.1.5 JDCT_FLOAT as its x86-64 SSE2 code computes it (<c>jidctflt-sse2.asm</c>, the v6b AA&amp;N
/// algorithm): dequantization without the ×0.125, single-precision operations in the asm's order, and the final
/// <c>x + 1.5·2^26</c> trick, which rounds x/8 half-to-even into the float's low 16 bits, read back as int16, then
/// saturated to int8 before +128. Multipliers are <c>(float)(q·aan[row]·aan[col])</c>.
/// </summary>
public readonly struct FloatSimdIdct : IIdctOp<float, float>
{
    private const float F1414 = 1.414213562373095048801689f;
    private const float F1847 = 1.847759065022573512256366f;
    private const float F1082 = 1.082392200292393968799446f;
    private const float MinusF2613 = -2.613125929752753055713286f;
    private const float RoundIntMagic = 100663296.0f;

    public bool HasBlockDcShortcut => false;


    public bool RowsFirst => false;

    public float DcOnlyColumn(short coef0, float multiplier0) => StrictFloat.Mul(coef0, multiplier0);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Octet<float> Column(Octet<short> c, Octet<float> m) => Butterfly(
        StrictFloat.Mul(c.V0, m.V0), StrictFloat.Mul(c.V1, m.V1), StrictFloat.Mul(c.V2, m.V2), StrictFloat.Mul(c.V3, m.V3),
        StrictFloat.Mul(c.V4, m.V4), StrictFloat.Mul(c.V5, m.V5), StrictFloat.Mul(c.V6, m.V6), StrictFloat.Mul(c.V7, m.V7));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Octet<byte> Row(Octet<float> w)
    {
        Octet<float> r = Butterfly(w.V0, w.V1, w.V2, w.V3, w.V4, w.V5, w.V6, w.V7);
        return new Octet<byte>(ToSample(r.V0), ToSample(r.V1), ToSample(r.V2), ToSample(r.V3), ToSample(r.V4), ToSample(r.V5), ToSample(r.V6), ToSample(r.V7));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static byte ToSample(float v)
    {
        int bits = (int)Interop.FloatAsInt(StrictFloat.Add(v, RoundIntMagic));
        int s = (short)bits;
        return (byte)((s < -128 ? -128 : s > 127 ? 127 : s) + 128);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Sub(float a, float b) => StrictFloat.Add(a, -b);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Octet<float> Butterfly(float in0, float in1, float in2, float in3, float in4, float in5, float in6, float in7)
    {
        // Even part.
        float tmp11 = Sub(in0, in4);
        float tmp10 = StrictFloat.Add(in0, in4);
        float tmp13 = StrictFloat.Add(in2, in6);
        float tmp12 = Sub(StrictFloat.Mul(Sub(in2, in6), F1414), tmp13);
        float tmp3 = Sub(tmp10, tmp13);
        float tmp2 = Sub(tmp11, tmp12);
        float tmp0 = StrictFloat.Add(tmp10, tmp13);
        float tmp1 = StrictFloat.Add(tmp11, tmp12);

        // Odd part.
        float z11 = StrictFloat.Add(in1, in7);
        float z13 = StrictFloat.Add(in5, in3);
        float z12 = Sub(in1, in7);
        float z10 = Sub(in5, in3);
        float tmp7 = StrictFloat.Add(z11, z13);
        float oddTmp11 = StrictFloat.Mul(Sub(z11, z13), F1414);
        float z5 = StrictFloat.Mul(StrictFloat.Add(z10, z12), F1847);
        float oddTmp12 = StrictFloat.Add(StrictFloat.Mul(z10, MinusF2613), z5);
        float oddTmp10 = Sub(StrictFloat.Mul(z12, F1082), z5);

        float tmp6 = Sub(oddTmp12, tmp7);
        float tmp5 = Sub(oddTmp11, tmp6);
        float tmp4 = StrictFloat.Add(oddTmp10, tmp5);
        return new Octet<float>(
            StrictFloat.Add(tmp0, tmp7),
            StrictFloat.Add(tmp1, tmp6),
            StrictFloat.Add(tmp2, tmp5),
            Sub(tmp3, tmp4),
            StrictFloat.Add(tmp3, tmp4),
            Sub(tmp2, tmp5),
            Sub(tmp1, tmp6),
            Sub(tmp0, tmp7));
    }
}

/// <summary>
/// libjpeg-turbo 2.1.5 <c>jidctflt.c</c> as the plain C build computes it (<c>JSIMD_FORCENONE=1</c>; GCC on x86-64
/// without FMA contraction): dequantization by <c>q·aan·aan·0.125f</c>, the v8 butterfly, <c>+128.5</c> added to
/// the DC term of each row, truncation to int and the 1024-entry range-limit table.
/// </summary>
public readonly struct FloatCIdct : IIdctOp<float, float>
{
    private const float F1414 = 1.414213562f;
    private const float F1847 = 1.847759065f;
    private const float F1082 = 1.082392200f;
    private const float F2613 = 2.613125930f;
    private const float CenterPlusHalf = 128.5f;

    public bool HasBlockDcShortcut => false;


    public bool RowsFirst => false;

    public float DcOnlyColumn(short coef0, float multiplier0) => StrictFloat.Mul(coef0, StrictFloat.Mul(multiplier0, 0.125f));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Octet<float> Column(Octet<short> c, Octet<float> m)
    {
        float in0 = Dequantize(c.V0, m.V0), in1 = Dequantize(c.V1, m.V1), in2 = Dequantize(c.V2, m.V2), in3 = Dequantize(c.V3, m.V3);
        float in4 = Dequantize(c.V4, m.V4), in5 = Dequantize(c.V5, m.V5), in6 = Dequantize(c.V6, m.V6), in7 = Dequantize(c.V7, m.V7);
        return Butterfly(in0, in1, in2, in3, in4, in5, in6, in7);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Octet<byte> Row(Octet<float> w)
    {
        Octet<float> r = Butterfly(StrictFloat.Add(w.V0, CenterPlusHalf), w.V1, w.V2, w.V3, w.V4, w.V5, w.V6, w.V7);
        return new Octet<byte>(ToSample(r.V0), ToSample(r.V1), ToSample(r.V2), ToSample(r.V3), ToSample(r.V4), ToSample(r.V5), ToSample(r.V6), ToSample(r.V7));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Dequantize(short coef, float multiplier) => StrictFloat.Mul(coef, StrictFloat.Mul(multiplier, 0.125f));

    // range_limit[(int)v & 1023] of sample_range_limit: 0..255 identity, 256..639 → 255, 640..1023 → 0.
    // (int) truncates; out-of-range floats give a value whose low 10 bits are 0 or 1023 on x86 and here, both → 0.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static byte ToSample(float v)
    {
        int i = (int)v & 1023;
        return (byte)(i < 256 ? i : i < 640 ? 255 : 0);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Sub(float a, float b) => StrictFloat.Add(a, -b);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Octet<float> Butterfly(float in0, float in1, float in2, float in3, float in4, float in5, float in6, float in7)
    {
        // Even part (jidctflt.c tmp0..tmp3 = in0, in2, in4, in6).
        float tmp10 = StrictFloat.Add(in0, in4);
        float tmp11 = Sub(in0, in4);
        float tmp13 = StrictFloat.Add(in2, in6);
        float tmp12 = Sub(StrictFloat.Mul(Sub(in2, in6), F1414), tmp13);
        float e0 = StrictFloat.Add(tmp10, tmp13);
        float e3 = Sub(tmp10, tmp13);
        float e1 = StrictFloat.Add(tmp11, tmp12);
        float e2 = Sub(tmp11, tmp12);

        // Odd part (tmp4..tmp7 = in1, in3, in5, in7).
        float z13 = StrictFloat.Add(in5, in3);
        float z10 = Sub(in5, in3);
        float z11 = StrictFloat.Add(in1, in7);
        float z12 = Sub(in1, in7);
        float o7 = StrictFloat.Add(z11, z13);
        float o11 = StrictFloat.Mul(Sub(z11, z13), F1414);
        float z5 = StrictFloat.Mul(StrictFloat.Add(z10, z12), F1847);
        float o10 = Sub(z5, StrictFloat.Mul(z12, F1082));
        float o12 = Sub(z5, StrictFloat.Mul(z10, F2613));
        float o6 = Sub(o12, o7);
        float o5 = Sub(o11, o6);
        float o4 = Sub(o10, o5);
        return new Octet<float>(
            StrictFloat.Add(e0, o7),
            StrictFloat.Add(e1, o6),
            StrictFloat.Add(e2, o5),
            StrictFloat.Add(e3, o4),
            Sub(e3, o4),
            Sub(e2, o5),
            Sub(e1, o6),
            Sub(e0, o7));
    }
}
