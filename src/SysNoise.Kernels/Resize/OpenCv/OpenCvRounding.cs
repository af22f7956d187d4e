using System.Runtime.CompilerServices;
using SysNoise.Kernels.Numerics;

namespace SysNoise.Kernels.Resize.OpenCv;

/// <summary>OpenCV's <c>cvRound</c>/<c>saturate_cast</c> rounding, written without Math.* so kernels can use it.</summary>
public static class OpenCvRounding
{
    private const float MagicF = 12582912f; // 1.5·2^23: adding and subtracting it rounds a float to an integer, ties to even.

    /// <summary>cvRound(float): round half to even (the SSE cvtss2si default), for |x| &lt; 2^22.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int RoundHalfEven(float x)
    {
        // Out-of-range values only occur for saturating casts; clamp first so the trick stays exact.
        if (x > 4194304f)
        {
            return 4194304;
        }

        if (x < -4194304f)
        {
            return -4194304;
        }

        // StrictFloat keeps both roundings on every backend (no optimiser may fold them away).
        return (int)StrictFloat.Add(StrictFloat.Add(x, MagicF), -MagicF);
    }

    /// <summary>saturate_cast&lt;uchar&gt;(int).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static byte SaturateToByte(int v) => v < 0 ? (byte)0 : v > 255 ? (byte)255 : (byte)v;

    /// <summary>saturate_cast&lt;short&gt;(int), as <c>v_pack</c> does.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int SaturateToShort(int v) => v < short.MinValue ? short.MinValue : v > short.MaxValue ? short.MaxValue : v;
}
