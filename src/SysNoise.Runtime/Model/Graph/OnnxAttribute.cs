using SysNoise.Runtime.Tensors;

namespace SysNoise.Runtime.Model.Graph;

public enum OnnxAttributeKind
{
    Float,
    Int,
    String,
    Tensor,
    Graph,
    Floats,
    Ints,
    Strings,
}

/// <summary>A typed node attribute, decoded once at load.</summary>
public sealed class OnnxAttribute
{
    public required string Name { get; init; }

    public required OnnxAttributeKind Kind { get; init; }

    public float Float { get; init; }

    public long Int { get; init; }

    public string String { get; init; } = string.Empty;

    public Tensor? Tensor { get; init; }

    public OnnxGraph? Graph { get; init; }

    public float[] Floats { get; init; } = [];

    public long[] Ints { get; init; } = [];

    public string[] Strings { get; init; } = [];

    public override string ToString() => Kind switch
    {
        OnnxAttributeKind.Float => $"{Name}={Float}",
        OnnxAttributeKind.Int => $"{Name}={Int}",
        OnnxAttributeKind.String => $"{Name}='{String}'",
        OnnxAttributeKind.Floats => $"{Name}=[{string.Join(",", Floats)}]",
        OnnxAttributeKind.Ints => $"{Name}=[{string.Join(",", Ints)}]",
        OnnxAttributeKind.Strings => $"{Name}=[{string.Join(",", Strings)}]",
        OnnxAttributeKind.Tensor => $"{Name}=tensor{Tensor?.ShapeText}",
        _ => $"{Name}=graph",
    };
}
