using System.Runtime.CompilerServices;

namespace SysNoise.Kernels.Model.Quant;

/// <summary>How an int32 accumulator is scaled by a fixed-point multiplier (M0, shift) representing M0·2^(shift−31).</summary>
public enum RequantMode
{
    /// <summary>
    /// TFLite's default <c>MultiplyByQuantizedMultiplier</c>: gemmlowp's <c>SaturatingRoundingDoublingHighMul</c>
    /// (x·2^left_shift, M0) then <c>RoundingDivideByPOT</c>(·, right_shift). Two roundings.
    /// </summary>
    DoubleRounding = 0,

    /// <summary>TFLite built with <c>TFLITE_SINGLE_ROUNDING</c> (ruy): (x·M0 + 2^(30−shift)) &gt;&gt; (31 − shift), one rounding, ties up.</summary>
    SingleRounding = 1,
}

/// <summary>
/// The integer arithmetic of requantization, as gemmlowp (<c>fixedpoint/fixedpoint.h</c>) and TFLite
/// (<c>kernels/internal/common.h</c>) define it. Plain integer code with no Math.*: the host loops and the ILGPU kernels
/// call these same functions. int32 overflow wraps (two's complement) where the C code would overflow.
/// </summary>
public static class FixedPoint
{
    /// <summary>
    /// gemmlowp's SaturatingRoundingDoublingHighMul (ARM VQRDMULH): the high 32 bits of 2·a·b rounded to nearest with
    /// ties toward +∞, i.e. (a·b + 2^30) / 2^31 for a·b ≥ 0 and (a·b + 1 − 2^30) / 2^31 truncated toward zero for
    /// a·b &lt; 0; the one overflowing case a = b = −2^31 saturates to 2^31 − 1.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int SaturatingRoundingDoublingHighMul(int a, int b)
    {
        if (a == b && a == int.MinValue)
        {
            return int.MaxValue;
        }

        long ab = (long)a * b;
        long nudged = ab >= 0 ? ab + (1L << 30) : ab + (1L - (1L << 30));

        // C's '/' truncates toward zero; written with shifts so no 64-bit division reaches a kernel.
        long q = nudged >= 0 ? nudged >> 31 : -((-nudged) >> 31);
        return (int)q;
    }

    /// <summary>
    /// gemmlowp's RoundingDivideByPOT: x / 2^exponent rounded to nearest, ties away from zero
    /// (remainder compared with a threshold one larger for negative x). 0 ≤ exponent ≤ 31.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int RoundingDivideByPot(int x, int exponent)
    {
        int mask = (int)((1L << exponent) - 1);
        int remainder = x & mask;
        int threshold = (mask >> 1) + (x < 0 ? 1 : 0);
        return (x >> exponent) + (remainder > threshold ? 1 : 0);
    }

    /// <summary>
    /// TFLite's MultiplyByQuantizedMultiplier: x·M0·2^(shift−31) with the double rounding of
    /// <see cref="RequantMode.DoubleRounding"/>. x·2^left_shift wraps in int32 as the C expression <c>x * (1 &lt;&lt; left_shift)</c> does.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int MultiplyByQuantizedMultiplier(int x, int multiplier, int shift)
    {
        int leftShift = shift > 0 ? shift : 0;
        int rightShift = shift > 0 ? 0 : -shift;
        return RoundingDivideByPot(SaturatingRoundingDoublingHighMul(unchecked(x * (1 << leftShift)), multiplier), rightShift);
    }

    /// <summary>
    /// TFLite's MultiplyByQuantizedMultiplier under TFLITE_SINGLE_ROUNDING: (x·M0 + 2^(total−1)) &gt;&gt; total with
    /// total = 31 − shift, in int64 with an arithmetic (floor) shift, then truncated to int32.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int MultiplyByQuantizedMultiplierSingleRounding(int x, int multiplier, int shift)
    {
        int totalShift = 31 - shift;
        long round = 1L << (totalShift - 1);
        long result = ((long)x * multiplier) + round;
        return unchecked((int)(result >> totalShift));
    }

    /// <summary>
    /// The requantization epilogue of an integer Conv/MatMul (TFLite's reference_integer_ops): acc + bias (int32, wraps),
    /// scaled by the fixed-point multiplier, plus the output zero point, clamped to [min, max] (the output type's range
    /// narrowed by a fused Relu/Clip).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Requantize(int acc, int bias, int multiplier, int shift, int outputZeroPoint, int min, int max, RequantMode mode)
    {
        int x = unchecked(acc + bias);
        int scaled = mode == RequantMode.SingleRounding
            ? MultiplyByQuantizedMultiplierSingleRounding(x, multiplier, shift)
            : MultiplyByQuantizedMultiplier(x, multiplier, shift);
        int y = unchecked(scaled + outputZeroPoint);
        y = y < min ? min : y;
        return y > max ? max : y;
    }
}
