using System.Collections.Concurrent;
using SysNoise.Kernels.Model.Elementwise;
using SysNoise.Kernels.Model.Nn;
using SysNoise.Runtime.Devices;
using SysNoise.Runtime.IO;
using SysNoise.Runtime.Model.Graph;
using SysNoise.Runtime.Model.Ops;
using SysNoise.Runtime.Model.Ops.Basic;
using SysNoise.Runtime.Model.Ops.Elementwise;
using SysNoise.Runtime.Model.Ops.Nn;
using SysNoise.Runtime.Tensors;

namespace SysNoise.Runtime.Model.Execution;

/// <summary>
/// Runs a loaded model on SysNoise's operators in the graph's topological order. Values are dropped once every node
/// reading them has run; on the host their float32 buffers then return to the run's <see cref="BufferArena"/> for later
/// ops. On the host in fp32 (and without a per-value dump), a Conv absorbs the Add/Relu/Clip after it
/// (<see cref="ConvFusionPlan"/>) and connected elementwise nodes run as one pass (<see cref="ElementwiseGroupPlan"/>),
/// each with the same op structs and therefore the same bits as the nodes run one by one (docs/performance.md).
/// Deterministic: every operator fixes its accumulation order.
/// </summary>
public sealed class OnnxSession
{
    private readonly IOnnxOperator[] operators;
    private readonly IReadOnlySet<string> keepFloat;
    private readonly ConcurrentBag<BufferArena> arenas = [];
    private readonly ConvFusion?[] fusions;
    private readonly int?[] chains;
    private readonly HashSet<string> constants;
    private readonly HashSet<string> ortInitializers;
    private readonly Dictionary<string, int> constantProducers;
    private readonly ElementwiseGroup?[] groups;
    private readonly HashSet<string> graphOutputs;
    private readonly Dictionary<string, int> readerCounts;
    private readonly bool[] groupMember;

    public OnnxSession(OnnxModel model, ExecutionOptions? options = null, Device? device = null)
    {
        Model = model;
        Options = options ?? ExecutionOptions.Default;
        Device = device ?? HostDevice.Shared;
        RefuseUnimplementedPrecision(model, Options.Precision);
        operators = model.Graph.Nodes.Select(n => OpRegistry.TryGet(n.Domain, n.OpType, out IOnnxOperator op) ? op : throw new InvalidOperationException($"unsupported op {n.OpType}")).ToArray();
        keepFloat = PrecisionTransforms.FoldedParameters(model.Graph.Nodes);
        Initializers = PrecisionTransforms.PrepareInitializers(model.Graph.Initializers, Options, keepFloat);
        constants = model.Graph.Initializers.Keys.Except(model.Graph.Inputs.Select(i => i.Name)).ToHashSet(StringComparer.Ordinal);

        // ONNX Runtime turns every ai.onnx Constant node into an initializer when it loads a graph (core/graph/graph.cc),
        // at any optimization level, so it prepacks a Constant-fed MatMul B as it does an initializer.
        ortInitializers = new HashSet<string>(constants, StringComparer.Ordinal);
        ortInitializers.UnionWith(model.Graph.Nodes.Where(n => n.OpType == "Constant" && n.Domain is "" or "ai.onnx").SelectMany(n => n.Outputs));
        graphOutputs = new HashSet<string>(model.Graph.Outputs.Select(o => o.Name), StringComparer.Ordinal);
        readerCounts = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (string name in model.Graph.Nodes.SelectMany(n => n.Inputs).Where(n => n.Length > 0))
        {
            readerCounts[name] = readerCounts.GetValueOrDefault(name) + 1;
        }

        fusions = ConvFusionPlan.Build(model.Graph);
        var inConvFusions = new HashSet<int>(fusions.Where(f => f is not null).SelectMany(f => f!.Absorbed));
        groups = ElementwiseGroupPlan.Build(model.Graph, inConvFusions, out groupMember);
        constantProducers = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < model.Graph.Nodes.Count; i++)
        {
            OnnxNode n = model.Graph.Nodes[i];
            if (operators[i] is ConstantOperator && n.Inputs.Count == 0 && n.Outputs.Count == 1)
            {
                constantProducers[n.Outputs[0]] = i;
            }
        }

        for (int i = 0; i < fusions.Length; i++)
        {
            if (operators[i] is not ConvOp)
            {
                fusions[i] = null;
            }
        }

