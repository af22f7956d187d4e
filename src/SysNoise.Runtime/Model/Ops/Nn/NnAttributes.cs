using SysNoise.Kernels.Model.Nn;
using SysNoise.Runtime.Model.Execution;
using SysNoise.Runtime.Model.Graph;
using SysNoise.Runtime.Tensors;

namespace SysNoise.Runtime.Model.Ops.Nn;

/// <summary>Reads the Conv/ConvTranspose/pooling attributes into an <see cref="NnGeometry"/> (1-D to 3-D, NCHW).</summary>
internal static class NnAttributes
{
    public static readonly string[] AutoPads = ["NOTSET", "SAME_UPPER", "SAME_LOWER", "VALID"];

    public static IEnumerable<string> CheckAutoPad(OnnxNode node)
    {
        string autoPad = node.String("auto_pad", "NOTSET");
        if (Array.IndexOf(AutoPads, autoPad) < 0)
        {
            yield return $"auto_pad '{autoPad}' is not one of {string.Join(", ", AutoPads)}";
        }
    }

    public static Tensor<float> Float(Tensor? t, OnnxNode node, string what)
        => t as Tensor<float> ?? throw new NotSupportedException($"{what} must be float32, got {t?.DType.ToString().ToLowerInvariant() ?? "nothing"}");

    /// <summary>Per-axis attribute of length r (spatial rank), or the fallback for each axis.</summary>
    public static int[] Axes(OnnxNode node, string name, int r, int fallback, int length = -1)
    {
        long[]? v = node.Ints(name);
        int want = length < 0 ? r : length;
        if (v is null)
        {
            return Enumerable.Repeat(fallback, want).ToArray();
        }

        if (v.Length != want)
        {
            throw new ArgumentException($"{name} has {v.Length} values, expected {want} for {r} spatial axes");
        }

        return v.Select(x => checked((int)x)).ToArray();
    }

    public static int SpatialRank(int[] shape, OnnxNode node)
    {
        int r = shape.Length - 2;
        if (r < 1 || r > 3)
        {
            throw new NotSupportedException($"{node.OpType} on a rank-{shape.Length} input: SysNoise implements 1 to 3 spatial axes");
        }

        return r;
    }

    /// <summary>Fills the (D, H, W) slots of g from per-axis values of the last r axes (leading axes trivial).</summary>
    private static void Place(ref NnGeometry g, int r, int[] inSize, int[] kernel, int[] stride, int[] padBegin, int[] padEnd, int[] dil, int[] outSize)
    {
        int[] In = [1, 1, 1], K = [1, 1, 1], S = [1, 1, 1], Pb = [0, 0, 0], Pe = [0, 0, 0], D = [1, 1, 1], O = [1, 1, 1];
        for (int i = 0; i < r; i++)
        {
            int j = 3 - r + i;
            In[j] = inSize[i];
            K[j] = kernel[i];
            S[j] = stride[i];
            Pb[j] = padBegin[i];
            Pe[j] = padEnd[i];
            D[j] = dil[i];
            O[j] = outSize[i];
        }

        (g.InD, g.InH, g.InW) = (In[0], In[1], In[2]);
        (g.KD, g.KH, g.KW) = (K[0], K[1], K[2]);
        (g.SD, g.SH, g.SW) = (S[0], S[1], S[2]);
        (g.PD, g.PH, g.PW) = (Pb[0], Pb[1], Pb[2]);
        (g.PDEnd, g.PHEnd, g.PWEnd) = (Pe[0], Pe[1], Pe[2]);
        (g.DD, g.DH, g.DW) = (D[0], D[1], D[2]);
        (g.OutD, g.OutH, g.OutW) = (O[0], O[1], O[2]);
    }

