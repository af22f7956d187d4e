using System.Runtime.CompilerServices;
using SysNoise.Kernels.Model.Nn;
using SysNoise.Runtime.Model.Graph;
using SysNoise.Runtime.Tensors;

namespace SysNoise.Runtime.Model.Ops.Nn;

/// <summary>
/// Conv (1-D to 3-D, groups incl. depthwise, dilations, pads, auto_pad, strides, optional bias), float32 NCHW.
/// Host: packed-weight GEMM over im2col panels (<see cref="ConvHost"/>); ILGPU: <see cref="NnKernels.Conv"/>.
/// Weights are packed once per weight tensor (tensors are immutable) and kept while the tensor lives.
/// </summary>
public sealed class ConvOp : IOnnxOperator
{
    private static readonly ConditionalWeakTable<Tensor, PackedWeights> Packed = new();

    public string OpType => "Conv";

    public IEnumerable<string> Check(OnnxNode node)
    {
        if (node.Inputs.Count < 2)
        {
            yield return "Conv needs X and W";
        }

        foreach (string p in NnAttributes.CheckAutoPad(node))
        {
            yield return p;
        }
    }

    public Tensor[] Run(OpContext context, OnnxNode node, IReadOnlyList<Tensor?> inputs)
    {
        Tensor<float> x = NnAttributes.Float(inputs[0], node, "X");
        Tensor<float> w = NnAttributes.Float(inputs[1], node, "W");
        Tensor<float>? b = inputs.Count > 2 && inputs[2] is not null ? NnAttributes.Float(inputs[2], node, "B") : null;
        NnGeometry g = NnAttributes.Conv(node, x.Shape, w.Shape);
        if (b is not null && b.Length != g.OutChannels)
        {
            throw new ArgumentException($"bias has {b.Length} values for {g.OutChannels} output channels");
        }

        int[] shape = NnAttributes.OutputShape(g, x.Rank - 2);
        if (Acc16Host.Applies(context))
        {
            return [new Tensor<float>(Acc16Host.Conv(x.Data, w.Data, b?.Data, g, context.Threads, transpose: false), shape)];
        }

        if (OrtOrder.Applies(context, node.OpType))
        {
            return [new Tensor<float>(OrtOrder.Conv(context, node, x.Data, w.Data, b?.Data, g, x.Rank - 2), shape)];
        }

        if (context.Ilgpu is { } device)
        {
            return [new Tensor<float>(NnDevice.Conv(device, x.Data, w.Data, b?.Data, g, transpose: false), shape)];
        }

        // Every output element is written by the GEMM tiles (or the depthwise loop): no zeroing pass needed.
        var y = new Tensor<float>(context.NewFloats(g.OutputElements), shape);
        float[] packed = PackedFor(w, g);
        ConvHost.Run(x.Data, w.Data, packed, b?.Data, y.Data, g, context.Threads);
        return [y];
    }

    /// <summary>
    /// The host fp32 convolution with absorbed elementwise nodes (<see cref="ConvEpilogue"/>), or null when this run
    /// cannot fuse them (fp16 accumulation, ONNX Runtime's accumulation order, an ILGPU device, or an Add operand of another shape): the caller then runs
    /// the nodes one by one.
    /// </summary>
    public static Tensor<float>? RunFused(OpContext context, OnnxNode node, IReadOnlyList<Tensor?> inputs, Tensor<float>? skip, ConvEpilogue epilogue)
    {
        if (Acc16Host.Applies(context) || OrtOrder.Applies(context, node.OpType) || context.Ilgpu is not null)
        {
            return null;
        }

        Tensor<float> x = NnAttributes.Float(inputs[0], node, "X");
        Tensor<float> w = NnAttributes.Float(inputs[1], node, "W");
        Tensor<float>? b = inputs.Count > 2 && inputs[2] is not null ? NnAttributes.Float(inputs[2], node, "B") : null;
        NnGeometry g = NnAttributes.Conv(node, x.Shape, w.Shape);
        if (b is not null && b.Length != g.OutChannels)
        {
            throw new ArgumentException($"bias has {b.Length} values for {g.OutChannels} output channels");
        }

        int[] shape = NnAttributes.OutputShape(g, x.Rank - 2);
        if (skip is not null)
        {
            if (!skip.Shape.AsSpan().SequenceEqual(shape))
            {
                return null;
            }

            epilogue = epilogue with { Skip = skip.Data };
        }

        var y = new Tensor<float>(context.NewFloats(g.OutputElements), shape);
        float[] packed = PackedFor(w, g);
        ConvHost.Run(x.Data, w.Data, packed, b?.Data, y.Data, g, context.Threads, epilogue);
        return y;
    }

