using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using SysNoise.Kernels.Decode;

namespace SysNoise.Runtime.Decode;

/// <summary>
/// The host path's vectorised <see cref="IslowIdct"/>: the same integer arithmetic, eight columns (then eight rows)
/// per instruction. Integer operations are exact, so every lane computes exactly what the scalar op computes;
/// int16 wrap-around is reproduced by sign-extending the low 16 bits, saturation by min/max. The decode tests
/// prove it against djpeg, and the kernel parity tests against the scalar op in the ILGPU kernels.
/// </summary>
internal static class IslowIdctAvx2
{
    public static bool IsSupported => Avx2.IsSupported;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<int> Wrap16(Vector256<int> x) => Avx2.ShiftRightArithmetic(Avx2.ShiftLeftLogical(x, 16), 16);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<int> Saturate16(Vector256<int> x) => Vector256.Min(Vector256.Max(x, Vector256.Create((int)short.MinValue)), Vector256.Create((int)short.MaxValue));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<int> Mul(Vector256<int> x, int c) => Avx2.MultiplyLow(x, Vector256.Create(c));

    /// <summary>One butterfly on eight lanes; inputs hold int16 values, outputs are descaled and saturated to int16.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Butterfly(
        Vector256<int> in0, Vector256<int> in1, Vector256<int> in2, Vector256<int> in3,
        Vector256<int> in4, Vector256<int> in5, Vector256<int> in6, Vector256<int> in7,
        [ConstantExpected] byte shift,
        out Vector256<int> o0, out Vector256<int> o1, out Vector256<int> o2, out Vector256<int> o3,
        out Vector256<int> o4, out Vector256<int> o5, out Vector256<int> o6, out Vector256<int> o7)
    {
        Vector256<int> z1 = Mul(in2 + in6, 4433);
        Vector256<int> tmp2 = z1 + Mul(in6, -15137);
        Vector256<int> tmp3 = z1 + Mul(in2, 6270);
        Vector256<int> tmp0 = Avx2.ShiftLeftLogical(Wrap16(in0 + in4), 13);
        Vector256<int> tmp1 = Avx2.ShiftLeftLogical(Wrap16(in0 - in4), 13);
        Vector256<int> tmp10 = tmp0 + tmp3;
        Vector256<int> tmp13 = tmp0 - tmp3;
        Vector256<int> tmp11 = tmp1 + tmp2;
        Vector256<int> tmp12 = tmp1 - tmp2;

        Vector256<int> z3 = Wrap16(in7 + in3);
        Vector256<int> z4 = Wrap16(in5 + in1);
        Vector256<int> z5 = Mul(z3 + z4, 9633);
        z3 = Mul(z3, -16069) + z5;
        z4 = Mul(z4, -3196) + z5;
        Vector256<int> oddZ1 = Mul(in7 + in1, -7373);
        Vector256<int> oddZ2 = Mul(in5 + in3, -20995);
        Vector256<int> a = Mul(in7, 2446) + oddZ1 + z3;
        Vector256<int> b = Mul(in5, 16819) + oddZ2 + z4;
        Vector256<int> c = Mul(in3, 25172) + oddZ2 + z3;
        Vector256<int> d = Mul(in1, 12299) + oddZ1 + z4;

        Vector256<int> round = Vector256.Create(1 << (shift - 1));
        o0 = Saturate16(Avx2.ShiftRightArithmetic(tmp10 + d + round, shift));
        o1 = Saturate16(Avx2.ShiftRightArithmetic(tmp11 + c + round, shift));
        o2 = Saturate16(Avx2.ShiftRightArithmetic(tmp12 + b + round, shift));
        o3 = Saturate16(Avx2.ShiftRightArithmetic(tmp13 + a + round, shift));
        o4 = Saturate16(Avx2.ShiftRightArithmetic(tmp13 - a + round, shift));
        o5 = Saturate16(Avx2.ShiftRightArithmetic(tmp12 - b + round, shift));
        o6 = Saturate16(Avx2.ShiftRightArithmetic(tmp11 - c + round, shift));
        o7 = Saturate16(Avx2.ShiftRightArithmetic(tmp10 - d + round, shift));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<int> LoadRow(ref short coef, ref int mul, int row)
    {
        Vector256<int> c = Avx2.ConvertToVector256Int32(Vector128.LoadUnsafe(ref coef, (nuint)(row * 8)));
        Vector256<int> m = Vector256.LoadUnsafe(ref mul, (nuint)(row * 8));
        return Wrap16(Avx2.MultiplyLow(c, m));
    }

    // Final samples: saturate to int8, +128, store 8 bytes.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreRow(Vector256<int> v, ref byte destination)
    {
        Vector256<int> s = Vector256.Min(Vector256.Max(v, Vector256.Create(-128)), Vector256.Create(127)) + Vector256.Create(128);
        Vector128<short> packed = Sse2.PackSignedSaturate(s.GetLower(), s.GetUpper());
        Vector128<byte> bytes = Sse2.PackUnsignedSaturate(packed, packed);
        Unsafe.WriteUnaligned(ref destination, bytes.AsUInt64().ToScalar());
    }

    /// <summary>IDCT of one block (64 coefficients, natural order) into 8 rows of <paramref name="output"/>.</summary>
    public static void Transform(ReadOnlySpan<short> block, ReadOnlySpan<int> multipliers, Span<byte> output, int offset, int stride)
    {
        ref short coef = ref Unsafe.AsRef(in block[0]);
        ref int mul = ref Unsafe.AsRef(in multipliers[0]);
        Vector256<int> w0, w1, w2, w3, w4, w5, w6, w7;
        Vector256<short> ac = Vector256.LoadUnsafe(ref coef, 8) | Vector256.LoadUnsafe(ref coef, 24) | Vector256.LoadUnsafe(ref coef, 40);
        bool dcOnly = ac == Vector256<short>.Zero && Vector128.LoadUnsafe(ref coef, 56) == Vector128<short>.Zero;
        if (dcOnly)
        {
            // The AVX2 code's whole-block shortcut: (int16)((int16)(c·q) << 2) in every row.
            w0 = Wrap16(Avx2.ShiftLeftLogical(LoadRow(ref coef, ref mul, 0), 2));
            w1 = w2 = w3 = w4 = w5 = w6 = w7 = w0;
        }
        else
        {
            // Pass 1: lane = column; inputs are the block's rows.
            Butterfly(
                LoadRow(ref coef, ref mul, 0), LoadRow(ref coef, ref mul, 1), LoadRow(ref coef, ref mul, 2), LoadRow(ref coef, ref mul, 3),
                LoadRow(ref coef, ref mul, 4), LoadRow(ref coef, ref mul, 5), LoadRow(ref coef, ref mul, 6), LoadRow(ref coef, ref mul, 7),
                11, out w0, out w1, out w2, out w3, out w4, out w5, out w6, out w7);
        }

        // Pass 2: lane = row; transpose so that input k holds column k of every row.
        OtherIdctAvx2.Transpose(ref w0, ref w1, ref w2, ref w3, ref w4, ref w5, ref w6, ref w7);
        Butterfly(w0, w1, w2, w3, w4, w5, w6, w7, 18,
            out Vector256<int> o0, out Vector256<int> o1, out Vector256<int> o2, out Vector256<int> o3,
            out Vector256<int> o4, out Vector256<int> o5, out Vector256<int> o6, out Vector256<int> o7);
        OtherIdctAvx2.Transpose(ref o0, ref o1, ref o2, ref o3, ref o4, ref o5, ref o6, ref o7);
        ref byte o = ref output[offset];
        StoreRow(o0, ref o);
        StoreRow(o1, ref Unsafe.Add(ref o, stride));
        StoreRow(o2, ref Unsafe.Add(ref o, 2 * stride));
        StoreRow(o3, ref Unsafe.Add(ref o, 3 * stride));
        StoreRow(o4, ref Unsafe.Add(ref o, 4 * stride));
        StoreRow(o5, ref Unsafe.Add(ref o, 5 * stride));
        StoreRow(o6, ref Unsafe.Add(ref o, 6 * stride));
        StoreRow(o7, ref Unsafe.Add(ref o, 7 * stride));
    }
}
