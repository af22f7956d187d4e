using SysNoise.Runtime.Tensors;

namespace SysNoise.Runtime.Model.Graph;

/// <summary>One graph node with typed attributes. Missing optional inputs are empty strings, as in ONNX.</summary>
public sealed class OnnxNode
{
    public required int Index { get; init; }

    public required string Name { get; init; }

    public required string OpType { get; init; }

    public required string Domain { get; init; }

    public required IReadOnlyList<string> Inputs { get; init; }

    public required IReadOnlyList<string> Outputs { get; init; }

    public required IReadOnlyDictionary<string, OnnxAttribute> Attributes { get; init; }

    /// <summary>Opset version of the node's domain.</summary>
    public required int Opset { get; init; }

    public string Label => string.IsNullOrEmpty(Name) ? $"{OpType} #{Index}" : $"{OpType} '{Name}'";

    public bool HasInput(int i) => i < Inputs.Count && Inputs[i].Length > 0;

    public bool Has(string name) => Attributes.ContainsKey(name);

    public long Int(string name, long fallback) => Attributes.TryGetValue(name, out OnnxAttribute? a) ? a.Int : fallback;

    public float Float(string name, float fallback) => Attributes.TryGetValue(name, out OnnxAttribute? a) ? a.Float : fallback;

    public string String(string name, string fallback) => Attributes.TryGetValue(name, out OnnxAttribute? a) ? a.String : fallback;

    public long[]? Ints(string name) => Attributes.TryGetValue(name, out OnnxAttribute? a) ? a.Ints : null;

    public float[]? Floats(string name) => Attributes.TryGetValue(name, out OnnxAttribute? a) ? a.Floats : null;

    public Tensor? TensorAttribute(string name) => Attributes.TryGetValue(name, out OnnxAttribute? a) ? a.Tensor : null;

    public override string ToString() => $"{Label}({string.Join(", ", Inputs)}) -> ({string.Join(", ", Outputs)})";
}
