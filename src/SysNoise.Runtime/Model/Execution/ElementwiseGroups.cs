using SysNoise.Kernels.Model.Elementwise;
using SysNoise.Runtime.Model.Graph;

namespace SysNoise.Runtime.Model.Execution;

/// <summary>
/// Connected Add / Sub / Mul / Div / Relu / Clip nodes (e.g. HardSwish exported as x · Clip(x + 3, 0, 6) / 6) run as
/// one pass (<see cref="FusedElementwise"/>) at the position of the last of them. Values the group produces are stored
/// only when something outside reads them (or they are graph outputs); every such reader comes after the group.
/// </summary>
/// <param name="Members">Node indices in graph order; the last is where the group runs.</param>
/// <param name="Inputs">External operand values, by slot.</param>
/// <param name="Operands">Per member: its two operand slots (the second repeats the first for unary ops).</param>
/// <param name="Escaping">Per member: whether its value is stored.</param>
public sealed record ElementwiseGroup(int[] Members, string[] Inputs, (int A, int B)[] Operands, bool[] Escaping);

/// <summary>Finds the <see cref="ElementwiseGroup"/>s of a graph at load.</summary>
public static class ElementwiseGroupPlan
{
    private static readonly Dictionary<string, FusedOp> Ops = new(StringComparer.Ordinal)
    {
        ["Add"] = FusedOp.Add, ["Sub"] = FusedOp.Sub, ["Mul"] = FusedOp.Mul, ["Div"] = FusedOp.Div, ["Relu"] = FusedOp.Relu, ["Clip"] = FusedOp.Clip,
    };

    public static FusedOp OpOf(OnnxNode node) => Ops[node.OpType];

    /// <summary>Groups indexed by their last member (null elsewhere); <paramref name="member"/> marks every member.</summary>
    public static ElementwiseGroup?[] Build(OnnxGraph graph, ISet<int> excluded, out bool[] member)
    {
        int count = graph.Nodes.Count;
        var producer = new Dictionary<string, int>(StringComparer.Ordinal);
        var readers = new Dictionary<string, List<int>>(StringComparer.Ordinal);
        for (int i = 0; i < count; i++)
        {
            OnnxNode node = graph.Nodes[i];
            foreach (string o in node.Outputs)
            {
                producer[o] = i;
            }

            foreach (string name in node.Inputs.Where(n => n.Length > 0))
            {
                if (!readers.TryGetValue(name, out List<int>? list))
                {
                    readers[name] = list = [];
                }

                list.Add(i);
            }
        }

        bool[] candidate = new bool[count];
        for (int i = 0; i < count; i++)
        {
            OnnxNode n = graph.Nodes[i];
            candidate[i] = !excluded.Contains(i) && n.Domain.Length == 0 && n.Opset >= 7 && n.Outputs.Count == 1 && n.Outputs[0].Length > 0
                && Ops.ContainsKey(n.OpType) && DataInputs(n).All(x => x.Length > 0)
                && (n.OpType is "Relu" or "Clip" ? n.Inputs.Count >= 1 : n.Inputs.Count == 2);
        }

        // Union of candidate producer → candidate reader edges.
        int[] parent = Enumerable.Range(0, count).ToArray();
        int Find(int x) => parent[x] == x ? x : parent[x] = Find(parent[x]);
        for (int i = 0; i < count; i++)
        {
            if (!candidate[i])
            {
                continue;
            }

            foreach (string x in DataInputs(graph.Nodes[i]))
            {
                if (producer.TryGetValue(x, out int p) && candidate[p])
                {
                    parent[Find(p)] = Find(i);
                }
            }
        }

        var outputs = new HashSet<string>(graph.Outputs.Select(o => o.Name), StringComparer.Ordinal);
        var groups = new ElementwiseGroup?[count];
        member = new bool[count];
        foreach (IGrouping<int, int> component in Enumerable.Range(0, count).Where(i => candidate[i]).GroupBy(Find))
        {
            int[] members = component.Order().ToArray();
            if (members.Length < 2)
            {
                continue;
            }

            int last = members[^1];
            var inGroup = new HashSet<int>(members);
            var slotOf = new Dictionary<string, int>(StringComparer.Ordinal);
            var inputs = new List<string>();
            var operands = new (int, int)[members.Length];
            var escaping = new bool[members.Length];
            bool ok = true;
            for (int m = 0; m < members.Length && ok; m++)
            {
                OnnxNode node = graph.Nodes[members[m]];
                string value = node.Outputs[0];
                List<int> rs = readers.GetValueOrDefault(value) ?? [];

                // Outside readers must come after the group; a Clip bound must not be computed inside it.
                ok = rs.All(r => inGroup.Contains(r) ? DataInputs(graph.Nodes[r]).Contains(value) && !ClipBounds(graph.Nodes[r]).Contains(value) : r > last);
                escaping[m] = outputs.Contains(value) || rs.Any(r => !inGroup.Contains(r));
                int Slot(string x)
                {
                    if (producer.TryGetValue(x, out int p) && inGroup.Contains(p))
                    {
                        return -1 - Array.IndexOf(members, p); // a member's result, resolved below
                    }

                    if (!slotOf.TryGetValue(x, out int s))
                    {
                        slotOf[x] = s = inputs.Count;
                        inputs.Add(x);
                    }

                    return s;
                }

                string[] data = DataInputs(node);
                int a = Slot(data[0]);
                operands[m] = (a, data.Length > 1 ? Slot(data[1]) : a);
            }

            if (!ok)
            {
                continue;
            }

            // Member results live after the inputs: slot inputs.Count + member position.
            for (int m = 0; m < members.Length; m++)
            {
                (int a, int b) = operands[m];
                operands[m] = (a < 0 ? inputs.Count + (-1 - a) : a, b < 0 ? inputs.Count + (-1 - b) : b);
            }

            groups[last] = new ElementwiseGroup(members, inputs.ToArray(), operands, escaping);
            foreach (int m in members)
            {
                member[m] = true;
            }
        }

        return groups;
    }

    /// <summary>The inputs that carry data (Clip's bounds are parameters).</summary>
    public static string[] DataInputs(OnnxNode node) => node.OpType is "Relu" or "Clip" ? [node.Inputs[0]] : [.. node.Inputs];

    private static IEnumerable<string> ClipBounds(OnnxNode node) => node.OpType == "Clip" ? node.Inputs.Skip(1) : [];
}
