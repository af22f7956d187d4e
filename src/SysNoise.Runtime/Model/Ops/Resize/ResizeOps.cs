using System.Globalization;
using SysNoise.Kernels.Model.Resize;
using SysNoise.Runtime.Model.Execution;
using SysNoise.Runtime.Model.Graph;
using SysNoise.Runtime.Tensors;

namespace SysNoise.Runtime.Model.Ops.Resize;

/// <summary>
/// ONNX Resize, opsets 10, 11, 13, 18, 19: nearest/linear/cubic over any rank, every coordinate_transformation_mode,
/// nearest_mode, cubic_coeff_a, exclude_outside, extrapolation_value, antialias, axes, keep_aspect_ratio_policy,
/// scales or sizes. Coordinates and weights follow the ONNX reference implementation (float64, rounded to float32
/// weights once); the noise knobs <see cref="ExecutionOptions.UpsampleMode"/> and
/// <see cref="ExecutionOptions.UpsampleCoordinateMode"/> override every node's mode and coordinate mode.
/// Resize-10 is asymmetric with ONNX Runtime's nearest rule (<see cref="ResizeNearestMode.Simple"/>).
/// </summary>
public sealed class ResizeOp : IOnnxOperator
{
    public string OpType => "Resize";

    public int MinOpset => 10;

    public IEnumerable<string> Check(OnnxNode node) => ResizeAttributes.Check(node, isUpsample: false);

    public Tensor[] Run(OpContext context, OnnxNode node, IReadOnlyList<Tensor?> inputs)
    {
        Tensor x = inputs[0] ?? throw new ArgumentException("Resize needs its input X");
        ResizePlan plan = ResizeAttributes.Plan(context.Options, node, x.Shape, inputs, isUpsample: false);
        return [ResizeRunner.Run(context, plan, x)];
    }
}

/// <summary>
/// ONNX Upsample-7 (scales attribute) and Upsample-9 (scales input): nearest or linear, asymmetric coordinates,
/// ONNX Runtime's nearest rule; output size floor(in·scale). The upsample noise knobs apply.
/// </summary>
public sealed class UpsampleOp : IOnnxOperator
{
    public string OpType => "Upsample";

    public int MinOpset => 7;

    public IEnumerable<string> Check(OnnxNode node) => ResizeAttributes.Check(node, isUpsample: true);

    public Tensor[] Run(OpContext context, OnnxNode node, IReadOnlyList<Tensor?> inputs)
    {
        Tensor x = inputs[0] ?? throw new ArgumentException("Upsample needs its input X");
        ResizePlan plan = ResizeAttributes.Plan(context.Options, node, x.Shape, inputs, isUpsample: true);
        return [ResizeRunner.Run(context, plan, x)];
    }
}

/// <summary>Attribute and input resolution shared by Resize and Upsample.</summary>
public static class ResizeAttributes
{
    public static IEnumerable<string> Check(OnnxNode node, bool isUpsample)
    {
        string mode = node.String("mode", "nearest");
        if (ParseMode(mode, isUpsample) is null)
        {
            yield return $"mode '{mode}' is not one of nearest, linear{(isUpsample ? string.Empty : ", cubic")}";
        }

        if (isUpsample)
        {
            if (node.Opset < 9 && node.Floats("scales") is null)
            {
                yield return "Upsample-7 needs the 'scales' attribute";
            }

            yield break;
        }

        if (node.Has("coordinate_transformation_mode") && ParseCoordinates(node.String("coordinate_transformation_mode", string.Empty)) is null)
        {
            yield return $"coordinate_transformation_mode '{node.String("coordinate_transformation_mode", string.Empty)}' is not supported";
        }

        if (node.Has("nearest_mode") && ParseNearest(node.String("nearest_mode", string.Empty)) is null)
        {
            yield return $"nearest_mode '{node.String("nearest_mode", string.Empty)}' is not supported";
        }

        string policy = node.String("keep_aspect_ratio_policy", "stretch");
        if (policy is not ("stretch" or "not_larger" or "not_smaller"))
        {
            yield return $"keep_aspect_ratio_policy '{policy}' is not one of stretch, not_larger, not_smaller";
        }

        if (node.Int("antialias", 0) != 0 && mode == "nearest")
        {
            yield return "antialias is not defined for mode nearest";
        }
    }

