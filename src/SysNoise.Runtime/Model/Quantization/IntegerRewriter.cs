using Google.Protobuf;
using SysNoise.Kernels.Model.Quant;
using SysNoise.Runtime.Model.Onnx;
using SysNoise.Runtime.Model.Onnx.Proto;
using SysNoise.Runtime.Model.Ops;
using SysNoise.Runtime.Tensors;

namespace SysNoise.Runtime.Model.Quantization;

/// <summary>How the integer rewrite quantizes (the profile's quantization settings).</summary>
public sealed record IntegerOptions
{
    public bool PerChannel { get; init; } = true;

    public bool SymmetricWeights { get; init; } = true;

    /// <summary>Rounding wherever a real value becomes an integer: weights, int32 biases, activations entering the integer layers, fused Clip bounds.</summary>
    public QuantRounding Rounding { get; init; } = QuantRounding.HalfToEven;

    public RequantMode Requantization { get; init; } = RequantMode.DoubleRounding;
}

/// <summary>TFLite's <c>QuantizeMultiplier</c>: a positive real multiplier as M0·2^(shift − 31) with M0 in [2^30, 2^31).</summary>
public static class QuantizedMultiplier
{
    /// <summary>
    /// frexp(m) = q·2^shift with q in [0.5, 1); M0 = round_half_away_from_zero(q·2^31) (exact in float64); M0 = 2^31 becomes
    /// 2^30 with shift + 1; shift &lt; −31 flushes to (0, 0). m = 0 gives (0, 0).
    /// </summary>
    public static (int Multiplier, int Shift) From(double m)
    {
        if (m == 0)
        {
            return (0, 0);
        }

        if (!double.IsFinite(m) || m < 0)
        {
            throw new ArgumentException($"multiplier {m} must be finite and ≥ 0");
        }

        int shift = Math.ILogB(m) + 1;
        double q = Math.ScaleB(m, -shift);
        long fixedQ = (long)Math.Round(q * 2147483648.0, MidpointRounding.AwayFromZero);
        if (fixedQ == 1L << 31)
        {
            fixedQ /= 2;
            shift++;
        }

        if (shift < -31)
        {
            return (0, 0);
        }

        return ((int)fixedQ, shift);
    }
}

/// <summary>
/// Rewrites a float ONNX model into SysNoise's integer form (the "int8-int" precision): every Conv, Gemm and MatMul whose
/// weights are initializers, and every MatMul of two activations, becomes a com.sysnoise IntegerConv/IntegerMatMul on
/// uint8 activations and int8 weights with int32 accumulation, an int32 bias and fixed-point requantization to uint8.
/// A Relu or constant Clip that alone consumes the layer's output is fused as the output clamp, and so is an Add of a
/// constant bias after a MatMul (F.linear). A value stays uint8 between integer layers; float ops read it through an
/// IntegerDequantize, and a float value entering an integer layer goes through an IntegerQuantize. Activation scales and
/// zero points come from calibration (uint8, asymmetric, the same ranges as the QDQ rewrite); weights are quantized as
/// the QDQ rewrite quantizes them. See README "INT8 integer path" for the arithmetic.
/// </summary>
public static class IntegerRewriter
{
    private static readonly QuantRange ActivationRange = QuantRange.For(DType.UInt8);