    /// <summary>Pads after auto_pad: explicit pads (NOTSET), zeros (VALID), or SAME_UPPER/SAME_LOWER.</summary>
    private static (int[] Begin, int[] End) Pads(OnnxNode node, int r, int[] inSize, int[] kernel, int[] stride, int[] dil)
    {
        string autoPad = node.String("auto_pad", "NOTSET");
        int[] begin = new int[r], end = new int[r];
        if (autoPad is "SAME_UPPER" or "SAME_LOWER")
        {
            for (int i = 0; i < r; i++)
            {
                (begin[i], end[i]) = PoolGeometry.SamePads(inSize[i], kernel[i], stride[i], dil[i], autoPad == "SAME_UPPER");
            }
        }
        else if (autoPad != "VALID")
        {
            int[] pads = Axes(node, "pads", r, 0, 2 * r);
            for (int i = 0; i < r; i++)
            {
                (begin[i], end[i]) = (pads[i], pads[r + i]);
                if (begin[i] < 0 || end[i] < 0)
                {
                    throw new ArgumentException("negative pads are not supported");
                }
            }
        }

        return (begin, end);
    }

    private static void Positive(int[] v, string name)
    {
        if (v.Any(x => x < 1))
        {
            throw new ArgumentException($"{name} must be ≥ 1, got [{string.Join(", ", v)}]");
        }
    }

    /// <summary>Conv: x [N, C, ...], w [OC, C/group, k...].</summary>
    public static NnGeometry Conv(OnnxNode node, int[] x, int[] w)
    {
        int r = SpatialRank(x, node);
        if (w.Length != x.Length)
        {
            throw new ArgumentException($"weights of rank {w.Length} for an input of rank {x.Length}");
        }

        int group = checked((int)node.Int("group", 1));
        int[] inSize = x[2..];
        int[] kernel = node.Has("kernel_shape") ? Axes(node, "kernel_shape", r, 1) : w[2..];
        if (!kernel.SequenceEqual(w[2..]))
        {
            throw new ArgumentException($"kernel_shape [{string.Join(", ", kernel)}] does not match the weights {string.Join("×", w)}");
        }

        if (group < 1 || x[1] % group != 0 || w[0] % group != 0 || w[1] * group != x[1])
        {
            throw new ArgumentException($"group {group} does not fit {x[1]} input channels and weights {string.Join("×", w)}");
        }

        int[] stride = Axes(node, "strides", r, 1), dil = Axes(node, "dilations", r, 1);
        Positive(stride, "strides");
        Positive(dil, "dilations");
        (int[] pb, int[] pe) = Pads(node, r, inSize, kernel, stride, dil);
        int[] outSize = new int[r];
        for (int i = 0; i < r; i++)
        {
            outSize[i] = PoolGeometry.OutputSize(inSize[i], kernel[i], stride[i], pb[i], pe[i], dil[i], false, PoolCeilRule.Modern);
            if (outSize[i] < 1 && inSize[i] > 0)
            {
                throw new ArgumentException($"the kernel ({kernel[i]}, dilation {dil[i]}) does not fit axis {i} of length {inSize[i]} with pads {pb[i]}+{pe[i]}");
            }

            outSize[i] = Math.Max(0, outSize[i]);
        }

        var g = new NnGeometry { Batch = x[0], Channels = x[1], OutChannels = w[0], Group = group };
        Place(ref g, r, inSize, kernel, stride, pb, pe, dil, outSize);
        return g;
    }

