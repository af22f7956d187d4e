using ILGPU;

namespace SysNoise.Kernels.Resize;

/// <summary>
/// ILGPU kernels for separable resampling. One kernel serves every variant: the
/// variant supplies the weight map (data) and the op (a generic struct).
/// </summary>
public static class ResampleKernels
{
    /// <summary>One output element of an axis pass. Index: X = inner, Y = output position on the axis, Z = outer.</summary>
    public static void AxisPass<TIn, TCoeff, TAcc, TOut, TOp>(
        Index3D index,
        ArrayView<TIn> input,
        ArrayView<TOut> output,
        AxisWeightsView<TCoeff> weights,
        PassGeometry geometry,
        TOp op)
        where TIn : unmanaged
        where TCoeff : unmanaged
        where TAcc : unmanaged
        where TOut : unmanaged
        where TOp : struct, IResampleOp<TIn, TCoeff, TAcc, TOut>
    {
        int inner = index.X;
        int j = index.Y;
        int outer = index.Z;
        long rowBase = ((long)(geometry.InputOuterOffset + outer) * geometry.InLength * geometry.Inner) + inner;
        int tapBase = j * weights.Taps;
        int count = weights.Count[j];
        TAcc acc = op.Begin(inner);
        for (int k = 0; k < count; k++)
        {
            long source = rowBase + ((long)weights.Index[tapBase + k] * geometry.Inner);
            acc = op.Accumulate(acc, input[source], weights.Coeff[tapBase + k]);
        }

        output[(((long)outer * geometry.OutLength) + j) * geometry.Inner + inner] = op.Finish(acc, inner);
    }

    /// <summary>
    /// Nearest neighbour in one pass: output (y, x, c) copies input (rows[y], cols[x], c). A row or column
    /// with no tap (count 0) reads as 0. Index: X = channel, Y = output column, Z = output row.
    /// </summary>
    public static void Gather2D<T>(
        Index3D index,
        ArrayView<T> input,
        ArrayView<T> output,
        AxisWeightsView<byte> rows,
        AxisWeightsView<byte> columns,
        GatherGeometry geometry)
        where T : unmanaged
    {
        int c = index.X, x = index.Y, y = index.Z;
        long o = ((((long)y * geometry.OutWidth) + x) * geometry.Channels) + c;
        if (rows.Count[y] == 0 || columns.Count[x] == 0)
        {
            output[o] = default;
            return;
        }

        output[o] = input[((((long)rows.Index[y * rows.Taps]) * geometry.InWidth) + columns.Index[x * columns.Taps]) * geometry.Channels + c];
    }

    /// <summary>A per-pixel map over 4-channel pixels.</summary>
    public static void Pixel4Map<T, TOp>(Index1D pixel, ArrayView<T> input, ArrayView<T> output, TOp op)
        where T : unmanaged
        where TOp : struct, IPixel4Op<T>
    {
        long b = (long)pixel.X * 4;
        T c0 = input[b], c1 = input[b + 1], c2 = input[b + 2], c3 = input[b + 3];
        op.Apply(ref c0, ref c1, ref c2, ref c3);
        output[b] = c0;
        output[b + 1] = c1;
        output[b + 2] = c2;
        output[b + 3] = c3;
    }
}