    /// <summary>
    /// A pointwise Conv, the depthwise Conv that alone reads its output (<paramref name="nextInputs"/>: that Conv's
    /// inputs, the data input left null) and optionally the pointwise projection of that (<paramref name="last"/>), each
    /// with its absorbed epilogue (an Add's operand in <paramref name="nextSkip"/> / <paramref name="lastSkip"/>), as one
    /// banded pass (<see cref="ExpandDepthwiseHost"/>); or a depthwise Conv and its projection (<paramref name="last"/>
    /// null); or null when this run or these geometries do not qualify (the caller then runs them otherwise).
    /// </summary>
    public static Tensor<float>? RunExpandDepthwise(
        OpContext context, OnnxNode node, IReadOnlyList<Tensor?> inputs, OnnxNode next, IReadOnlyList<Tensor?> nextInputs, ConvEpilogue epilogue, ConvEpilogue nextEpilogue, Tensor<float>? nextSkip,
        OnnxNode? last, IReadOnlyList<Tensor?>? lastInputs, ConvEpilogue lastEpilogue, Tensor<float>? lastSkip)
    {
        if (Acc16Host.Applies(context) || OrtOrder.Applies(context, node.OpType) || context.Ilgpu is not null || inputs[0] is not { Rank: 4 }
            || nextInputs.Count < 2 || nextInputs[1] is not Tensor<float> w2 || w2.Rank != 4)
        {
            return null;
        }

        Tensor<float> x = NnAttributes.Float(inputs[0], node, "X");
        Tensor<float> w = NnAttributes.Float(inputs[1], node, "W");
        Tensor<float>? b = inputs.Count > 2 && inputs[2] is not null ? NnAttributes.Float(inputs[2], node, "B") : null;
        Tensor<float>? b2 = nextInputs.Count > 2 && nextInputs[2] is not null ? NnAttributes.Float(nextInputs[2], next, "B") : null;
        NnGeometry g = NnAttributes.Conv(node, x.Shape, w.Shape);
        int[] shape = NnAttributes.OutputShape(g, 2);
        NnGeometry g2 = NnAttributes.Conv(next, shape, w2.Shape);
        if ((b is not null && b.Length != g.OutChannels) || (b2 is not null && b2.Length != g2.OutChannels))
        {
            return null; // one by one (a bad bias is then reported by its own Conv)
        }

        if (last is null && ExpandDepthwiseHost.DepthwiseProjectApplies(g, g2))
        {
            // No expand: the first Conv is the depthwise one, the second its projection (with the second's Add, if any).
            int[] projected = NnAttributes.OutputShape(g2, 2);
            if (nextSkip is not null && !nextSkip.Shape.AsSpan().SequenceEqual(projected))
            {
                return null;
            }

            var z = new Tensor<float>(context.NewFloats(g2.OutputElements), projected);
            var project = new ProjectStage(PackedFor(w2, g2), b2?.Data, nextEpilogue with { Skip = nextSkip?.Data }, g2);
            ExpandDepthwiseHost.RunDepthwiseProject(x.Data, w.Data, b?.Data, epilogue, g, project, z.Data, context.Threads);
            return z;
        }

        // Small planes: the tensors between the three Convs stay in 16-channel pixels (ChannelBlockChainHost); large
        // ones run band by band (ExpandDepthwiseHost).
        bool channelBlock = ChannelBlockChainHost.Applies(g, g2);
        if (!channelBlock && !ExpandDepthwiseHost.Applies(g, g2))
        {
            return null; // one by one (a bad bias is then reported by its own Conv)
        }

        int[] shape2 = NnAttributes.OutputShape(g2, 2);
        ProjectStage? stage = null;
        int[] outShape = shape2;
        long outElements = g2.OutputElements;
        if (last is not null)
        {
            if (lastInputs is not { Count: >= 2 } || lastInputs[1] is not Tensor<float> w3 || w3.Rank != 4)
            {
                return null;
            }

            Tensor<float>? b3 = lastInputs.Count > 2 && lastInputs[2] is not null ? NnAttributes.Float(lastInputs[2], last, "B") : null;
            NnGeometry g3 = NnAttributes.Conv(last, shape2, w3.Shape);
            if ((b3 is not null && b3.Length != g3.OutChannels)
                || !(channelBlock ? ChannelBlockChainHost.ProjectApplies(g2, g3) : ExpandDepthwiseHost.ProjectApplies(g2, g3)))
            {
                return null;
            }

            outShape = NnAttributes.OutputShape(g3, 2);
            if (lastSkip is not null && !lastSkip.Shape.AsSpan().SequenceEqual(outShape))
            {
                return null;
            }

            stage = new ProjectStage(PackedFor(w3, g3, channelBlock ? ConvLayout.SmallPlane : ConvHost.LayoutOf(g3)), b3?.Data, lastEpilogue with { Skip = lastSkip?.Data }, g3);
            outElements = g3.OutputElements;
        }
        else if (nextSkip is not null)
        {
            if (!nextSkip.Shape.AsSpan().SequenceEqual(shape2))
            {
                return null;
            }

            nextEpilogue = nextEpilogue with { Skip = nextSkip.Data };
        }

        var y = new Tensor<float>(context.NewFloats(outElements), outShape);
        if (channelBlock)
        {
            ChannelBlockChainHost.Run(x.Data, PackedFor(w, g, ConvLayout.SmallPlane), b?.Data, epilogue, g, PackedFor(w2, g2, ConvLayout.ChannelBlock), b2?.Data, nextEpilogue, g2, y.Data, stage, context.Threads);
        }
        else
        {
            ExpandDepthwiseHost.Run(x.Data, PackedFor(w, g), b?.Data, epilogue, g, w2.Data, b2?.Data, nextEpilogue, g2, y.Data, stage, context.Threads);
        }

        return y;
    }