    public static (byte[] Model, IntegerModelDescription Description) Rewrite(byte[] floatModel, RangeCalibrator activations, IntegerOptions? options = null)
    {
        options ??= new IntegerOptions();
        ModelProto model = ModelProto.Parser.ParseFrom(floatModel);
        GraphProto g = model.Graph;
        var initializers = g.Initializer.ToDictionary(t => t.Name, StringComparer.Ordinal);
        var constants = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (NodeProto n in g.Node.Where(n => n.OpType == "Constant" && IsDefault(n) && n.Output.Count == 1))
        {
            if (ConstantValue(n) is { } t)
            {
                constants[n.Output[0]] = t;
            }
        }

        var consumers = new Dictionary<string, List<NodeProto>>(StringComparer.Ordinal);
        foreach (NodeProto n in g.Node)
        {
            foreach (string i in n.Input.Where(i => i.Length > 0).Distinct())
            {
                if (!consumers.TryGetValue(i, out List<NodeProto>? list))
                {
                    consumers[i] = list = [];
                }

                list.Add(n);
            }
        }

        var graphOutputs = new HashSet<string>(g.Output.Select(o => o.Name), StringComparer.Ordinal);
        var decoded = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        Tensor? Constant(string name)
        {
            if (name.Length == 0)
            {
                return null;
            }

            if (!decoded.TryGetValue(name, out Tensor? t) && initializers.TryGetValue(name, out TensorProto? p))
            {
                decoded[name] = t = OnnxTensors.Decode(p);
            }

            return t ?? constants.GetValueOrDefault(name);
        }

        // Pass 1: plan each integer layer and the nodes it absorbs.
        var plans = new Dictionary<NodeProto, LayerPlan>();
        var absorbed = new HashSet<NodeProto>();
        var skipped = new List<SkippedLayer>();
        foreach (NodeProto node in g.Node)
        {
            if (!IsDefault(node) || node.OpType is not ("Conv" or "Gemm" or "MatMul"))
            {
                continue;
            }

            string? why = Plan(node, activations, Constant, initializers, consumers, graphOutputs, out LayerPlan? plan);
            if (why is not null)
            {
                skipped.Add(new SkippedLayer(node.Name, node.OpType, why));
                continue;
            }

            plans[node] = plan!;
            foreach (NodeProto n in plan!.Absorbed)
            {
                absorbed.Add(n);
            }
        }

        // Which values integer layers read as uint8, and which values float nodes (or the graph outputs) read.
        var readAsInteger = new HashSet<string>(plans.Values.SelectMany(p => p.IntegerInputs), StringComparer.Ordinal);
        var readAsFloat = new HashSet<string>(graphOutputs, StringComparer.Ordinal);
        foreach (NodeProto n in g.Node.Where(n => !absorbed.Contains(n)))
        {
            IEnumerable<string> floatInputs = plans.TryGetValue(n, out LayerPlan? p) ? n.Input.Where(i => i.Length > 0 && !p.IntegerInputs.Contains(i)) : n.Input;
            foreach (string i in floatInputs)
            {
                readAsFloat.Add(i);
            }
        }

        // Pass 2: emit.
        var description = new IntegerModelDescription
        {
            Rounding = options.Rounding == QuantRounding.HalfAwayFromZero ? "half-away-from-zero" : "half-to-even",
            Requantization = RequantName(options.Requantization),
            WeightGranularity = options.PerChannel ? "per-channel" : "per-tensor",
            SymmetricWeights = options.SymmetricWeights,
        };
        var quantized = new Dictionary<string, ActivationParams>(StringComparer.Ordinal);
        var newNodes = new List<NodeProto>();
        var replacedWeights = new HashSet<string>(StringComparer.Ordinal);
        int away = options.Rounding == QuantRounding.HalfAwayFromZero ? 1 : 0;
        foreach (NodeProto node in g.Node)
        {
            if (absorbed.Contains(node))
            {
                continue;
            }

            if (!plans.TryGetValue(node, out LayerPlan? plan))
            {
                newNodes.Add(node);
                continue;
            }

            ActivationParams QuantizedInput(string value)
            {
                if (quantized.TryGetValue(value, out ActivationParams? done))
                {
                    return done;
                }

                ActivationParams p = ActivationParams.Calibrated(value, activations);
                NodeProto q = Node("IntegerQuantize", [value], [p.QuantizedName], value + "_IntegerQuantize");
                q.Attribute.Add(OnnxModelBuilder.Attribute("scale", p.Scale));
                q.Attribute.Add(OnnxModelBuilder.Attribute("zero_point", (long)p.ZeroPoint));
                q.Attribute.Add(OnnxModelBuilder.Attribute("rounding", description.Rounding));
                newNodes.Add(q);
                description.QuantizedInputs.Add(new QuantizedValue(value, p.Scale, p.ZeroPoint));
                quantized[value] = p;
                return p;
            }

            ActivationParams x = QuantizedInput(plan.Input);
            ActivationParams? right = plan.RightActivation is { } r ? QuantizedInput(r) : null;
            ActivationParams y = ActivationParams.Calibrated(plan.Output, activations);
            (int yMin, int yMax) = plan.Clamp(y, away);

            // Weights (int8, per channel or per tensor) or the right activation's single scale.
            float[] wScale;
            int[] wZeroPoint;
            string rightName;
            if (plan.Weight is { } weight)
            {
                var w = Constant(weight) as Tensor<float> ?? throw new InvalidOperationException($"weight '{weight}' is not float32");
                QuantRange wRange = QuantRange.For(DType.Int8, options.SymmetricWeights);
                (Tensor qw, QuantParams wp) = WeightQuantizer.Quantize(w, wRange, options.SymmetricWeights, options.PerChannel ? plan.WeightAxis : -1, options.Rounding);
                rightName = weight + "_int8";
                g.Initializer.Add(OnnxTensors.Encode(qw, rightName));
                (wScale, wZeroPoint) = (wp.Scale, wp.ZeroPoint);
                replacedWeights.Add(weight);
            }
            else
            {
                rightName = right!.QuantizedName;
                (wScale, wZeroPoint) = ([right.Scale], [right.ZeroPoint]);
            }

            // int32 bias at scale s_x·s_w[c], and the fixed-point multipliers s_x·s_w[c]/s_y.
            int channels = wScale.Length;
            float[]? realBias = plan.Bias is { } b ? (Constant(b) as Tensor<float> ?? throw new InvalidOperationException($"bias '{b}' is not float32")).Data : null;
            int outChannels = realBias?.Length ?? channels;
            int[]? bias = realBias is null ? null : new int[realBias.Length];
            var multiplier = new int[channels];
            var shift = new int[channels];
            var real = new double[channels];
            for (int c = 0; c < channels; c++)
            {
                double product = (double)x.Scale * wScale[c];
                real[c] = product / y.Scale;
                (multiplier[c], shift[c]) = QuantizedMultiplier.From(real[c]);
                if (shift[c] > 30)
                {
                    throw new ArgumentException($"{plan.Name}: requantization multiplier {real[c]} is too large for a fixed-point multiplier (shift {shift[c]} > 30)");
                }
            }

            for (int c = 0; bias is not null && c < bias.Length; c++)
            {
                double product = (double)x.Scale * wScale[channels == 1 ? 0 : c];
                bias[c] = RoundToInt32(realBias![c] / product, options.Rounding);
            }

            string prefix = plan.Output + "_integer";
            string zpName = prefix + "_w_zero_point", biasName = bias is null ? string.Empty : prefix + "_bias", mName = prefix + "_multiplier", sName = prefix + "_shift";
            int[] vectorShape = channels == 1 ? [1] : [channels];
            g.Initializer.Add(OnnxTensors.Encode(new Tensor<int>(wZeroPoint, vectorShape), zpName));
            if (bias is not null)
            {
                g.Initializer.Add(OnnxTensors.Encode(new Tensor<int>(bias, bias.Length), biasName));
            }

            g.Initializer.Add(OnnxTensors.Encode(new Tensor<int>(multiplier, vectorShape), mName));
            g.Initializer.Add(OnnxTensors.Encode(new Tensor<int>(shift, vectorShape), sName));
            string opType = plan.Op == "Conv" ? "IntegerConv" : "IntegerMatMul";
            NodeProto layer = Node(opType, [x.QuantizedName, rightName, zpName, biasName, mName, sName], [y.QuantizedName], plan.Name + "_" + opType);
            if (plan.Op == "Conv")
            {
                layer.Attribute.AddRange(node.Attribute.Select(a => a.Clone()));
            }
            else
            {
                layer.Attribute.Add(OnnxModelBuilder.Attribute("trans_b", plan.TransposedWeight ? 1L : 0L));
            }

            layer.Attribute.Add(OnnxModelBuilder.Attribute("x_zero_point", (long)x.ZeroPoint));
            layer.Attribute.Add(OnnxModelBuilder.Attribute("y_zero_point", (long)y.ZeroPoint));
            layer.Attribute.Add(OnnxModelBuilder.Attribute("y_min", (long)yMin));
            layer.Attribute.Add(OnnxModelBuilder.Attribute("y_max", (long)yMax));
            layer.Attribute.Add(OnnxModelBuilder.Attribute("requantization", description.Requantization));
            layer.Attribute.Add(OnnxModelBuilder.Attribute("x_scale", x.Scale));
            layer.Attribute.Add(OnnxModelBuilder.Attribute("w_scale", wScale));
            layer.Attribute.Add(OnnxModelBuilder.Attribute("y_scale", y.Scale));
            newNodes.Add(layer);
            quantized[plan.Output] = y;
            if (readAsFloat.Contains(plan.Output))
            {
                NodeProto dq = Node("IntegerDequantize", [y.QuantizedName], [plan.Output], plan.Output + "_IntegerDequantize");
                dq.Attribute.Add(OnnxModelBuilder.Attribute("scale", y.Scale));
                dq.Attribute.Add(OnnxModelBuilder.Attribute("zero_point", (long)y.ZeroPoint));
                newNodes.Add(dq);
                description.DequantizedOutputs.Add(new QuantizedValue(plan.Output, y.Scale, y.ZeroPoint));
            }

            description.Layers.Add(new IntegerLayerDescription
            {
                Name = plan.Name,
                Op = plan.Op,
                Kernel = opType,
                Fused = plan.Fused,
                Input = new QuantizedValue(plan.Input, x.Scale, x.ZeroPoint),
                Weights = plan.Weight is null ? null : new WeightDescription(plan.Weight, rightName, options.PerChannel && channels > 1 ? plan.WeightAxis : -1, wScale, wZeroPoint),
                RightInput = right is null ? null : new QuantizedValue(plan.RightActivation!, right.Scale, right.ZeroPoint),
                Bias = bias,
                Output = new QuantizedValue(plan.Output, y.Scale, y.ZeroPoint),
                OutputMin = yMin,
                OutputMax = yMax,
                RealMultiplier = real,
                Multiplier = multiplier,
                Shift = shift,
                OutputChannels = outChannels,
            });
        }

        // Float weights (and biases) that only the rewritten layers used are dropped; unused Constant nodes stay harmless.
        var stillUsed = new HashSet<string>(newNodes.SelectMany(n => n.Input), StringComparer.Ordinal);
        foreach (string name in plans.Values.SelectMany(p => new[] { p.Weight, p.Bias }).OfType<string>().Distinct())
        {
            if (!stillUsed.Contains(name) && !graphOutputs.Contains(name) && initializers.TryGetValue(name, out TensorProto? proto))
            {
                g.Initializer.Remove(proto);
            }
        }

        description.Skipped.AddRange(skipped);
        g.Node.Clear();
        g.Node.AddRange(newNodes);

        // Shape annotations of values the fusions removed (a layer's pre-activation output) would describe nothing.
        var produced = new HashSet<string>(g.Input.Select(i => i.Name).Concat(g.Initializer.Select(i => i.Name)).Concat(newNodes.SelectMany(n => n.Output)), StringComparer.Ordinal);
        foreach (ValueInfoProto stale in g.ValueInfo.Where(v => !produced.Contains(v.Name)).ToList())
        {
            g.ValueInfo.Remove(stale);
        }
        if (model.OpsetImport.All(o => o.Domain != OpRegistry.SysNoiseDomain))
        {
            model.OpsetImport.Add(new OperatorSetIdProto { Domain = OpRegistry.SysNoiseDomain, Version = 1 });
        }

        return (model.ToByteArray(), description);
    }

