using ILGPU;
using ILGPU.Runtime;
using SysNoise.Kernels.Numerics;
using SysNoise.Kernels.Post;
using SysNoise.Runtime.Devices;
using Device = SysNoise.Runtime.Devices.Device;

namespace SysNoise.Runtime.Post;

/// <summary>Candidate filtering around NMS: keep scores strictly above a threshold before, and the first K kept after.</summary>
public sealed record NmsFilter
{
    public static NmsFilter None { get; } = new();

    /// <summary>Boxes with score &gt; this (strict, as mmcv and torchvision's detection heads filter) take part.</summary>
    public float? ScoreThreshold { get; init; }

    /// <summary>At most this many kept indices (the highest scoring ones).</summary>
    public int? TopK { get; init; }
}

/// <summary>
/// Detection and classification post-processing on a <see cref="Device"/>: ILGPU kernels on an <see cref="IlgpuDevice"/>
/// (the CPU simulator or CUDA), the host loops otherwise. Both call the same per-item arithmetic in
/// <c>SysNoise.Kernels.Post</c>, so the device never changes a bit. Boxes are flat (x1, y1, x2, y2) float32 arrays.
/// </summary>
public static class PostProcessing
{
    /// <summary>Decodes deltas (N×4K) against anchors (N×4); returns N×4K boxes.</summary>
    public static float[] DecodeBoxes(Device device, BoxDecodeSpec spec, float[] anchors, float[] deltas)
    {
        int n = anchors.Length / 4;
        if (anchors.Length % 4 != 0 || deltas.Length % 4 != 0 || (n == 0 ? deltas.Length != 0 : deltas.Length % (4 * n) != 0))
        {
            throw new ArgumentException($"anchors must be N×4 and deltas N×4K; got {anchors.Length} and {deltas.Length} values");
        }

        if (deltas.Length == 0)
        {
            return [];
        }

        int classes = deltas.Length / (4 * n);
        if (device is IlgpuDevice gpu)
        {
            var kernel = gpu.GetOrLoadKernel(typeof(DecodeKey), a => a.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, BoxDecodeSpec>(PostKernels.DecodeBoxes));
            Accelerator acc = gpu.Accelerator;
            using var av = acc.Allocate1D(anchors);
            using var dv = acc.Allocate1D(deltas);
            using var ov = acc.Allocate1D<float>(deltas.Length);
            kernel(deltas.Length / 4, av.View, dv.View, ov.View, classes, spec);
            acc.Synchronize();
            return ov.GetAsArray1D();
        }

        var output = new float[deltas.Length];
        PostHost.DecodeBoxes(anchors, deltas, output, classes, spec);
        return output;
    }

    /// <summary>torchvision's <c>box_iou</c>: the N×M IoU matrix of boxes1 (N×4) and boxes2 (M×4).</summary>
    public static float[] BoxIou(Device device, float[] boxes1, float[] boxes2)
    {
        int n = boxes1.Length / 4, m = boxes2.Length / 4;
        if (n == 0 || m == 0)
        {
            return [];
        }

        if (device is IlgpuDevice gpu)
        {
            var kernel = gpu.GetOrLoadKernel(typeof(IouKey), a => a.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, int>(PostKernels.BoxIou));
            Accelerator acc = gpu.Accelerator;
            using var b1 = acc.Allocate1D(boxes1);
            using var b2 = acc.Allocate1D(boxes2);
            using var ov = acc.Allocate1D<float>((long)n * m);
            kernel(checked(n * m), b1.View, b2.View, ov.View, m);
            acc.Synchronize();
            return ov.GetAsArray1D();
        }

        var output = new float[(long)n * m];
        PostHost.BoxIou(boxes1, boxes2, output);
        return output;
    }

    /// <summary>NMS over all boxes (class-agnostic); returns kept indices in descending score order.</summary>
    public static long[] Nms(Device device, NmsVariant variant, float[] boxes, float[] scores, double iouThreshold, NmsFilter? filter = null)
    {
        CheckBoxes(boxes, scores);
        return Filtered(scores, filter, (b, s, _) => Core(device, variant, b, s, iouThreshold), boxes, classes: null);
    }

