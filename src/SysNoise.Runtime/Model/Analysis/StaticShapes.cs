using SysNoise.Runtime.Model.Graph;
using SysNoise.Runtime.Tensors;

namespace SysNoise.Runtime.Model.Analysis;

/// <summary>
/// A light static propagation of element types and shapes through a graph, for reports (model-info), not for
/// execution: it knows the ops that CNN and transformer exports are made of, keeps symbolic dimensions as null, and
/// gives up (null) on anything it does not know. Values the model itself annotates (value_info) take precedence.
/// Its main use is telling which pooling nodes change output size between floor and ceil mode, which needs the
/// pooling input's spatial size.
/// </summary>
public static class StaticShapes
{
    private static readonly HashSet<string> SameAsFirstInput = new(StringComparer.Ordinal)
    {
        "Abs", "Acos", "Asin", "Atan", "BatchNormalization", "Ceil", "Celu", "Clip", "Cos", "Dropout", "Elu", "Erf", "Exp",
        "Floor", "Gelu", "HardSigmoid", "HardSwish", "Identity", "InstanceNormalization", "LayerNormalization", "LeakyRelu",
        "Log", "LogSoftmax", "LpNormalization", "LRN", "Mish", "Neg", "PRelu", "Reciprocal", "Relu", "Round", "Selu",
        "Sigmoid", "Sign", "Sin", "Softmax", "Softplus", "Softsign", "Sqrt", "Tan", "Tanh", "ThresholdedRelu",
        "CumSum", "Hardmax", "DequantizeLinear", "QuantizeLinear",
    };

    private static readonly HashSet<string> Broadcasting = new(StringComparer.Ordinal)
    {
        "Add", "Sub", "Mul", "Div", "Pow", "Max", "Min", "Mean", "Sum", "Where", "Equal", "Less", "Greater", "LessOrEqual",
        "GreaterOrEqual", "And", "Or", "Xor", "Mod", "BitShift",
    };

    private static readonly HashSet<string> BoolResult = new(StringComparer.Ordinal)
    {
        "Equal", "Less", "Greater", "LessOrEqual", "GreaterOrEqual", "And", "Or", "Xor", "Not", "IsNaN", "IsInf",
    };

    /// <summary>Type and shape of every value it could determine, by value name.</summary>
    /// <param name="graph">The graph.</param>
    /// <param name="inputShapes">Sizes to assume for graph inputs (e.g. a symbolic H×W), replacing the declared shape.</param>
    public static IReadOnlyDictionary<string, OnnxValueInfo> Infer(OnnxGraph graph, IReadOnlyDictionary<string, int[]>? inputShapes = null)
    {
        var known = new Dictionary<string, OnnxValueInfo>(StringComparer.Ordinal);
        var constants = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach ((string name, Tensor t) in graph.Initializers)
        {
            known[name] = new OnnxValueInfo(name, t.DType, t.Shape.Select(d => (int?)d).ToArray());
            constants[name] = t;
        }

        foreach (OnnxValueInfo v in graph.Inputs)
        {
            known[v.Name] = inputShapes is not null && inputShapes.TryGetValue(v.Name, out int[]? assumed) ? v with { Shape = assumed.Select(d => (int?)d).ToArray() } : v;
        }

        foreach (OnnxNode node in graph.Nodes)
        {
            OnnxValueInfo?[] inputs = node.Inputs.Select(i => i.Length > 0 && known.TryGetValue(i, out OnnxValueInfo? v) ? v : null).ToArray();
            if (node.OpType == "Constant" && node.TensorAttribute("value") is { } value && node.Outputs.Count > 0)
            {
                constants[node.Outputs[0]] = value;
            }

            (DType? type, int?[]? shape) = Infer(node, inputs, constants);
            for (int k = 0; k < node.Outputs.Count; k++)
            {
                string name = node.Outputs[k];
                if (name.Length == 0)
                {
                    continue;
                }

                // The model's own annotation wins where it says more than the propagation.
                OnnxValueInfo? annotated = graph.ValueInfo.GetValueOrDefault(name);
                OnnxValueInfo inferred = k == 0 ? new OnnxValueInfo(name, type, shape) : new OnnxValueInfo(name, null, null);
                known[name] = annotated is null ? inferred : new OnnxValueInfo(name, annotated.ElementType ?? inferred.ElementType, annotated.Shape ?? inferred.Shape);
            }
        }

        return known;
    }

