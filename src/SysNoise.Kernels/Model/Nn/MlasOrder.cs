using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using ILGPU;
using SysNoise.Kernels.Numerics;

namespace SysNoise.Kernels.Model.Nn;

/// <summary>Read access to int data: an ArrayView in the ILGPU kernels, a pointer on the host.</summary>
public interface IIntSource
{
    int Read(int index);
}

/// <summary>An ILGPU view as an int source.</summary>
public readonly struct ViewIntSource(ArrayView<int> view) : IIntSource
{
    private readonly ArrayView<int> view = view;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int Read(int index) => view[index];
}

/// <summary>A pinned host int array as a source (host instantiations only).</summary>
public readonly unsafe struct PointerIntSource(int* data) : IIntSource
{
    private readonly int* data = data;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int Read(int index) => data[index];
}

/// <summary>
/// IEEE float arithmetic on one output (float, the ILGPU kernels and the host's tails) or on a vector of independent
/// outputs (the host's Vector512/Vector256 lanes: each lane's fma/add/mul is exactly the scalar operation).
/// </summary>
public interface ILaneMath<T>
    where T : struct
{
    T Broadcast(float value);

    T Fma(T a, T b, T c);

    T Mul(T a, T b);

    T Add(T a, T b);
}

/// <summary>One output per lane set: <see cref="StrictFloat"/>'s single-rounding operations.</summary>
public readonly struct ScalarLanes : ILaneMath<float>
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float Broadcast(float value) => value;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float Fma(float a, float b, float c) => StrictFloat.FusedMultiplyAdd(a, b, c);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float Mul(float a, float b) => StrictFloat.Mul(a, b);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float Add(float a, float b) => StrictFloat.Add(a, b);
}

/// <summary>16 outputs at once (host only): vfmadd/vmulps/vaddps round each lane once, as the scalar ops do.</summary>
public readonly struct Vector512Lanes : ILaneMath<Vector512<float>>
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector512<float> Broadcast(float value) => Vector512.Create(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector512<float> Fma(Vector512<float> a, Vector512<float> b, Vector512<float> c) => Vector512.FusedMultiplyAdd(a, b, c);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector512<float> Mul(Vector512<float> a, Vector512<float> b) => a * b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector512<float> Add(Vector512<float> a, Vector512<float> b) => a + b;
}

/// <summary>8 outputs at once (host only, machines without AVX-512).</summary>
public readonly struct Vector256Lanes : ILaneMath<Vector256<float>>
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector256<float> Broadcast(float value) => Vector256.Create(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector256<float> Fma(Vector256<float> a, Vector256<float> b, Vector256<float> c) => Vector256.FusedMultiplyAdd(a, b, c);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector256<float> Mul(Vector256<float> a, Vector256<float> b) => a * b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector256<float> Add(Vector256<float> a, Vector256<float> b) => a + b;
}

/// <summary>
/// The two operands of one output's products: A(k) is shared by all lanes (a weight / left-matrix row element),
/// B(k) has one value per lane (the column operand of each output: an im2col tap, a right-matrix element).
/// </summary>
public interface IProductTerms<T>
    where T : struct
{
    float A(int k);

    T B(int k);
}

/// <summary>
/// Conv's products for one output element read straight from the tensors (ILGPU, and the host's scalar reference):
/// A(k) = w[oc, k], B(k) = the input tap k = (ic, kd, kh, kw) of output (n, od, oh, ow), 0 in the padding.
/// </summary>
public readonly struct ConvTerms<TS>(TS x, TS w, NnGeometry g, int n, int oc, int od, int oh, int ow) : IProductTerms<float>
    where TS : struct, IFloatSource
{
    private readonly TS x = x;
    private readonly TS w = w;
    private readonly NnGeometry g = g;
    private readonly int n = n;
    private readonly int oc = oc;
    private readonly int od = od;
    private readonly int oh = oh;
    private readonly int ow = ow;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float A(int k) => w.Read(((long)oc * g.GroupChannels * g.KernelSpatial) + k);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float B(int k)
    {
        int kw = k % g.KW;
        int r = k / g.KW;
        int kh = r % g.KH;
        r /= g.KH;
        int kd = r % g.KD;
        int ic = r / g.KD;
        int id = (od * g.SD) - g.PD + (kd * g.DD);
        int ih = (oh * g.SH) - g.PH + (kh * g.DH);
        int iw = (ow * g.SW) - g.PW + (kw * g.DW);
        bool inside = id >= 0 && id < g.InD && ih >= 0 && ih < g.InH && iw >= 0 && iw < g.InW;
        int group = oc / g.GroupOutChannels;
        long plane = (((long)n * g.Channels) + (group * g.GroupChannels) + ic) * g.InSpatial;
        return inside ? x.Read(plane + (((long)id * g.InH) + ih) * g.InW + iw) : 0f;
    }
}

