using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace SysNoise.Runtime.Decode;

/// <summary>
/// <see cref="IslowIdctAvx2"/> on two horizontally adjacent blocks at once: the lower 256 bits of every register hold
/// the left block, the upper 256 bits the right one, with the same integer arithmetic lane for lane (int16 wrap by
/// sign extension, saturation by min/max). Each block keeps its own whole-block DC shortcut (chosen per half), and
/// the two 8-sample output rows are one 16-byte store.
/// </summary>
internal static class IslowIdctAvx512
{
    public static bool IsSupported => Avx512F.IsSupported && Avx512BW.IsSupported;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector512<int> Wrap16(Vector512<int> x) => Vector512.ShiftRightArithmetic(Vector512.ShiftLeft(x, 16), 16);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<int> Saturate16(Vector512<int> x) => Vector512.Min(Vector512.Max(x, Vector512.Create((int)short.MinValue)), Vector512.Create((int)short.MaxValue));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<int> Mul(Vector512<int> x, int c) => x * Vector512.Create(c);

    /// <summary>The butterfly of <see cref="IslowIdctAvx2"/>, on sixteen lanes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Butterfly(
        Vector512<int> in0, Vector512<int> in1, Vector512<int> in2, Vector512<int> in3,
        Vector512<int> in4, Vector512<int> in5, Vector512<int> in6, Vector512<int> in7,
        [ConstantExpected] byte shift,
        out Vector512<int> o0, out Vector512<int> o1, out Vector512<int> o2, out Vector512<int> o3,
        out Vector512<int> o4, out Vector512<int> o5, out Vector512<int> o6, out Vector512<int> o7)
    {
        Vector512<int> z1 = Mul(in2 + in6, 4433);
        Vector512<int> tmp2 = z1 + Mul(in6, -15137);
        Vector512<int> tmp3 = z1 + Mul(in2, 6270);
        Vector512<int> tmp0 = Vector512.ShiftLeft(Wrap16(in0 + in4), 13);
        Vector512<int> tmp1 = Vector512.ShiftLeft(Wrap16(in0 - in4), 13);
        Vector512<int> tmp10 = tmp0 + tmp3;
        Vector512<int> tmp13 = tmp0 - tmp3;
        Vector512<int> tmp11 = tmp1 + tmp2;
        Vector512<int> tmp12 = tmp1 - tmp2;

        Vector512<int> z3 = Wrap16(in7 + in3);
        Vector512<int> z4 = Wrap16(in5 + in1);
        Vector512<int> z5 = Mul(z3 + z4, 9633);
        z3 = Mul(z3, -16069) + z5;
        z4 = Mul(z4, -3196) + z5;
        Vector512<int> oddZ1 = Mul(in7 + in1, -7373);
        Vector512<int> oddZ2 = Mul(in5 + in3, -20995);
        Vector512<int> a = Mul(in7, 2446) + oddZ1 + z3;
        Vector512<int> b = Mul(in5, 16819) + oddZ2 + z4;
        Vector512<int> c = Mul(in3, 25172) + oddZ2 + z3;
        Vector512<int> d = Mul(in1, 12299) + oddZ1 + z4;

        Vector512<int> round = Vector512.Create(1 << (shift - 1));
        o0 = Saturate16(Vector512.ShiftRightArithmetic(tmp10 + d + round, shift));
        o1 = Saturate16(Vector512.ShiftRightArithmetic(tmp11 + c + round, shift));
        o2 = Saturate16(Vector512.ShiftRightArithmetic(tmp12 + b + round, shift));
        o3 = Saturate16(Vector512.ShiftRightArithmetic(tmp13 + a + round, shift));
        o4 = Saturate16(Vector512.ShiftRightArithmetic(tmp13 - a + round, shift));
        o5 = Saturate16(Vector512.ShiftRightArithmetic(tmp12 - b + round, shift));
        o6 = Saturate16(Vector512.ShiftRightArithmetic(tmp11 - c + round, shift));
        o7 = Saturate16(Vector512.ShiftRightArithmetic(tmp10 - d + round, shift));
    }

    // Row r of both blocks, dequantised and wrapped to int16 as the AVX2 code's pmullw does.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<int> LoadRow(ref short left, ref short right, Vector512<int> multipliers)
    {
        Vector256<short> both = Vector256.Create(Vector128.LoadUnsafe(ref left), Vector128.LoadUnsafe(ref right));
        return Wrap16(Avx512F.ConvertToVector512Int32(both) * multipliers);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<int> Multipliers(ref int mul, int row)
    {
        Vector256<int> m = Vector256.LoadUnsafe(ref mul, (nuint)(row * 8));
        return Vector512.Create(m, m);
    }

    // Saturate to int8, +128, 16 bytes (left block's row, then the right block's).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreRow(Vector512<int> v, ref byte destination)
    {
        Vector512<int> s = Vector512.Min(Vector512.Max(v, Vector512.Create(-128)), Vector512.Create(127)) + Vector512.Create(128);
        Unsafe.WriteUnaligned(ref destination, Avx512F.ConvertToVector128Byte(s));
    }

    /// <summary>Two 8×8 transposes, one per 256-bit half (the AVX2 transpose, with the 128-bit exchange done by vpermt2q).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void Transpose(ref Vector512<int> r0, ref Vector512<int> r1, ref Vector512<int> r2, ref Vector512<int> r3,
        ref Vector512<int> r4, ref Vector512<int> r5, ref Vector512<int> r6, ref Vector512<int> r7)
    {
        Vector512<int> t0 = Avx512F.UnpackLow(r0, r1), t1 = Avx512F.UnpackHigh(r0, r1);
        Vector512<int> t2 = Avx512F.UnpackLow(r2, r3), t3 = Avx512F.UnpackHigh(r2, r3);
        Vector512<int> t4 = Avx512F.UnpackLow(r4, r5), t5 = Avx512F.UnpackHigh(r4, r5);
        Vector512<int> t6 = Avx512F.UnpackLow(r6, r7), t7 = Avx512F.UnpackHigh(r6, r7);
        Vector512<long> u0 = Avx512F.UnpackLow(t0.AsInt64(), t2.AsInt64()), u1 = Avx512F.UnpackHigh(t0.AsInt64(), t2.AsInt64());
        Vector512<long> u2 = Avx512F.UnpackLow(t1.AsInt64(), t3.AsInt64()), u3 = Avx512F.UnpackHigh(t1.AsInt64(), t3.AsInt64());
        Vector512<long> u4 = Avx512F.UnpackLow(t4.AsInt64(), t6.AsInt64()), u5 = Avx512F.UnpackHigh(t4.AsInt64(), t6.AsInt64());
        Vector512<long> u6 = Avx512F.UnpackLow(t5.AsInt64(), t7.AsInt64()), u7 = Avx512F.UnpackHigh(t5.AsInt64(), t7.AsInt64());

        // Per 256-bit half: low 128 bits of each input (0x20 in AVX2 terms), or high 128 bits of each (0x31).
        Vector512<long> low = Vector512.Create(0L, 1, 8, 9, 4, 5, 12, 13), high = Vector512.Create(2L, 3, 10, 11, 6, 7, 14, 15);
        r0 = Avx512F.PermuteVar8x64x2(u0, low, u4).AsInt32();
        r1 = Avx512F.PermuteVar8x64x2(u1, low, u5).AsInt32();
        r2 = Avx512F.PermuteVar8x64x2(u2, low, u6).AsInt32();
        r3 = Avx512F.PermuteVar8x64x2(u3, low, u7).AsInt32();
        r4 = Avx512F.PermuteVar8x64x2(u0, high, u4).AsInt32();
        r5 = Avx512F.PermuteVar8x64x2(u1, high, u5).AsInt32();
        r6 = Avx512F.PermuteVar8x64x2(u2, high, u6).AsInt32();
        r7 = Avx512F.PermuteVar8x64x2(u3, high, u7).AsInt32();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool AcIsZero(ref short coef)
        => (Vector256.LoadUnsafe(ref coef, 8) | Vector256.LoadUnsafe(ref coef, 24) | Vector256.LoadUnsafe(ref coef, 40)) == Vector256<short>.Zero
            && Vector128.LoadUnsafe(ref coef, 56) == Vector128<short>.Zero;

    /// <summary>IDCT of blocks <paramref name="left"/> and <paramref name="left"/>+64 (natural order) into 8 rows of 16 samples at <paramref name="output"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void TransformPair(ref short left, ref int mul, ref byte output, int stride)
    {
        ref short right = ref Unsafe.Add(ref left, 64);
        Vector512<int> m0 = Multipliers(ref mul, 0);
        Vector512<int> w0, w1, w2, w3, w4, w5, w6, w7;
        bool leftDc = AcIsZero(ref left), rightDc = AcIsZero(ref right);

        // The AVX2 code's whole-block shortcut: (int16)((int16)(c·q) << 2) in every row.
        Vector512<int> shortcut = Wrap16(Vector512.ShiftLeft(LoadRow(ref left, ref right, m0), 2));
        if (leftDc && rightDc)
        {
            w0 = w1 = w2 = w3 = w4 = w5 = w6 = w7 = shortcut;
        }
        else
        {
            Butterfly(
                LoadRow(ref left, ref right, m0),
                LoadRow(ref Unsafe.Add(ref left, 8), ref Unsafe.Add(ref right, 8), Multipliers(ref mul, 1)),
                LoadRow(ref Unsafe.Add(ref left, 16), ref Unsafe.Add(ref right, 16), Multipliers(ref mul, 2)),
                LoadRow(ref Unsafe.Add(ref left, 24), ref Unsafe.Add(ref right, 24), Multipliers(ref mul, 3)),
                LoadRow(ref Unsafe.Add(ref left, 32), ref Unsafe.Add(ref right, 32), Multipliers(ref mul, 4)),
                LoadRow(ref Unsafe.Add(ref left, 40), ref Unsafe.Add(ref right, 40), Multipliers(ref mul, 5)),
                LoadRow(ref Unsafe.Add(ref left, 48), ref Unsafe.Add(ref right, 48), Multipliers(ref mul, 6)),
                LoadRow(ref Unsafe.Add(ref left, 56), ref Unsafe.Add(ref right, 56), Multipliers(ref mul, 7)),
                11, out w0, out w1, out w2, out w3, out w4, out w5, out w6, out w7);
            if (leftDc || rightDc)
            {
                // One block takes the shortcut: its half of every row.
                Vector512<int> half = leftDc
                    ? Vector512.Create(Vector256<int>.AllBitsSet, Vector256<int>.Zero)
                    : Vector512.Create(Vector256<int>.Zero, Vector256<int>.AllBitsSet);
                w0 = Vector512.ConditionalSelect(half, shortcut, w0);
                w1 = Vector512.ConditionalSelect(half, shortcut, w1);
                w2 = Vector512.ConditionalSelect(half, shortcut, w2);
                w3 = Vector512.ConditionalSelect(half, shortcut, w3);
                w4 = Vector512.ConditionalSelect(half, shortcut, w4);
                w5 = Vector512.ConditionalSelect(half, shortcut, w5);
                w6 = Vector512.ConditionalSelect(half, shortcut, w6);
                w7 = Vector512.ConditionalSelect(half, shortcut, w7);
            }
        }

        // Pass 2: lane = row; transpose so that input k holds column k of every row.
        Transpose(ref w0, ref w1, ref w2, ref w3, ref w4, ref w5, ref w6, ref w7);
        Butterfly(w0, w1, w2, w3, w4, w5, w6, w7, 18,
            out Vector512<int> o0, out Vector512<int> o1, out Vector512<int> o2, out Vector512<int> o3,
            out Vector512<int> o4, out Vector512<int> o5, out Vector512<int> o6, out Vector512<int> o7);
        Transpose(ref o0, ref o1, ref o2, ref o3, ref o4, ref o5, ref o6, ref o7);
        StoreRow(o0, ref output);
        StoreRow(o1, ref Unsafe.Add(ref output, stride));
        StoreRow(o2, ref Unsafe.Add(ref output, 2 * stride));
        StoreRow(o3, ref Unsafe.Add(ref output, 3 * stride));
        StoreRow(o4, ref Unsafe.Add(ref output, 4 * stride));
        StoreRow(o5, ref Unsafe.Add(ref output, 5 * stride));
        StoreRow(o6, ref Unsafe.Add(ref output, 6 * stride));
        StoreRow(o7, ref Unsafe.Add(ref output, 7 * stride));
    }
}
