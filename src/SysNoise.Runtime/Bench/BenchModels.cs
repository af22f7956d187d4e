using SysNoise.Runtime.Model.Graph;

namespace SysNoise.Runtime.Bench;

/// <summary>What a model contains that decides whether a model-level noise can apply to it.</summary>
public static class BenchModels
{
    /// <summary>
    /// True when ceil mode changes the output size of some MaxPool/AveragePool at this input size (static shape
    /// propagation, floor vs ceil); when a size is not statically known, any pooling with stride ≥ 2 counts.
    /// </summary>
    public static bool HasCeilSensitivePooling(OnnxModel model, int[]? inputShape = null)
    {
        var shapes = inputShape is null ? null : new Dictionary<string, int[]> { [model.Graph.Inputs[0].Name] = inputShape };
        var sites = Model.Analysis.ModelSummary.Create(model, shapes).Knobs.Ceil;
        return sites.Any(c => c.Changes == true) || sites.Any(c => c.Changes is null && model.Graph.Nodes.Any(n =>
            n.Name == c.Node && (n.Ints("strides") ?? []).Any(s => s >= 2)));
    }

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
