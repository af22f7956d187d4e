using System.Reflection;

namespace SysNoise.Runtime.Model.Ops;

/// <summary>Every operator SysNoise runs, by op type (default ONNX domain).</summary>
public static class OpRegistry
{
    private static readonly Lazy<IReadOnlyDictionary<string, IOnnxOperator>> Operators = new(() =>
    {
        var map = new Dictionary<string, IOnnxOperator>(StringComparer.Ordinal);
        foreach (Type t in typeof(OpRegistry).Assembly.GetTypes())
        {
            if (t.IsClass && !t.IsAbstract && typeof(IOnnxOperator).IsAssignableFrom(t) && t.GetConstructor(Type.EmptyTypes) is not null)
            {
                var op = (IOnnxOperator)Activator.CreateInstance(t)!;
                if (!map.TryAdd(op.OpType, op))
                {
                    throw new InvalidOperationException($"two implementations of {op.OpType}: {map[op.OpType].GetType().Name} and {t.Name}");
                }
            }
        }

        return map;
    });

    public static IReadOnlyDictionary<string, IOnnxOperator> All => Operators.Value;

    public static bool TryGet(string domain, string opType, out IOnnxOperator op)
    {
        op = null!;
        return (domain.Length == 0 || domain == "ai.onnx") && All.TryGetValue(opType, out op!);
    }
}
