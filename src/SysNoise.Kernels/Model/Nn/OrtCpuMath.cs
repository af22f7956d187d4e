using System.Runtime.CompilerServices;
using ILGPU;
using SysNoise.Kernels.Numerics;

namespace SysNoise.Kernels.Model.Nn;

/// <summary>
/// The other float ops of ONNX Runtime 1.31's CPU provider (x86-64 with AVX-512F, one intra-op thread) for the
/// OnnxRuntimeCpu accumulation mode, shared by the host loops and the ILGPU kernels (<see cref="MlasKernels"/>):
/// MLAS's softmax (max, exp polynomial, 16-lane sum, times the reciprocal), FMA3 erf and logistic kernels, pooling
/// kernels, Eigen's SSE sum behind ReduceMean/ReduceSum, ConvTranspose's GEMM + Col2im, BatchNormalization's unfused
/// form. Every rounding is one IEEE operation (StrictFloat for add, mul and fma; no Math.* in what the kernels call).
/// </summary>
public static class OrtCpuMath
{
    // MlasExpConstants (onnxruntime/core/mlas/lib/compute.cpp).
    private const float ExpLowerRange = -103.9720840454f;
    private const float ExpRoundingBias = 12582912f; // MLAS_ROUNDING_BIAS_MAGIC, 1.5·2^23
    private const float ExpLog2Reciprocal = 1.44269504088896341f;
    private const float ExpLog2High = -6.93145752e-1f;
    private const float ExpLog2Low = -1.42860677e-6f;
    private const float ExpPoly0 = 0.00137805939f;  // 0x1.694000p-10
    private const float ExpPoly1 = 0.00837312452f;  // 0x1.125edcp-7
    private const float ExpPoly2 = 0.0416695364f;   // 0x1.555b5ap-5
    private const float ExpPoly3 = 0.16666472f;     // 0x1.555450p-3
    private const float ExpPoly4 = 0.499999851f;    // 0x1.fffff6p-2
    private const float ExpPoly56 = 1f;

    // MlasErfConstants (onnxruntime/core/mlas/lib/erf.cpp).
    private const float ErfUpperAbsRange = 3.925f;
    private const float ErfSplitBoundary = 0.921875f;
    private const float ErfSmallP0 = -5.99104969e-4f;
    private const float ErfSmallP1 = 4.99339588e-3f;
    private const float ErfSmallP2 = -2.67667342e-2f;
    private const float ErfSmallP3 = 1.12818025e-1f;
    private const float ErfSmallP4 = -3.76124859e-1f;
    private const float ErfSmallP5MinusOne = 1.28379151e-1f;
    private const float ErfBigP0 = 1.72948930e-5f;
    private const float ErfBigP1 = -3.83208680e-4f;
    private const float ErfBigP2 = 3.88393435e-3f;
    private const float ErfBigP3 = -2.42545605e-2f;
    private const float ErfBigP4 = 1.06777847e-1f;
    private const float ErfBigP5 = 6.34846687e-1f;
    private const float ErfBigP6MinusOne = 1.28717512e-1f;
    private const float ErfExpLowerRange = -88.3762626647949f;
    private const float ErfExpLog2Reciprocal = 1.44269504088896341f;
    private const float ErfExpLog2High = -6.93145752e-1f;
    private const float ErfExpLog2Low = -1.42860677e-6f;
    private const float ErfExpP0 = 1.38319808e-3f;
    private const float ErfExpP1 = 8.37550033e-3f;
    private const float ErfExpP2 = 4.16689515e-2f;
    private const float ErfExpP3 = 1.66664466e-1f;
    private const float ErfExpP4 = 4.99999851e-1f;
    private const float ErfExpP5 = 1f;
    private const float ErfExpP6 = 1f;
    private const float ErfExpC = 1.25829120e+7f;