    /// <summary>
    /// Class-aware NMS as the variant's <c>batched_nms</c> does it: boxes of different classes never suppress each other.
    /// Up to <see cref="NmsVariant.TrickMaxBoxes"/> boxes: one NMS over boxes shifted by class·(max coordinate + 1), all in
    /// float32 as torch computes it (the shift changes coordinates' rounding, so IoUs can differ from unshifted boxes);
    /// above: one NMS per class, the kept indices re-sorted by score with torch's default (introsort) sort.
    /// </summary>
    public static long[] BatchedNms(Device device, NmsVariant variant, float[] boxes, float[] scores, long[] classes, double iouThreshold, NmsFilter? filter = null)
    {
        CheckBoxes(boxes, scores);
        if (classes.Length != scores.Length)
        {
            throw new ArgumentException($"classes has {classes.Length} entries for {scores.Length} boxes");
        }

        return Filtered(scores, filter, (b, s, c) => Batched(device, variant, b, s, c!, iouThreshold), boxes, classes);
    }

    /// <summary>Softmax over rows of <paramref name="cols"/> values (for fp16 variants the values must be binary16-representable).</summary>
    public static float[] Softmax(Device device, SoftmaxVariant variant, float[] x, int cols)
    {
        if (cols < 1 || x.Length % cols != 0)
        {
            throw new ArgumentException($"{x.Length} values are not rows of {cols}");
        }

        int rows = x.Length / cols;
        if (rows == 0)
        {
            return [];
        }

        if (device is IlgpuDevice gpu)
        {
            var kernel = gpu.GetOrLoadKernel(typeof(SoftmaxKey), a => a.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, int, SoftmaxSpec>(PostKernels.Softmax));
            Accelerator acc = gpu.Accelerator;
            using var xv = acc.Allocate1D(x);
            using var yv = acc.Allocate1D<float>(x.Length);
            kernel(rows, xv.View, yv.View, cols, variant.Spec);
            acc.Synchronize();
            return yv.GetAsArray1D();
        }

        var y = new float[x.Length];
        PostHost.Softmax(x, y, rows, cols, variant.Spec);
        return y;
    }

    /// <summary>
    /// The suppression bitmask of score-sorted boxes, computed by the ILGPU kernel (or its host loop on the host device):
    /// the GPU half of NMS, exposed so that tests can hold it against the host's greedy loop.
    /// </summary>
    public static ulong[] NmsMask(Device device, float[] sortedBoxes, NmsSpec spec)
    {
        int n = sortedBoxes.Length / 4;
        if (n == 0)
        {
            return [];
        }

        if (device is not IlgpuDevice gpu)
        {
            return PostHost.NmsMask(sortedBoxes, spec);
        }

        int blocks = PostHost.MaskBlocks(n);
        var kernel = gpu.GetOrLoadKernel(typeof(MaskKey), a => a.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<ulong>, int, int, NmsSpec>(PostKernels.NmsMask));
        Accelerator acc = gpu.Accelerator;
        using var bv = acc.Allocate1D(sortedBoxes);
        using var mv = acc.Allocate1D<ulong>((long)n * blocks);
        kernel(checked(n * blocks), bv.View, mv.View, n, blocks, spec);
        acc.Synchronize();
        return mv.GetAsArray1D();
    }

    /// <summary>The variant's score order (descending, NaN first): stable, or torch's default introsort.</summary>
    public static int[] Order(NmsVariant variant, float[] scores) => variant.StableSort ? ScoreOrder.Stable(scores) : ScoreOrder.Unstable(scores);

    // One NMS: the greedy CPU loop on the host; on an ILGPU device the bitmask kernel and the sequential scan.
    private static List<int> Core(Device device, NmsVariant variant, float[] boxes, float[] scores, double iouThreshold)
    {
        int[] order = Order(variant, scores);
        NmsSpec spec = variant.Spec(iouThreshold);
        if (device is not IlgpuDevice)
        {
            return PostHost.NmsGreedy(boxes, order, spec);
        }

        var sorted = new float[boxes.Length];
        for (int p = 0; p < order.Length; p++)
        {
            Array.Copy(boxes, order[p] * 4, sorted, p * 4, 4);
        }

        List<int> kept = PostHost.ScanNmsMask(NmsMask(device, sorted, spec), order.Length);
        return kept.ConvertAll(p => order[p]);
    }

