using ILGPU;

namespace SysNoise.Kernels.Model.Nn;

/// <summary>
/// ILGPU kernels of the neural-network ops: one thread per output element, each running <see cref="NnMath"/>'s chain
/// for that element (the host paths compute the same chains, vectorised).
/// </summary>
public static class NnKernels
{
    /// <summary>Conv (hasBias 0/1). Index: flat output element of [N, OC, OD, OH, OW].</summary>
    public static void Conv(Index1D index, ArrayView<float> x, ArrayView<float> w, ArrayView<float> bias, int hasBias, NnGeometry g, ArrayView<float> y)
    {
        long i = index.X;
        OutputPosition o = g.Locate(i);
        int n = o.N, oc = o.Oc, od = o.Od, oh = o.Oh, ow = o.Ow;
        float acc = NnMath.ConvElement(new ViewSource(x), new ViewSource(w), g, n, oc, od, oh, ow);
        y[i] = hasBias != 0 ? NnMath.AddBias(acc, bias[oc]) : acc;
    }

    /// <summary>ConvTranspose (hasBias 0/1). Index: flat output element.</summary>
    public static void ConvTranspose(Index1D index, ArrayView<float> x, ArrayView<float> w, ArrayView<float> bias, int hasBias, NnGeometry g, ArrayView<float> y)
    {
        long i = index.X;
        OutputPosition o = g.Locate(i);
        int n = o.N, oc = o.Oc, od = o.Od, oh = o.Oh, ow = o.Ow;
        float acc = NnMath.ConvTransposeElement(new ViewSource(x), new ViewSource(w), g, n, oc, od, oh, ow);
        y[i] = hasBias != 0 ? NnMath.AddBias(acc, bias[oc]) : acc;
    }

    /// <summary>
    /// Batched matrix product with Gemm's epilogue: y[b, m, n] = epilogue(Σk a·b). Operand element addresses come
    /// from per-batch offsets and strides, so transposes and broadcast batches need no copies. Index: flat output element.
    /// </summary>
    public static void MatMul(Index1D index, ArrayView<float> a, ArrayView<float> b, ArrayView<float> c, ArrayView<long> aOffsets, ArrayView<long> bOffsets, MatMulGeometry g, ArrayView<float> y)
    {
        long i = index.X;
        int col = (int)(i % g.N);
        long r = i / g.N;
        int row = (int)(r % g.M);
        int batch = (int)(r / g.M);
        long aBase = aOffsets[batch] + (g.ARowStride * row);
        long bBase = bOffsets[batch] + (g.BColStride * col);
        float acc = 0f;
        for (int k = 0; k < g.K; k++)
        {
            acc = SysNoise.Kernels.Numerics.StrictFloat.FusedMultiplyAdd(a[aBase + (g.AColStride * k)], b[bBase + (g.BRowStride * k)], acc);
        }

        float cv = g.HasC != 0 ? c[(g.CRowStride * row) + (g.CColStride * col)] : 0f;
        y[i] = NnMath.GemmEpilogue(acc, g.Alpha, g.HasC != 0, g.Beta, cv);
    }

    /// <summary>MaxPool; indices (int64) written when writeIndices is 1. Index: flat output element.</summary>
    public static void MaxPool(Index1D index, ArrayView<float> x, NnGeometry g, int storageOrder, ArrayView<float> y, ArrayView<long> indices, int writeIndices)
    {
        long i = index.X;
        OutputPosition o = g.Locate(i);
        long plane = o.Plane;
        int od = o.Od, oh = o.Oh, ow = o.Ow;
        PoolMax m = NnMath.MaxWindow(new ViewSource(x), g, plane * g.InSpatial, od, oh, ow, storageOrder);
        y[i] = m.Value;
        if (writeIndices != 0)
        {
            indices[i] = m.Index;
        }
    }

    /// <summary>AveragePool. Index: flat output element.</summary>
    public static void AveragePool(Index1D index, ArrayView<float> x, NnGeometry g, int countIncludePad, ArrayView<float> y)
    {
        long i = index.X;
        OutputPosition o = g.Locate(i);
        long plane = o.Plane;
        int od = o.Od, oh = o.Oh, ow = o.Ow;
        y[i] = NnMath.AverageWindow(new ViewSource(x), g, plane * g.InSpatial, od, oh, ow, countIncludePad != 0);
    }

    /// <summary>GlobalAveragePool (max = 0) or GlobalMaxPool (max = 1). Index: plane.</summary>
    public static void GlobalPool(Index1D plane, ArrayView<float> x, int length, int max, ArrayView<float> y)
    {
        long p = (long)plane.X * length;
        y[plane.X] = max != 0 ? NnMath.PlaneMax(new ViewSource(x), p, length) : NnMath.PlaneMean(new ViewSource(x), p, length);
    }

    /// <summary>Inference BatchNormalization with folded per-channel a, b. Index: flat element; channel = (i / inner) % C.</summary>
    public static void BatchNorm(Index1D index, ArrayView<float> x, ArrayView<float> a, ArrayView<float> b, int inner, int channels, ArrayView<float> y)
    {
        long i = index.X;
        int c = (int)((i / inner) % channels);
        y[i] = NnMath.BatchNorm(x[i], a[c], b[c]);
    }
}

/// <summary>Geometry of a (batched, strided) matrix product with Gemm's epilogue; a value type for the kernels.</summary>
public struct MatMulGeometry
{
    public int Batches;
    public int M;
    public int N;
    public int K;
    public long ARowStride;
    public long AColStride;
    public long BRowStride;
    public long BColStride;
    public int HasC;
    public long CRowStride;
    public long CColStride;
    public float Alpha;
    public float Beta;
}
