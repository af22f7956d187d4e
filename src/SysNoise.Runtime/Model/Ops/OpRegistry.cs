namespace SysNoise.Runtime.Model.Ops;

/// <summary>
/// Every operator SysNoise runs, by domain and op type: the default ONNX domain ("" or "ai.onnx") and SysNoise's own
/// <see cref="SysNoiseDomain"/> (the integer layers of the int8-int rewrite).
/// </summary>
public static class OpRegistry
{
    /// <summary>The domain of SysNoise's own operators.</summary>
    public const string SysNoiseDomain = "com.sysnoise";

    private static readonly Lazy<IReadOnlyDictionary<(string Domain, string OpType), IOnnxOperator>> Operators = new(() =>
    {
        var map = new Dictionary<(string, string), IOnnxOperator>();
        foreach (Type t in typeof(OpRegistry).Assembly.GetTypes())
        {
            if (t.IsClass && !t.IsAbstract && typeof(IOnnxOperator).IsAssignableFrom(t) && t.GetConstructor(Type.EmptyTypes) is not null)
            {
                var op = (IOnnxOperator)Activator.CreateInstance(t)!;
                if (!map.TryAdd((op.Domain, op.OpType), op))
                {
                    throw new InvalidOperationException($"two implementations of {op.OpType}: {map[(op.Domain, op.OpType)].GetType().Name} and {t.Name}");
                }
            }
        }

        return map;
    });

    /// <summary>The default domain's operators by op type.</summary>
    public static IReadOnlyDictionary<string, IOnnxOperator> All => Operators.Value.Where(kv => kv.Key.Domain.Length == 0).ToDictionary(kv => kv.Key.OpType, kv => kv.Value, StringComparer.Ordinal);

    public static bool TryGet(string domain, string opType, out IOnnxOperator op)
    {
        string d = domain == "ai.onnx" ? string.Empty : domain;
        return Operators.Value.TryGetValue((d, opType), out op!);
    }
}