    public static ResizeInterpolation? ParseMode(string mode, bool isUpsample = false) => mode switch
    {
        "nearest" => ResizeInterpolation.Nearest,
        "linear" or "bilinear" or "trilinear" => ResizeInterpolation.Linear,
        "cubic" or "bicubic" when !isUpsample => ResizeInterpolation.Cubic,
        _ => null,
    };

    public static ResizeCoordinateMode? ParseCoordinates(string mode) => mode switch
    {
        "half_pixel" => ResizeCoordinateMode.HalfPixel,
        "half_pixel_symmetric" => ResizeCoordinateMode.HalfPixelSymmetric,
        "pytorch_half_pixel" => ResizeCoordinateMode.PytorchHalfPixel,
        "align_corners" => ResizeCoordinateMode.AlignCorners,
        "asymmetric" => ResizeCoordinateMode.Asymmetric,
        "tf_half_pixel_for_nn" => ResizeCoordinateMode.TfHalfPixelForNn,
        "tf_crop_and_resize" => ResizeCoordinateMode.TfCropAndResize,
        _ => null,
    };

    public static ResizeNearestMode? ParseNearest(string mode) => mode switch
    {
        "round_prefer_floor" => ResizeNearestMode.RoundPreferFloor,
        "round_prefer_ceil" => ResizeNearestMode.RoundPreferCeil,
        "floor" => ResizeNearestMode.Floor,
        "ceil" => ResizeNearestMode.Ceil,
        _ => null,
    };

