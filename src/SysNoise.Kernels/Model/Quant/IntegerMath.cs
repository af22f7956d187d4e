using System.Runtime.CompilerServices;
using ILGPU;
using SysNoise.Kernels.Model.Nn;
using SysNoise.Kernels.Numerics;

namespace SysNoise.Kernels.Model.Quant;

/// <summary>Read access to 8-bit quantized data as ints: an ArrayView in the ILGPU kernels, a pointer on the host.</summary>
public interface IQuantSource
{
    int Read(long index);
}

public readonly struct ByteViewSource(ArrayView<byte> view) : IQuantSource
{
    private readonly ArrayView<byte> view = view;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int Read(long index) => view[index];
}

public readonly struct SByteViewSource(ArrayView<sbyte> view) : IQuantSource
{
    private readonly ArrayView<sbyte> view = view;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int Read(long index) => view[index];
}

/// <summary>A pinned host array as a source (host instantiations only; never compiled by ILGPU).</summary>
public readonly unsafe struct BytePointerSource(byte* data) : IQuantSource
{
    private readonly byte* data = data;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int Read(long index) => data[index];
}

/// <summary>A pinned host array as a source (host instantiations only; never compiled by ILGPU).</summary>
public readonly unsafe struct SBytePointerSource(sbyte* data) : IQuantSource
{
    private readonly sbyte* data = data;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int Read(long index) => data[index];
}

/// <summary>
/// The scalars of an integer layer's epilogue (a value type for the kernels). Per-output-channel values (weight zero
/// point, int32 bias, multiplier, shift) live in a channel table, four ints per output channel in that order
/// (per-tensor values are repeated for every channel).
/// </summary>
public struct IntegerEpilogue
{
    /// <summary>Zero point of the uint8 input activation (A of a MatMul).</summary>
    public int InputZeroPoint;

    /// <summary>Zero point of B when B is an activation (its channel-table zero points are then ignored), else 0.</summary>
    public int RightZeroPoint;

    public int OutputZeroPoint;

    /// <summary>Clamp of the output (uint8 range narrowed by a fused Relu/Clip).</summary>
    public int Min;

    public int Max;

    /// <summary>A <see cref="RequantMode"/>.</summary>
    public int Mode;

    /// <summary>Ints per output channel in the channel table.</summary>
    public const int ChannelStride = 4;
}

/// <summary>
/// The integer layers' arithmetic, one definition for the ILGPU kernels and the host's scalar loops:
/// acc = Σ (x − x_zp)·(w − w_zp[c]) in int32 (padded taps are the input zero point, so they add 0), then
/// <see cref="FixedPoint.Requantize"/>. int32 addition wraps, and wrapping addition is associative and commutative,
/// so the sum is the same in every order: the host's vectorised GEMM and a kernel thread's sequential loop agree bit for bit.
/// </summary>
public static class IntegerMath
{
    /// <summary>One integer convolution accumulator (before bias). Weights [OC, C/group, KD, KH, KW] int8, input uint8 NC(D)HW.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int ConvElement<TX, TW>(TX x, TW w, NnGeometry g, int inputZeroPoint, int weightZeroPoint, int n, int oc, int od, int oh, int ow)
        where TX : struct, IQuantSource
        where TW : struct, IQuantSource
    {
        int icg = g.GroupChannels;
        int group = oc / g.GroupOutChannels;
        int acc = 0;
        long wBase = (long)oc * icg * g.KernelSpatial;
        for (int ic = 0; ic < icg; ic++)
        {
            long plane = (((long)n * g.Channels) + (group * icg) + ic) * g.InSpatial;
            for (int kd = 0; kd < g.KD; kd++)
            {
                int id = (od * g.SD) - g.PD + (kd * g.DD);
                for (int kh = 0; kh < g.KH; kh++)
                {
                    int ih = (oh * g.SH) - g.PH + (kh * g.DH);
                    for (int kw = 0; kw < g.KW; kw++)
                    {
                        int iw = (ow * g.SW) - g.PW + (kw * g.DW);
                        if (id >= 0 && id < g.InD && ih >= 0 && ih < g.InH && iw >= 0 && iw < g.InW)
                        {
                            int xv = x.Read(plane + ((((long)id * g.InH) + ih) * g.InW) + iw) - inputZeroPoint;
                            acc = unchecked(acc + (xv * (w.Read(wBase) - weightZeroPoint)));
                        }

                        wBase++;
                    }
                }
            }
        }

        return acc;
    }

    /// <summary>
    /// One integer matrix-product accumulator: Σk (A(row, k) − a_zp)·(B(k, col) − b_zp) with operand addresses from the
    /// batch offsets and strides of <paramref name="g"/> (as the float MatMul kernel reads them).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int MatMulElement<TA, TB>(TA a, TB b, MatMulGeometry g, long aBase, long bBase, int aZeroPoint, int bZeroPoint)
        where TA : struct, IQuantSource
        where TB : struct, IQuantSource
    {
        int acc = 0;
        for (int k = 0; k < g.K; k++)
        {
            int av = a.Read(aBase + (g.AColStride * k)) - aZeroPoint;
            acc = unchecked(acc + (av * (b.Read(bBase + (g.BRowStride * k)) - bZeroPoint)));
        }

        return acc;
    }

