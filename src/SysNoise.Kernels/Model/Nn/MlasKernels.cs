using ILGPU;
using SysNoise.Kernels.Numerics;

namespace SysNoise.Kernels.Model.Nn;

/// <summary>
/// ILGPU kernels of ONNX Runtime's CPU accumulation order (<see cref="MlasMath"/>): one thread per output element,
/// reading the operands in place; the plan (<see cref="MlasPlan"/>) is an int view.
/// </summary>
public static class MlasKernels
{
    /// <summary>Conv (hasBias 0/1) with a <see cref="MlasPlan.ForConv"/> plan. Index: flat output element of [N, OC, OD, OH, OW].</summary>
    public static void Conv(Index1D index, ArrayView<float> x, ArrayView<float> w, ArrayView<float> bias, int hasBias, NnGeometry g, ArrayView<int> plan, ArrayView<float> y)
    {
        long i = index.X;
        OutputPosition o = g.Locate(i);
        int n = o.N, oc = o.Oc, od = o.Od, oh = o.Oh, ow = o.Ow;
        int column = (((od * g.OutH) + oh) * g.OutW) + ow;
        var terms = new ConvTerms<ViewSource>(new ViewSource(x), new ViewSource(w), g, n, oc, od, oh, ow);
        float acc = MlasMath.Element<float, ScalarLanes, ConvTerms<ViewSource>, ViewIntSource>(default, terms, new ViewIntSource(plan), oc % g.GroupOutChannels, column, 0f, true, 1f);
        y[i] = hasBias != 0 ? NnMath.AddBias(acc, bias[oc]) : acc;
    }

    /// <summary>
    /// Gemm/MatMul with a <see cref="MlasPlan.ForGemm"/> plan: Y starts as beta·C broadcast (C as is when beta = 1;
    /// +0 without C or with beta = 0). foldRows 1: MLAS runs all batches as one GEMM (rows numbered across batches).
    /// </summary>
    public static void MatMul(Index1D index, ArrayView<float> a, ArrayView<float> b, ArrayView<float> c, ArrayView<long> aOffsets, ArrayView<long> bOffsets, MatMulGeometry g, int foldRows, ArrayView<int> plan, ArrayView<float> y)
    {
        long i = index.X;
        int col = (int)(i % g.N);
        long r = i / g.N;
        int row = (int)(r % g.M);
        int batch = (int)(r / g.M);
        var terms = new StridedTerms<ViewSource>(new ViewSource(a), aOffsets[batch] + (g.ARowStride * row), g.AColStride, new ViewSource(b), bOffsets[batch] + (g.BColStride * col), g.BRowStride);
        bool scaled = g.HasC != 0 && g.Beta != 0f;
        float init = 0f;
        if (scaled)
        {
            float cv = c[(g.CRowStride * row) + (g.CColStride * col)];
            init = g.Beta == 1f ? cv : StrictFloat.Mul(cv, g.Beta);
        }

        int planRow = foldRows != 0 ? (batch * g.M) + row : row;
        y[i] = MlasMath.Element<float, ScalarLanes, StridedTerms<ViewSource>, ViewIntSource>(default, terms, new ViewIntSource(plan), planRow, col, init, !scaled, g.Alpha);
    }

    /// <summary>GlobalAveragePool in MLAS's order (<see cref="MlasMath.GlobalAverage"/>). Index: (n, c) plane.</summary>
    public static void GlobalAverage(Index1D plane, ArrayView<float> x, int length, ArrayView<float> y)
        => y[plane] = MlasMath.GlobalAverage(new ViewSource(x), (long)plane.X * length, length);

    /// <summary>Softmax of one row (<see cref="OrtCpuMath"/>: MLAS's max, 16-lane exp sum, times 1/sum). Index: row.</summary>
    public static void Softmax(Index1D row, ArrayView<float> x, int length, int stride, ArrayView<float> y)
    {
        int r = row.X;
        long start = ((long)(r / stride) * length * stride) + (r % stride);
        var source = new ViewSource(x);
        float negativeMaximum = -OrtCpuMath.SoftmaxMaximum(source, start, stride, length);
        float reciprocal = 1f / OrtCpuMath.SoftmaxSum(source, start, stride, length, negativeMaximum);
        for (int k = 0; k < length; k++)
        {
            long i = start + ((long)k * stride);
            y[i] = OrtCpuMath.SoftmaxValue(x[i], negativeMaximum, reciprocal);
        }
    }

    /// <summary>ReduceSum (mean 0) or ReduceMean (1) of one contiguous row as Eigen sums it (<see cref="OrtCpuMath.EigenRow"/>). Index: row.</summary>
    public static void EigenSum(Index1D row, ArrayView<float> x, int length, int mean, ArrayView<float> y)
        => y[row] = OrtCpuMath.EigenRow(new ViewSource(x), (long)row.X * length, length, mean != 0);

    /// <summary>MLAS's FMA3 erf (<see cref="OrtCpuMath.Erf"/>). Index: element.</summary>
    public static void Erf(Index1D i, ArrayView<float> x, ArrayView<float> y) => y[i] = OrtCpuMath.Erf(x[i]);

    /// <summary>AveragePool of a 1-D/2-D plane with MlasPool's kernel <paramref name="kernel"/> (<see cref="OrtCpuMath.AveragePool"/>). Index: flat output of [N·C, OH, OW].</summary>
    public static void AveragePool(Index1D index, ArrayView<float> x, NnGeometry g, int kernel, int includePad, ArrayView<float> y)
    {
        long i = index.X;
        int ow = (int)(i % g.OutW);
        long r = i / g.OutW;
        int oh = (int)(r % g.OutH);
        long plane = r / g.OutH;
        y[i] = OrtCpuMath.AveragePool(new ViewSource(x), plane * g.InSpatial, g, kernel, includePad != 0, oh, ow);
    }

    /// <summary>2-D ConvTranspose in ORT's order (<see cref="OrtCpuMath.ConvTransposeElement"/>), then the bias. Index: flat output.</summary>
    public static void ConvTranspose(Index1D index, ArrayView<float> x, ArrayView<float> w, ArrayView<float> bias, int hasBias, NnGeometry g, ArrayView<int> plan, ArrayView<float> y)
    {
        long i = index.X;
        float v = OrtCpuMath.ConvTransposeElement(new ViewSource(x), new ViewSource(w), new ViewIntSource(plan), g, i);
        y[i] = hasBias != 0 ? StrictFloat.Add(v, bias[(int)(i / g.OutSpatial % g.OutChannels)]) : v;
    }

    /// <summary>MLAS's FMA3 logistic (<see cref="OrtCpuMath.Logistic"/>). Index: element.</summary>
    public static void Logistic(Index1D i, ArrayView<float> x, ArrayView<float> y) => y[i] = OrtCpuMath.Logistic(x[i]);

    /// <summary>ORT's inference BatchNormalization: x·a + b (<see cref="OrtCpuMath.BatchNormValue"/>); parameter (i / inner) mod channels. Index: element.</summary>
    public static void BatchNorm(Index1D index, ArrayView<float> x, ArrayView<float> a, ArrayView<float> b, int inner, int channels, ArrayView<float> y)
    {
        long i = index.X;
        int c = (int)(i / inner % channels);
        y[i] = OrtCpuMath.BatchNormValue(x[i], a[c], b[c]);
    }
}
