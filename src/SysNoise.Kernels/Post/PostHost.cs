namespace SysNoise.Kernels.Post;

/// <summary>
/// The host path of <see cref="PostKernels"/>: plain loops over arrays calling the same per-item helpers, plus the
/// sequential parts of NMS (torchvision's greedy CPU loop and the scan of a suppression bitmask).
/// </summary>
public static class PostHost
{
    public static void DecodeBoxes(float[] anchors, float[] deltas, float[] output, int classes, BoxDecodeSpec spec)
    {
        int items = deltas.Length / 4;
        for (int i = 0; i < items; i++)
        {
            int a = (i / classes) * 4, d = i * 4;
            Box4 box = BoxDecode.Decode(
                spec,
                new Box4(anchors[a], anchors[a + 1], anchors[a + 2], anchors[a + 3]),
                new Box4(deltas[d], deltas[d + 1], deltas[d + 2], deltas[d + 3]));
            output[d] = box.A;
            output[d + 1] = box.B;
            output[d + 2] = box.C;
            output[d + 3] = box.D;
        }
    }

    public static void BoxIou(float[] boxes1, float[] boxes2, float[] output)
    {
        int n = boxes1.Length / 4, m = boxes2.Length / 4;
        var areas2 = new float[m];
        for (int j = 0; j < m; j++)
        {
            areas2[j] = IouMath.Area(Load(boxes2, j), 0f);
        }

        for (int i = 0; i < n; i++)
        {
            Box4 a = Load(boxes1, i);
            float areaA = IouMath.Area(a, 0f);
            for (int j = 0; j < m; j++)
            {
                output[((long)i * m) + j] = IouMath.Iou(a, areaA, Load(boxes2, j), areas2[j], 0f, default(TorchExtrema));
            }
        }
    }

    /// <summary>
    /// torchvision's CPU NMS loop (<c>nms_kernel.cpp</c>; mmcv's <c>nms_cpu</c> is the same loop): walk the boxes in
    /// <paramref name="order"/> (descending score), keep each box not yet suppressed and suppress every later box it
    /// overlaps by more than the threshold. Returns the kept original indices in that order.
    /// </summary>
    public static List<int> NmsGreedy(float[] boxes, int[] order, NmsSpec spec)
    {
        int n = order.Length;
        var areas = new float[boxes.Length / 4];
        for (int i = 0; i < areas.Length; i++)
        {
            areas[i] = IouMath.Area(Load(boxes, i), spec.Offset);
        }

        var suppressed = new bool[areas.Length];
        var keep = new List<int>();
        for (int p = 0; p < n; p++)
        {
            int i = order[p];
            if (suppressed[i])
            {
                continue;
            }

            keep.Add(i);
            Box4 a = Load(boxes, i);
            for (int q = p + 1; q < n; q++)
            {
                int j = order[q];
                if (!suppressed[j] && spec.Suppresses(a, areas[i], Load(boxes, j), areas[j]))
                {
                    suppressed[j] = true;
                }
            }
        }

        return keep;
    }

    /// <summary>The host loop of <see cref="PostKernels.NmsMask"/>: the suppression bitmask of score-sorted boxes.</summary>
    public static ulong[] NmsMask(float[] sortedBoxes, NmsSpec spec)
    {
        int n = sortedBoxes.Length / 4;
        int blocks = MaskBlocks(n);
        var mask = new ulong[(long)n * blocks];
        var areas = new float[n];
        for (int i = 0; i < n; i++)
        {
            areas[i] = IouMath.Area(Load(sortedBoxes, i), spec.Offset);
        }

        for (int row = 0; row < n; row++)
        {
            Box4 a = Load(sortedBoxes, row);
            for (int block = 0; block < blocks; block++)
            {
                ulong bits = 0;
                int start = block * PostKernels.MaskBits;
                for (int k = 0; k < PostKernels.MaskBits; k++)
                {
                    int j = start + k;
                    if (j > row && j < n && spec.Suppresses(a, areas[row], Load(sortedBoxes, j), areas[j]))
                    {
                        bits |= 1ul << k;
                    }
                }

                mask[((long)row * blocks) + block] = bits;
            }
        }

        return mask;
    }

    public static int MaskBlocks(int n) => (n + PostKernels.MaskBits - 1) / PostKernels.MaskBits;

    /// <summary>
    /// torchvision's CUDA NMS host step: walk the sorted boxes, keep a box unless an earlier kept box's mask row has its
    /// bit, and OR the kept box's row into the removed set. Returns kept positions in the sorted order.
    /// </summary>
    public static List<int> ScanNmsMask(ulong[] mask, int n)
    {
        int blocks = MaskBlocks(n);
        var removed = new ulong[blocks];
        var keep = new List<int>();
        for (int i = 0; i < n; i++)
        {
            if ((removed[i / PostKernels.MaskBits] & (1ul << (i % PostKernels.MaskBits))) != 0)
            {
                continue;
            }

            keep.Add(i);
            long row = (long)i * blocks;
            for (int b = i / PostKernels.MaskBits; b < blocks; b++)
            {
                removed[b] |= mask[row + b];
            }
        }

        return keep;
    }

    public static void Softmax(float[] x, float[] y, int rows, int cols, SoftmaxSpec spec)
    {
        for (int r = 0; r < rows; r++)
        {
            long start = (long)r * cols;
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
    }

    private static Box4 Load(float[] boxes, int index)
    {
        int at = index * 4;
        return new Box4(boxes[at], boxes[at + 1], boxes[at + 2], boxes[at + 3]);
    }
}
