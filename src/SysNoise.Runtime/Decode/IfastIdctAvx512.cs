using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace SysNoise.Runtime.Decode;

/// <summary>
/// The eight-lane IFAST of <see cref="OtherIdctAvx2"/> on two horizontally adjacent blocks at once (left block in the
/// lower 256 bits, right block in the upper): the same int16-wrapping arithmetic lane for lane.
/// </summary>
internal static class IfastIdctAvx512
{
    public static bool IsSupported => Avx512F.IsSupported && Avx512BW.IsSupported;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<int> W16(Vector512<int> x) => IslowIdctAvx512.Wrap16(x);

    // pmulhw of an int16 by a pre-shifted constant: (x·C) >> 16.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<int> MulHigh(Vector512<int> scaled, int constant) => Vector512.ShiftRightArithmetic(scaled * Vector512.Create(constant), 16);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<int> Scale(Vector512<int> x) => W16(Vector512.ShiftLeft(x, 2));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Butterfly(ref Vector512<int> in0, ref Vector512<int> in1, ref Vector512<int> in2, ref Vector512<int> in3,
        ref Vector512<int> in4, ref Vector512<int> in5, ref Vector512<int> in6, ref Vector512<int> in7)
    {
        const int f1414 = 362 << 6, f1847 = 473 << 6, mf1613 = -(413 << 6), f1082 = 277 << 6;
        Vector512<int> tmp10 = W16(in0 + in4), tmp11 = W16(in0 - in4), tmp13 = W16(in2 + in6);
        Vector512<int> tmp12 = W16(MulHigh(Scale(W16(in2 - in6)), f1414) - tmp13);
        Vector512<int> tmp0 = W16(tmp10 + tmp13), tmp3 = W16(tmp10 - tmp13), tmp1 = W16(tmp11 + tmp12), tmp2 = W16(tmp11 - tmp12);
        Vector512<int> z12 = W16(in1 - in7), z10 = W16(in5 - in3), z11 = W16(in1 + in7), z13 = W16(in5 + in3);
        Vector512<int> z12s = Scale(z12), z10s = Scale(z10);
        Vector512<int> tmp7 = W16(z11 + z13);
        Vector512<int> oddTmp11 = MulHigh(Scale(W16(z11 - z13)), f1414);
        Vector512<int> z5 = MulHigh(W16(z10s + z12s), f1847);
        Vector512<int> oddTmp12 = W16(W16(MulHigh(z10s, mf1613) - z10) + z5);
        Vector512<int> oddTmp10 = W16(MulHigh(z12s, f1082) - z5);
        Vector512<int> tmp6 = W16(oddTmp12 - tmp7), tmp5 = W16(oddTmp11 - tmp6), tmp4 = W16(oddTmp10 + tmp5);
        in0 = W16(tmp0 + tmp7);
        in1 = W16(tmp1 + tmp6);
        in2 = W16(tmp2 + tmp5);
        in3 = W16(tmp3 - tmp4);
        in4 = W16(tmp3 + tmp4);
        in5 = W16(tmp2 - tmp5);
        in6 = W16(tmp1 - tmp6);
        in7 = W16(tmp0 - tmp7);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<int> LoadRow(ref short left, ref int mul, int row)
    {
        Vector256<short> both = Vector256.Create(Vector128.LoadUnsafe(ref left, (nuint)(row * 8)), Vector128.LoadUnsafe(ref left, (nuint)(64 + (row * 8))));
        Vector256<int> m = Vector256.LoadUnsafe(ref mul, (nuint)(row * 8));
        return W16(Avx512F.ConvertToVector512Int32(both) * Vector512.Create(m, m));
    }

    // >> 5, saturate to int8, +128: 16 bytes (left block's row, then the right block's).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreRow(Vector512<int> v, ref byte destination)
    {
        Vector512<int> s = Vector512.Min(Vector512.Max(Vector512.ShiftRightArithmetic(v, 5), Vector512.Create(-128)), Vector512.Create(127)) + Vector512.Create(128);
        Unsafe.WriteUnaligned(ref destination, Avx512F.ConvertToVector128Byte(s));
    }

    /// <summary>IDCT of blocks <paramref name="left"/> and <paramref name="left"/>+64 (natural order) into 8 rows of 16 samples at <paramref name="output"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void TransformPair(ref short left, ref int mul, ref byte output, int stride)
    {
        Vector512<int> r0 = LoadRow(ref left, ref mul, 0), r1 = LoadRow(ref left, ref mul, 1), r2 = LoadRow(ref left, ref mul, 2), r3 = LoadRow(ref left, ref mul, 3);
        Vector512<int> r4 = LoadRow(ref left, ref mul, 4), r5 = LoadRow(ref left, ref mul, 5), r6 = LoadRow(ref left, ref mul, 6), r7 = LoadRow(ref left, ref mul, 7);
        Butterfly(ref r0, ref r1, ref r2, ref r3, ref r4, ref r5, ref r6, ref r7);
        IslowIdctAvx512.Transpose(ref r0, ref r1, ref r2, ref r3, ref r4, ref r5, ref r6, ref r7);
        Butterfly(ref r0, ref r1, ref r2, ref r3, ref r4, ref r5, ref r6, ref r7);
        IslowIdctAvx512.Transpose(ref r0, ref r1, ref r2, ref r3, ref r4, ref r5, ref r6, ref r7);
        StoreRow(r0, ref output);
        StoreRow(r1, ref Unsafe.Add(ref output, stride));
        StoreRow(r2, ref Unsafe.Add(ref output, 2 * stride));
        StoreRow(r3, ref Unsafe.Add(ref output, 3 * stride));
        StoreRow(r4, ref Unsafe.Add(ref output, 4 * stride));
        StoreRow(r5, ref Unsafe.Add(ref output, 5 * stride));
        StoreRow(r6, ref Unsafe.Add(ref output, 6 * stride));
        StoreRow(r7, ref Unsafe.Add(ref output, 7 * stride));
    }
}
