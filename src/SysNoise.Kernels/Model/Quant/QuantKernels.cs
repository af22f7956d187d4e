using System.Runtime.CompilerServices;
using ILGPU;
using SysNoise.Kernels.Numerics;

namespace SysNoise.Kernels.Model.Quant;

/// <summary>Per-tensor or per-axis layout of a QuantizeLinear/DequantizeLinear: element i uses parameter (i / Inner) % Channels.</summary>
public readonly struct QuantGeometry(int channels, long inner)
{
    public readonly int Channels = channels;
    public readonly long Inner = inner;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int Channel(long i) => Channels == 1 ? 0 : (int)((i / Inner) % Channels);
}

/// <summary>An 8-bit (or wider) quantized type: its range and how an int in that range is stored.</summary>
public interface IQuantType<T>
    where T : unmanaged
{
    int Min { get; }

    int Max { get; }

    T FromInt(int q);

    int ToInt(T q);
}

public readonly struct UInt8Quant : IQuantType<byte>
{
    public int Min => 0;

    public int Max => 255;

    public byte FromInt(int q) => (byte)q;

    public int ToInt(byte q) => q;
}

public readonly struct Int8Quant : IQuantType<sbyte>
{
    public int Min => -128;

    public int Max => 127;

    public sbyte FromInt(int q) => (sbyte)q;

    public int ToInt(sbyte q) => q;
}

/// <summary>int32 (DequantizeLinear input only).</summary>
public readonly struct Int32Quant : IQuantType<int>
{
    public int Min => int.MinValue;

    public int Max => int.MaxValue;

    public int FromInt(int q) => q;

    public int ToInt(int q) => q;
}

/// <summary>
/// The arithmetic of ONNX QuantizeLinear/DequantizeLinear as ONNX Runtime's MLAS computes it (float32 throughout):
/// quantize <c>v = x / scale</c> (one IEEE division), clamp v to <c>[qmin − zp, qmax − zp]</c>, round half to even,
/// add the zero point (clamping before rounding equals rounding before saturating, since the bounds are integers);
/// NaN becomes qmin (MLAS's SSE path: maxps/minps keep the NaN, cvtps2dq gives INT_MIN, packing saturates).
/// Dequantize <c>y = (float)(x − zp) · scale</c>, one rounding. No Math.*: the same code runs in ILGPU kernels.
/// </summary>
public static class QuantMath
{
    /// <summary>1.5·2^23: adding and subtracting it rounds a float with |v| &lt; 2^22 to an integer, ties to even.</summary>
    private const float RoundMagic = 12582912f;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Quantize<T, TQ>(float x, float scale, int zeroPoint, TQ type)
        where T : unmanaged
        where TQ : struct, IQuantType<T>
    {
        float v = x / scale;
        if ((Interop.FloatAsInt(v) & 0x7FFFFFFFu) > 0x7F800000u)
        {
            return type.FromInt(type.Min);
        }

        float lo = (float)(type.Min - zeroPoint);
        float hi = (float)(type.Max - zeroPoint);
        v = v < lo ? lo : v;
        v = v > hi ? hi : v;
        int q = (int)RoundHalfEven(v);
        return type.FromInt(q + zeroPoint);
    }

    /// <summary>Round half to even for |v| &lt; 2^22 (exact; larger values are already integers when |v| ≥ 2^23).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float RoundHalfEven(float v)
    {
        if (!(v > -4194304f && v < 4194304f))
        {
            // |v| ≥ 2^22: every float there is an integer or a half of one only below 2^23; 2^22..2^23 holds halves.
            return RoundLarge(v);
        }

        return v >= 0 ? StrictFloat.Add(StrictFloat.Add(v, RoundMagic), -RoundMagic) : -StrictFloat.Add(StrictFloat.Add(-v, RoundMagic), -RoundMagic);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Dequantize(int x, int zeroPoint, float scale) => StrictFloat.Mul((float)(x - zeroPoint), scale);

    private static float RoundLarge(float v)
    {
        // In [2^22, 2^23) floats step by 0.5: round the halves to even by hand; from 2^23 on they are integers.
        float a = v < 0 ? -v : v;
        if (a >= 8388608f)
        {
            return v;
        }

        int i = (int)a;
        float frac = a - i;
        if (frac > 0.5f || (frac == 0.5f && (i & 1) != 0))
        {
            i++;
        }

        return v < 0 ? -(float)i : i;
    }
}

/// <summary>ILGPU kernels over flat indices; the host loops call the same <see cref="QuantMath"/> functions.</summary>
public static class QuantKernels
{
    public static void Quantize<T, TQ>(Index1D i, ArrayView<float> x, ArrayView<T> y, ArrayView<float> scale, ArrayView<int> zeroPoint, QuantGeometry g, TQ type)
        where T : unmanaged
        where TQ : struct, IQuantType<T>
    {
        int c = g.Channel(i);
        y[i] = QuantMath.Quantize<T, TQ>(x[i], scale[c], zeroPoint[c], type);
    }

    public static void Dequantize<T, TQ>(Index1D i, ArrayView<T> x, ArrayView<float> y, ArrayView<float> scale, ArrayView<int> zeroPoint, QuantGeometry g, TQ type)
        where T : unmanaged
        where TQ : struct, IQuantType<T>
    {
        int c = g.Channel(i);
        y[i] = QuantMath.Dequantize(type.ToInt(x[i]), zeroPoint[c], scale[c]);
    }
}

/// <summary>Host loops of the same element functions.</summary>
public static class QuantHost
{
    public static void Quantize<T, TQ>(float[] x, T[] y, float[] scale, int[] zeroPoint, QuantGeometry g, TQ type, ParallelOptions parallel)
        where T : unmanaged
        where TQ : struct, IQuantType<T>
    {
        const int Block = 1 << 16;
        Parallel.For(0, (x.LongLength + Block - 1) / Block, parallel, b =>
        {
            long end = Math.Min(x.LongLength, (b + 1) * Block);
            for (long i = b * Block; i < end; i++)
            {
                int c = g.Channel(i);
                y[i] = QuantMath.Quantize<T, TQ>(x[i], scale[c], zeroPoint[c], type);
            }
        });
    }

    public static void Dequantize<T, TQ>(T[] x, float[] y, float[] scale, int[] zeroPoint, QuantGeometry g, TQ type, ParallelOptions parallel)
        where T : unmanaged
        where TQ : struct, IQuantType<T>
    {
        const int Block = 1 << 16;
        Parallel.For(0, (x.LongLength + Block - 1) / Block, parallel, b =>
        {
            long end = Math.Min(x.LongLength, (b + 1) * Block);
            for (long i = b * Block; i < end; i++)
            {
                int c = g.Channel(i);
                y[i] = QuantMath.Dequantize(type.ToInt(x[i]), zeroPoint[c], scale[c]);
            }
        });
    }
}
