using ILGPU;

namespace SysNoise.Kernels.Post;

/// <summary>
/// ILGPU kernels for detection and classification post-processing. Each calls the same per-item helper as the host
/// loop in <see cref="PostHost"/> (<see cref="BoxDecode"/>, <see cref="IouMath"/>, <see cref="NmsSpec"/>,
/// <see cref="SoftmaxRow"/>), so a kernel and its host loop give the same bits.
/// </summary>
public static class PostKernels
{
    /// <summary>Bits per NMS mask word: one thread compares its box with 64 later boxes (torchvision's CUDA layout).</summary>
    public const int MaskBits = 64;

    /// <summary>
    /// Item i decodes delta row i (deltas are N×4K, row-major) against anchor i / <paramref name="classes"/> (anchors N×4).
    /// </summary>
    public static void DecodeBoxes(Index1D i, ArrayView<float> anchors, ArrayView<float> deltas, ArrayView<float> output, int classes, BoxDecodeSpec spec)
    {
        long a = (long)(i.X / classes) * 4;
        long d = (long)i.X * 4;
        Box4 box = BoxDecode.Decode(
            spec,
            new Box4(anchors[a], anchors[a + 1], anchors[a + 2], anchors[a + 3]),
            new Box4(deltas[d], deltas[d + 1], deltas[d + 2], deltas[d + 3]));
        output[d] = box.A;
        output[d + 1] = box.B;
        output[d + 2] = box.C;
        output[d + 3] = box.D;
    }

    /// <summary>Item i is IoU(boxes1[i / m], boxes2[i % m]) as torchvision's <c>box_iou</c> computes it.</summary>
    public static void BoxIou(Index1D i, ArrayView<float> boxes1, ArrayView<float> boxes2, ArrayView<float> output, int m)
    {
        Box4 a = Load(boxes1, i / m);
        Box4 b = Load(boxes2, i % m);
        output[i.X] = IouMath.Iou(a, IouMath.Area(a, 0f), b, IouMath.Area(b, 0f), 0f, default(TorchExtrema));
    }

    /// <summary>
    /// The NMS suppression bitmask over boxes already sorted by descending score: item t is word (row, block) =
    /// (t / blocks, t % blocks); bit k is set when sorted box block·64 + k comes after the row box and the row box
    /// suppresses it. A sequential scan over the rows (<see cref="PostHost.ScanNmsMask"/>) then gives the kept list.
    /// </summary>
    public static void NmsMask(Index1D t, ArrayView<float> sortedBoxes, ArrayView<ulong> mask, int n, int blocks, NmsSpec spec)
    {
        int row = t / blocks;
        int block = t % blocks;
        Box4 a = Load(sortedBoxes, row);
        float areaA = IouMath.Area(a, spec.Offset);
        ulong bits = 0;
        int start = block * MaskBits;
        for (int k = 0; k < MaskBits; k++)
        {
            int j = start + k;
            if (j > row && j < n)
            {
                Box4 b = Load(sortedBoxes, j);
                if (spec.Suppresses(a, areaA, b, IouMath.Area(b, spec.Offset)))
                {
                    bits |= 1ul << k;
                }
            }
        }

        mask[t] = bits;
    }

    /// <summary>Item r is the softmax of row r (rows of <paramref name="cols"/> contiguous values), in index order.</summary>
    public static void Softmax(Index1D r, ArrayView<float> x, ArrayView<float> y, int cols, SoftmaxSpec spec)
    {
        long start = (long)r.X * cols;
        float max = float.NegativeInfinity;
        for (int k = 0; k < cols; k++)
        {
            max = SoftmaxRow.Max(max, x[start + k]);
        }

        float shift = SoftmaxRow.Shift(max, spec);
        float sum = 0f;
        for (int k = 0; k < cols; k++)
        {
            sum = SoftmaxRow.Accumulate(sum, SoftmaxRow.Exp(x[start + k], shift, spec));
        }

        for (int k = 0; k < cols; k++)
        {
            y[start + k] = SoftmaxRow.Output(SoftmaxRow.Exp(x[start + k], shift, spec), sum, spec);
        }
    }

    private static Box4 Load(ArrayView<float> boxes, int index)
    {
        long at = (long)index * 4;
        return new Box4(boxes[at], boxes[at + 1], boxes[at + 2], boxes[at + 3]);
    }
}
