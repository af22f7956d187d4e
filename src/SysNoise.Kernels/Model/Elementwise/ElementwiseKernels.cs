using ILGPU;

namespace SysNoise.Kernels.Model.Elementwise;

/// <summary>
/// ILGPU kernels for float32 elementwise ops: one thread per output element, the op struct does the arithmetic
/// (the same struct the host loops in <see cref="ElementwiseHost"/> call). Broadcasting reads the plan's meta
/// (<see cref="BroadcastPlan.Meta"/>).
/// </summary>
public static class ElementwiseKernels
{
    public static void Unary<TOp>(Index1D i, ArrayView<float> input, ArrayView<float> output, TOp op)
        where TOp : struct, IUnaryOp
    {
        output[i] = op.Apply(input[i]);
    }

    public static void Binary<TOp>(Index1D i, ArrayView<float> a, ArrayView<float> b, ArrayView<float> output, ArrayView<int> meta, TOp op)
        where TOp : struct, IBinaryOp
    {
        Offsets(i, meta, out int ia, out int ib);
        output[i] = op.Apply(a[ia], b[ib]);
    }

    /// <summary>A comparison; the bool result is written as a byte (0/1).</summary>
    public static void Compare<TOp>(Index1D i, ArrayView<float> a, ArrayView<float> b, ArrayView<byte> output, ArrayView<int> meta, TOp op)
        where TOp : struct, ICompareOp
    {
        Offsets(i, meta, out int ia, out int ib);
        output[i] = op.Apply(a[ia], b[ib]) ? (byte)1 : (byte)0;
    }

    private static void Offsets(int index, ArrayView<int> meta, out int ia, out int ib)
    {
        int rank = meta[0];
        int rem = index;
        ia = 0;
        ib = 0;
        for (int d = rank - 1; d >= 0; d--)
        {
            int dim = meta[1 + d];
            int c = rem % dim;
            rem /= dim;
            ia += c * meta[1 + rank + d];
            ib += c * meta[1 + (2 * rank) + d];
        }
    }
}