    /// <summary>The name of the uint8 value that holds <paramref name="value"/> in the integer model.</summary>
    public static string QuantizedName(string value) => value + "_uint8";

    /// <summary>round(v) per the rounding setting, saturated to int32.</summary>
    private static int RoundToInt32(double v, QuantRounding rounding)
    {
        double r = Math.Round(v, rounding == QuantRounding.HalfAwayFromZero ? MidpointRounding.AwayFromZero : MidpointRounding.ToEven);
        return double.IsNaN(r) ? 0 : r >= int.MaxValue ? int.MaxValue : r <= int.MinValue ? int.MinValue : (int)r;
    }

    internal static string RequantName(RequantMode mode) => mode == RequantMode.SingleRounding ? "single-rounding" : "double-rounding";

    private static bool IsDefault(NodeProto n) => n.Domain.Length == 0 || n.Domain == "ai.onnx";

    /// <summary>Decides whether <paramref name="node"/> becomes an integer layer; returns why not, or null with the plan.</summary>
    private static string? Plan(NodeProto node, RangeCalibrator activations, Func<string, Tensor?> constant, Dictionary<string, TensorProto> initializers,
        Dictionary<string, List<NodeProto>> consumers, HashSet<string> graphOutputs, out LayerPlan? plan)
    {
        plan = null;
        string name = node.Name.Length > 0 ? node.Name : node.Output[0];
        if (node.Input.Count < 2 || node.Output.Count != 1)
        {
            return "unexpected inputs or outputs";
        }

        string x = node.Input[0];
        if (initializers.ContainsKey(x) || constant(x) is not null)
        {
            return "the first input is a constant";
        }

        if (!activations.Names.Contains(x))
        {
            return $"no calibration data for its input '{x}'";
        }

        long Attr(string a, long fallback) => node.Attribute.FirstOrDefault(p => p.Name == a)?.I ?? fallback;
        float AttrF(string a, float fallback) => node.Attribute.FirstOrDefault(p => p.Name == a) is { } p ? p.F : fallback;
        string? weight = null, rightActivation = null, bias = null;
        int axis = 0;
        bool transposed = false;
        int outChannels;
        switch (node.OpType)
        {
            case "Conv":
            {
                if (constant(node.Input[1]) is not Tensor<float> w || w.Rank < 3)
                {
                    return "the weights are not a float32 initializer";
                }

                weight = node.Input[1];
                outChannels = w.Shape[0];
                if (node.Input.Count > 2 && node.Input[2].Length > 0)
                {
                    if (constant(node.Input[2]) is not Tensor<float> b || b.Length != outChannels)
                    {
                        return "the bias is not a float32 constant of one value per output channel";
                    }

                    bias = node.Input[2];
                }

                break;
            }

            case "Gemm":
            {
                if (Attr("transA", 0) != 0 || AttrF("alpha", 1f) != 1f || (node.Input.Count > 2 && node.Input[2].Length > 0 && AttrF("beta", 1f) != 1f))
                {
                    return "transA, alpha ≠ 1 or beta ≠ 1";
                }

                if (constant(node.Input[1]) is not Tensor<float> w || w.Rank != 2)
                {
                    return "B is not a 2-D float32 initializer";
                }

                weight = node.Input[1];
                transposed = Attr("transB", 0) != 0;
                axis = transposed ? 0 : 1;
                outChannels = w.Shape[axis];
                if (node.Input.Count > 2 && node.Input[2].Length > 0)
                {
                    if (constant(node.Input[2]) is not Tensor<float> c || c.Length != outChannels || (c.Rank == 2 && c.Shape[0] != 1) || c.Rank > 2)
                    {
                        return "C is not a float32 constant of one value per output column";
                    }

                    bias = node.Input[2];
                }

                break;
            }

            default:
            {
                string right = node.Input[1];
                if (constant(right) is Tensor<float> w)
                {
                    if (w.Rank != 2)
                    {
                        return "B is a constant of rank other than 2";
                    }

                    weight = right;
                    axis = 1;
                    outChannels = w.Shape[1];
                }
                else if (constant(right) is not null)
                {
                    return "B is a non-float constant";
                }
                else if (!activations.Names.Contains(right))
                {
                    return $"no calibration data for its input '{right}'";
                }
                else
                {
                    rightActivation = right;
                    outChannels = 0;
                }

                if (activations.RankOf(x) < 2 || (rightActivation is not null && activations.RankOf(rightActivation) < 2))
                {
                    return "an operand of rank 1";
                }

                break;
            }
        }

        // Fusions: a constant bias Add after a weight MatMul, then a Relu or constant Clip; each only when it alone
        // consumes the value and the value is not a graph output.
        var absorbed = new List<NodeProto>();
        var fused = new List<string>();
        string output = node.Output[0];
        NodeProto? Sole(string value) =>
            !graphOutputs.Contains(value) && consumers.TryGetValue(value, out List<NodeProto>? list) && list.Count == 1 && IsDefault(list[0]) ? list[0] : null;

        if (node.OpType == "MatMul" && weight is not null && Sole(output) is { OpType: "Add" } add && add.Input.Count == 2 && add.Output.Count == 1)
        {
            string other = add.Input[0] == output ? add.Input[1] : add.Input[0];
            if (add.Input.Count(i => i == output) == 1 && constant(other) is Tensor<float> b && b.Length == outChannels && b.Shape[^1] == outChannels)
            {
                bias = other;
                absorbed.Add(add);
                fused.Add("Add");
                output = add.Output[0];
            }
        }

        float? clipLo = null, clipHi = null;
        if (Sole(output) is { } act && act.Output.Count == 1 && act.Input.Count >= 1 && act.Input[0] == output)
        {
            if (act.OpType == "Relu")
            {
                clipLo = 0f;
            }
            else if (act.OpType == "Clip" && ClipBounds(act, constant) is { } bounds)
            {
                (clipLo, clipHi) = bounds;
            }

            if (clipLo is not null || clipHi is not null)
            {
                absorbed.Add(act);
                fused.Add(act.OpType);
                output = act.Output[0];
            }
        }

        if (!activations.Names.Contains(output))
        {
            return $"no calibration data for its output '{output}'";
        }

        plan = new LayerPlan(name, node.OpType, x, weight, rightActivation, bias, axis, transposed, output, absorbed, fused, clipLo, clipHi);
        return null;
    }