    /// <summary>MLAS_SOFTMAX's lane count: MlasComputeSumExpF32KernelAvx512F accumulates in one zmm register.</summary>
    public const int SoftmaxLanes = 16;

    /// <summary>x86 MINPS: the first operand when it is less, else the second (so a NaN first operand gives the second).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float MinPs(float a, float b) => a < b ? a : b;

    /// <summary>x86 MAXPS: the first operand when it is greater, else the second.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float MaxPs(float a, float b) => a > b ? a : b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Fma(float a, float b, float c) => StrictFloat.FusedMultiplyAdd(a, b, c);

    /// <summary>2^k as float bits, for −126 ≤ k ≤ 127.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Pow2(int k) => Interop.IntAsFloat((uint)(k + 127) << 23);

    /// <summary>
    /// VSCALEFPS p·2^m for an integral m in [−150, 127] and a normal p: one rounding. Below 2^−126 the product is
    /// formed exactly 2^64 higher and scaled down once, so a subnormal result is rounded once, as the instruction does.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float ScaleF(float p, float m)
    {
        if (DetMath.IsNaN(m))
        {
            return m + p;
        }

        int k = (int)m;
        return k >= -126 ? StrictFloat.Mul(p, Pow2(k)) : StrictFloat.Mul(StrictFloat.Mul(p, Pow2(k + 64)), Pow2(-64));
    }

    /// <summary>
    /// One exp term of MlasComputeSumExpF32KernelAvx512F (mlas/lib/x86_64/TransKernelAvx512F.S): v = x + (−max),
    /// clamped below at −103.97 (VMAXPS, NaN kept); m = fma(v, 1/ln2, 1.5·2^23) − 1.5·2^23; v = fma(m, −ln2_hi, v),
    /// v = fma(m, −ln2_lo, v); p = poly_0, then p = fma(p, v, c) for poly_1..poly_4, poly_56, poly_56; VSCALEFPS(p, m).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float SoftmaxExp(float x, float negativeMaximum)
    {
        float v = MaxPs(ExpLowerRange, StrictFloat.Add(negativeMaximum, x));
        float m = StrictFloat.Add(Fma(ExpLog2Reciprocal, v, ExpRoundingBias), -ExpRoundingBias);
        v = Fma(m, ExpLog2High, v);
        v = Fma(m, ExpLog2Low, v);
        float p = Fma(ExpPoly0, v, ExpPoly1);
        p = Fma(p, v, ExpPoly2);
        p = Fma(p, v, ExpPoly3);
        p = Fma(p, v, ExpPoly4);
        p = Fma(p, v, ExpPoly56);
        p = Fma(p, v, ExpPoly56);
        return ScaleF(p, m);
    }

    /// <summary>
    /// The row maximum as MlasReduceMaximumF32KernelAvx512F finds it: from −FLT_MAX, VMAXPS in any order (equal for
    /// every non-NaN input).
    /// </summary>
    public static float SoftmaxMaximum<TS>(TS x, long start, long stride, int length)
        where TS : struct, IFloatSource
    {
        float m = float.MinValue;
        for (int k = 0; k < length; k++)
        {
            m = MaxPs(m, x.Read(start + (k * stride)));
        }

        return m;
    }

