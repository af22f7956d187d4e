using SysNoise.Runtime.Tensors;

namespace SysNoise.Runtime.Model.Graph;

/// <summary>A graph input or output: name, element type and shape (null entries are symbolic dimensions).</summary>
public sealed record OnnxValueInfo(string Name, DType? ElementType, int?[]? Shape)
{
    public string ShapeText => Shape is null ? "?" : "(" + string.Join(", ", Shape.Select(d => d?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "?")) + ")";
}

/// <summary>
/// An immutable, validated graph: nodes in a topological order, decoded initializers, static shapes where
/// they could be inferred, and each value's last use (the executor's memory plan).
/// </summary>
public sealed class OnnxGraph
{
    public required string Name { get; init; }

    /// <summary>Nodes in execution (topological) order.</summary>
    public required IReadOnlyList<OnnxNode> Nodes { get; init; }

    /// <summary>Inputs the caller must feed (initializers excluded).</summary>
    public required IReadOnlyList<OnnxValueInfo> Inputs { get; init; }

    public required IReadOnlyList<OnnxValueInfo> Outputs { get; init; }

    public required IReadOnlyDictionary<string, Tensor> Initializers { get; init; }

    /// <summary>Static shapes (and element types) inferred at load, by value name.</summary>
    public required IReadOnlyDictionary<string, OnnxValueInfo> ValueInfo { get; init; }

    /// <summary>For each value, the index (in <see cref="Nodes"/>) of the last node that reads it; graph outputs never die.</summary>
    public required IReadOnlyDictionary<string, int> LastUse { get; init; }
}

/// <summary>A loaded model: the main graph and the opsets it imports.</summary>
public sealed class OnnxModel
{
    public required string Path { get; init; }

    public required long IrVersion { get; init; }

    public required string Producer { get; init; }

    public required IReadOnlyDictionary<string, int> Opsets { get; init; }

    public required OnnxGraph Graph { get; init; }

    public int DefaultOpset => Opsets.TryGetValue(string.Empty, out int v) ? v : Opsets.TryGetValue("ai.onnx", out v) ? v : 0;
}

/// <summary>A model that cannot be loaded, with every problem found (not just the first).</summary>
public sealed class OnnxLoadException(string path, IReadOnlyList<string> problems)
    : IO.SysNoiseIOException(path, problems.Count == 1 ? problems[0] : $"{problems.Count} problems: " + string.Join("; ", problems))
{
    public IReadOnlyList<string> Problems { get; } = problems;
}