    private static (DType? Type, int?[]? Shape) Infer(OnnxNode node, OnnxValueInfo?[] inputs, IReadOnlyDictionary<string, Tensor> constants)
    {
        OnnxValueInfo? x = inputs.Length > 0 ? inputs[0] : null;
        DType? type = x?.ElementType;
        int?[]? shape = x?.Shape;
        string op = node.OpType;
        if (BoolResult.Contains(op))
        {
            type = DType.Bool;
        }

        if (op is "Shape" or "Size" or "ArgMax" or "ArgMin" or "NonZero")
        {
            type = DType.Int64;
        }

        if (SameAsFirstInput.Contains(op) || op is "Not" or "IsNaN" or "IsInf")
        {
            if (op == "DequantizeLinear")
            {
                type = DType.Float32;
            }
            else if (op == "QuantizeLinear")
            {
                type = inputs.Length > 2 && inputs[2] is { } zp ? zp.ElementType : DType.UInt8;
            }

            return (type, shape);
        }

        if (Broadcasting.Contains(op))
        {
            int?[]? result = null;
            foreach (OnnxValueInfo? v in inputs)
            {
                if (v?.Shape is null)
                {
                    return (type, null);
                }

                result = result is null ? v.Shape : Broadcast(result, v.Shape);
            }

            if (op == "Where")
            {
                type = inputs.Length > 1 ? inputs[1]?.ElementType : null;
            }

            return (type, result);
        }

        switch (op)
        {
            case "Cast":
                return (node.Attributes.ContainsKey("to") ? Onnx.OnnxTensors.ToDType((int)node.Int("to", 0)) : null, shape);
            case "ConstantOfShape":
                return (node.TensorAttribute("value")?.DType ?? DType.Float32, null);
            case "Constant":
                return node.TensorAttribute("value") is { } value ? (value.DType, value.Shape.Select(d => (int?)d).ToArray()) : (null, null);
            case "Shape":
                return (DType.Int64, shape is null ? null : [shape.Length]);
            case "Conv":
            case "MaxPool":
            case "AveragePool":
                return (type, WindowOutput(node, inputs, ceilOverride: null));
            case "GlobalAveragePool":
            case "GlobalMaxPool":
                return (type, shape is null ? null : [.. shape[..2], .. Enumerable.Repeat<int?>(1, shape.Length - 2)]);
            case "Flatten":
            {
                if (shape is null)
                {
                    return (type, null);
                }

                int axis = (int)node.Int("axis", 1);
                axis = axis < 0 ? axis + shape.Length : axis;
                return (type, [Product(shape[..axis]), Product(shape[axis..])]);
            }

            case "Gemm":
            {
                int?[]? b = inputs.Length > 1 ? inputs[1]?.Shape : null;
                if (shape is not { Length: 2 } || b is not { Length: 2 })
                {
                    return (type, null);
                }

                int? m = node.Int("transA", 0) != 0 ? shape[1] : shape[0];
                int? n = node.Int("transB", 0) != 0 ? b[0] : b[1];
                return (type, [m, n]);
            }

            case "MatMul":
            {
                int?[]? b = inputs.Length > 1 ? inputs[1]?.Shape : null;
                if (shape is not { Length: >= 2 } || b is not { Length: >= 2 })
                {
                    return (type, null);
                }

                int?[] batch = Broadcast(shape[..^2], b[..^2]);
                return (type, [.. batch, shape[^2], b[^1]]);
            }

            case "Concat":
            {
                if (inputs.Any(v => v?.Shape is null) || inputs.Length == 0)
                {
                    return (type, null);
                }

                int?[] result = (int?[])inputs[0]!.Shape!.Clone();
                int axis = (int)node.Int("axis", 0);
                axis = axis < 0 ? axis + result.Length : axis;
                if (axis < 0 || axis >= result.Length)
                {
                    return (type, null);
                }

                result[axis] = inputs.Aggregate<OnnxValueInfo?, int?>(0, (sum, v) => sum + v!.Shape![axis]);
                return (type, result);
            }

            case "Reshape":
            {
                if (inputs.Length < 2 || !constants.TryGetValue(node.Inputs[1], out Tensor? target) || shape is null)
                {
                    return (type, null);
                }

                int?[] result = new int?[target.Length];
                for (int i = 0; i < result.Length; i++)
                {
                    long d = (long)target.GetAsDouble(i);
                    result[i] = d > 0 ? (int)d : d == 0 && i < shape.Length ? shape[i] : null;
                }

                // One -1 is whatever makes the element count match, when every other dimension is known.
                int unknown = Array.FindIndex(result, d => d is null);
                if (unknown >= 0 && Product(shape) is int total && result.Where((d, i) => i != unknown).All(d => d is not null))
                {
                    int rest = result.Where((d, i) => i != unknown).Aggregate(1, (p, d) => p * d!.Value);
                    result[unknown] = rest == 0 ? null : total / rest;
                }

                return (type, result);
            }

            case "Transpose":
            {
                if (shape is null)
                {
                    return (type, null);
                }

                long[] perm = node.Ints("perm") ?? Enumerable.Range(0, shape.Length).Reverse().Select(i => (long)i).ToArray();
                return (type, perm.Select(p => shape[p]).ToArray());
            }

            case "Resize":
            case "Upsample":
                return (type, ResizeOutput(node, shape, constants));
            case "ReduceMean":
            case "ReduceSum":
            case "ReduceMax":
            case "ReduceMin":
            case "ReduceProd":
            case "ReduceL2":
                return (type, ReduceOutput(node, shape, constants));
            default:
                return (type, null);
        }
    }