    /// <summary>Resolves the node (attributes, roi/scales/sizes inputs, noise knobs) against an input shape.</summary>
    public static ResizePlan Plan(ExecutionOptions options, OnnxNode node, int[] shape, IReadOnlyList<Tensor?> inputs, bool isUpsample)
    {
        int rank = shape.Length;
        bool legacy = isUpsample || node.Opset < 11;
        string modeText = options.UpsampleMode ?? node.String("mode", "nearest");
        ResizeInterpolation mode = ParseMode(modeText) ?? throw new ArgumentException($"mode '{modeText}' is not one of nearest, linear, cubic");
        string coordText = options.UpsampleCoordinateMode ?? (legacy ? "asymmetric" : node.String("coordinate_transformation_mode", "half_pixel"));
        ResizeCoordinateMode coordinates = ParseCoordinates(coordText) ?? throw new ArgumentException($"coordinate_transformation_mode '{coordText}' is not supported");
        ResizeNearestMode nearest = legacy ? ResizeNearestMode.Simple : ParseNearest(node.String("nearest_mode", "round_prefer_floor")) ?? throw new ArgumentException("bad nearest_mode");
        double cubicA = legacy ? -0.75 : node.Float("cubic_coeff_a", -0.75f);
        bool exclude = !legacy && node.Int("exclude_outside", 0) != 0;
        bool antialias = !legacy && node.Opset >= 18 && node.Int("antialias", 0) != 0 && mode != ResizeInterpolation.Nearest;
        float extrapolation = legacy ? 0f : node.Float("extrapolation_value", 0f);
        string policy = legacy || node.Opset < 18 ? "stretch" : node.String("keep_aspect_ratio_policy", "stretch");

        // Which axes the scales/sizes/roi address.
        int[] axes;
        long[]? axesAttr = !legacy && node.Opset >= 18 ? node.Ints("axes") : null;
        if (axesAttr is not null)
        {
            axes = axesAttr.Select(a => (int)(a < 0 ? a + rank : a)).ToArray();
            if (axes.Any(a => a < 0 || a >= rank) || axes.Distinct().Count() != axes.Length)
            {
                throw new ArgumentException($"axes [{string.Join(", ", axesAttr)}] are not distinct axes of a rank-{rank} input");
            }
        }
        else
        {
            axes = Enumerable.Range(0, rank).ToArray();
        }

        // Inputs by opset: Upsample-9 and Resize-10: (X, scales); Resize-11+: (X, roi, scales, sizes).
        float[]? scales;
        long[]? sizes = null;
        double[]? roi = null;
        if (isUpsample && node.Opset < 9)
        {
            scales = node.Floats("scales");
        }
        else if (legacy)
        {
            scales = FloatValues(Input(inputs, 1));
        }
        else
        {
            roi = DoubleValues(Input(inputs, 1));
            scales = FloatValues(Input(inputs, 2));
            sizes = Input(inputs, 3) is { } s ? LongValues(s) : null;
        }

        if ((scales is null) == (sizes is null))
        {
            throw new ArgumentException(scales is null ? "Resize needs scales or sizes" : "Resize takes scales or sizes, not both");
        }

        int n = axes.Length;
        if ((scales?.Length ?? sizes!.Length) != n)
        {
            throw new ArgumentException($"{(scales is null ? "sizes" : "scales")} has {scales?.Length ?? sizes!.Length} values; the input has rank {rank}{(axesAttr is null ? string.Empty : $" and {n} axes")}");
        }

        var scale = new double[rank];
        var outShape = (int[])shape.Clone();
        Array.Fill(scale, 1.0);
        if (scales is not null)
        {
            for (int i = 0; i < n; i++)
            {
                if (!(scales[i] > 0) || float.IsInfinity(scales[i]))
                {
                    throw new ArgumentException($"scale {scales[i].ToString(CultureInfo.InvariantCulture)} must be positive");
                }

                int d = axes[i];
                scale[d] = scales[i];
                outShape[d] = checked((int)Math.Floor(scales[i] * (double)shape[d]));
            }
        }
        else
        {
            for (int i = 0; i < n; i++)
            {
                if (sizes![i] < 0)
                {
                    throw new ArgumentException($"size {sizes[i]} is negative");
                }

                int d = axes[i];
                outShape[d] = checked((int)sizes[i]);
                scale[d] = sizes[i] / (double)shape[d];
            }

            if (policy != "stretch")
            {
                double s = policy == "not_larger" ? axes.Min(d => scale[d]) : axes.Max(d => scale[d]);
                foreach (int d in axes)
                {
                    scale[d] = s;
                    outShape[d] = checked((int)((s * shape[d]) + 0.5));
                }
            }
        }

        // roi: [starts..., ends...] over the addressed axes; defaults 0 and 1.
        var roiStart = new double[rank];
        var roiEnd = new double[rank];
        Array.Fill(roiEnd, 1.0);
        if (coordinates == ResizeCoordinateMode.TfCropAndResize && roi is { Length: > 0 })
        {
            if (roi.Length != 2 * n)
            {
                throw new ArgumentException($"roi has {roi.Length} values; tf_crop_and_resize needs {2 * n}");
            }

            for (int i = 0; i < n; i++)
            {
                roiStart[axes[i]] = roi[i];
                roiEnd[axes[i]] = roi[n + i];
            }
        }

        var maps = new ResizeAxisMap?[rank];
        foreach (int d in axes)
        {
            if (shape[d] == 0 && outShape[d] != 0)
            {
                throw new ArgumentException($"cannot resize the empty axis {d} to {outShape[d]}");
            }

            if (shape[d] == 0 || outShape[d] == 0)
            {
                // An empty output: nothing to compute on this axis (the runner returns an empty tensor).
                continue;
            }

            var spec = new ResizeAxisSpec(mode, coordinates, nearest, cubicA, exclude, antialias, shape[d], outShape[d], scale[d], roiStart[d], roiEnd[d]);
            maps[d] = ResizeAxisMap.Build(spec);
        }

        return new ResizePlan(shape, outShape, maps, mode, extrapolation);
    }

    private static Tensor? Input(IReadOnlyList<Tensor?> inputs, int i) => i < inputs.Count && inputs[i] is { Length: > 0 } t ? t : null;

    private static float[]? FloatValues(Tensor? t) => t switch
    {
        null => null,
        Tensor<float> f => f.Data,
        _ => Enumerable.Range(0, (int)t.Length).Select(i => (float)t.GetAsDouble(i)).ToArray(),
    };

    private static double[]? DoubleValues(Tensor? t) => t is null ? null : Enumerable.Range(0, (int)t.Length).Select(i => t.GetAsDouble(i)).ToArray();

    private static long[] LongValues(Tensor t) => t is Tensor<long> l ? l.Data : Enumerable.Range(0, (int)t.Length).Select(i => (long)t.GetAsDouble(i)).ToArray();
}
