using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using SysNoise.Kernels.Decode;

namespace SysNoise.Runtime.Decode;

/// <summary>
/// The host path's vectorised <see cref="IfastIdct"/>, <see cref="FloatSimdIdct"/> and <see cref="FloatCIdct"/>:
/// eight columns (then eight rows) per instruction with exactly the scalar ops' arithmetic. Integer lanes wrap to
/// int16 where the scalar op casts; float lanes use single multiplies and adds in the same order (no FMA), so every
/// lane rounds as the scalar op does. Proved by the djpeg oracle tests and the ILGPU kernel parity tests.
/// </summary>
internal static class OtherIdctAvx2
{
    public static bool IsSupported => Avx2.IsSupported;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<int> W16(Vector256<int> x) => Avx2.ShiftRightArithmetic(Avx2.ShiftLeftLogical(x, 16), 16);

    // ---- IFAST (jidctfst-sse2.asm) ----

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<int> MulHigh(Vector256<int> scaled, int constant) => Avx2.ShiftRightArithmetic(Avx2.MultiplyLow(scaled, Vector256.Create(constant)), 16);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<int> Scale(Vector256<int> x) => W16(Avx2.ShiftLeftLogical(x, 2));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void IfastButterfly(ref Vector256<int> in0, ref Vector256<int> in1, ref Vector256<int> in2, ref Vector256<int> in3,
        ref Vector256<int> in4, ref Vector256<int> in5, ref Vector256<int> in6, ref Vector256<int> in7)
    {
        const int f1414 = 362 << 6, f1847 = 473 << 6, mf1613 = -(413 << 6), f1082 = 277 << 6;
        Vector256<int> tmp10 = W16(in0 + in4), tmp11 = W16(in0 - in4), tmp13 = W16(in2 + in6);
        Vector256<int> tmp12 = W16(MulHigh(Scale(W16(in2 - in6)), f1414) - tmp13);
        Vector256<int> tmp0 = W16(tmp10 + tmp13), tmp3 = W16(tmp10 - tmp13), tmp1 = W16(tmp11 + tmp12), tmp2 = W16(tmp11 - tmp12);
        Vector256<int> z12 = W16(in1 - in7), z10 = W16(in5 - in3), z11 = W16(in1 + in7), z13 = W16(in5 + in3);
        Vector256<int> z12s = Scale(z12), z10s = Scale(z10);
        Vector256<int> tmp7 = W16(z11 + z13);
        Vector256<int> oddTmp11 = MulHigh(Scale(W16(z11 - z13)), f1414);
        Vector256<int> z5 = MulHigh(W16(z10s + z12s), f1847);
        Vector256<int> oddTmp12 = W16(W16(MulHigh(z10s, mf1613) - z10) + z5);
        Vector256<int> oddTmp10 = W16(MulHigh(z12s, f1082) - z5);
        Vector256<int> tmp6 = W16(oddTmp12 - tmp7), tmp5 = W16(oddTmp11 - tmp6), tmp4 = W16(oddTmp10 + tmp5);
        in0 = W16(tmp0 + tmp7);
        in1 = W16(tmp1 + tmp6);
        in2 = W16(tmp2 + tmp5);
        in3 = W16(tmp3 - tmp4);
        in4 = W16(tmp3 + tmp4);
        in5 = W16(tmp2 - tmp5);
        in6 = W16(tmp1 - tmp6);
        in7 = W16(tmp0 - tmp7);
    }