    /// <summary>The weights packed for this geometry's path, packed once per weight tensor and path (a new input size can change the path).</summary>
    private static float[] PackedFor(Tensor<float> w, NnGeometry g) => PackedFor(w, g, ConvHost.LayoutOf(g));

    /// <summary>The weights packed for a given path (a chained Conv's path can differ from the one it runs alone on).</summary>
    private static float[] PackedFor(Tensor<float> w, NnGeometry g, ConvLayout layout)
    {
        if (Packed.TryGetValue(w, out PackedWeights? p) && p.Group == g.Group && p.Layout == layout)
        {
            return p.Data;
        }

        var fresh = new PackedWeights(g.Group, layout, ConvHost.PackWeights(w.Data, g, layout));
        Packed.AddOrUpdate(w, fresh);
        return fresh.Data;
    }

    private sealed record PackedWeights(int Group, ConvLayout Layout, float[] Data);
}

/// <summary>
/// ConvTranspose (1-D to 3-D, group, strides, pads, dilations, output_padding, output_shape, auto_pad, optional bias).
/// Every output gathers the inputs that reach it in (ic, kd, kh, kw) order (<see cref="NnMath.ConvTransposeElement"/>):
/// on the host as per-tap GEMMs when the windows do not overlap (<see cref="ConvTransposeHost"/>), else per output in
/// parallel over output planes; on ILGPU one thread per output.
/// </summary>
public sealed class ConvTransposeOp : IOnnxOperator
{
    /// <summary>The GEMM path's packed weights per weight tensor, packed once (kept while the tensor lives).</summary>
    private static readonly ConditionalWeakTable<Tensor, PackedTaps> Packed = new();

    public string OpType => "ConvTranspose";

    public IEnumerable<string> Check(OnnxNode node)
    {
        if (node.Inputs.Count < 2)
        {
            yield return "ConvTranspose needs X and W";
        }

        foreach (string p in NnAttributes.CheckAutoPad(node))
        {
            yield return p;
        }
    }

    public Tensor[] Run(OpContext context, OnnxNode node, IReadOnlyList<Tensor?> inputs)
    {
        Tensor<float> x = NnAttributes.Float(inputs[0], node, "X");
        Tensor<float> w = NnAttributes.Float(inputs[1], node, "W");
        Tensor<float>? b = inputs.Count > 2 && inputs[2] is not null ? NnAttributes.Float(inputs[2], node, "B") : null;
        NnGeometry g = NnAttributes.ConvTranspose(node, x.Shape, w.Shape);
        if (b is not null && b.Length != g.OutChannels)
        {
            throw new ArgumentException($"bias has {b.Length} values for {g.OutChannels} output channels");
        }

        int[] shape = NnAttributes.OutputShape(g, x.Rank - 2);
        if (OrtOrder.Applies(context, node.OpType) && x.Rank == 4)
        {
            return [new Tensor<float>(OrtOrder.ConvTranspose(context, node, x.Data, w.Data, b?.Data, g), shape)];
        }

        if (Acc16Host.Applies(context))
        {
            return [new Tensor<float>(Acc16Host.Conv(x.Data, w.Data, b?.Data, g, context.Threads, transpose: true), shape)];
        }

        if (context.Ilgpu is { } device)
        {
            return [new Tensor<float>(NnDevice.Conv(device, x.Data, w.Data, b?.Data, g, transpose: true), shape)];
        }

        // Every output element is written.
        var y = new Tensor<float>(context.NewFloats(g.OutputElements), shape);
        ConvTransposeHost.Run(x.Data, w.Data, PackedFor(w, g), b?.Data, y.Data, g, context.Threads);
        return [y];
    }

    /// <summary>The packed taps (they depend on the weights' shape, the group count, and whether the GEMM path applies).</summary>
    private static float[] PackedFor(Tensor<float> w, NnGeometry g)
    {
        var key = (g.Group, ConvTransposeHost.Separable(g));
        if (Packed.TryGetValue(w, out PackedTaps? p) && p.Key == key)
        {
            return p.Data;
        }

        var fresh = new PackedTaps(key, ConvTransposeHost.PackWeights(w.Data, g));
        Packed.AddOrUpdate(w, fresh);
        return fresh.Data;
    }

    private sealed record PackedTaps((int Group, bool Separable) Key, float[] Data);
}