/// <summary>Matrix products for one output element from strided operands: A(k) = a[aBase + k·aStep], B(k) = b[bBase + k·bStep].</summary>
public readonly struct StridedTerms<TS>(TS a, long aBase, long aStep, TS b, long bBase, long bStep) : IProductTerms<float>
    where TS : struct, IFloatSource
{
    private readonly TS a = a;
    private readonly long aBase = aBase;
    private readonly long aStep = aStep;
    private readonly TS b = b;
    private readonly long bBase = bBase;
    private readonly long bStep = bStep;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float A(int k) => a.Read(aBase + (k * aStep));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float B(int k) => b.Read(bBase + (k * bStep));
}

/// <summary>
/// ONNX Runtime's CPU (MLAS) accumulation order for Conv, Gemm and MatMul outputs, and MLAS's global average pooling.
/// One definition for the ILGPU kernels (T = float) and the host (T = a vector of outputs). What differs between ops
/// and shapes is data, an <see cref="MlasPlan"/>: the K ranges MLAS hands to its kernels for each output and which
/// kernel runs each range. The kernels (onnxruntime/core/mlas/lib, x86-64):
/// <list type="bullet">
/// <item><see cref="MlasPlan.Fma"/>: the SGEMM kernel (x86_64/FgemmKernelAvx512FCommon.h, FgemmKernelFma3Common.h):
/// partial = fma chain over the range from +0 in k order; then C = partial·alpha (first range when beta = 0) or
/// C = fma(partial, alpha, C) (vfmadd213ps: one rounding; alpha = 1 makes it partial + C).</item>
/// <item><see cref="MlasPlan.MulAddGroups"/>: MlasSgemmKernelM1Avx (x86_64/SgemmKernelM1Avx.S, M = 1, B not
/// transposed; AVX without FMA): k in groups of 4, then 2, then 1; each group's rounded products summed left to right
/// (vmulps, vaddps), and the group sum added to C.</item>
/// <item><see cref="MlasPlan.Dot8Columns"/> / <see cref="MlasPlan.Dot8Rows"/>: MlasSgemmKernelM1TransposeBAvx
/// (SgemmKernelM1TransposeBAvx.S, dot products): 8 lane sums from +0, lane j taking the products k ≡ j (mod 8) of the
/// range; the lanes are reduced in an order that depends on whether the output is in a block of 4, 2 or 1 outputs of
/// that call; then + C.</item>
/// </list>
/// </summary>
public static class MlasMath
{
    /// <summary>
    /// One output element: starts from <paramref name="init"/> (Gemm's broadcast C, else +0 with
    /// <paramref name="zeroMode"/>) and applies the plan's ranges for output column <paramref name="n"/> (row
    /// <paramref name="m"/>) in order. Conv adds its bias afterwards (MlasActivation: one rounded add).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Element<T, TL, TT, TP>(TL math, TT terms, TP plan, int m, int n, T init, bool zeroMode, float alpha)
        where T : struct
        where TL : struct, ILaneMath<T>
        where TT : struct, IProductTerms<T>
        where TP : struct, IIntSource
    {
        int chunkWidth = plan.Read(0);
        int chunks = plan.Read(1);
        int chunk = n / chunkWidth;
        if (chunk >= chunks)
        {
            chunk = chunks - 1;
        }

        int first = plan.Read(2 + chunk);
        int last = plan.Read(3 + chunk);
        int table = 3 + chunks;
        T y = init;
        bool fresh = zeroMode;
        T alphaV = math.Broadcast(alpha);
        for (int s = first; s < last; s++)
        {
            int o = table + (s * MlasPlan.SegmentInts);
            int k = plan.Read(o);
            int end = k + plan.Read(o + 1);
            int kind = plan.Read(o + 2);
            if (kind == MlasPlan.Fma)
            {
                T acc = math.Broadcast(0f);
                for (; k < end; k++)
                {
                    acc = math.Fma(math.Broadcast(terms.A(k)), terms.B(k), acc);
                }

                y = fresh ? math.Mul(acc, alphaV) : math.Fma(acc, alphaV, y);
            }
            else if (kind == MlasPlan.MulAddGroups)
            {
                for (; end - k >= 4; k += 4)
                {
                    T g = math.Add(math.Add(math.Add(Product<T, TL, TT>(math, terms, k), Product<T, TL, TT>(math, terms, k + 1)), Product<T, TL, TT>(math, terms, k + 2)), Product<T, TL, TT>(math, terms, k + 3));
                    y = math.Add(g, y);
                }

                if (((end - k) & 2) != 0)
                {
                    y = math.Add(math.Add(Product<T, TL, TT>(math, terms, k), Product<T, TL, TT>(math, terms, k + 1)), y);
                    k += 2;
                }

                if (((end - k) & 1) != 0)
                {
                    y = math.Add(Product<T, TL, TT>(math, terms, k), y);
                }
            }
            else
            {
                int count = plan.Read(o + 3);
                int index = kind == MlasPlan.Dot8Rows ? m : n - (chunk * chunkWidth);
                y = math.Add(Dot8<T, TL, TT>(math, terms, k, end, ReductionBlock(index, count)), y);
            }

            fresh = false;
        }

        return y;
    }