    public static void Ifast(ReadOnlySpan<short> block, ReadOnlySpan<int> multipliers, Span<byte> output, int offset, int stride)
    {
        ref short c = ref Unsafe.AsRef(in block[0]);
        ref int m = ref Unsafe.AsRef(in multipliers[0]);
        Vector256<int> r0 = IntRow(ref c, ref m, 0), r1 = IntRow(ref c, ref m, 1), r2 = IntRow(ref c, ref m, 2), r3 = IntRow(ref c, ref m, 3);
        Vector256<int> r4 = IntRow(ref c, ref m, 4), r5 = IntRow(ref c, ref m, 5), r6 = IntRow(ref c, ref m, 6), r7 = IntRow(ref c, ref m, 7);
        IfastButterfly(ref r0, ref r1, ref r2, ref r3, ref r4, ref r5, ref r6, ref r7);
        Transpose(ref r0, ref r1, ref r2, ref r3, ref r4, ref r5, ref r6, ref r7);
        IfastButterfly(ref r0, ref r1, ref r2, ref r3, ref r4, ref r5, ref r6, ref r7);
        Transpose(ref r0, ref r1, ref r2, ref r3, ref r4, ref r5, ref r6, ref r7);
        ref byte o = ref output[offset];
        StoreInt(Avx2.ShiftRightArithmetic(r0, 5), ref o);
        StoreInt(Avx2.ShiftRightArithmetic(r1, 5), ref Unsafe.Add(ref o, stride));
        StoreInt(Avx2.ShiftRightArithmetic(r2, 5), ref Unsafe.Add(ref o, 2 * stride));
        StoreInt(Avx2.ShiftRightArithmetic(r3, 5), ref Unsafe.Add(ref o, 3 * stride));
        StoreInt(Avx2.ShiftRightArithmetic(r4, 5), ref Unsafe.Add(ref o, 4 * stride));
        StoreInt(Avx2.ShiftRightArithmetic(r5, 5), ref Unsafe.Add(ref o, 5 * stride));
        StoreInt(Avx2.ShiftRightArithmetic(r6, 5), ref Unsafe.Add(ref o, 6 * stride));
        StoreInt(Avx2.ShiftRightArithmetic(r7, 5), ref Unsafe.Add(ref o, 7 * stride));
    }

    // ---- IFAST as jidctfst.c computes it (IfastCIdct) ----

    // (short)((x·c) >> 8) with x an int (the C code's MULTIPLY on a DCTELEM expression).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<int> CMul(Vector256<int> x, int c) => W16(Avx2.ShiftRightArithmetic(Avx2.MultiplyLow(x, Vector256.Create(c)), 8));