    /// <summary>
    /// The row's exp sum as MlasComputeSumExpF32KernelAvx512F forms it: 16 lane sums from +0 (lane j takes the
    /// elements k ≡ j mod 16, in order: the 48-wide loop adds its three vectors in turn, the masked tail adds into the
    /// active lanes), then t_j = s_j + s_{j+8} (VEXTRACTF64X4 + VADDPS) and ((t0+t1)+(t2+t3)) + ((t4+t5)+(t6+t7))
    /// (two VHADDPS and VADDSS).
    /// </summary>
    public static float SoftmaxSum<TS>(TS x, long start, long stride, int length, float negativeMaximum)
        where TS : struct, IFloatSource
    {
        float t0 = HalfSum(x, start, stride, length, negativeMaximum, 0);
        float t1 = HalfSum(x, start, stride, length, negativeMaximum, 1);
        float t2 = HalfSum(x, start, stride, length, negativeMaximum, 2);
        float t3 = HalfSum(x, start, stride, length, negativeMaximum, 3);
        float t4 = HalfSum(x, start, stride, length, negativeMaximum, 4);
        float t5 = HalfSum(x, start, stride, length, negativeMaximum, 5);
        float t6 = HalfSum(x, start, stride, length, negativeMaximum, 6);
        float t7 = HalfSum(x, start, stride, length, negativeMaximum, 7);
        float low = StrictFloat.Add(StrictFloat.Add(t0, t1), StrictFloat.Add(t2, t3));
        float high = StrictFloat.Add(StrictFloat.Add(t4, t5), StrictFloat.Add(t6, t7));
        return StrictFloat.Add(low, high);
    }

    /// <summary>
    /// Softmax element k of a row (MlasComputeSoftmaxThreaded, mlas/lib/compute.cpp): its exp term times the float
    /// reciprocal 1/sum (MlasComputeSoftmaxOutputF32KernelAvx multiplies; it does not divide).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float SoftmaxValue(float x, float negativeMaximum, float reciprocal) => StrictFloat.Mul(SoftmaxExp(x, negativeMaximum), reciprocal);

    /// <summary>
    /// erf as MlasErfKernelFma3 (mlas/lib/x86_64/ErfKernelFma3.S; the routine platform.cpp keeps on AVX-512 machines)
    /// computes every element, vector body and masked tail alike: a = min(|x|, 3.925) (a NaN stays NaN, as measured);
    /// up to 0.921875 the odd polynomial fma(p(a²), a, a); from it 1 − 2^r·q(f) with r, f the range reduction of
    /// −(fma chain in a), clamped at −88.376 (above 0.921875); the lanes merged by OR and the sign of x OR-ed back.
    /// </summary>
    public static float Erf(float x)
    {
        uint bits = Interop.FloatAsInt(x);
        if (DetMath.IsNaN(x))
        {
            // Measured on the 1.31.1 binary: NaN in, the same (quiet) NaN out, where the assembly read clamps |x| to
            // 3.925 first (its MINPS would return the bound); the kernel it runs propagates the NaN through the min.
            return Interop.IntAsFloat(bits | 0x00400000u);
        }

        float a = MinPs(Interop.IntAsFloat(bits & 0x7FFFFFFFu), ErfUpperAbsRange);
        float square = StrictFloat.Mul(a, a);
        float small = Fma(ErfSmallP0, square, ErfSmallP1);
        small = Fma(small, square, ErfSmallP2);
        small = Fma(small, square, ErfSmallP3);
        small = Fma(small, square, ErfSmallP4);
        small = Fma(small, square, ErfSmallP5MinusOne);
        small = Fma(small, a, a);
        bool big = a > ErfSplitBoundary; // VCMPGTPS
        uint smallBits = big ? 0u : Interop.FloatAsInt(small);

        // The big branch runs on every lane, on +0 where the small one applies (it then yields +0).
        float b = big ? a : 0f;
        float r = Fma(ErfBigP0, b, ErfBigP1);
        r = Fma(r, b, ErfBigP2);
        r = Fma(r, b, ErfBigP3);
        r = Fma(r, b, ErfBigP4);
        r = Fma(r, b, ErfBigP5);
        r = Fma(r, b, ErfBigP6MinusOne);
        r = Fma(r, b, b);
        float e = MaxPs(Interop.IntAsFloat(Interop.FloatAsInt(r) ^ 0x80000000u), ErfExpLowerRange);
        float vr = StrictFloat.Add(Fma(ErfExpLog2Reciprocal, e, ErfExpC), -ErfExpC);
        float f = Fma(ErfExpLog2High, vr, e);
        f = Fma(vr, ErfExpLog2Low, f);
        float y = Fma(ErfExpP0, f, ErfExpP1);
        y = Fma(y, f, ErfExpP2);
        y = Fma(y, f, ErfExpP3);
        y = Fma(y, f, ErfExpP4);
        y = Fma(y, f, ErfExpP5);
        y = Fma(y, f, ErfExpP6);
        y = StrictFloat.Mul(y, Interop.IntAsFloat((uint)((int)vr + 127) << 23));
        y = StrictFloat.Add(1f, -y);
        return Interop.IntAsFloat(Interop.FloatAsInt(y) | smallBits | (bits & 0x80000000u));
    }