    private static List<int> Batched(Device device, NmsVariant variant, float[] boxes, float[] scores, long[] classes, double iouThreshold)
    {
        int n = scores.Length;
        if (n == 0)
        {
            return [];
        }

        float[] shifted = ShiftByClass(boxes, classes);
        if (n <= variant.TrickMaxBoxes)
        {
            return Core(device, variant, shifted, scores, iouThreshold);
        }

        float[] source = variant.PerClassUsesOffsetBoxes ? shifted : boxes;
        var kept = new bool[n];
        foreach (long cls in classes.Distinct().Order())
        {
            int[] members = Enumerable.Range(0, n).Where(i => classes[i] == cls).ToArray();
            var subBoxes = new float[members.Length * 4];
            var subScores = new float[members.Length];
            for (int k = 0; k < members.Length; k++)
            {
                Array.Copy(source, members[k] * 4, subBoxes, k * 4, 4);
                subScores[k] = scores[members[k]];
            }

            foreach (int k in Core(device, variant, subBoxes, subScores, iouThreshold))
            {
                kept[members[k]] = true;
            }
        }

        int[] keptIndices = Enumerable.Range(0, n).Where(i => kept[i]).ToArray();
        int[] order = ScoreOrder.Unstable(keptIndices.Select(i => scores[i]).ToArray());
        return order.Select(p => keptIndices[p]).ToList();
    }

    /// <summary>boxes + class·(boxes.max() + 1), every step a float32 tensor op as torch computes it (NaN max propagates).</summary>
    private static float[] ShiftByClass(float[] boxes, long[] classes)
    {
        float max = float.NegativeInfinity;
        foreach (float v in boxes)
        {
            max = float.IsNaN(max) || float.IsNaN(v) ? float.NaN : Math.Max(max, v);
        }

        float step = StrictFloat.Add(max, 1f);
        var shifted = new float[boxes.Length];
        for (int i = 0; i < classes.Length; i++)
        {
            float offset = StrictFloat.Mul((float)classes[i], step); // idxs.to(boxes): int64 → float32, round to nearest
            for (int c = 0; c < 4; c++)
            {
                shifted[(i * 4) + c] = StrictFloat.Add(boxes[(i * 4) + c], offset);
            }
        }

        return shifted;
    }

    private static long[] Filtered(float[] scores, NmsFilter? filter, Func<float[], float[], long[]?, List<int>> run, float[] boxes, long[]? classes)
    {
        filter ??= NmsFilter.None;
        if (filter.TopK is < 0)
        {
            throw new ArgumentException($"top-k must be ≥ 0, got {filter.TopK}");
        }

        int[] candidates = filter.ScoreThreshold is float threshold
            ? Enumerable.Range(0, scores.Length).Where(i => scores[i] > threshold).ToArray()
            : Enumerable.Range(0, scores.Length).ToArray();
        List<int> kept;
        if (candidates.Length == scores.Length)
        {
            kept = run(boxes, scores, classes);
        }
        else
        {
            var subBoxes = new float[candidates.Length * 4];
            var subScores = new float[candidates.Length];
            long[]? subClasses = classes is null ? null : new long[candidates.Length];
            for (int k = 0; k < candidates.Length; k++)
            {
                Array.Copy(boxes, candidates[k] * 4, subBoxes, k * 4, 4);
                subScores[k] = scores[candidates[k]];
                if (subClasses is not null)
                {
                    subClasses[k] = classes![candidates[k]];
                }
            }

            kept = run(subBoxes, subScores, subClasses).ConvertAll(k => candidates[k]);
        }

        int count = filter.TopK is int k2 ? Math.Min(k2, kept.Count) : kept.Count;
        return kept.Take(count).Select(i => (long)i).ToArray();
    }

    private static void CheckBoxes(float[] boxes, float[] scores)
    {
        if (boxes.Length != scores.Length * 4)
        {
            throw new ArgumentException($"boxes must be N×4 for N = {scores.Length} scores; got {boxes.Length} values");
        }
    }

    private static class DecodeKey;

    private static class IouKey;

    private static class MaskKey;

    private static class SoftmaxKey;
}