    /// <summary>
    /// Output shape of a Conv or pooling node from static input sizes. <paramref name="ceilOverride"/> replaces the
    /// node's ceil_mode (pooling only); the modern ceil rule applies (a window starting in the right padding is dropped).
    /// </summary>
    public static int?[]? WindowOutput(OnnxNode node, IReadOnlyList<OnnxValueInfo?> inputs, bool? ceilOverride)
    {
        int?[]? x = inputs.Count > 0 ? inputs[0]?.Shape : null;
        if (x is null || x.Length < 3)
        {
            return null;
        }

        int spatial = x.Length - 2;
        long[]? kernel = node.Ints("kernel_shape");
        int? channels = x[1];
        if (node.OpType == "Conv")
        {
            int?[]? w = inputs.Count > 1 ? inputs[1]?.Shape : null;
            if (w is null || w.Length != x.Length)
            {
                return null;
            }

            channels = w[0];
            kernel ??= w[2..].Select(d => (long)(d ?? -1)).ToArray();
            if (kernel.Any(k => k < 0))
            {
                return null;
            }
        }

        if (kernel is null || kernel.Length != spatial)
        {
            return null;
        }

        long[] strides = node.Ints("strides") ?? Enumerable.Repeat(1L, spatial).ToArray();
        long[] dilations = node.Ints("dilations") ?? Enumerable.Repeat(1L, spatial).ToArray();
        long[] pads = node.Ints("pads") ?? new long[2 * spatial];
        string autoPad = node.String("auto_pad", "NOTSET");
        bool ceil = node.OpType != "Conv" && (ceilOverride ?? node.Int("ceil_mode", 0) != 0);
        var result = new int?[x.Length];
        result[0] = x[0];
        result[1] = channels;
        for (int d = 0; d < spatial; d++)
        {
            if (x[d + 2] is not int size)
            {
                continue;
            }

            long effective = ((kernel[d] - 1) * dilations[d]) + 1;
            if (autoPad is "SAME_UPPER" or "SAME_LOWER")
            {
                result[d + 2] = (int)((size + strides[d] - 1) / strides[d]);
                continue;
            }

            long padded = autoPad == "VALID" ? size : size + pads[d] + pads[d + spatial];
            long span = padded - effective;
            if (span < 0)
            {
                return null;
            }

            long count = (ceil ? (span + strides[d] - 1) / strides[d] : span / strides[d]) + 1;
            if (ceil && autoPad != "VALID" && (count - 1) * strides[d] >= size + pads[d])
            {
                count--; // the last window would start inside the right padding
            }

            result[d + 2] = (int)count;
        }

        return result;
    }

