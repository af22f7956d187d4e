using SysNoise.Runtime.Model.Execution;
using SysNoise.Runtime.Profiles;

namespace SysNoise.Runtime.Bench;

/// <summary>The model-side noise settings of one bench variant (both bench runners).</summary>
internal sealed record Knobs(bool? Ceil, CeilRule CeilRule, string? Upsample, Precision Precision)
{
    public string Signature => $"{Ceil?.ToString() ?? "model"}|{CeilRule}|{Upsample ?? "model"}|{Precision}";

    /// <summary>
    /// The session options. An int8 precision has already rewritten the model (QDQ or integer graph), which then runs
    /// in fp32; see <see cref="ExecutionOptions.AccumulationFor"/> for its accumulation order.
    /// </summary>
    public ExecutionOptions Options(int threads) => new()
    {
        Precision = Precision is Precision.Int8Qdq or Precision.Int8Int ? Precision.Fp32 : Precision,
        Accumulation = ExecutionOptions.AccumulationFor(Precision),
        CeilMode = Ceil,
        CeilRule = CeilRule,
        UpsampleMode = Upsample,
        Threads = threads,
    };
}
