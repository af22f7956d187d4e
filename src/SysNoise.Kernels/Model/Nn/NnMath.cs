using System.Runtime.CompilerServices;
using ILGPU;
using SysNoise.Kernels.Numerics;

namespace SysNoise.Kernels.Model.Nn;

/// <summary>Read access to float data: an ArrayView in the ILGPU kernels, a pointer on the host.</summary>
public interface IFloatSource
{
    float Read(long index);
}

/// <summary>An ILGPU view as a source.</summary>
public readonly struct ViewSource(ArrayView<float> view) : IFloatSource
{
    private readonly ArrayView<float> view = view;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float Read(long index) => view[index];
}

/// <summary>A pinned host array as a source (host instantiations only; never compiled by ILGPU).</summary>
public readonly unsafe struct PointerSource(float* data) : IFloatSource
{
    private readonly float* data = data;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float Read(long index) => data[index];
}

/// <summary>One accumulation step of the product chains: fp32 FMA, or fp32 FMA rounded to binary16 (fp16-acc16).</summary>
public interface IAccumulateStep
{
    float Step(float w, float x, float acc);
}

/// <summary>acc = fma(w, x, acc) in float32.</summary>
public readonly struct Fp32Step : IAccumulateStep
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float Step(float w, float x, float acc) => StrictFloat.FusedMultiplyAdd(w, x, acc);
}

/// <summary>
/// fp16 accumulation: acc = binary16(fma(w, x, acc)). With binary16 operands the product is exact in float32, so this is
/// round-to-half of (acc + w·x) computed once in float32, then rounded to nearest-even binary16 (overflow to ±inf).
/// </summary>
public readonly struct Fp16Step : IAccumulateStep
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float Step(float w, float x, float acc) => Numerics.HalfMath.RoundToHalf(StrictFloat.FusedMultiplyAdd(w, x, acc));
}

/// <summary>A max-pooling result: the value and the flat index it came from (−1 when the window holds no input).</summary>
public struct PoolMax
{
    public float Value;
    public long Index;
}

/// <summary>
/// The neural-network ops' arithmetic, one definition for the ILGPU kernels and the host loops. Every output element
/// has a fixed accumulation order, so its bits depend neither on threads, SIMD width nor device:
/// <list type="bullet">
/// <item>Conv: acc = fma(w, x, acc) from acc = +0 over (ic, kd, kh, kw) in order, padded taps reading 0; then acc + bias.</item>
/// <item>ConvTranspose: acc = fma(x, w, acc) over (ic, kd, kh, kw) in order, only taps that exist; then acc + bias.</item>
/// <item>MatMul/Gemm: acc = fma(a, b, acc) over k in order; Gemm then alpha·acc (skipped when alpha = 1) + beta·C (beta = 1: C).</item>
/// <item>BatchNormalization: y = fma(x, a, b) with a = scale / sqrt(var + eps), b = B − mean·a per channel (in float).</item>
/// <item>AveragePool: a left-to-right sum of the taps inside the input, divided by the count; MaxPool: first strict maximum.</item>
/// </list>
/// The host's vectorised paths compute the same per-element chains lane by lane (Vector512.FusedMultiplyAdd is IEEE fma).
/// </summary>
public static class NnMath
{
    /// <summary>One convolution output before bias. Weights: [OC, C/group, KD, KH, KW]; input/output NC(D)HW.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float ConvElement<TS>(TS x, TS w, NnGeometry g, int n, int oc, int od, int oh, int ow)
        where TS : struct, IFloatSource
        => ConvElement<TS, Fp32Step>(x, w, g, n, oc, od, oh, ow, default);

