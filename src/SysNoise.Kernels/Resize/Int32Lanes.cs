using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace SysNoise.Kernels.Resize;

/// <summary>
/// Lane forms of the scalar helpers in <see cref="OpenCv.OpenCvRounding"/> and of the loads and stores the host
/// row loops need. Each lane computes what the scalar helper computes.
/// </summary>
public static class Int32Lanes
{
    public const int Count = 8;

    /// <summary>saturate_cast&lt;uchar&gt;(int) on each lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> SaturateToByte(Vector256<int> v) => Vector256.Min(Vector256.Max(v, Vector256<int>.Zero), Vector256.Create(255));

    /// <summary>
    /// <see cref="OpenCv.OpenCvRounding.RoundHalfEven"/> on each lane: clamp to ±2^22, then add and subtract 1.5·2^23
    /// (two float roundings, ties to even), then the exact integer conversion.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> RoundHalfEven(Vector256<float> x)
    {
        Vector256<float> magic = Vector256.Create(12582912f);
        x = Vector256.Min(Vector256.Max(x, Vector256.Create(-4194304f)), Vector256.Create(4194304f));
        return Avx.ConvertToVector256Int32WithTruncation((x + magic) - magic);
    }

    /// <summary>Eight bytes widened to int.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe Vector256<int> LoadBytes(byte* p) => Avx2.ConvertToVector256Int32(p);

    /// <summary>Eight samples of <typeparamref name="T"/> (byte or int) as int.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe Vector256<int> Load<T>(T* p)
        where T : unmanaged
        => typeof(T) == typeof(byte) ? Avx2.ConvertToVector256Int32((byte*)p) : Avx.LoadVector256((int*)p);

    /// <summary>Stores eight lanes as <typeparamref name="T"/> (byte: the lanes already lie in [0, 255]; int).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe void Store<T>(T* p, Vector256<int> v)
        where T : unmanaged
    {
        if (typeof(T) == typeof(byte))
        {
            Vector128<short> packed = Sse2.PackSignedSaturate(v.GetLower(), v.GetUpper());
            *(ulong*)p = Sse2.PackUnsignedSaturate(packed, packed).AsUInt64().ToScalar();
        }
        else
        {
            Avx.Store((int*)p, v);
        }
    }

    /// <summary>Eight samples of <typeparamref name="T"/> (byte or int) at element offsets from <paramref name="p"/>.
    /// Byte gathers read four bytes at each offset: the caller guarantees three more are readable.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe Vector256<int> Gather<T>(T* p, Vector256<int> offsets)
        where T : unmanaged
        => typeof(T) == typeof(byte)
            ? Avx2.GatherVector256((int*)p, offsets, 1) & Vector256.Create(0xFF)
            : Avx2.GatherVector256((int*)p, offsets, 4);
}
