using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using SysNoise.Runtime.Model.Execution;
using SysNoise.Runtime.Model.Graph;
using SysNoise.Runtime.Model.Onnx;
using SysNoise.Runtime.Model.Onnx.Proto;
using SysNoise.Runtime.Model.Ops;
using SysNoise.Runtime.Model.Quantization;
using SysNoise.Runtime.Tensors;

namespace SysNoise.Tests.Model;

/// <summary>
/// Per-value comparison of our executor with ONNX Runtime on one model: every value our session produces (its per-value
/// callback) is added as a graph output of ORT's copy of the model, so both sides' intermediates can be compared bit for
/// bit in production order. Reports the first differing value and which op types produce differing values.
/// </summary>
public static class QdqOrtDiagnostics
{
    /// <param name="Isolated">Op types whose output differs even when the node is fed ORT's own input values, with counts.</param>
    public sealed record Report(int Values, int Differing, string? FirstDiffering, IReadOnlyDictionary<string, int> DifferingByOp, bool OutputsIdentical, IReadOnlyDictionary<string, int> Isolated)
    {
        public override string ToString()
        {
            string ops = string.Join(", ", DifferingByOp.Select(p => $"{p.Key}×{p.Value}"));
            string isolated = string.Join(", ", Isolated.Select(p => $"{p.Key}×{p.Value}"));
            return Differing == 0
                ? $"all {Values} values bit-identical"
                : $"{Differing}/{Values} values differ, first {FirstDiffering}; differing by producer: {ops}; differing when fed ORT's inputs: {(isolated.Length == 0 ? "none" : isolated)}";
        }
    }

    /// <summary>Runs <paramref name="session"/> (on <paramref name="model"/>) and ORT (ORT_DISABLE_ALL, 1 thread) on <paramref name="modelBytes"/>.</summary>
    public static Report Compare(OnnxSession session, OnnxModel model, byte[] modelBytes, IReadOnlyDictionary<string, Tensor> inputs)
    {
        var ours = new List<(string Name, Tensor Value)>();
        session.Run(inputs, (name, t) => ours.Add((name, t)));
        var producer = new Dictionary<string, OnnxNode>(StringComparer.Ordinal);
        foreach (OnnxNode n in model.Graph.Nodes)
        {
            foreach (string o in n.Outputs)
            {
                producer[o] = n;
            }
        }

        ModelProto proto = ModelProto.Parser.ParseFrom(modelBytes);
        var existing = proto.Graph.Output.Select(o => o.Name).ToHashSet(StringComparer.Ordinal);
        var inputNames = proto.Graph.Input.Select(o => o.Name).ToHashSet(StringComparer.Ordinal);
        var compared = ours.Where(p => !inputNames.Contains(p.Name) && p.Value is Tensor<float> or Tensor<byte> or Tensor<sbyte>).ToList();
        foreach ((string name, Tensor value) in compared)
        {
            if (existing.Add(name))
            {
                proto.Graph.Output.Add(OnnxModelBuilder.ValueInfo(name, value.DType, value.Shape));
            }
        }

        Dictionary<string, Tensor> ort = OrtOracle.Run(proto.ToByteArray(), inputs);
        int differing = 0;
        string? first = null;
        var byOp = new SortedDictionary<string, int>(StringComparer.Ordinal);
        foreach ((string name, Tensor value) in compared)
        {
            if (!ort.TryGetValue(name, out Tensor? reference) || SameBits(value, reference))
            {
                continue;
            }

            differing++;
            string op = producer.TryGetValue(name, out OnnxNode? node) ? node.OpType : "?";
            byOp[op] = byOp.GetValueOrDefault(op) + 1;
            if (first is null)
            {
                string detail = value is Tensor<float> f && reference is Tensor<float> r ? $" ({Count(f.Data, r.Data)} of {f.Length} elements, max |diff| {MaxDiff(f.Data, r.Data):G3})" : string.Empty;
                first = $"'{name}' from {op} {(node is null ? string.Empty : node.Label)}{detail}";
            }
        }

        bool outputs = model.Graph.Outputs.All(o => SameBits(ours.Last(p => p.Name == o.Name).Value, ort[o.Name]));

        // Each node alone on ORT's values: separates an op's own difference from differences it inherits.
        var isolated = new SortedDictionary<string, int>(StringComparer.Ordinal);
        var available = new Dictionary<string, Tensor>(session.Initializers, StringComparer.Ordinal);
        foreach ((string name, Tensor value) in inputs)
        {
            available[name] = value;
        }

        foreach ((string name, Tensor value) in ort)
        {
            available[name] = value;
        }

        foreach ((string name, Tensor value) in ours.Where(p => !ort.ContainsKey(p.Name)))
        {
            available.TryAdd(name, value);
        }

        var context = new OpContext(session.Options) { Constants = session.Constants };
        foreach (OnnxNode node in model.Graph.Nodes)
        {
            if (!node.Outputs.All(ort.ContainsKey) || !OpRegistry.TryGet(node.Domain, node.OpType, out IOnnxOperator? op))
            {
                continue;
            }

            var args = node.Inputs.Select(i => i.Length == 0 ? null : available[i]).ToList();
            Tensor[] results = op.Run(context, node, args);
            if (node.Outputs.Select((o, k) => SameBits(results[k], ort[o])).Any(same => !same))
            {
                isolated[node.OpType] = isolated.GetValueOrDefault(node.OpType) + 1;
            }
        }

        return new Report(compared.Count, differing, first, byOp, outputs, isolated);
    }

    public static bool SameBits(Tensor a, Tensor b) => (a, b) switch
    {
        (Tensor<float> x, Tensor<float> y) => x.Shape.AsSpan().SequenceEqual(y.Shape) && x.Data.AsSpan().SequenceEqual(y.Data) && x.Data.Select(BitConverter.SingleToInt32Bits).SequenceEqual(y.Data.Select(BitConverter.SingleToInt32Bits)),
        (Tensor<byte> x, Tensor<byte> y) => x.Data.AsSpan().SequenceEqual(y.Data),
        (Tensor<sbyte> x, Tensor<sbyte> y) => x.Data.AsSpan().SequenceEqual(y.Data),
        _ => false,
    };

    /// <summary>A seeded random input for every graph input (symbolic dimensions as 1), values in [−2, 2).</summary>
    public static Dictionary<string, Tensor> RandomInputs(OnnxModel model, Random rng)
    {
        var inputs = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (OnnxValueInfo input in model.Graph.Inputs.Where(i => !model.Graph.Initializers.ContainsKey(i.Name)))
        {
            int[] shape = (input.Shape ?? throw new InvalidOperationException($"input {input.Name} has no shape")).Select(d => d ?? 1).ToArray();
            float[] data = new float[Tensor.ElementCount(shape)];
            for (int i = 0; i < data.Length; i++)
            {
                data[i] = (float)((rng.NextDouble() * 4) - 2);
            }

            inputs[input.Name] = new Tensor<float>(data, shape);
        }

        return inputs;
    }

    private static int Count(float[] a, float[] b) => a.Zip(b).Count(p => BitConverter.SingleToInt32Bits(p.First) != BitConverter.SingleToInt32Bits(p.Second));

    private static double MaxDiff(float[] a, float[] b) => a.Zip(b).Max(p => Math.Abs((double)p.First - p.Second));
}
