using System.Runtime.CompilerServices;

namespace SysNoise.Kernels.Decode;

/// <summary>
/// libjpeg-turbo 2.1.5 JDCT_IFAST as its x86-64 SSE2 code computes it (<c>jidctfst-sse2.asm</c>): the AA&amp;N
/// butterfly entirely in wrapping int16, products as <c>pmulhw(x &lt;&lt; 2, C &lt;&lt; 6)</c> (= floor(x·C/256)
/// when nothing wraps), 2.613 as <c>pmulhw(x&lt;&lt;2, -413&lt;&lt;6) - x</c>, no rounding bias, outputs
/// <c>&gt;&gt; 5</c> then saturated to int8 before +128. The multiplier table holds <c>(q·aanscale + 2048) &gt;&gt; 12</c> as int16.
/// </summary>
public readonly struct IfastIdct : IIdctOp<int, int>
{
    private const short F1414 = 362 << 6;
    private const short F1847 = 473 << 6;
    private const short MinusF1613 = -(413 << 6);
    private const short F1082 = 277 << 6;

    public bool HasBlockDcShortcut => false;


    public bool RowsFirst => false;

    public int DcOnlyColumn(short coef0, int multiplier0) => (short)(coef0 * multiplier0);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Octet<int> Column(Octet<short> coef, Octet<int> m) => Butterfly(
        (short)(coef.V0 * m.V0), (short)(coef.V1 * m.V1), (short)(coef.V2 * m.V2), (short)(coef.V3 * m.V3),
        (short)(coef.V4 * m.V4), (short)(coef.V5 * m.V5), (short)(coef.V6 * m.V6), (short)(coef.V7 * m.V7));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Octet<byte> Row(Octet<int> w)
    {
        Octet<int> r = Butterfly((short)w.V0, (short)w.V1, (short)w.V2, (short)w.V3, (short)w.V4, (short)w.V5, (short)w.V6, (short)w.V7);
        return new Octet<byte>(ToSample(r.V0), ToSample(r.V1), ToSample(r.V2), ToSample(r.V3), ToSample(r.V4), ToSample(r.V5), ToSample(r.V6), ToSample(r.V7));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static byte ToSample(int v)
    {
        int s = (short)v >> 5;
        return (byte)((s < -128 ? -128 : s > 127 ? 127 : s) + 128);
    }

    // pmulhw of (x << 2) by a pre-shifted constant: the high half of the 32-bit product.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static short MulHigh(short scaledX, short constant) => (short)((scaledX * constant) >> 16);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static short Scale(short x) => (short)(x << 2);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Octet<int> Butterfly(short in0, short in1, short in2, short in3, short in4, short in5, short in6, short in7)
    {
        // Even part.
        short tmp10 = (short)(in0 + in4);
        short tmp11 = (short)(in0 - in4);
        short tmp13 = (short)(in2 + in6);
        short tmp12 = (short)(MulHigh(Scale((short)(in2 - in6)), F1414) - tmp13);
        short tmp0 = (short)(tmp10 + tmp13);
        short tmp3 = (short)(tmp10 - tmp13);
        short tmp1 = (short)(tmp11 + tmp12);
        short tmp2 = (short)(tmp11 - tmp12);

        // Odd part.
        short z12 = (short)(in1 - in7);
        short z10 = (short)(in5 - in3);
        short z11 = (short)(in1 + in7);
        short z13 = (short)(in5 + in3);
        short z12Scaled = Scale(z12);
        short z10Scaled = Scale(z10);
        short tmp7 = (short)(z11 + z13);
        short oddTmp11 = MulHigh(Scale((short)(z11 - z13)), F1414);
        short z5 = MulHigh((short)(z10Scaled + z12Scaled), F1847);
        short oddTmp12 = (short)((short)(MulHigh(z10Scaled, MinusF1613) - z10) + z5);
        short oddTmp10 = (short)(MulHigh(z12Scaled, F1082) - z5);

        short tmp6 = (short)(oddTmp12 - tmp7);
        short tmp5 = (short)(oddTmp11 - tmp6);
        short tmp4 = (short)(oddTmp10 + tmp5);
        return new Octet<int>(
            (short)(tmp0 + tmp7),
            (short)(tmp1 + tmp6),
            (short)(tmp2 + tmp5),
            (short)(tmp3 - tmp4),
            (short)(tmp3 + tmp4),
            (short)(tmp2 - tmp5),
            (short)(tmp1 - tmp6),
            (short)(tmp0 - tmp7));
    }
}

/// <summary>
/// libjpeg-turbo 2.1.5 <c>jidctfst.c</c> as the plain C code of a SIMD build computes it (<c>JSIMD_FORCENONE=1</c>):
/// DCTELEM is int16 (each assignment wraps), products are <c>(short)((x·C) &gt;&gt; 8)</c> in int with 2.613 as one
/// multiply, the workspace holds unwrapped ints, columns and rows whose AC terms are zero take the C code's shortcuts,
/// and samples go through the range-limit table (<c>(v &gt;&gt; 5) &amp; 1023</c>, wrapping where SSE2 saturates).
/// </summary>
public readonly struct IfastCIdct : IIdctOp<int, int>
{
    private const int F1082 = 277;
    private const int F1414 = 362;
    private const int F1847 = 473;
    private const int F2613 = 669;

    public bool RowsFirst => false;

    public bool HasBlockDcShortcut => false;

    public int DcOnlyColumn(short coef0, int multiplier0) => coef0 * (short)multiplier0;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static short M(int x, int c) => (short)((x * c) >> 8);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Octet<int> Column(Octet<short> c, Octet<int> m)
    {
        if (c.V1 == 0 && c.V2 == 0 && c.V3 == 0 && c.V4 == 0 && c.V5 == 0 && c.V6 == 0 && c.V7 == 0)
        {
            int dc = c.V0 * (short)m.V0;
            return new Octet<int>(dc, dc, dc, dc, dc, dc, dc, dc);
        }

        return Butterfly(
            (short)(c.V0 * (short)m.V0), (short)(c.V1 * (short)m.V1), (short)(c.V2 * (short)m.V2), (short)(c.V3 * (short)m.V3),
            (short)(c.V4 * (short)m.V4), (short)(c.V5 * (short)m.V5), (short)(c.V6 * (short)m.V6), (short)(c.V7 * (short)m.V7));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Octet<byte> Row(Octet<int> w)
    {
        if (w.V1 == 0 && w.V2 == 0 && w.V3 == 0 && w.V4 == 0 && w.V5 == 0 && w.V6 == 0 && w.V7 == 0)
        {
            byte dc = Range(w.V0 >> 5);
            return new Octet<byte>(dc, dc, dc, dc, dc, dc, dc, dc);
        }

        Octet<int> r = Butterfly((short)w.V0, (short)w.V1, (short)w.V2, (short)w.V3, (short)w.V4, (short)w.V5, (short)w.V6, (short)w.V7);
        return new Octet<byte>(Range(r.V0 >> 5), Range(r.V1 >> 5), Range(r.V2 >> 5), Range(r.V3 >> 5), Range(r.V4 >> 5), Range(r.V5 >> 5), Range(r.V6 >> 5), Range(r.V7 >> 5));
    }

    // IDCT_range_limit[x & 1023]: 0..127 → x+128, 128..511 → 255, 512..895 → 0, 896..1023 → x−896.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static byte Range(int v)
    {
        int i = v & 1023;
        return (byte)(i < 128 ? i + 128 : i < 512 ? 255 : i < 896 ? 0 : i - 896);
    }

    // Outputs are the int sums the C code stores (DCTELEM + DCTELEM, not wrapped).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Octet<int> Butterfly(short in0, short in1, short in2, short in3, short in4, short in5, short in6, short in7)
    {
        short tmp10 = (short)(in0 + in4), tmp11 = (short)(in0 - in4), tmp13 = (short)(in2 + in6);
        short tmp12 = (short)(M(in2 - in6, F1414) - tmp13);
        short tmp0 = (short)(tmp10 + tmp13), tmp3 = (short)(tmp10 - tmp13), tmp1 = (short)(tmp11 + tmp12), tmp2 = (short)(tmp11 - tmp12);
        short z13 = (short)(in5 + in3), z10 = (short)(in5 - in3), z11 = (short)(in1 + in7), z12 = (short)(in1 - in7);
        short tmp7 = (short)(z11 + z13);
        short oddTmp11 = M(z11 - z13, F1414);
        short z5 = M(z10 + z12, F1847);
        short oddTmp10 = (short)(M(z12, F1082) - z5);
        short oddTmp12 = (short)(M(z10, -F2613) + z5);
        short tmp6 = (short)(oddTmp12 - tmp7), tmp5 = (short)(oddTmp11 - tmp6), tmp4 = (short)(oddTmp10 + tmp5);
        return new Octet<int>(tmp0 + tmp7, tmp1 + tmp6, tmp2 + tmp5, tmp3 - tmp4, tmp3 + tmp4, tmp2 - tmp5, tmp1 - tmp6, tmp0 - tmp7);
    }
}