    /// <summary>One convolution output before bias with a chosen accumulation step.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float ConvElement<TS, TA>(TS x, TS w, NnGeometry g, int n, int oc, int od, int oh, int ow, TA step)
        where TS : struct, IFloatSource
        where TA : struct, IAccumulateStep
    {
        int icg = g.GroupChannels;
        int group = oc / g.GroupOutChannels;
        float acc = 0f;
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
                        bool inside = id >= 0 && id < g.InD && ih >= 0 && ih < g.InH && iw >= 0 && iw < g.InW;
                        float v = inside ? x.Read(plane + (((long)id * g.InH) + ih) * g.InW + iw) : 0f;
                        acc = step.Step(w.Read(wBase), v, acc);
                        wBase++;
                    }
                }
            }
        }

        return acc;
    }

    /// <summary>The bias step of Conv/ConvTranspose (one rounded add after the whole chain).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float AddBias(float acc, float bias) => StrictFloat.Add(acc, bias);

    /// <summary>
    /// One transposed-convolution output before bias. Input [N, C, ...], weights [C, OC/group, KD, KH, KW]; output o
    /// gathers input i where o = i·s − pad + k·dil.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float ConvTransposeElement<TS>(TS x, TS w, NnGeometry g, int n, int oc, int od, int oh, int ow)
        where TS : struct, IFloatSource
        => ConvTransposeElement<TS, Fp32Step>(x, w, g, n, oc, od, oh, ow, default);

    /// <summary>One transposed-convolution output before bias with a chosen accumulation step.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float ConvTransposeElement<TS, TA>(TS x, TS w, NnGeometry g, int n, int oc, int od, int oh, int ow, TA step)
        where TS : struct, IFloatSource
        where TA : struct, IAccumulateStep
    {
        int icg = g.GroupChannels;
        int ocg = g.GroupOutChannels;
        int group = oc / ocg;
        int ocIn = oc - (group * ocg);
        float acc = 0f;
        for (int ic = 0; ic < icg; ic++)
        {
            int c = (group * icg) + ic;
            long plane = (((long)n * g.Channels) + c) * g.InSpatial;
            long wBase = (((long)c * ocg) + ocIn) * g.KernelSpatial;
            for (int kd = 0; kd < g.KD; kd++)
            {
                int td = od + g.PD - (kd * g.DD);
                if (td < 0 || td % g.SD != 0 || td / g.SD >= g.InD)
                {
                    continue;
                }

                int id = td / g.SD;
                for (int kh = 0; kh < g.KH; kh++)
                {
                    int th = oh + g.PH - (kh * g.DH);
                    if (th < 0 || th % g.SH != 0 || th / g.SH >= g.InH)
                    {
                        continue;
                    }

                    int ih = th / g.SH;
                    for (int kw = 0; kw < g.KW; kw++)
                    {
                        int tw = ow + g.PW - (kw * g.DW);
                        if (tw < 0 || tw % g.SW != 0 || tw / g.SW >= g.InW)
                        {
                            continue;
                        }

                        int iw = tw / g.SW;
                        float v = x.Read(plane + (((long)id * g.InH) + ih) * g.InW + iw);
                        acc = step.Step(w.Read(wBase + (((long)kd * g.KH) + kh) * g.KW + kw), v, acc);
                    }
                }
            }
        }

        return acc;
    }

    /// <summary>Gemm's epilogue: alpha·acc (alpha = 1: acc), then + beta·c (beta = 1: + c) when there is a C.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float GemmEpilogue(float acc, float alpha, bool hasC, float beta, float c)
    {
        float y = alpha == 1f ? acc : StrictFloat.Mul(alpha, acc);
        if (hasC)
        {
            y = StrictFloat.Add(y, beta == 1f ? c : StrictFloat.Mul(beta, c));
        }

        return y;
    }

    /// <summary>Inference batch normalisation of one value with the channel's folded a, b.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float BatchNorm(float x, float a, float b) => StrictFloat.FusedMultiplyAdd(x, a, b);

    /// <summary>Folds one channel's BatchNormalization parameters (host only: uses MathF.Sqrt).</summary>
    public static (float A, float B) FoldBatchNorm(float scale, float bias, float mean, float variance, float epsilon)
    {
        float a = scale / MathF.Sqrt(variance + epsilon);
        return (a, bias - (mean * a));
    }

    /// <summary>
    /// Max over one pooling window of one (n, c) plane (plane offset <paramref name="plane"/>). Taps outside the input
    /// are skipped; an empty window gives −inf and index −1. Index is the flat input index, row-major
    /// (storage order 0) or column-major within the plane (storage order 1).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static PoolMax MaxWindow<TS>(TS x, NnGeometry g, long plane, int od, int oh, int ow, int storageOrder)
        where TS : struct, IFloatSource
    {
        PoolMax r;
        r.Value = float.NegativeInfinity;
        r.Index = -1;
        for (int kd = 0; kd < g.KD; kd++)
        {
            int id = (od * g.SD) - g.PD + (kd * g.DD);
            if (id < 0 || id >= g.InD)
            {
                continue;
            }

            for (int kh = 0; kh < g.KH; kh++)
            {
                int ih = (oh * g.SH) - g.PH + (kh * g.DH);
                if (ih < 0 || ih >= g.InH)
                {
                    continue;
                }

                for (int kw = 0; kw < g.KW; kw++)
                {
                    int iw = (ow * g.SW) - g.PW + (kw * g.DW);
                    if (iw < 0 || iw >= g.InW)
                    {
                        continue;
                    }

                    long offset = (((long)id * g.InH) + ih) * g.InW + iw;
                    float v = x.Read(plane + offset);
                    if (v > r.Value || r.Index < 0)
                    {
                        r.Value = v;
                        r.Index = plane + (storageOrder == 0 ? offset : id + ((long)g.InD * (ih + ((long)g.InH * iw))));
                    }
                }
            }
        }

        return r;
    }

    /// <summary>
    /// Average over one pooling window: taps inside the input summed left to right (kd, kh, kw order), divided by the
    /// number of those taps, or with count_include_pad by the taps inside the padded region [−pad, in + end pad).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float AverageWindow<TS>(TS x, NnGeometry g, long plane, int od, int oh, int ow, bool countIncludePad)
        where TS : struct, IFloatSource
    {
        float sum = 0f;
        int count = 0;
        for (int kd = 0; kd < g.KD; kd++)
        {
            int id = (od * g.SD) - g.PD + (kd * g.DD);
            bool dIn = id >= 0 && id < g.InD;
            bool dPad = id >= -g.PD && id < g.InD + g.PDEnd;
            for (int kh = 0; kh < g.KH; kh++)
            {
                int ih = (oh * g.SH) - g.PH + (kh * g.DH);
                bool hIn = ih >= 0 && ih < g.InH;
                bool hPad = ih >= -g.PH && ih < g.InH + g.PHEnd;
                for (int kw = 0; kw < g.KW; kw++)
                {
                    int iw = (ow * g.SW) - g.PW + (kw * g.DW);
                    bool wIn = iw >= 0 && iw < g.InW;
                    bool wPad = iw >= -g.PW && iw < g.InW + g.PWEnd;
                    if (dIn && hIn && wIn)
                    {
                        sum = StrictFloat.Add(sum, x.Read(plane + (((long)id * g.InH) + ih) * g.InW + iw));
                        count++;
                    }
                    else if (countIncludePad && dPad && hPad && wPad)
                    {
                        count++;
                    }
                }
            }
        }

        return sum / count;
    }

    /// <summary>
    /// Mean of one plane: a left-to-right sum in double, divided by the length in double, rounded once to float. A float
    /// sum over a large plane (e.g. 24×48 = 1152 values in PP-OCR's squeeze-excitation) carries a relative error of
    /// ~1e-6 that downstream layers amplify past 1e-5 against ONNX Runtime; the double sum is exact to well below one
    /// float ulp, so the result is the mean correctly rounded in practice, whatever order a peer sums in.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float PlaneMean<TS>(TS x, long plane, int length)
        where TS : struct, IFloatSource
    {
        double sum = 0;
        for (int i = 0; i < length; i++)
        {
            sum = StrictFloat.Add(sum, (double)x.Read(plane + i));
        }

        return (float)DetMath.Div(sum, (double)length);
    }

    /// <summary>Max of one plane (first strict maximum; NaN is skipped unless it comes first, −inf for an empty plane).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float PlaneMax<TS>(TS x, long plane, int length)
        where TS : struct, IFloatSource
    {
        float best = float.NegativeInfinity;
        for (int i = 0; i < length; i++)
        {
            float v = x.Read(plane + i);
            if (v > best || i == 0)
            {
                best = v;
            }
        }

        return best;
    }
}