    private static int?[]? ResizeOutput(OnnxNode node, int?[]? shape, IReadOnlyDictionary<string, Tensor> constants)
    {
        if (shape is null)
        {
            return null;
        }

        // Resize(X, roi, scales, sizes) from opset 11; Resize(X, scales) in opset 10; Upsample(X, scales) from opset 9.
        int scalesIndex = node.OpType == "Resize" && node.Opset >= 11 ? 2 : 1;
        if (node.OpType == "Resize" && node.Inputs.Count > 3 && node.Inputs[3].Length > 0)
        {
            return constants.TryGetValue(node.Inputs[3], out Tensor? sizes) && sizes.Length == shape.Length
                ? Enumerable.Range(0, shape.Length).Select(i => (int?)(long)sizes.GetAsDouble(i)).ToArray()
                : null;
        }

        float[]? scales = node.Inputs.Count > scalesIndex && constants.TryGetValue(node.Inputs[scalesIndex], out Tensor? s) && s.Length == shape.Length
            ? Enumerable.Range(0, shape.Length).Select(i => (float)s.GetAsDouble(i)).ToArray()
            : node.Floats("scales");
        return scales is null || scales.Length != shape.Length
            ? null
            : shape.Select((d, i) => d is int v ? (int?)(int)Math.Floor(v * scales[i]) : null).ToArray();
    }

    private static int?[]? ReduceOutput(OnnxNode node, int?[]? shape, IReadOnlyDictionary<string, Tensor> constants)
    {
        if (shape is null)
        {
            return null;
        }

        long[]? axes = node.Ints("axes");
        if (axes is null && node.Inputs.Count > 1 && node.Inputs[1].Length > 0)
        {
            if (!constants.TryGetValue(node.Inputs[1], out Tensor? a))
            {
                return null;
            }

            axes = Enumerable.Range(0, (int)a.Length).Select(i => (long)a.GetAsDouble(i)).ToArray();
        }

        var reduced = new HashSet<int>((axes ?? Enumerable.Range(0, shape.Length).Select(i => (long)i).ToArray()).Select(a => (int)(a < 0 ? a + shape.Length : a)));
        bool keep = node.Int("keepdims", 1) != 0;
        return shape.Select((d, i) => (d, i)).Where(p => keep || !reduced.Contains(p.i)).Select(p => reduced.Contains(p.i) ? 1 : p.d).ToArray();
    }

    private static int?[] Broadcast(int?[] a, int?[] b)
    {
        int rank = Math.Max(a.Length, b.Length);
        var result = new int?[rank];
        for (int i = 0; i < rank; i++)
        {
            int? da = i < rank - a.Length ? 1 : a[i - (rank - a.Length)];
            int? db = i < rank - b.Length ? 1 : b[i - (rank - b.Length)];
            result[i] = da == 1 ? db : db == 1 ? da : da ?? db;
        }

        return result;
    }

    private static int? Product(IEnumerable<int?> dims)
    {
        int p = 1;
        foreach (int? d in dims)
        {
            if (d is null)
            {
                return null;
            }

            p *= d.Value;
        }

        return p;
    }
}
