using SysNoise.Runtime.Model.Graph;

namespace SysNoise.Runtime.Bench;

/// <summary>What a model contains that decides whether a model-level noise can apply to it.</summary>
public static class BenchModels
{
    /// <summary>True when the model has a MaxPool/AveragePool whose window rule ceil mode can change (stride ≥ 2).</summary>
    public static bool HasCeilSensitivePooling(OnnxModel model) => model.Graph.Nodes.Any(n =>
        n.OpType is "MaxPool" or "AveragePool" && (n.Ints("strides") ?? []).Any(s => s >= 2));

    public static bool HasUpsampling(OnnxModel model) => model.Graph.Nodes.Any(n => n.OpType is "Resize" or "Upsample");

    /// <summary>The model's input name and its static C, H, W (null when symbolic).</summary>
    public static (string Name, int?[] Shape) Input(OnnxModel model)
    {
        OnnxValueInfo input = model.Graph.Inputs.Count == 1
            ? model.Graph.Inputs[0]
            : throw new IO.SysNoiseIOException(model.Path, $"the bench needs a model with exactly one input, found {model.Graph.Inputs.Count}");
        return (input.Name, input.Shape ?? []);
    }
}
