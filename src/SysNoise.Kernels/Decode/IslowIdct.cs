using System.Runtime.CompilerServices;

namespace SysNoise.Kernels.Decode;

/// <summary>
/// libjpeg-turbo 2.1.5 JDCT_ISLOW as its x86-64 AVX2 code computes it (<c>jidctint-avx2.asm</c>), which is what
/// Debian's build runs: the jidctint.c butterfly with 13-bit constants, dequantization and the 16-bit sums
/// (in0±in4, in7+in3, in5+in1) in wrapping int16, other sums in wrapping int32, each pass's outputs saturated to
/// int16 and the final samples saturated to int8 before +128. For valid data this equals the C code exactly;
/// the widths only matter for corrupt coefficients.
/// </summary>
public readonly struct IslowIdct : IIdctOp<int, int>
{
    private const int Fix0298631336 = 2446;
    private const int Fix0390180644 = 3196;
    private const int Fix0541196100 = 4433;
    private const int Fix0765366865 = 6270;
    private const int Fix0899976223 = 7373;
    private const int Fix1175875602 = 9633;
    private const int Fix1501321110 = 12299;
    private const int Fix1847759065 = 15137;
    private const int Fix1961570560 = 16069;
    private const int Fix2053119869 = 16819;
    private const int Fix2562915447 = 20995;
    private const int Fix3072711026 = 25172;

    public bool HasBlockDcShortcut => true;


    public bool RowsFirst => false;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int DcOnlyColumn(short coef0, int multiplier0) => (short)((short)(coef0 * multiplier0) << 2);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Octet<int> Column(Octet<short> coef, Octet<int> m) => Butterfly(
        (short)(coef.V0 * m.V0), (short)(coef.V1 * m.V1), (short)(coef.V2 * m.V2), (short)(coef.V3 * m.V3),
        (short)(coef.V4 * m.V4), (short)(coef.V5 * m.V5), (short)(coef.V6 * m.V6), (short)(coef.V7 * m.V7),
        11);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Octet<byte> Row(Octet<int> w)
    {
        Octet<int> r = Butterfly(w.V0, w.V1, w.V2, w.V3, w.V4, w.V5, w.V6, w.V7, 18);
        return new Octet<byte>(ToSample(r.V0), ToSample(r.V1), ToSample(r.V2), ToSample(r.V3), ToSample(r.V4), ToSample(r.V5), ToSample(r.V6), ToSample(r.V7));
    }

    // packsswb then paddb 128: saturate to int8, re-centre.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static byte ToSample(int v) => (byte)((v < -128 ? -128 : v > 127 ? 127 : v) + 128);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int SaturateInt16(int v) => v < short.MinValue ? short.MinValue : v > short.MaxValue ? short.MaxValue : v;

    // Inputs are int16 values; shift is 11 (pass 1) or 18 (pass 2). int arithmetic wraps like the SIMD lanes.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Octet<int> Butterfly(int in0, int in1, int in2, int in3, int in4, int in5, int in6, int in7, int shift)
    {
        // Even part.
        int z1 = (in2 + in6) * Fix0541196100;
        int tmp2 = z1 + (in6 * -Fix1847759065);
        int tmp3 = z1 + (in2 * Fix0765366865);
        int tmp0 = ((short)(in0 + in4)) << 13;
        int tmp1 = ((short)(in0 - in4)) << 13;
        int tmp10 = tmp0 + tmp3;
        int tmp13 = tmp0 - tmp3;
        int tmp11 = tmp1 + tmp2;
        int tmp12 = tmp1 - tmp2;

        // Odd part: a = in7, b = in5, c = in3, d = in1; z3 and z4 are int16 sums in the SIMD code.
        int z3 = (short)(in7 + in3);
        int z4 = (short)(in5 + in1);
        int z5 = (z3 + z4) * Fix1175875602;
        z3 = (z3 * -Fix1961570560) + z5;
        z4 = (z4 * -Fix0390180644) + z5;
        int oddZ1 = (in7 + in1) * -Fix0899976223;
        int oddZ2 = (in5 + in3) * -Fix2562915447;
        int a = (in7 * Fix0298631336) + oddZ1 + z3;
        int b = (in5 * Fix2053119869) + oddZ2 + z4;
        int c = (in3 * Fix3072711026) + oddZ2 + z3;
        int d = (in1 * Fix1501321110) + oddZ1 + z4;

        int round = 1 << (shift - 1);
        return new Octet<int>(
            SaturateInt16((tmp10 + d + round) >> shift),
            SaturateInt16((tmp11 + c + round) >> shift),
            SaturateInt16((tmp12 + b + round) >> shift),
            SaturateInt16((tmp13 + a + round) >> shift),
            SaturateInt16((tmp13 - a + round) >> shift),
            SaturateInt16((tmp12 - b + round) >> shift),
            SaturateInt16((tmp11 - c + round) >> shift),
            SaturateInt16((tmp10 - d + round) >> shift));
    }
}