    /// <summary>
    /// GlobalAveragePool of one plane as MlasPoolGlobalKernel (mlas/lib/pooling.cpp): 4 lane sums from +0 over the
    /// first ⌊len/4⌋·4 values (lane j takes i ≡ j mod 4), reduced as (l0 + l2) + (l1 + l3) (MlasReduceAddFloat32x4),
    /// then the remaining values added one by one, then divided by (float)len.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float GlobalAverage<TS>(TS x, long plane, int length)
        where TS : struct, IFloatSource
    {
        float l0 = 0f, l1 = 0f, l2 = 0f, l3 = 0f;
        int i = 0;
        for (; length - i >= 4; i += 4)
        {
            l0 = StrictFloat.Add(l0, x.Read(plane + i));
            l1 = StrictFloat.Add(l1, x.Read(plane + i + 1));
            l2 = StrictFloat.Add(l2, x.Read(plane + i + 2));
            l3 = StrictFloat.Add(l3, x.Read(plane + i + 3));
        }

        float r = StrictFloat.Add(StrictFloat.Add(l0, l2), StrictFloat.Add(l1, l3));
        for (; i < length; i++)
        {
            r = StrictFloat.Add(r, x.Read(plane + i));
        }

        return r / (float)length;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static T Product<T, TL, TT>(TL math, TT terms, int k)
        where T : struct
        where TL : struct, ILaneMath<T>
        where TT : struct, IProductTerms<T>
        => math.Mul(math.Broadcast(terms.A(k)), terms.B(k));

    /// <summary>Which reduction MlasSgemmKernelM1TransposeBAvx uses for output <paramref name="index"/> of <paramref name="count"/>: 4, 2 or 1.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int ReductionBlock(int index, int count)
    {
        int fours = count & ~3;
        return index < fours ? 4 : (count & 2) != 0 && index < fours + 2 ? 2 : 1;
    }

    private static T Dot8<T, TL, TT>(TL math, TT terms, int k, int end, int block)
        where T : struct
        where TL : struct, ILaneMath<T>
        where TT : struct, IProductTerms<T>
    {
        T zero = math.Broadcast(0f);
        T s0 = zero, s1 = zero, s2 = zero, s3 = zero, s4 = zero, s5 = zero, s6 = zero, s7 = zero;
        for (; end - k >= 8; k += 8)
        {
            s0 = math.Add(s0, Product<T, TL, TT>(math, terms, k));
            s1 = math.Add(s1, Product<T, TL, TT>(math, terms, k + 1));
            s2 = math.Add(s2, Product<T, TL, TT>(math, terms, k + 2));
            s3 = math.Add(s3, Product<T, TL, TT>(math, terms, k + 3));
            s4 = math.Add(s4, Product<T, TL, TT>(math, terms, k + 4));
            s5 = math.Add(s5, Product<T, TL, TT>(math, terms, k + 5));
            s6 = math.Add(s6, Product<T, TL, TT>(math, terms, k + 6));
            s7 = math.Add(s7, Product<T, TL, TT>(math, terms, k + 7));
        }

        // The masked tail: lanes past the end add a product of zeros (+0), which leaves a lane sum unchanged.
        int rest = end - k;
        s0 = rest > 0 ? math.Add(s0, Product<T, TL, TT>(math, terms, k)) : s0;
        s1 = rest > 1 ? math.Add(s1, Product<T, TL, TT>(math, terms, k + 1)) : s1;
        s2 = rest > 2 ? math.Add(s2, Product<T, TL, TT>(math, terms, k + 2)) : s2;
        s3 = rest > 3 ? math.Add(s3, Product<T, TL, TT>(math, terms, k + 3)) : s3;
        s4 = rest > 4 ? math.Add(s4, Product<T, TL, TT>(math, terms, k + 4)) : s4;
        s5 = rest > 5 ? math.Add(s5, Product<T, TL, TT>(math, terms, k + 5)) : s5;
        s6 = rest > 6 ? math.Add(s6, Product<T, TL, TT>(math, terms, k + 6)) : s6;

        if (block == 4)
        {
            // .LOutput4x1Block: unpck transposes, then lanes 0-3 and 4-7 each summed left to right, then the halves added.
            T low = math.Add(math.Add(math.Add(s0, s1), s2), s3);
            T high = math.Add(math.Add(math.Add(s4, s5), s6), s7);
            return math.Add(low, high);
        }

        if (block == 2)
        {
            // .LOutput2x1Block: unpcklps/unpckhps pair lanes (0,2), (1,3), (4,6), (5,7); the 128-bit halves added; movhlps.
            T even = math.Add(math.Add(s0, s2), math.Add(s4, s6));
            T odd = math.Add(math.Add(s1, s3), math.Add(s5, s7));
            return math.Add(even, odd);
        }

        // .LOutput1x1Block: two vhaddps, then the 128-bit halves added.
        return math.Add(math.Add(math.Add(s0, s1), math.Add(s2, s3)), math.Add(math.Add(s4, s5), math.Add(s6, s7)));
    }
}
