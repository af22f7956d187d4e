using SysNoise.Runtime.Model.Graph;
using SysNoise.Runtime.Model.Ops;
using SysNoise.Runtime.Tensors;

namespace SysNoise.Runtime.Model.Analysis;

/// <summary>One pooling node and what ceil mode would do to it.</summary>
/// <param name="FloorShape">Output shape with ceil_mode=0 (null where the input's spatial size is not static).</param>
/// <param name="CeilShape">Output shape with ceil_mode=1.</param>
/// <param name="Changes">true: floor and ceil differ; false: they agree; null: unknown (no static input shape).</param>
public sealed record CeilSite(string Node, string OpType, bool ModelCeilMode, int?[]? FloorShape, int?[]? CeilShape, bool? Changes);

/// <summary>Which nodes each noise knob of <see cref="Execution.ExecutionOptions"/> acts on.</summary>
public sealed record KnobReach(
    IReadOnlyList<CeilSite> Ceil,
    IReadOnlyList<string> Upsample,
    IReadOnlyList<string> Fp16,
    IReadOnlyList<string> Int8);

/// <summary>What model-info reports: where the model came from, what it is made of, and what the noise knobs touch.</summary>
public sealed record ModelSummary(
    string Path,
    string Producer,
    long IrVersion,
    IReadOnlyDictionary<string, int> Opsets,
    IReadOnlyList<(string OpType, int Count)> OpCounts,
    IReadOnlyList<string> UnsupportedOps,
    IReadOnlyList<OnnxValueInfo> Inputs,
    IReadOnlyList<OnnxValueInfo> Outputs,
    // Elements of all initializers and Constant-node tensors.
    long ParameterCount,
    int NodeCount,
    KnobReach Knobs)
{
    /// <summary>Ops whose weights and activations an int8 profile quantizes.</summary>
    public static readonly IReadOnlySet<string> Int8Ops = new HashSet<string>(StringComparer.Ordinal) { "Conv", "ConvTranspose", "Gemm", "MatMul" };

    /// <summary>Ops an upsample override (mode, coordinate transformation) rewrites.</summary>
    public static readonly IReadOnlySet<string> UpsampleOps = new HashSet<string>(StringComparer.Ordinal) { "Resize", "Upsample" };

    public static readonly IReadOnlySet<string> PoolOps = new HashSet<string>(StringComparer.Ordinal) { "MaxPool", "AveragePool" };

    private static readonly HashSet<DType> FloatTypes = [DType.Float16, DType.Float32, DType.Float64];

    /// <param name="model">A model, loaded with or without support for all its ops.</param>
    /// <param name="inputShapes">Sizes to assume for inputs with symbolic dimensions (so pooling sizes become static).</param>
    public static ModelSummary Create(OnnxModel model, IReadOnlyDictionary<string, int[]>? inputShapes = null)
    {
        OnnxGraph graph = model.Graph;
        IReadOnlyDictionary<string, OnnxValueInfo> shapes = StaticShapes.Infer(graph, inputShapes);
        var counts = graph.Nodes.GroupBy(n => n.Domain.Length == 0 ? n.OpType : $"{n.Domain}.{n.OpType}")
            .Select(g => (g.Key, g.Count()))
            .OrderByDescending(p => p.Item2).ThenBy(p => p.Key, StringComparer.Ordinal)
            .ToList();
        var unsupported = graph.Nodes.Where(n => !OpRegistry.TryGet(n.Domain, n.OpType, out _))
            .Select(n => n.Domain.Length == 0 ? n.OpType : $"{n.Domain}.{n.OpType}")
            .Distinct().Order(StringComparer.Ordinal).ToList();

        var ceil = new List<CeilSite>();
        foreach (OnnxNode n in graph.Nodes.Where(n => PoolOps.Contains(n.OpType)))
        {
            OnnxValueInfo?[] inputs = n.Inputs.Select(i => shapes.GetValueOrDefault(i)).ToArray();
            int?[]? floor = StaticShapes.WindowOutput(n, inputs, ceilOverride: false);
            int?[]? ceiled = StaticShapes.WindowOutput(n, inputs, ceilOverride: true);
            bool? changes = floor is null || ceiled is null || floor.Skip(2).Concat(ceiled.Skip(2)).Any(d => d is null)
                ? null
                : !floor.SequenceEqual(ceiled);
            ceil.Add(new CeilSite(n.Label, n.OpType, n.Int("ceil_mode", 0) != 0, floor, ceiled, changes));
        }

        // fp16 storage rounds every float value an op produces; integer and boolean values (shapes, indices) stay exact.
        var fp16 = graph.Nodes.Where(n => n.Outputs.Any(o => shapes.GetValueOrDefault(o)?.ElementType is { } t && FloatTypes.Contains(t)))
            .Select(n => n.Label).ToList();
        var knobs = new KnobReach(
            ceil,
            graph.Nodes.Where(n => UpsampleOps.Contains(n.OpType)).Select(n => n.Label).ToList(),
            fp16,
            graph.Nodes.Where(n => Int8Ops.Contains(n.OpType)).Select(n => n.Label).ToList());

        return new ModelSummary(
            model.Path,
            model.Producer,
            model.IrVersion,
            model.Opsets,
            counts,
            unsupported,
            graph.Inputs,
            graph.Outputs.Select(o => o.Shape is null && shapes.TryGetValue(o.Name, out OnnxValueInfo? s) ? s : o).ToList(),
            // Some exporters (Paddle2ONNX) store weights as Constant nodes instead of initializers.
            graph.Initializers.Values.Sum(t => t.Length) + graph.Nodes.Where(n => n.OpType == "Constant").Sum(n => n.TensorAttribute("value")?.Length ?? 0),
            graph.Nodes.Count,
            knobs);
    }
}
