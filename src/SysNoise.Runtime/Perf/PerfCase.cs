using System.Diagnostics;
using System.Text.Json.Serialization;

namespace SysNoise.Runtime.Perf;

/// <summary>
/// One timed case of <c>sysnoise perf</c>: our median time, and the peer's median time measured in the same run when
/// there is one (ratio = ours / peer). <see cref="Throughput"/> is in <see cref="Unit"/> (images/s or MP/s).
/// </summary>
public sealed record PerfCase
{
    [JsonPropertyName("name")]
    public required string Name { get; init; }

    [JsonPropertyName("device")]
    public required string Device { get; init; }

    [JsonPropertyName("ours_ms")]
    public required double OursMs { get; init; }

    [JsonPropertyName("peer")]
    public string? Peer { get; init; }

    [JsonPropertyName("peer_ms")]
    public double? PeerMs { get; init; }

    [JsonPropertyName("ratio")]
    public double? Ratio => PeerMs is > 0 ? OursMs / PeerMs : null;

    [JsonPropertyName("throughput")]
    public double? Throughput { get; init; }

    [JsonPropertyName("unit")]
    public string? Unit { get; init; }

    [JsonPropertyName("note")]
    public string? Note { get; init; }
}

/// <summary>Median wall time of repeated runs after warm-up (each run ends with the device synchronised).</summary>
public static class Timing
{
    public static double MedianMs(Action run, int warmup, int repeat)
    {
        for (int i = 0; i < warmup; i++)
        {
            run();
        }

        var times = new double[Math.Max(1, repeat)];
        for (int i = 0; i < times.Length; i++)
        {
            long start = Stopwatch.GetTimestamp();
            run();
            times[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        }

        Array.Sort(times);
        return times.Length % 2 == 1 ? times[times.Length / 2] : (times[(times.Length / 2) - 1] + times[times.Length / 2]) / 2;
    }
}
