using System.Runtime.Intrinsics;
using SysNoise.Kernels.Numerics;

namespace SysNoise.Kernels.Resize.Pillow;

/// <summary>
/// Pillow's 8-bit pass (<c>ImagingResample{Horizontal,Vertical}_8bpc</c>): an int32 sum that starts
/// at one half (2^21) and is clipped through <c>clip8</c>, i.e. <c>clamp(ss &gt;&gt; 22, 0, 255)</c>.
/// Each pass writes uint8, so a two-pass resize rounds in between.
/// </summary>
public readonly struct PillowClip8Op : IResampleOp<byte, int, int, byte>, IInt32Lanes
{
    public int Begin(int lane) => 1 << (PillowWeights.PrecisionBits - 1);

    public int Accumulate(int acc, byte sample, int weight) => acc + (sample * weight);

    public byte Finish(int acc, int lane)
    {
        int v = acc >> PillowWeights.PrecisionBits;
        return v < 0 ? (byte)0 : v > 255 ? (byte)255 : (byte)v;
    }

    public Vector256<int> BeginLanes() => Vector256.Create(1 << (PillowWeights.PrecisionBits - 1));

    public Vector256<int> AccumulateLanes(Vector256<int> acc, Vector256<int> sample, Vector256<int> weight) => acc + (sample * weight);

    public Vector256<int> FinishLanes(Vector256<int> acc) => Int32Lanes.SaturateToByte(Vector256.ShiftRightArithmetic(acc, PillowWeights.PrecisionBits));
}

/// <summary>Pillow's mode-F pass (<c>ImagingResample*_32bpc</c>): a double sum of float·double, stored as float.</summary>
public readonly struct PillowFloatOp : IResampleOp<float, double, double, float>
{
    public double Begin(int lane) => 0.0;

    public double Accumulate(double acc, float sample, double weight) => StrictFloat.Add(acc, StrictFloat.Mul(sample, weight));

    public float Finish(double acc, int lane) => (float)acc;
}

/// <summary>RGBA → RGBa (Pillow Convert.c <c>rgbA2rgba</c>): <c>MULDIV255(c, a)</c>.</summary>
public readonly struct PillowPremultiplyOp : IPixel4Op<byte>
{
    public void Apply(ref byte c0, ref byte c1, ref byte c2, ref byte c3)
    {
        int alpha = c3;
        c0 = MulDiv255(c0, alpha);
        c1 = MulDiv255(c1, alpha);
        c2 = MulDiv255(c2, alpha);
    }

    private static byte MulDiv255(int c, int alpha)
    {
        int t = (c * alpha) + 128;
        return (byte)(((t >> 8) + t) >> 8);
    }
}

/// <summary>RGBa → RGBA (Pillow Convert.c <c>rgba2rgbA</c>): <c>CLIP8(255·c / a)</c>, untouched when a is 0 or 255.</summary>
public readonly struct PillowUnpremultiplyOp : IPixel4Op<byte>
{
    public void Apply(ref byte c0, ref byte c1, ref byte c2, ref byte c3)
    {
        int alpha = c3;
        if (alpha == 0 || alpha == 255)
        {
            return;
        }

        c0 = Divide(c0, alpha);
        c1 = Divide(c1, alpha);
        c2 = Divide(c2, alpha);
    }

    private static byte Divide(int c, int alpha)
    {
        int v = 255 * c / alpha;
        return v > 255 ? (byte)255 : (byte)v;
    }
}
