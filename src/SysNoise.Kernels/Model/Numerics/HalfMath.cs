using System.Runtime.CompilerServices;
using ILGPU;

namespace SysNoise.Kernels.Model.Numerics;

/// <summary>
/// IEEE binary16 conversions written with integer bit manipulation only, so the same code runs in ILGPU
/// kernels (no Math.*, no System.Half) and on the host with identical bits.
/// <para>
/// <see cref="ToHalfBits"/> rounds to nearest, ties to even: |x| ≥ 65520 becomes ±inf, values below 2^-14
/// become subnormals (|x| ≤ 2^-25 → ±0), NaN stays NaN with the quiet bit set and the top 9 payload bits
/// kept (what x86 F16C and .NET's <c>(Half)x</c> do). It equals <c>(Half)x</c> on all 2^32 float bit patterns
/// and NumPy's <c>astype(float16)</c> on every non-NaN pattern (NumPy does not set the quiet bit).
/// </para>
/// <para>
/// How precision profiles use it. <c>Precision.Fp16</c>: every op output (and every float initializer) is stored as
/// <c>RoundToHalf</c> of its float32 value (the session does that); kernels accumulate in float32.
/// <c>Precision.Fp16Acc16</c> models an fp16 unit that also keeps its accumulator in binary16: a Conv/Gemm/MatMul
/// kernel keeps the accumulator as a float holding a binary16 value and rounds it after every step, in its fixed
/// tap order: <c>acc = HalfMath.RoundToHalf(StrictFloat.FusedMultiplyAdd(a, b, acc))</c>, then the bias the same way
/// (<c>acc = RoundToHalf(StrictFloat.Add(acc, bias))</c>). a and b are binary16 values, so a·b (22 significant bits) is
/// exact in float32 and the FMA rounds the sum once to float32 before the round to binary16; a unit without FMA is
/// <c>RoundToHalf(StrictFloat.Add(RoundToHalf(StrictFloat.Mul(a, b)), acc))</c>. (A true binary16 FMA rounds once;
/// the float32 step can differ from it only when the float32 sum lands exactly on a binary16 tie.)
/// </para>
/// </summary>
public static class HalfMath
{
    /// <summary>float32 → binary16 bits, round to nearest even.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ushort ToHalfBits(float x)
    {
        uint f = Interop.FloatAsInt(x);
        uint sign = (f >> 16) & 0x8000u;
        uint abs = f & 0x7FFFFFFFu;
        if (abs >= 0x7F800000u)
        {
            // inf stays inf; NaN keeps its top payload bits and becomes quiet.
            return (ushort)(abs > 0x7F800000u ? sign | 0x7E00u | ((abs >> 13) & 0x3FFu) : sign | 0x7C00u);
        }

        if (abs >= 0x47800000u)
        {
            // ≥ 2^16: beyond binary16's exponent range.
            return (ushort)(sign | 0x7C00u);
        }

        if (abs >= 0x38800000u)
        {
            // Normal binary16 (≥ 2^-14): rebias the exponent (127 − 15), keep 10 mantissa bits, round the other 13.
            // A carry out of the mantissa moves into the exponent, up to 0x7C00 (inf) from [65520, 65536).
            uint h = (abs - 0x38000000u) >> 13;
            uint rem = abs & 0x1FFFu;
            if (rem > 0x1000u || (rem == 0x1000u && (h & 1u) != 0))
            {
                h++;
            }

            return (ushort)(sign | h);
        }

        if (abs < 0x33000000u)
        {
            // Below 2^-25: rounds to zero.
            return (ushort)sign;
        }

        // Subnormal binary16: value / 2^-24 = m · 2^(e − 126), e in [102, 112], so shift right by 126 − e (14..24).
        uint e = abs >> 23;
        uint m = (abs & 0x7FFFFFu) | 0x800000u;
        int shift = (int)(126u - e);
        uint q = m >> shift;
        uint r = m & ((1u << shift) - 1u);
        uint halfway = 1u << (shift - 1);
        if (r > halfway || (r == halfway && (q & 1u) != 0))
        {
            q++;
        }

        return (ushort)(sign | q);
    }

    /// <summary>binary16 bits → float32 (exact; NaN made quiet).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float FromHalfBits(ushort h)
    {
        uint sign = ((uint)h & 0x8000u) << 16;
        uint e = ((uint)h >> 10) & 0x1Fu;
        uint m = (uint)h & 0x3FFu;
        if (e == 0x1Fu)
        {
            // inf; NaN comes back quiet with its payload (as F16C and .NET do).
            return Interop.IntAsFloat(m == 0 ? sign | 0x7F800000u : sign | 0x7FC00000u | (m << 13));
        }

        if (e != 0)
        {
            return Interop.IntAsFloat(sign | ((e + 112u) << 23) | (m << 13));
        }

        if (m == 0)
        {
            return Interop.IntAsFloat(sign);
        }

        // Subnormal: m · 2^-24; normalise so that bit 10 is the implicit one.
        uint exponent = 113u;
        while ((m & 0x400u) == 0)
        {
            m <<= 1;
            exponent--;
        }

        return Interop.IntAsFloat(sign | (exponent << 23) | ((m & 0x3FFu) << 13));
    }

    /// <summary>The binary16 value nearest to <paramref name="x"/> (ties to even), as a float32.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float RoundToHalf(float x) => FromHalfBits(ToHalfBits(x));
}