    /// <summary>
    /// Σ x[start .. start+length) as Eigen's vectorised redux (Eigen/src/Core/Redux.h, LinearVectorizedTraversal) sums
    /// a float Map with SSE packets of 4, as ReduceMean/ReduceSum's KR fast path and full reductions call it
    /// (onnxruntime/core/providers/cpu/reduction/reduction_ops.h, ReduceAggregatorSum::aggall). The packets start at
    /// the first 16-byte-aligned element (<paramref name="alignedStart"/>, from the row's address); two packet
    /// accumulators step by 8, are added, take one more packet if one is left, and reduce as (p0 + p2) + (p1 + p3)
    /// (predux); then the unaligned head and the tail are added one by one. Fewer than 4 aligned elements: one chain.
    /// </summary>
    public static float EigenSum<TS>(TS x, long start, int length, int alignedStart)
        where TS : struct, IFloatSource
    {
        const int packet = 4;
        int alignedSize = (length - alignedStart) / packet * packet;
        if (alignedSize == 0)
        {
            float chain = x.Read(start);
            for (int k = 1; k < length; k++)
            {
                chain = StrictFloat.Add(chain, x.Read(start + k));
            }

            return chain;
        }

        int alignedSize2 = (length - alignedStart) / (2 * packet) * (2 * packet);
        int alignedEnd2 = alignedStart + alignedSize2, alignedEnd = alignedStart + alignedSize;
        long s = start + alignedStart;
        float a0 = x.Read(s), a1 = x.Read(s + 1), a2 = x.Read(s + 2), a3 = x.Read(s + 3);
        if (alignedSize > packet)
        {
            float b0 = x.Read(s + 4), b1 = x.Read(s + 5), b2 = x.Read(s + 6), b3 = x.Read(s + 7);
            for (int k = alignedStart + (2 * packet); k < alignedEnd2; k += 2 * packet)
            {
                long i = start + k;
                a0 = StrictFloat.Add(a0, x.Read(i));
                a1 = StrictFloat.Add(a1, x.Read(i + 1));
                a2 = StrictFloat.Add(a2, x.Read(i + 2));
                a3 = StrictFloat.Add(a3, x.Read(i + 3));
                b0 = StrictFloat.Add(b0, x.Read(i + 4));
                b1 = StrictFloat.Add(b1, x.Read(i + 5));
                b2 = StrictFloat.Add(b2, x.Read(i + 6));
                b3 = StrictFloat.Add(b3, x.Read(i + 7));
            }

            a0 = StrictFloat.Add(a0, b0);
            a1 = StrictFloat.Add(a1, b1);
            a2 = StrictFloat.Add(a2, b2);
            a3 = StrictFloat.Add(a3, b3);
            if (alignedEnd > alignedEnd2)
            {
                long i = start + alignedEnd2;
                a0 = StrictFloat.Add(a0, x.Read(i));
                a1 = StrictFloat.Add(a1, x.Read(i + 1));
                a2 = StrictFloat.Add(a2, x.Read(i + 2));
                a3 = StrictFloat.Add(a3, x.Read(i + 3));
            }
        }

        float sum = StrictFloat.Add(StrictFloat.Add(a0, a2), StrictFloat.Add(a1, a3));
        for (int k = 0; k < alignedStart; k++)
        {
            sum = StrictFloat.Add(sum, x.Read(start + k));
        }

        for (int k = alignedEnd; k < length; k++)
        {
            sum = StrictFloat.Add(sum, x.Read(start + k));
        }

        return sum;
    }