    /// <summary>
    /// Float to uint8 at the boundary into the integer layers: v = x / scale (one float32 division), clamped to
    /// [qmin − zp, qmax − zp], rounded (0: half to even, as ONNX QuantizeLinear; 1: half away from zero, as TFLite's
    /// AffineQuantize), plus the zero point. NaN gives qmin.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Quantize(float x, float scale, int zeroPoint, int qmin, int qmax, int halfAwayFromZero)
    {
        float v = x / scale;
        if ((Interop.FloatAsInt(v) & 0x7FFFFFFFu) > 0x7F800000u)
        {
            return qmin;
        }

        float lo = (float)(qmin - zeroPoint);
        float hi = (float)(qmax - zeroPoint);
        v = v < lo ? lo : v;
        v = v > hi ? hi : v;
        int q = halfAwayFromZero != 0 ? RoundHalfAwayFromZero(v) : (int)QuantMath.RoundHalfEven(v);
        return q + zeroPoint;
    }

    /// <summary>Round half away from zero of a float with |v| &lt; 2^31: truncate, then step away when the dropped part is ≥ ½ (exact in float).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int RoundHalfAwayFromZero(float v)
    {
        int t = (int)v;
        float frac = StrictFloat.Add(v, -(float)t);
        if (frac >= 0.5f)
        {
            return t + 1;
        }

        return frac <= -0.5f ? t - 1 : t;
    }

    /// <summary>uint8 back to float: (float)(q − zp)·scale, one rounding (ONNX DequantizeLinear).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Dequantize(int q, int zeroPoint, float scale) => QuantMath.Dequantize(q, zeroPoint, scale);

    /// <summary>The epilogue of output channel <paramref name="channel"/> from the channel table.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Epilogue(int acc, int bias, int multiplier, int shift, IntegerEpilogue e)
        => FixedPoint.Requantize(acc, bias, multiplier, shift, e.OutputZeroPoint, e.Min, e.Max, (RequantMode)e.Mode);
}

/// <summary>ILGPU kernels of the integer layers (one thread per output element); the host runs the same functions.</summary>
public static class IntegerKernels
{
    /// <summary>Integer Conv to uint8. channels: [OC][w_zp, bias, multiplier, shift]. Index: flat output element of [N, OC, OD, OH, OW].</summary>
    public static void Conv(Index1D index, ArrayView<byte> x, ArrayView<sbyte> w, ArrayView<int> channels, NnGeometry g, IntegerEpilogue e, ArrayView<byte> y)
    {
        long i = index.X;
        OutputPosition o = g.Locate(i);
        int n = o.N, oc = o.Oc, od = o.Od, oh = o.Oh, ow = o.Ow;
        long t = (long)oc * IntegerEpilogue.ChannelStride;
        int acc = IntegerMath.ConvElement(new ByteViewSource(x), new SByteViewSource(w), g, e.InputZeroPoint, channels[t], n, oc, od, oh, ow);
        y[i] = (byte)IntegerMath.Epilogue(acc, channels[t + 1], channels[t + 2], channels[t + 3], e);
    }

    /// <summary>
    /// Integer batched matrix product to uint8 with B int8 weights (per-column zero points from the channel table).
    /// Index: flat output element of [batches, M, N]; the output channel is the column.
    /// </summary>
    public static void MatMulWeights(Index1D index, ArrayView<byte> a, ArrayView<sbyte> b, ArrayView<long> aOffsets, ArrayView<long> bOffsets, ArrayView<int> channels, MatMulGeometry g, IntegerEpilogue e, ArrayView<byte> y)
    {
        long i = index.X;
        int col = (int)(i % g.N);
        long r = i / g.N;
        int row = (int)(r % g.M);
        int batch = (int)(r / g.M);
        long t = (long)col * IntegerEpilogue.ChannelStride;
        long aBase = aOffsets[batch] + (g.ARowStride * row);
        long bBase = bOffsets[batch] + (g.BColStride * col);
        int acc = IntegerMath.MatMulElement(new ByteViewSource(a), new SByteViewSource(b), g, aBase, bBase, e.InputZeroPoint, channels[t]);
        y[i] = (byte)IntegerMath.Epilogue(acc, channels[t + 1], channels[t + 2], channels[t + 3], e);
    }

    /// <summary>Integer batched matrix product to uint8 of two uint8 activations (B's zero point in the epilogue scalars).</summary>
    public static void MatMulActivations(Index1D index, ArrayView<byte> a, ArrayView<byte> b, ArrayView<long> aOffsets, ArrayView<long> bOffsets, ArrayView<int> channels, MatMulGeometry g, IntegerEpilogue e, ArrayView<byte> y)
    {
        long i = index.X;
        int col = (int)(i % g.N);
        long r = i / g.N;
        int row = (int)(r % g.M);
        int batch = (int)(r / g.M);
        long t = (long)col * IntegerEpilogue.ChannelStride;
        long aBase = aOffsets[batch] + (g.ARowStride * row);
        long bBase = bOffsets[batch] + (g.BColStride * col);
        int acc = IntegerMath.MatMulElement(new ByteViewSource(a), new ByteViewSource(b), g, aBase, bBase, e.InputZeroPoint, e.RightZeroPoint);
        y[i] = (byte)IntegerMath.Epilogue(acc, channels[t + 1], channels[t + 2], channels[t + 3], e);
    }

    /// <summary>float → uint8 (<see cref="IntegerMath.Quantize"/>). Index: flat element.</summary>
    public static void Quantize(Index1D i, ArrayView<float> x, ArrayView<byte> y, float scale, int zeroPoint, int qmin, int qmax, int halfAwayFromZero)
        => y[i] = (byte)IntegerMath.Quantize(x[i], scale, zeroPoint, qmin, qmax, halfAwayFromZero);

    /// <summary>uint8 → float (<see cref="IntegerMath.Dequantize"/>). Index: flat element.</summary>
    public static void Dequantize(Index1D i, ArrayView<byte> x, ArrayView<float> y, float scale, int zeroPoint)
        => y[i] = IntegerMath.Dequantize(x[i], zeroPoint, scale);
}
