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