    /// <summary>
    /// The first 16-byte-aligned element of a row starting <paramref name="start"/> floats into a 16-byte-aligned buffer
    /// (ORT's arena aligns every tensor to 64 bytes), at most <paramref name="length"/> (first_default_aligned).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int EigenAlignedStart(long start, int length)
    {
        int head = (int)((4 - (start & 3)) & 3);
        return head < length ? head : length;
    }

    /// <summary>
    /// ReduceSum of one row, or ReduceMean: the Eigen sum divided by (float)length (ReduceAggregatorMean divides the
    /// KR sums in place; Eigen's mean() divides its redux).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float EigenRow<TS>(TS x, long start, int length, bool mean)
        where TS : struct, IFloatSource
    {
        float sum = EigenSum(x, start, length, EigenAlignedStart(start, length));
        return mean ? sum / (float)length : sum;
    }

    /// <summary>MlasPool's generic kernels (MlasPool1DKernel/MlasPool2DKernel): any stride, any window size.</summary>
    public const int PoolGeneric = 0;

    /// <summary>MlasPool2DVectorKernel: 2-D, width stride ≤ 2, windows ≤ 32, padded input row ≤ 2045 floats.</summary>
    public const int PoolVector2D = 1;

    /// <summary>
    /// AveragePool output (oh, ow) of a 1-D or 2-D plane as MlasPool (onnxruntime/core/mlas/lib/pooling.cpp) computes it.
    /// Generic: a sum from +0 over the window clipped to the input, row by row, divided by (float) the clipped count
    /// (exclude pad) or by (float)(KH·KW) (include pad, whatever the window covers). Vector 2-D: the rows are clipped
    /// (a first row in the bottom padding restarts at row 0, as the kernel's unsigned arithmetic does), each input
    /// column summed down those rows starting from its first row, the padding columns +0 in a row buffer; the output sums
    /// KW buffer entries from its first (buffer index ow·SW, left padding included) onwards; exclude pad divides by
    /// max((min(s + KW, PW + W) − max(s, PW)) · rows, 1), include pad by (float)(KH·KW).
    /// </summary>
    public static float AveragePool<TS>(TS x, long plane, NnGeometry g, int kernel, bool includePad, int oh, int ow)
        where TS : struct, IFloatSource
    {
        if (kernel == PoolVector2D)
        {
            int ihStart = (oh * g.SH) - g.PH;
            int ihEnd = ihStart + g.KH;
            if (ihStart < 0 || ihStart >= g.InH)
            {
                ihStart = 0;
            }

            if (ihEnd > g.InH)
            {
                ihEnd = g.InH;
            }

            int rows = ihEnd - ihStart;
            int s = ow * g.SW;
            float r = PoolColumn(x, plane, g, ihStart, rows, s);
            for (int k = 1; k < g.KW; k++)
            {
                r = StrictFloat.Add(r, PoolColumn(x, plane, g, ihStart, rows, s + k));
            }

            if (includePad)
            {
                return r / (float)(g.KH * g.KW);
            }

            int upper = s + g.KW < g.PW + g.InW ? s + g.KW : g.PW + g.InW;
            int lower = s > g.PW ? s : g.PW;
            float divisor = (float)(upper - lower) * (float)rows;
            return r / (divisor > 1f ? divisor : 1f);
        }

        int hStart = (oh * g.SH) - g.PH, wStart = (ow * g.SW) - g.PW;
        int hEnd = hStart + g.KH < g.InH ? hStart + g.KH : g.InH;
        int wEnd = wStart + g.KW < g.InW ? wStart + g.KW : g.InW;
        hStart = hStart > 0 ? hStart : 0;
        wStart = wStart > 0 ? wStart : 0;
        float m = 0f;
        for (int ih = hStart; ih < hEnd; ih++)
        {
            for (int iw = wStart; iw < wEnd; iw++)
            {
                m = StrictFloat.Add(m, x.Read(plane + ((long)ih * g.InW) + iw));
            }
        }

        return m / (includePad ? (float)(g.KH * g.KW) : (float)((hEnd - hStart) * (wEnd - wStart)));
    }

