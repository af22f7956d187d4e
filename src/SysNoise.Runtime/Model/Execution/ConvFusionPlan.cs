using SysNoise.Kernels.Model.Nn;
using SysNoise.Runtime.Model.Graph;

namespace SysNoise.Runtime.Model.Execution;

/// <summary>
/// One Conv and the elementwise nodes it can absorb: its output's only reader is an Add (of a tensor computed
/// elsewhere) or a Relu/Clip, and an Add's output may in turn be read only by a Relu/Clip. Absorbed intermediate
/// values are never graph outputs, so no one can observe that they are not materialised.
/// </summary>
/// <param name="Absorbed">Node indices run inside the Conv, in graph order.</param>
/// <param name="Output">The value the last absorbed node produces (what the fused Conv stores).</param>
/// <param name="Add">The Add node, or null.</param>
/// <param name="Skip">The Add's other operand.</param>
/// <param name="SkipFirst">The Add reads (skip, conv).</param>
/// <param name="Activation">The Relu or Clip node, or null.</param>
public sealed record ConvFusion(int[] Absorbed, string Output, OnnxNode? Add, string? Skip, bool SkipFirst, OnnxNode? Activation);

/// <summary>Finds the <see cref="ConvFusion"/> of each Conv of a graph at load (the run decides whether it applies).</summary>
public static class ConvFusionPlan
{
    public static ConvFusion?[] Build(OnnxGraph graph)
    {
        Func<string, int?> onlyReader = OnlyReaders(graph);

        bool IsActivationOf(OnnxNode n, string value) => n.Domain.Length == 0 && n.Outputs.Count == 1 && n.Inputs.Count >= 1 && n.Inputs[0] == value
            && (n.OpType == "Relu" || (n.OpType == "Clip" && n.Inputs.Skip(1).All(b => b != value)));

        var plan = new ConvFusion?[graph.Nodes.Count];
        for (int i = 0; i < graph.Nodes.Count; i++)
        {
            OnnxNode conv = graph.Nodes[i];
            if (conv.OpType != "Conv" || conv.Domain.Length != 0 || conv.Outputs.Count != 1 || onlyReader(conv.Outputs[0]) is not int j)
            {
                continue;
            }

            string y = conv.Outputs[0];
            OnnxNode next = graph.Nodes[j];
            if (IsActivationOf(next, y))
            {
                plan[i] = new ConvFusion([j], next.Outputs[0], null, null, false, next);
                continue;
            }

            // Opset ≥ 7: NumPy broadcasting rules (the fused Add also requires equal shapes at run time).
            if (next.OpType != "Add" || next.Domain.Length != 0 || next.Opset < 7 || next.Inputs.Count != 2 || next.Outputs.Count != 1
                || (next.Inputs[0] == y) == (next.Inputs[1] == y) || next.Inputs.Any(n => n.Length == 0))
            {
                continue;
            }

            bool skipFirst = next.Inputs[1] == y;
            string skip = skipFirst ? next.Inputs[0] : next.Inputs[1];
            if (onlyReader(next.Outputs[0]) is int k && IsActivationOf(graph.Nodes[k], next.Outputs[0]))
            {
                plan[i] = new ConvFusion([j, k], graph.Nodes[k].Outputs[0], next, skip, skipFirst, graph.Nodes[k]);
            }
            else
            {
                plan[i] = new ConvFusion([j], next.Outputs[0], next, skip, skipFirst, null);
            }
        }

        return plan;
    }

    /// <summary>
    /// For each Conv i whose fusion has no Add, the Conv d that alone reads its (fused) output, when d's weights and bias
    /// are constants (MobileNet's expand → depthwise → projection; whether the geometries qualify, and whether an Add that
    /// d absorbs has its operand ready, is decided at run time): the chain may then run as one banded pass
    /// (<see cref="ExpandDepthwiseHost"/>) at i's place.
    /// </summary>
    public static int?[] Chains(OnnxGraph graph, ConvFusion?[] plan, IReadOnlySet<string> constants)
    {
        Func<string, int?> onlyReader = OnlyReaders(graph);
        bool IsConv(OnnxNode n) => n.OpType == "Conv" && n.Domain.Length == 0 && n.Outputs.Count == 1 && n.Inputs.Count >= 2;
        var chains = new int?[graph.Nodes.Count];
        for (int i = 0; i < graph.Nodes.Count; i++)
        {
            OnnxNode conv = graph.Nodes[i];
            if (!IsConv(conv) || plan[i] is { Add: not null })
            {
                continue;
            }

            string value = plan[i]?.Output ?? conv.Outputs[0];
            if (onlyReader(value) is not int d)
            {
                continue;
            }

            OnnxNode next = graph.Nodes[d];
            if (d > i && IsConv(next) && next.Inputs[0] == value && next.Inputs.Skip(1).All(n => n.Length == 0 || constants.Contains(n)))
            {
                chains[i] = d;
            }
        }

        return chains;
    }

    /// <summary>The node that alone reads a value (not a graph output), or null: a fused value must have no other reader.</summary>
    private static Func<string, int?> OnlyReaders(OnnxGraph graph)
    {
        var readers = new Dictionary<string, List<int>>(StringComparer.Ordinal);
        for (int i = 0; i < graph.Nodes.Count; i++)
        {
            foreach (string name in graph.Nodes[i].Inputs.Where(n => n.Length > 0))
            {
                if (!readers.TryGetValue(name, out List<int>? list))
                {
                    list = [];
                    readers[name] = list;
                }

                list.Add(i);
            }
        }

        var outputs = new HashSet<string>(graph.Outputs.Select(o => o.Name), StringComparer.Ordinal);
        return value => !outputs.Contains(value) && readers.TryGetValue(value, out List<int>? r) && r.Count == 1 ? r[0] : null;
    }
}