    /// <summary>Clip's bounds: attributes min/max before opset 11, constant inputs 1 and 2 after (absent: unbounded).</summary>
    private static (float? Lo, float? Hi)? ClipBounds(NodeProto clip, Func<string, Tensor?> constant)
    {
        float? lo = clip.Attribute.FirstOrDefault(a => a.Name == "min")?.F;
        float? hi = clip.Attribute.FirstOrDefault(a => a.Name == "max")?.F;
        for (int i = 1; i <= 2 && i < clip.Input.Count; i++)
        {
            if (clip.Input[i].Length == 0)
            {
                continue;
            }

            if (constant(clip.Input[i]) is not Tensor<float> t || t.Length != 1)
            {
                return null;
            }

            if (i == 1)
            {
                lo = t.Data[0];
            }
            else
            {
                hi = t.Data[0];
            }
        }

        return (lo, hi);
    }

    private static Tensor? ConstantValue(NodeProto n)
    {
        AttributeProto? a = n.Attribute.FirstOrDefault();
        return a?.Name switch
        {
            "value" => OnnxTensors.Decode(a.T),
            "value_float" => new Tensor<float>([a.F]),
            "value_floats" => new Tensor<float>(a.Floats.ToArray(), a.Floats.Count),
            _ => null,
        };
    }