    /// <summary>Entry b of MlasPool2DVectorKernel's row buffer: +0 in the padding, else the column summed down the rows.</summary>
    private static float PoolColumn<TS>(TS x, long plane, NnGeometry g, int ihStart, int rows, int b)
        where TS : struct, IFloatSource
    {
        int iw = b - g.PW;
        if (iw < 0 || iw >= g.InW)
        {
            return 0f;
        }

        long i = plane + ((long)ihStart * g.InW) + iw;
        float c = x.Read(i);
        for (int r = 1; r < rows; r++)
        {
            c = StrictFloat.Add(c, x.Read(i + ((long)r * g.InW)));
        }

        return c;
    }

    /// <summary>
    /// One output of a 2-D ConvTranspose as ORT's CPU kernel forms it (onnxruntime/core/providers/cpu/nn/conv_transpose.cc):
    /// per image and group one MlasGemm col = Wᵀ·X (M = C_out/g·KH·KW, N = H·W, K = C_in/g, A transposed when W is a
    /// graph value; <paramref name="plan"/> from <see cref="MlasPlan.ForGemm"/>), then Col2im (util/math_cpu.cc) adds the
    /// col entries into the zeroed image in (kh, kw) order, then the bias is added (Eigen rowwise +=).
    /// Index: flat output of [N, C_out, OH, OW].
    /// </summary>
    public static float ConvTransposeElement<TS, TP>(TS x, TS w, TP plan, NnGeometry g, long index)
        where TS : struct, IFloatSource
        where TP : struct, IIntSource
    {
        int ox = (int)(index % g.OutW);
        long r = index / g.OutW;
        int oy = (int)(r % g.OutH);
        r /= g.OutH;
        int oc = (int)(r % g.OutChannels);
        int n = (int)(r / g.OutChannels);
        int outPerGroup = g.OutChannels / g.Group, inPerGroup = g.Channels / g.Group;
        int group = oc / outPerGroup, local = oc % outPerGroup;
        int kernelDim = outPerGroup * g.KH * g.KW;
        int inSpatial = g.InH * g.InW;
        long wBase = (long)group * inPerGroup * kernelDim;
        long xBase = (((long)n * g.Channels) + ((long)group * inPerGroup)) * inSpatial;
        float y = 0f;
        for (int kh = 0; kh < g.KH; kh++)
        {
            int ty = oy + g.PH - (kh * g.DH);
            if (ty < 0 || ty % g.SH != 0 || ty / g.SH >= g.InH)
            {
                continue;
            }

            for (int kw = 0; kw < g.KW; kw++)
            {
                int tx = ox + g.PW - (kw * g.DW);
                if (tx < 0 || tx % g.SW != 0 || tx / g.SW >= g.InW)
                {
                    continue;
                }

                int m = (((local * g.KH) + kh) * g.KW) + kw;
                int column = ((ty / g.SH) * g.InW) + (tx / g.SW);
                var terms = new StridedTerms<TS>(w, wBase + m, kernelDim, x, xBase + column, inSpatial);
                y = StrictFloat.Add(y, MlasMath.Element<float, ScalarLanes, StridedTerms<TS>, TP>(default, terms, plan, m, column, 0f, true, 1f));
            }
        }

        return y;
    }