        chains = ConvFusionPlan.Chains(model.Graph, fusions, constants);
    }

    public OnnxModel Model { get; }

    /// <summary>Where the operators run: the host loops, or their ILGPU kernels.</summary>
    public Device Device { get; }

    public ExecutionOptions Options { get; }

    /// <summary>The initializers as this session's precision stores them.</summary>
    public IReadOnlyDictionary<string, Tensor> Initializers { get; }

    /// <summary>Initializers that are not also graph inputs, and Constant nodes' outputs: what ONNX Runtime holds as initializers and may prepack.</summary>
    public IReadOnlySet<string> Constants => ortInitializers;

    /// <summary>
    /// Runs the model. <paramref name="onValue"/>, when given, sees every value as it is produced (graph inputs and
    /// every node output, by ONNX value name): the per-layer dump. <paramref name="onNodeTimed"/>, when given, gets each
    /// node with the <see cref="System.Diagnostics.Stopwatch"/> ticks its operator took (the profiler's per-op times).
    /// </summary>
    public IReadOnlyDictionary<string, Tensor> Run(IReadOnlyDictionary<string, Tensor> inputs, Action<string, Tensor>? onValue = null, Action<OnnxNode, long>? onNodeTimed = null)
    {
        OnnxGraph graph = Model.Graph;
        var values = new Dictionary<string, Tensor>(Initializers, StringComparer.Ordinal);
        foreach (OnnxValueInfo input in graph.Inputs)
        {
            if (!inputs.TryGetValue(input.Name, out Tensor? t))
            {
                throw new SysNoiseIOException(Model.Path, $"missing input '{input.Name}' {input.ShapeText}");
            }

            CheckInput(input, t);
            Tensor stored = PrecisionTransforms.StoreActivation(t, Options);
            values[input.Name] = stored;
            onValue?.Invoke(input.Name, stored);
        }

        // Buffers are recycled on the host when no dump holds on to every value (a dumped value must keep its bits), and
        // only then may a Conv absorb the nodes after it (a dump must see their intermediate values).
        BufferArena? arena = onValue is null && Device is HostDevice ? (arenas.TryTake(out BufferArena? a) ? a : new BufferArena()) : null;
        bool fuse = arena is not null && Options.FuseElementwise && Options.Precision == Precision.Fp32;
        bool[]? absorbed = fuse ? new bool[graph.Nodes.Count] : null;
        var context = new OpContext(Options, Device, arena) { Constants = ortInitializers };
        var readersLeft = new Dictionary<string, int>(readerCounts, StringComparer.Ordinal);
        var args = new List<Tensor?>(8);
        for (int i = 0; i < graph.Nodes.Count; i++)
        {
            if (absorbed?[i] == true)
            {
                continue;
            }

            if (fuse && groupMember[i])
            {
                // A group runs at its last member; if this run cannot fuse it, its members run one by one there.
                if (groups[i] is { } group)
                {
                    long t0 = onNodeTimed is null ? 0 : System.Diagnostics.Stopwatch.GetTimestamp();
                    if (RunGroup(context, group, values) is { } produced)
                    {
                        onNodeTimed?.Invoke(graph.Nodes[i], System.Diagnostics.Stopwatch.GetTimestamp() - t0);
                        foreach ((string name, Tensor t) in produced)
                        {
                            Store(name, t);
                        }

                        arena!.EndNode();
                        foreach (int m in group.Members)
                        {
                            ReleaseDead(graph.Nodes[m]);
                        }
                    }
                    else
                    {
                        foreach (int m in group.Members)
                        {
                            RunNode(m);
                        }
                    }
                }

                continue;
            }

            RunNode(i);
        }

        void RunNode(int i)
        {
            OnnxNode node = graph.Nodes[i];
            args.Clear();
            foreach (string name in node.Inputs)
            {
                args.Add(name.Length == 0 ? null : values.TryGetValue(name, out Tensor? v) ? v : throw new InvalidOperationException($"{node.Label}: value '{name}' is not available"));
            }

            if (node.Opset < 7 && node.Domain.Length == 0)
            {
                LegacyBroadcast(node, args);
            }

            long started = onNodeTimed is null ? 0 : System.Diagnostics.Stopwatch.GetTimestamp();
            if (fuse && chains[i] is int d && RunChained(context, i, d, args, values) is ({ } chained, int lastConv))
            {
                // The chain (and what each Conv absorbed) ran at the first Conv's place; the last Conv's output is stored.
                onNodeTimed?.Invoke(node, System.Diagnostics.Stopwatch.GetTimestamp() - started);
                Store(fusions[lastConv]?.Output ?? graph.Nodes[lastConv].Outputs[0], chained);
                arena!.EndNode();
                ReleaseDead(node);
                var members = (fusions[i]?.Absorbed ?? []).Append(d).Concat(fusions[d]?.Absorbed ?? []);
                if (lastConv != d)
                {
                    members = members.Append(lastConv).Concat(fusions[lastConv]?.Absorbed ?? []);
                }

                foreach (int j in members)
                {
                    absorbed![j] = true;
                    ReleaseDead(graph.Nodes[j]);
                }

                return;
            }

            if (fuse && fusions[i] is { } fusion && RunFused(context, node, args, fusion, values) is { } fused)
            {
                onNodeTimed?.Invoke(node, System.Diagnostics.Stopwatch.GetTimestamp() - started);
                Store(fusion.Output, fused);
                arena!.EndNode();
                ReleaseDead(node);
                foreach (int j in fusion.Absorbed)
                {
                    absorbed![j] = true;
                    ReleaseDead(graph.Nodes[j]);
                }

                return;
            }

            Tensor[] results;
            try
            {
                results = operators[i].Run(context, node, args);
            }
            catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or NotSupportedException or IndexOutOfRangeException)
            {
                throw new SysNoiseIOException(Model.Path, $"{node.Label}: {ex.Message}", ex);
            }

            onNodeTimed?.Invoke(node, System.Diagnostics.Stopwatch.GetTimestamp() - started);
            for (int k = 0; k < node.Outputs.Count && k < results.Length; k++)
            {
                if (node.Outputs[k].Length > 0)
                {
                    Store(node.Outputs[k], results[k]);
                }
            }

            arena?.EndNode();
            ReleaseDead(node);
        }

        void Store(string name, Tensor result)
        {
            Tensor r = keepFloat.Contains(name) ? result : PrecisionTransforms.StoreActivation(result, Options);
            if (values.Remove(name, out Tensor? replaced))
            {
                arena?.Release(replaced.RawData);
            }

            values[name] = r;
            arena?.Hold(r.RawData);
            onValue?.Invoke(name, r);
        }

        // A value is dropped once every node reading it has run (counted, not by graph position: fused Convs and
        // elementwise groups run nodes out of order); its buffer goes back to the arena. Graph outputs stay.
        void ReleaseDead(OnnxNode node)
        {
            foreach (string name in node.Inputs)
            {
                if (name.Length > 0 && readersLeft.TryGetValue(name, out int left))
                {
                    readersLeft[name] = --left;
                    if (left == 0 && !graphOutputs.Contains(name) && !Initializers.ContainsKey(name) && values.Remove(name, out Tensor? dead))
                    {
                        arena?.Release(dead.RawData);
                    }
                }
            }
        }

        var outputs = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (OnnxValueInfo o in graph.Outputs)
        {
            outputs[o.Name] = values[o.Name];
        }

        if (arena is not null)
        {
            foreach (Tensor t in outputs.Values)
            {
                arena.Disown(t.RawData);
            }

            arena.EndRun();
            arenas.Add(arena);
        }

        return outputs;
    }

    /// <summary>
    /// Runs an <see cref="ElementwiseGroup"/> in one pass when its operands allow (all float32; each the group's full
    /// shape, one value, or one value per [N, C] plane; every member's result of the full shape; Clip bounds scalar),
    /// returning the values to store; else null (the members then run one by one).
    /// </summary>
    private List<(string Name, Tensor Value)>? RunGroup(OpContext context, ElementwiseGroup group, Dictionary<string, Tensor> values)
    {
        OnnxGraph graph = Model.Graph;
        var inputs = new Tensor<float>[group.Inputs.Length];
        for (int i = 0; i < inputs.Length; i++)
        {
            if (!values.TryGetValue(group.Inputs[i], out Tensor? t) || t is not Tensor<float> f)
            {
                return null;
            }

            inputs[i] = f;
        }

        int[] shape = inputs.MaxBy(t => t.Length)!.Shape;
        long total = Tensor.ElementCount(shape);
        if (shape.Length < 1 || total < 2)
        {
            return null;
        }

        // Operand kinds: the full shape, one value (of no higher rank), or one per plane (same rank, dims ≥ 2 of 1).
        var kinds = new FusedOperand[inputs.Length];
        for (int i = 0; i < inputs.Length; i++)
        {
            int[] s = inputs[i].Shape;
            if (s.AsSpan().SequenceEqual(shape))
            {
                kinds[i] = FusedOperand.Full;
            }
            else if (inputs[i].Length == 1 && s.Length <= shape.Length)
            {
                kinds[i] = FusedOperand.Scalar;
            }
            else if (shape.Length >= 3 && s.Length == shape.Length && s[0] == shape[0] && s[1] == shape[1] && s.Skip(2).All(d => d == 1))
            {
                kinds[i] = FusedOperand.Plane;
            }
            else
            {
                return null;
            }
        }

        // Every member's result must have the full shape: at least one operand of each reaches it.
        int n = inputs.Length;
        var full = new bool[n + group.Members.Length];
        for (int i = 0; i < n; i++)
        {
            full[i] = kinds[i] == FusedOperand.Full;
        }

        var steps = new FusedStep[group.Members.Length];
        var outputs = new List<(string Name, Tensor Value)>();
        var outputPointers = new List<float[]>();
        for (int m = 0; m < steps.Length; m++)
        {
            OnnxNode node = graph.Nodes[group.Members[m]];
            (int a, int b) = group.Operands[m];
            full[n + m] = full[a] || full[b];
            if (!full[n + m])
            {
                return null;
            }

            float lo = 0f, hi = 0f;
            if (node.OpType == "Clip")
            {
                Tensor? Bound(int index)
                {
                    string name = index < node.Inputs.Count ? node.Inputs[index] : string.Empty;
                    return name.Length == 0 ? null
                        : values.TryGetValue(name, out Tensor? t) ? t
                        : constantProducers.TryGetValue(name, out int producer) ? operators[producer].Run(context, graph.Nodes[producer], [])[0]
                        : null;
                }

                if (node.Inputs.Skip(1).Any(x => x.Length > 0 && !values.ContainsKey(x) && !constantProducers.ContainsKey(x)))
                {
                    return null;
                }

                Tensor? l = Bound(1), h = Bound(2);
                if (node.Opset >= 11 && ((l is not null && l.Length != 1) || (h is not null && h.Length != 1)))
                {
                    return null;
                }

                (lo, hi) = ClipOperator.FloatBounds(node, l, h);
            }

            int output = -1;
            if (group.Escaping[m])
            {
                float[] data = context.NewFloats(total);
                output = outputPointers.Count;
                outputPointers.Add(data);
                outputs.Add((node.Outputs[0], new Tensor<float>(data, shape)));
            }

            steps[m] = new FusedStep(ElementwiseGroupPlan.OpOf(node), a, b, lo, hi, output);
        }

        int planes = shape.Length >= 3 ? shape[0] * shape[1] : 1;
        int planeLength = (int)(total / planes);
        var handles = new List<System.Runtime.InteropServices.GCHandle>();
        try
        {
            nint Pin(float[] a)
            {
                var h = System.Runtime.InteropServices.GCHandle.Alloc(a, System.Runtime.InteropServices.GCHandleType.Pinned);
                handles.Add(h);
                return h.AddrOfPinnedObject();
            }

            nint[] inputPointers = inputs.Select(t => Pin(t.Data)).ToArray();
            nint[] outputAddresses = outputPointers.Select(Pin).ToArray();
            FusedElementwise.Run(steps, inputPointers, kinds, outputAddresses, planes, planeLength, context.Threads);
        }
        finally
        {
            foreach (var h in handles)
            {
                h.Free();
            }
        }

        return outputs;
    }

    /// <summary>
    /// Runs a Conv with the nodes its <see cref="ConvFusion"/> absorbs, when every operand they need is already there
    /// (the Add's other input, Clip's bounds) and the Conv kernel can take them; else null (the nodes then run one by one).
    /// </summary>
    private Tensor? RunFused(OpContext context, OnnxNode node, List<Tensor?> args, ConvFusion fusion, Dictionary<string, Tensor> values)
    {
        if (EpilogueOf(context, fusion, values) is not { } found)
        {
            return null;
        }

        try
        {
            return ConvOp.RunFused(context, node, args, found.Skip, found.Epilogue);
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or NotSupportedException or IndexOutOfRangeException)
        {
            throw new SysNoiseIOException(Model.Path, $"{node.Label}: {ex.Message}", ex);
        }
    }

    /// <summary>
    /// Runs Conv <paramref name="first"/>, the Conv <paramref name="second"/> that alone reads it and, when one alone reads
    /// that, the Conv after it (each with the nodes its fusion absorbs) as one banded pass
    /// (<see cref="ConvOp.RunExpandDepthwise"/>), when the geometries qualify: the result and the last Conv run; else null.
    /// </summary>
    private (Tensor Result, int LastConv)? RunChained(OpContext context, int first, int second, List<Tensor?> args, Dictionary<string, Tensor> values)
    {
        OnnxGraph graph = Model.Graph;
        OnnxNode node = graph.Nodes[first], next = graph.Nodes[second];
        ConvEpilogue e1 = default, e2 = default;
        Tensor<float>? skip2 = null;
        if (fusions[first] is { } f1)
        {
            if (EpilogueOf(context, f1, values) is not { Skip: null } r1)
            {
                return null;
            }

            e1 = r1.Epilogue;
        }

        if (fusions[second] is { } f2)
        {
            if (EpilogueOf(context, f2, values) is not { } r2)
            {
                return null;
            }

            (e2, skip2) = (r2.Epilogue, r2.Skip);
        }

        // The later Convs' weights and biases are constants (ConvFusionPlan.Chains); each one's data input is the previous output.
        List<Tensor?> InputsOf(OnnxNode n) => n.Inputs.Select((name, k) => k == 0 || name.Length == 0 ? null : values.GetValueOrDefault(name)).ToList();
        try
        {
            // The projection after the depthwise Conv, when its own Add (if any) has its operand ready.
            if (skip2 is null && chains[second] is int third
                && (fusions[third] is { } f3 ? EpilogueOf(context, f3, values) : (default(ConvEpilogue), null)) is { } e3)
            {
                OnnxNode last = graph.Nodes[third];
                if (ConvOp.RunExpandDepthwise(context, node, args, next, InputsOf(next), e1, e2, null, last, InputsOf(last), e3.Epilogue, e3.Skip) is { } projected)
                {
                    return (projected, third);
                }
            }

            return ConvOp.RunExpandDepthwise(context, node, args, next, InputsOf(next), e1, e2, skip2, null, null, default, null) is { } y ? (y, second) : null;
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or NotSupportedException or IndexOutOfRangeException)
        {
            throw new SysNoiseIOException(Model.Path, $"{node.Label} + {next.Label}: {ex.Message}", ex);
        }
    }

    /// <summary>
    /// The <see cref="ConvEpilogue"/> of a fusion and its Add operand, when every operand it needs is already there (the
    /// Add's other input, Clip's bounds); else null (the nodes then run one by one).
    /// </summary>
    private (ConvEpilogue Epilogue, Tensor<float>? Skip)? EpilogueOf(OpContext context, ConvFusion fusion, Dictionary<string, Tensor> values)
    {
        Tensor<float>? skip = null;
        if (fusion.Skip is { } skipName && (!values.TryGetValue(skipName, out Tensor? s) || (skip = s as Tensor<float>) is null))
        {
            return null;
        }

        var epilogue = new ConvEpilogue { SkipFirst = fusion.SkipFirst };
        if (fusion.Activation is { OpType: "Relu" })
        {
            epilogue = epilogue with { Activation = ConvActivation.Relu };
        }
        else if (fusion.Activation is { OpType: "Clip" } clip)
        {
            // Exporters put a Clip's bound Constants right before the Clip, after the Conv: such a Constant is read here
            // (it still runs as its own node later).
            Tensor? Bound(int index)
            {
                string name = index < clip.Inputs.Count ? clip.Inputs[index] : string.Empty;
                return name.Length == 0 ? null
                    : values.TryGetValue(name, out Tensor? t) ? t
                    : constantProducers.TryGetValue(name, out int producer) ? operators[producer].Run(context, Model.Graph.Nodes[producer], [])[0]
                    : null;
            }

            bool missing = clip.Inputs.Skip(1).Any(n => n.Length > 0 && !values.ContainsKey(n) && !constantProducers.ContainsKey(n));
            Tensor? lo = Bound(1), hi = Bound(2);
            if (missing || (clip.Opset >= 11 && ((lo is not null && lo.Length != 1) || (hi is not null && hi.Length != 1))))
            {
                return null; // the Clip node runs by itself (and reports a bad bound as its own error)
            }

            (float l, float h) = ClipOperator.FloatBounds(clip, lo, hi);
            epilogue = epilogue with { Activation = ConvActivation.Clip, Lo = l, Hi = h };
        }

        return (epilogue, skip);
    }

    /// <summary>
    /// Why the executor cannot run <paramref name="model"/> at <paramref name="precision"/>, or null when it can.
    /// int8-qdq runs as the calibrated QDQ rewrite (QdqPipeline), not as
    /// a session precision. int8-int runs every model: its calibrated integer rewrite (IntegerPipeline) makes each
    /// Conv/Gemm/MatMul it can an integer layer and leaves the rest float (listed in the rewrite's description). Refused
    /// precisions are never silently run as another precision.
    /// </summary>
    public static string? UnsupportedReason(OnnxModel model, Precision precision) => precision switch
    {
        Precision.Int8Qdq => "int8-qdq runs as the calibrated QDQ rewrite of the model (QdqPipeline), not as a session precision",
        _ => null,
    };

    private static void RefuseUnimplementedPrecision(OnnxModel model, Precision precision)
    {
        if (UnsupportedReason(model, precision) is { } reason)
        {
            throw new NotSupportedException(reason);
        }

        // int8-int needs calibration, which a session does not have: the integer model comes from IntegerPipeline.Prepare
        // and runs in a session like any model (its float ops in fp32).
        if (precision == Precision.Int8Int)
        {
            throw new NotSupportedException("int8-int runs as the calibrated integer rewrite of the model (IntegerPipeline.Prepare), not as a session precision");
        }
    }

    private static readonly HashSet<string> LegacyBroadcastOps = new(StringComparer.Ordinal) { "Add", "Sub", "Mul", "Div", "Pow", "And", "Or", "Xor", "Equal", "Greater", "Less" };

    /// <summary>
    /// Opsets 1–6 broadcast only with <c>broadcast=1</c>, aligning B's dimensions at <c>axis</c> (default: the
    /// trailing ones), and PRelu broadcast a per-channel slope along axis 1; from opset 7 the operators use NumPy
    /// rules, so B is reshaped to the rank of A with its dimensions where the old rule put them.
    /// </summary>
    private static void LegacyBroadcast(OnnxNode node, List<Tensor?> args)
    {
        if (args.Count < 2 || args[0] is not { } a || args[1] is not { } b || b.Rank >= a.Rank)
        {
            return;
        }

        int axis;
        if (LegacyBroadcastOps.Contains(node.OpType) && node.Int("broadcast", 0) == 1)
        {
            axis = node.Has("axis") ? (int)node.Int("axis", 0) : a.Rank - b.Rank;
            axis = axis < 0 ? axis + a.Rank : axis;
        }
        else if (node.OpType == "PRelu" && b.Rank == 1 && a.Rank >= 2 && b.Shape[0] == a.Shape[1] && b.Shape[0] != 1)
        {
            axis = 1;
        }
        else
        {
            return;
        }

        var shape = Enumerable.Repeat(1, a.Rank).ToArray();
        for (int d = 0; d < b.Rank && axis + d < a.Rank; d++)
        {
            shape[axis + d] = b.Shape[d];
        }

        args[1] = b.WithShape(shape);
    }

    private void CheckInput(OnnxValueInfo info, Tensor t)
    {
        if (info.ElementType is { } type && type != t.DType)
        {
            throw new SysNoiseIOException(Model.Path, $"input '{info.Name}' must be {type.ToString().ToLowerInvariant()}, got {t.DType.ToString().ToLowerInvariant()}");
        }

        if (info.Shape is { } shape)
        {
            bool ok = shape.Length == t.Rank;
            for (int d = 0; ok && d < shape.Length; d++)
            {
                ok = shape[d] is null || shape[d] == t.Shape[d];
            }

            if (!ok)
            {
                throw new SysNoiseIOException(Model.Path, $"input '{info.Name}' must have shape {info.ShapeText}, got {t.ShapeText}");
            }
        }
    }
}