    /// <summary>ConvTranspose: x [N, C, ...], w [C, OC/group, k...]; output_shape / output_padding / auto_pad.</summary>
    public static NnGeometry ConvTranspose(OnnxNode node, int[] x, int[] w)
    {
        int r = SpatialRank(x, node);
        if (w.Length != x.Length)
        {
            throw new ArgumentException($"weights of rank {w.Length} for an input of rank {x.Length}");
        }

        int group = checked((int)node.Int("group", 1));
        if (group < 1 || x[1] % group != 0 || w[0] != x[1])
        {
            throw new ArgumentException($"group {group} does not fit {x[1]} input channels and weights {string.Join("×", w)}");
        }

        int[] inSize = x[2..];
        int[] kernel = node.Has("kernel_shape") ? Axes(node, "kernel_shape", r, 1) : w[2..];
        if (!kernel.SequenceEqual(w[2..]))
        {
            throw new ArgumentException($"kernel_shape [{string.Join(", ", kernel)}] does not match the weights {string.Join("×", w)}");
        }

        int[] stride = Axes(node, "strides", r, 1), dil = Axes(node, "dilations", r, 1);
        Positive(stride, "strides");
        Positive(dil, "dilations");
        int[] outPad = Axes(node, "output_padding", r, 0);
        string autoPad = node.String("auto_pad", "NOTSET");
        int[] pb = new int[r], pe = new int[r], outSize = new int[r];
        long[]? outputShape = node.Ints("output_shape");
        if (outputShape is not null && outputShape.Length != r && outputShape.Length != r + 2)
        {
            throw new ArgumentException($"output_shape has {outputShape.Length} values for {r} spatial axes");
        }

        for (int i = 0; i < r; i++)
        {
            int full = (stride[i] * (inSize[i] - 1)) + outPad[i] + ((kernel[i] - 1) * dil[i]) + 1;
            if (outputShape is not null || autoPad is "SAME_UPPER" or "SAME_LOWER")
            {
                int target = outputShape is not null ? checked((int)outputShape[outputShape.Length - r + i]) : inSize[i] * stride[i];
                int total = full - target;
                if (total < 0)
                {
                    // A target past the full output: the extra outputs only see the bias (end padding is negative).
                    (pb[i], pe[i]) = (0, total);
                }
                else
                {
                    (pb[i], pe[i]) = autoPad == "SAME_UPPER" ? (total / 2, total - (total / 2)) : (total - (total / 2), total / 2);
                }

                outSize[i] = target;
            }
            else
            {
                if (autoPad != "VALID")
                {
                    int[] pads = Axes(node, "pads", r, 0, 2 * r);
                    (pb[i], pe[i]) = (pads[i], pads[r + i]);
                }

                outSize[i] = full - pb[i] - pe[i];
            }

            if (outSize[i] < 0)
            {
                throw new ArgumentException($"ConvTranspose output length {outSize[i]} on axis {i}");
            }
        }

        var g = new NnGeometry { Batch = x[0], Channels = x[1], OutChannels = w[1] * group, Group = group };
        Place(ref g, r, inSize, kernel, stride, pb, pe, dil, outSize);
        return g;
    }

    /// <summary>MaxPool/AveragePool with the session's ceil-mode knob applied.</summary>
    public static NnGeometry Pool(OnnxNode node, int[] x, ExecutionOptions options, bool dilationsAllowed)
    {
        int r = SpatialRank(x, node);
        int[] kernel = Axes(node, "kernel_shape", r, 1);
        if (!node.Has("kernel_shape"))
        {
            throw new ArgumentException("kernel_shape is required");
        }

        int[] inSize = x[2..];
        int[] stride = Axes(node, "strides", r, 1);
        int[] dil = dilationsAllowed ? Axes(node, "dilations", r, 1) : Enumerable.Repeat(1, r).ToArray();
        Positive(kernel, "kernel_shape");
        Positive(stride, "strides");
        Positive(dil, "dilations");
        (int[] pb, int[] pe) = Pads(node, r, inSize, kernel, stride, dil);
        bool ceil = options.CeilMode ?? node.Int("ceil_mode", 0) != 0;
        PoolCeilRule rule = options.CeilRule == CeilRule.Legacy ? PoolCeilRule.Legacy : PoolCeilRule.Modern;
        int[] outSize = new int[r];
        for (int i = 0; i < r; i++)
        {
            outSize[i] = PoolGeometry.OutputSize(inSize[i], kernel[i], stride[i], pb[i], pe[i], dil[i], ceil, rule);
            if (outSize[i] < 1)
            {
                throw new ArgumentException($"the pooling window ({kernel[i]}, dilation {dil[i]}) does not fit axis {i} of length {inSize[i]} with pads {pb[i]}+{pe[i]}");
            }
        }

        var g = new NnGeometry { Batch = x[0], Channels = x[1], OutChannels = x[1], Group = x[1] };
        Place(ref g, r, inSize, kernel, stride, pb, pe, dil, outSize);
        return g;
    }

    /// <summary>Output shape [N, OC, spatial...] of a geometry with r spatial axes.</summary>
    public static int[] OutputShape(NnGeometry g, int r)
    {
        int[] spatial = [g.OutD, g.OutH, g.OutW];
        return [g.Batch, g.OutChannels, .. spatial[(3 - r)..]];
    }
}