    // MlasLogisticConstants (onnxruntime/core/mlas/lib/logistic.cpp).
    private const float LogisticLowerRange = -18f;
    private const float LogisticUpperRange = 18f;
    private const float LogisticAlpha9 = 4.37031012579801e-11f;
    private const float LogisticAlpha7 = 1.15627324459942e-07f;
    private const float LogisticAlpha5 = 6.08574864600143e-05f;
    private const float LogisticAlpha3 = 8.51377133304701e-03f;
    private const float LogisticAlpha1 = 2.48287947061529e-01f;
    private const float LogisticBeta10 = 6.10247389755681e-13f;
    private const float LogisticBeta8 = 5.76102136993427e-09f;
    private const float LogisticBeta6 = 6.29106785017040e-06f;
    private const float LogisticBeta4 = 1.70198817374094e-03f;
    private const float LogisticBeta2 = 1.16817656904453e-01f;
    private const float LogisticBeta0 = 9.93151921023180e-01f;

    /// <summary>
    /// Sigmoid as MlasComputeLogisticF32KernelFma3 (mlas/lib/x86_64/LogisticKernelFma3.S; platform.cpp's AVX2 branch,
    /// kept on AVX-512): x clamped to [−18, 18] (MAXPS/MINPS with x second: NaN stays), x² rounded, p and q fma chains in
    /// x² (alpha_9..alpha_1, beta_10..beta_0), p·x, (p·x)/q + 0.5, then max(+0, ·) (MAXPS, the sum second).
    /// </summary>
    public static float Logistic(float x)
    {
        x = MinPs(LogisticUpperRange, MaxPs(LogisticLowerRange, x));
        float square = StrictFloat.Mul(x, x);
        float p = Fma(square, LogisticAlpha9, LogisticAlpha7);
        p = Fma(square, p, LogisticAlpha5);
        p = Fma(square, p, LogisticAlpha3);
        p = Fma(square, p, LogisticAlpha1);
        float q = Fma(square, LogisticBeta10, LogisticBeta8);
        q = Fma(square, q, LogisticBeta6);
        q = Fma(square, q, LogisticBeta4);
        q = Fma(square, q, LogisticBeta2);
        q = Fma(square, q, LogisticBeta0);
        float r = StrictFloat.Add(StrictFloat.Mul(x, p) / q, 0.5f);
        return MaxPs(0f, r);
    }

    /// <summary>
    /// Inference BatchNormalization's per-channel factors as onnxruntime/core/providers/cpu/nn/batch_norm.h forms them
    /// with Eigen (no FMA in that build): inv_std = 1/√(var + ε), a = inv_std·scale, b = B − mean·a; y = x·a + b.
    /// Host only (per-channel factors before the kernel runs).
    /// </summary>
    public static (float A, float B) BatchNormFold(float scale, float bias, float mean, float variance, float epsilon)
    {
        float invStd = 1f / MathF.Sqrt(StrictFloat.Add(variance, epsilon));
        float a = StrictFloat.Mul(invStd, scale);
        return (a, StrictFloat.Add(bias, -StrictFloat.Mul(mean, a)));
    }

    /// <summary>y = x·a + b, two roundings (Eigen's Y = X·new_scale + new_bias).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float BatchNormValue(float x, float a, float b) => StrictFloat.Add(StrictFloat.Mul(x, a), b);

    private static float HalfSum<TS>(TS x, long start, long stride, int length, float negativeMaximum, int lane)
        where TS : struct, IFloatSource
        => StrictFloat.Add(LaneSum(x, start, stride, length, negativeMaximum, lane), LaneSum(x, start, stride, length, negativeMaximum, lane + 8));

    private static float LaneSum<TS>(TS x, long start, long stride, int length, float negativeMaximum, int lane)
        where TS : struct, IFloatSource
    {
        float s = 0f;
        for (int k = lane; k < length; k += SoftmaxLanes)
        {
            s = StrictFloat.Add(s, SoftmaxExp(x.Read(start + (k * stride)), negativeMaximum));
        }

        return s;
    }
}