    private static NodeProto Node(string op, string[] inputs, string[] outputs, string name)
    {
        var n = new NodeProto { OpType = op, Name = name, Domain = OpRegistry.SysNoiseDomain };
        n.Input.AddRange(inputs);
        n.Output.AddRange(outputs);
        return n;
    }

    private sealed record LayerPlan(
        string Name, string Op, string Input, string? Weight, string? RightActivation, string? Bias, int WeightAxis, bool TransposedWeight,
        string Output, List<NodeProto> Absorbed, List<string> Fused, float? ClipLo, float? ClipHi)
    {
        /// <summary>The uint8 values this layer reads as integers.</summary>
        public IEnumerable<string> IntegerInputs => RightActivation is null ? [Input] : [Input, RightActivation];

        /// <summary>
        /// The output clamp: [0, 255] narrowed by a fused Relu (its lower bound 0) or Clip, each bound quantized with the
        /// output's scale and zero point as an activation is (TFLite's CalculateActivationRangeQuantized).
        /// </summary>
        public (int Min, int Max) Clamp(ActivationParams y, int away)
        {
            int lo = ActivationRange.QMin, hi = ActivationRange.QMax;
            if (ClipLo is { } l)
            {
                lo = Math.Max(lo, IntegerMath.Quantize(l, y.Scale, y.ZeroPoint, ActivationRange.QMin, ActivationRange.QMax, away));
            }

            if (ClipHi is { } h)
            {
                hi = Math.Min(hi, IntegerMath.Quantize(h, y.Scale, y.ZeroPoint, ActivationRange.QMin, ActivationRange.QMax, away));
            }

            return (lo, Math.Max(lo, hi));
        }
    }

    /// <summary>A calibrated activation's uint8 parameters (asymmetric, as the QDQ rewrite's activations).</summary>
    private sealed record ActivationParams(string Value, float Scale, int ZeroPoint)
    {
        public string QuantizedName => IntegerRewriter.QuantizedName(Value);

        public static ActivationParams Calibrated(string value, RangeCalibrator activations)
        {
            (float lo, float hi) = activations.Range(value);
            (float scale, int zp) = QuantParams.Compute(lo, hi, ActivationRange, symmetric: false);
            return new ActivationParams(value, scale, zp);
        }
    }
}