    /// <summary>The butterfly of <see cref="IfastCIdct"/>: int16 assignments wrap, products take the unwrapped int operand,
    /// the outputs are the unwrapped int sums of two int16 values.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void IfastCButterfly(ref Vector256<int> in0, ref Vector256<int> in1, ref Vector256<int> in2, ref Vector256<int> in3,
        ref Vector256<int> in4, ref Vector256<int> in5, ref Vector256<int> in6, ref Vector256<int> in7)
    {
        const int f1082 = 277, f1414 = 362, f1847 = 473, f2613 = 669;
        Vector256<int> tmp10 = W16(in0 + in4), tmp11 = W16(in0 - in4), tmp13 = W16(in2 + in6);
        Vector256<int> tmp12 = W16(CMul(in2 - in6, f1414) - tmp13);
        Vector256<int> tmp0 = W16(tmp10 + tmp13), tmp3 = W16(tmp10 - tmp13), tmp1 = W16(tmp11 + tmp12), tmp2 = W16(tmp11 - tmp12);
        Vector256<int> z13 = W16(in5 + in3), z10 = W16(in5 - in3), z11 = W16(in1 + in7), z12 = W16(in1 - in7);
        Vector256<int> tmp7 = W16(z11 + z13);
        Vector256<int> oddTmp11 = CMul(z11 - z13, f1414);
        Vector256<int> z5 = CMul(z10 + z12, f1847);
        Vector256<int> oddTmp10 = W16(CMul(z12, f1082) - z5);
        Vector256<int> oddTmp12 = W16(CMul(z10, -f2613) + z5);
        Vector256<int> tmp6 = W16(oddTmp12 - tmp7), tmp5 = W16(oddTmp11 - tmp6), tmp4 = W16(oddTmp10 + tmp5);
        in0 = tmp0 + tmp7;
        in1 = tmp1 + tmp6;
        in2 = tmp2 + tmp5;
        in3 = tmp3 - tmp4;
        in4 = tmp3 + tmp4;
        in5 = tmp2 - tmp5;
        in6 = tmp1 - tmp6;
        in7 = tmp0 - tmp7;
    }

    /// <summary>
    /// <see cref="IfastCIdct"/> on eight lanes: columns first (a column whose AC coefficients are all zero takes the C
    /// code's shortcut, the unwrapped DC product, chosen per lane), then rows (a row whose AC workspace values are all zero
    /// takes <c>range_limit[dc &gt;&gt; 5]</c>), samples through the wrapping range-limit table.
    /// </summary>
    public static void IfastC(ReadOnlySpan<short> block, ReadOnlySpan<int> multipliers, Span<byte> output, int offset, int stride)
    {
        ref short c = ref Unsafe.AsRef(in block[0]);
        ref int m = ref Unsafe.AsRef(in multipliers[0]);
        Vector256<int> c0 = Coef(ref c, 0), c1 = Coef(ref c, 1), c2 = Coef(ref c, 2), c3 = Coef(ref c, 3);
        Vector256<int> c4 = Coef(ref c, 4), c5 = Coef(ref c, 5), c6 = Coef(ref c, 6), c7 = Coef(ref c, 7);
        Vector256<int> columnDcOnly = Vector256.Equals(c1 | c2 | c3 | c4 | c5 | c6 | c7, Vector256<int>.Zero);
        Vector256<int> dc = Avx2.MultiplyLow(c0, W16(Vector256.LoadUnsafe(ref m)));
        Vector256<int> r0 = W16(dc), r1 = W16(Avx2.MultiplyLow(c1, W16(Vector256.LoadUnsafe(ref m, 8))));
        Vector256<int> r2 = W16(Avx2.MultiplyLow(c2, W16(Vector256.LoadUnsafe(ref m, 16)))), r3 = W16(Avx2.MultiplyLow(c3, W16(Vector256.LoadUnsafe(ref m, 24))));
        Vector256<int> r4 = W16(Avx2.MultiplyLow(c4, W16(Vector256.LoadUnsafe(ref m, 32)))), r5 = W16(Avx2.MultiplyLow(c5, W16(Vector256.LoadUnsafe(ref m, 40))));
        Vector256<int> r6 = W16(Avx2.MultiplyLow(c6, W16(Vector256.LoadUnsafe(ref m, 48)))), r7 = W16(Avx2.MultiplyLow(c7, W16(Vector256.LoadUnsafe(ref m, 56))));
        IfastCButterfly(ref r0, ref r1, ref r2, ref r3, ref r4, ref r5, ref r6, ref r7);
        r0 = Vector256.ConditionalSelect(columnDcOnly, dc, r0);
        r1 = Vector256.ConditionalSelect(columnDcOnly, dc, r1);
        r2 = Vector256.ConditionalSelect(columnDcOnly, dc, r2);
        r3 = Vector256.ConditionalSelect(columnDcOnly, dc, r3);
        r4 = Vector256.ConditionalSelect(columnDcOnly, dc, r4);
        r5 = Vector256.ConditionalSelect(columnDcOnly, dc, r5);
        r6 = Vector256.ConditionalSelect(columnDcOnly, dc, r6);
        r7 = Vector256.ConditionalSelect(columnDcOnly, dc, r7);

        // Rows: lane = row after the transpose; input k is the workspace's column k (unwrapped ints).
        Transpose(ref r0, ref r1, ref r2, ref r3, ref r4, ref r5, ref r6, ref r7);
        Vector256<int> rowDcOnly = Vector256.Equals(r1 | r2 | r3 | r4 | r5 | r6 | r7, Vector256<int>.Zero);
        Vector256<int> rowDc = Avx2.ShiftRightArithmetic(r0, 5);
        r0 = W16(r0);
        r1 = W16(r1);
        r2 = W16(r2);
        r3 = W16(r3);
        r4 = W16(r4);
        r5 = W16(r5);
        r6 = W16(r6);
        r7 = W16(r7);
        IfastCButterfly(ref r0, ref r1, ref r2, ref r3, ref r4, ref r5, ref r6, ref r7);
        r0 = RangeLimit(Vector256.ConditionalSelect(rowDcOnly, rowDc, Avx2.ShiftRightArithmetic(r0, 5)));
        r1 = RangeLimit(Vector256.ConditionalSelect(rowDcOnly, rowDc, Avx2.ShiftRightArithmetic(r1, 5)));
        r2 = RangeLimit(Vector256.ConditionalSelect(rowDcOnly, rowDc, Avx2.ShiftRightArithmetic(r2, 5)));
        r3 = RangeLimit(Vector256.ConditionalSelect(rowDcOnly, rowDc, Avx2.ShiftRightArithmetic(r3, 5)));
        r4 = RangeLimit(Vector256.ConditionalSelect(rowDcOnly, rowDc, Avx2.ShiftRightArithmetic(r4, 5)));
        r5 = RangeLimit(Vector256.ConditionalSelect(rowDcOnly, rowDc, Avx2.ShiftRightArithmetic(r5, 5)));
        r6 = RangeLimit(Vector256.ConditionalSelect(rowDcOnly, rowDc, Avx2.ShiftRightArithmetic(r6, 5)));
        r7 = RangeLimit(Vector256.ConditionalSelect(rowDcOnly, rowDc, Avx2.ShiftRightArithmetic(r7, 5)));
        Transpose(ref r0, ref r1, ref r2, ref r3, ref r4, ref r5, ref r6, ref r7);
        ref byte o = ref output[offset];
        StoreBytes(r0, ref o);
        StoreBytes(r1, ref Unsafe.Add(ref o, stride));
        StoreBytes(r2, ref Unsafe.Add(ref o, 2 * stride));
        StoreBytes(r3, ref Unsafe.Add(ref o, 3 * stride));
        StoreBytes(r4, ref Unsafe.Add(ref o, 4 * stride));
        StoreBytes(r5, ref Unsafe.Add(ref o, 5 * stride));
        StoreBytes(r6, ref Unsafe.Add(ref o, 6 * stride));
        StoreBytes(r7, ref Unsafe.Add(ref o, 7 * stride));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<int> Coef(ref short coef, int row) => Avx2.ConvertToVector256Int32(Vector128.LoadUnsafe(ref coef, (nuint)(row * 8)));

    // IDCT_range_limit[x & 1023]: 0..127 → x+128, 128..511 → 255, 512..895 → 0, 896..1023 → x−896.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<int> RangeLimit(Vector256<int> v)
    {
        Vector256<int> i = v & Vector256.Create(1023);
        return Vector256.ConditionalSelect(Vector256.LessThan(i, Vector256.Create(128)), i + Vector256.Create(128),
            Vector256.ConditionalSelect(Vector256.LessThan(i, Vector256.Create(512)), Vector256.Create(255),
                Vector256.ConditionalSelect(Vector256.LessThan(i, Vector256.Create(896)), Vector256<int>.Zero, i - Vector256.Create(896))));
    }

    // Eight samples already in [0, 255].
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreBytes(Vector256<int> v, ref byte destination)
    {
        Vector128<short> packed = Sse2.PackSignedSaturate(v.GetLower(), v.GetUpper());
        Unsafe.WriteUnaligned(ref destination, Sse2.PackUnsignedSaturate(packed, packed).AsUInt64().ToScalar());
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<int> IntRow(ref short coef, ref int mul, int row)
        => W16(Avx2.MultiplyLow(Avx2.ConvertToVector256Int32(Vector128.LoadUnsafe(ref coef, (nuint)(row * 8))), Vector256.LoadUnsafe(ref mul, (nuint)(row * 8))));

    // Saturate to int8, +128, 8 bytes.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreInt(Vector256<int> v, ref byte destination)
    {
        Vector256<int> s = Vector256.Min(Vector256.Max(v, Vector256.Create(-128)), Vector256.Create(127)) + Vector256.Create(128);
        Vector128<short> packed = Sse2.PackSignedSaturate(s.GetLower(), s.GetUpper());
        Unsafe.WriteUnaligned(ref destination, Sse2.PackUnsignedSaturate(packed, packed).AsUInt64().ToScalar());
    }

    // ---- FLOAT (SSE2 v6b and C v8) ----

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> FloatRow(ref short coef, ref float mul, int row, Vector256<float> extra)
    {
        Vector256<float> c = Avx.ConvertToVector256Single(Avx2.ConvertToVector256Int32(Vector128.LoadUnsafe(ref coef, (nuint)(row * 8))));
        return c * (Vector256.LoadUnsafe(ref mul, (nuint)(row * 8)) * extra);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void SimdButterfly(ref Vector256<float> in0, ref Vector256<float> in1, ref Vector256<float> in2, ref Vector256<float> in3,
        ref Vector256<float> in4, ref Vector256<float> in5, ref Vector256<float> in6, ref Vector256<float> in7)
    {
        var f1414 = Vector256.Create(1.414213562373095048801689f);
        Vector256<float> tmp11 = in0 - in4, tmp10 = in0 + in4, tmp13 = in2 + in6;
        Vector256<float> tmp12 = ((in2 - in6) * f1414) - tmp13;
        Vector256<float> tmp3 = tmp10 - tmp13, tmp2 = tmp11 - tmp12, tmp0 = tmp10 + tmp13, tmp1 = tmp11 + tmp12;
        Vector256<float> z11 = in1 + in7, z13 = in5 + in3, z12 = in1 - in7, z10 = in5 - in3;
        Vector256<float> tmp7 = z11 + z13;
        Vector256<float> oddTmp11 = (z11 - z13) * f1414;
        Vector256<float> z5 = (z10 + z12) * Vector256.Create(1.847759065022573512256366f);
        Vector256<float> oddTmp12 = (z10 * Vector256.Create(-2.613125929752753055713286f)) + z5;
        Vector256<float> oddTmp10 = (z12 * Vector256.Create(1.082392200292393968799446f)) - z5;
        Vector256<float> tmp6 = oddTmp12 - tmp7, tmp5 = oddTmp11 - tmp6, tmp4 = oddTmp10 + tmp5;
        in0 = tmp0 + tmp7;
        in1 = tmp1 + tmp6;
        in2 = tmp2 + tmp5;
        in3 = tmp3 - tmp4;
        in4 = tmp3 + tmp4;
        in5 = tmp2 - tmp5;
        in6 = tmp1 - tmp6;
        in7 = tmp0 - tmp7;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void CButterfly(ref Vector256<float> in0, ref Vector256<float> in1, ref Vector256<float> in2, ref Vector256<float> in3,
        ref Vector256<float> in4, ref Vector256<float> in5, ref Vector256<float> in6, ref Vector256<float> in7)
    {
        var f1414 = Vector256.Create(1.414213562f);
        Vector256<float> tmp10 = in0 + in4, tmp11 = in0 - in4, tmp13 = in2 + in6;
        Vector256<float> tmp12 = ((in2 - in6) * f1414) - tmp13;
        Vector256<float> e0 = tmp10 + tmp13, e3 = tmp10 - tmp13, e1 = tmp11 + tmp12, e2 = tmp11 - tmp12;
        Vector256<float> z13 = in5 + in3, z10 = in5 - in3, z11 = in1 + in7, z12 = in1 - in7;
        Vector256<float> o7 = z11 + z13;
        Vector256<float> o11 = (z11 - z13) * f1414;
        Vector256<float> z5 = (z10 + z12) * Vector256.Create(1.847759065f);
        Vector256<float> o10 = z5 - (z12 * Vector256.Create(1.082392200f));
        Vector256<float> o12 = z5 - (z10 * Vector256.Create(2.613125930f));
        Vector256<float> o6 = o12 - o7, o5 = o11 - o6, o4 = o10 - o5;
        in0 = e0 + o7;
        in1 = e1 + o6;
        in2 = e2 + o5;
        in3 = e3 + o4;
        in4 = e3 - o4;
        in5 = e2 - o5;
        in6 = e1 - o6;
        in7 = e0 - o7;
    }

    public static void FloatSimd(ReadOnlySpan<short> block, ReadOnlySpan<float> multipliers, Span<byte> output, int offset, int stride)
    {
        ref short c = ref Unsafe.AsRef(in block[0]);
        ref float m = ref Unsafe.AsRef(in multipliers[0]);
        var one = Vector256.Create(1f);
        Vector256<float> r0 = FloatRow(ref c, ref m, 0, one), r1 = FloatRow(ref c, ref m, 1, one), r2 = FloatRow(ref c, ref m, 2, one), r3 = FloatRow(ref c, ref m, 3, one);
        Vector256<float> r4 = FloatRow(ref c, ref m, 4, one), r5 = FloatRow(ref c, ref m, 5, one), r6 = FloatRow(ref c, ref m, 6, one), r7 = FloatRow(ref c, ref m, 7, one);
        SimdButterfly(ref r0, ref r1, ref r2, ref r3, ref r4, ref r5, ref r6, ref r7);
        TransposeF(ref r0, ref r1, ref r2, ref r3, ref r4, ref r5, ref r6, ref r7);
        SimdButterfly(ref r0, ref r1, ref r2, ref r3, ref r4, ref r5, ref r6, ref r7);
        TransposeF(ref r0, ref r1, ref r2, ref r3, ref r4, ref r5, ref r6, ref r7);
        ref byte o = ref output[offset];
        StoreMagic(r0, ref o);
        StoreMagic(r1, ref Unsafe.Add(ref o, stride));
        StoreMagic(r2, ref Unsafe.Add(ref o, 2 * stride));
        StoreMagic(r3, ref Unsafe.Add(ref o, 3 * stride));
        StoreMagic(r4, ref Unsafe.Add(ref o, 4 * stride));
        StoreMagic(r5, ref Unsafe.Add(ref o, 5 * stride));
        StoreMagic(r6, ref Unsafe.Add(ref o, 6 * stride));
        StoreMagic(r7, ref Unsafe.Add(ref o, 7 * stride));
    }

    // x + 1.5·2^26, low 16 bits of the float's bits as int16, saturated to int8, +128.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreMagic(Vector256<float> v, ref byte destination) => StoreInt(W16((v + Vector256.Create(100663296.0f)).AsInt32()), ref destination);

    public static void FloatC(ReadOnlySpan<short> block, ReadOnlySpan<float> multipliers, Span<byte> output, int offset, int stride)
    {
        ref short c = ref Unsafe.AsRef(in block[0]);
        ref float m = ref Unsafe.AsRef(in multipliers[0]);
        var eighth = Vector256.Create(0.125f);
        Vector256<float> r0 = FloatRow(ref c, ref m, 0, eighth), r1 = FloatRow(ref c, ref m, 1, eighth), r2 = FloatRow(ref c, ref m, 2, eighth), r3 = FloatRow(ref c, ref m, 3, eighth);
        Vector256<float> r4 = FloatRow(ref c, ref m, 4, eighth), r5 = FloatRow(ref c, ref m, 5, eighth), r6 = FloatRow(ref c, ref m, 6, eighth), r7 = FloatRow(ref c, ref m, 7, eighth);
        CButterfly(ref r0, ref r1, ref r2, ref r3, ref r4, ref r5, ref r6, ref r7);
        TransposeF(ref r0, ref r1, ref r2, ref r3, ref r4, ref r5, ref r6, ref r7);
        r0 += Vector256.Create(128.5f); // the row DC carries the centring and the rounding offset
        CButterfly(ref r0, ref r1, ref r2, ref r3, ref r4, ref r5, ref r6, ref r7);
        TransposeF(ref r0, ref r1, ref r2, ref r3, ref r4, ref r5, ref r6, ref r7);
        ref byte o = ref output[offset];
        StoreRange(r0, ref o);
        StoreRange(r1, ref Unsafe.Add(ref o, stride));
        StoreRange(r2, ref Unsafe.Add(ref o, 2 * stride));
        StoreRange(r3, ref Unsafe.Add(ref o, 3 * stride));
        StoreRange(r4, ref Unsafe.Add(ref o, 4 * stride));
        StoreRange(r5, ref Unsafe.Add(ref o, 5 * stride));
        StoreRange(r6, ref Unsafe.Add(ref o, 6 * stride));
        StoreRange(r7, ref Unsafe.Add(ref o, 7 * stride));
    }

    // range_limit[(int)v & 1023]: 0..255 itself, 256..639 → 255, 640..1023 → 0. Out-of-range floats convert to
    // int.MinValue here (low bits 0) and saturate in the scalar op (low bits 1023): both land on 0.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreRange(Vector256<float> v, ref byte destination)
    {
        Vector256<int> i = Avx.ConvertToVector256Int32WithTruncation(v) & Vector256.Create(1023);
        Vector256<int> r = Vector256.ConditionalSelect(Vector256.LessThan(i, Vector256.Create(256)), i,
            Vector256.ConditionalSelect(Vector256.LessThan(i, Vector256.Create(640)), Vector256.Create(255), Vector256<int>.Zero));
        Vector128<short> packed = Sse2.PackSignedSaturate(r.GetLower(), r.GetUpper());
        Unsafe.WriteUnaligned(ref destination, Sse2.PackUnsignedSaturate(packed, packed).AsUInt64().ToScalar());
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void TransposeF(ref Vector256<float> r0, ref Vector256<float> r1, ref Vector256<float> r2, ref Vector256<float> r3,
        ref Vector256<float> r4, ref Vector256<float> r5, ref Vector256<float> r6, ref Vector256<float> r7)
    {
        Vector256<int> a0 = r0.AsInt32(), a1 = r1.AsInt32(), a2 = r2.AsInt32(), a3 = r3.AsInt32(), a4 = r4.AsInt32(), a5 = r5.AsInt32(), a6 = r6.AsInt32(), a7 = r7.AsInt32();
        Transpose(ref a0, ref a1, ref a2, ref a3, ref a4, ref a5, ref a6, ref a7);
        r0 = a0.AsSingle();
        r1 = a1.AsSingle();
        r2 = a2.AsSingle();
        r3 = a3.AsSingle();
        r4 = a4.AsSingle();
        r5 = a5.AsSingle();
        r6 = a6.AsSingle();
        r7 = a7.AsSingle();
    }

    /// <summary>8×8 transpose of int32 rows (shared with <see cref="IslowIdctAvx2"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void Transpose(ref Vector256<int> r0, ref Vector256<int> r1, ref Vector256<int> r2, ref Vector256<int> r3,
        ref Vector256<int> r4, ref Vector256<int> r5, ref Vector256<int> r6, ref Vector256<int> r7)
    {
        Vector256<int> t0 = Avx2.UnpackLow(r0, r1), t1 = Avx2.UnpackHigh(r0, r1);
        Vector256<int> t2 = Avx2.UnpackLow(r2, r3), t3 = Avx2.UnpackHigh(r2, r3);
        Vector256<int> t4 = Avx2.UnpackLow(r4, r5), t5 = Avx2.UnpackHigh(r4, r5);
        Vector256<int> t6 = Avx2.UnpackLow(r6, r7), t7 = Avx2.UnpackHigh(r6, r7);
        Vector256<long> u0 = Avx2.UnpackLow(t0.AsInt64(), t2.AsInt64()), u1 = Avx2.UnpackHigh(t0.AsInt64(), t2.AsInt64());
        Vector256<long> u2 = Avx2.UnpackLow(t1.AsInt64(), t3.AsInt64()), u3 = Avx2.UnpackHigh(t1.AsInt64(), t3.AsInt64());
        Vector256<long> u4 = Avx2.UnpackLow(t4.AsInt64(), t6.AsInt64()), u5 = Avx2.UnpackHigh(t4.AsInt64(), t6.AsInt64());
        Vector256<long> u6 = Avx2.UnpackLow(t5.AsInt64(), t7.AsInt64()), u7 = Avx2.UnpackHigh(t5.AsInt64(), t7.AsInt64());
        r0 = Avx2.Permute2x128(u0, u4, 0x20).AsInt32();
        r1 = Avx2.Permute2x128(u1, u5, 0x20).AsInt32();
        r2 = Avx2.Permute2x128(u2, u6, 0x20).AsInt32();
        r3 = Avx2.Permute2x128(u3, u7, 0x20).AsInt32();
        r4 = Avx2.Permute2x128(u0, u4, 0x31).AsInt32();
        r5 = Avx2.Permute2x128(u1, u5, 0x31).AsInt32();
        r6 = Avx2.Permute2x128(u2, u6, 0x31).AsInt32();
        r7 = Avx2.Permute2x128(u3, u7, 0x31).AsInt32();
    }
}
