using System.Text.Json;
using System.Text.Json.Serialization;

namespace SysNoise.Runtime.Bench;

/// <summary>A journaled evaluation, identified by (model, noise, variant).</summary>
public interface IJournalRecord
{
    string Key { get; }
}

/// <summary>One completed evaluation: enough to recompute every reported number (per-image top-1 and top-5 hits).</summary>
public sealed record EvaluationRecord : IJournalRecord
{
    [JsonPropertyName("model")]
    public required string Model { get; init; }

    [JsonPropertyName("noise")]
    public required string Noise { get; init; }

    [JsonPropertyName("variant")]
    public required string Variant { get; init; }

    /// <summary>Top-1 class per evaluated image (dataset order, excluded images left out).</summary>
    [JsonPropertyName("top1")]
    public required int[] Top1 { get; init; }

    /// <summary>1 when the label is among the top 5.</summary>
    [JsonPropertyName("top5_hit")]
    public required byte[] Top5Hit { get; init; }

    public string Key => $"{Model}\u001f{Noise}\u001f{Variant}";
}

/// <summary>
/// Append-only journal of completed evaluations (JSON lines, flushed and fsynced per record) in the output folder.
/// A re-run of the same command reads it and skips what is done; a torn last line (kill -9 mid-write) is ignored.
/// </summary>
public sealed class BenchJournal(string path, string runKey) : BenchJournal<EvaluationRecord>(path, runKey)
{
    /// <summary>
    /// The engine build that computes the rows (the module version IDs of SysNoise.Runtime and SysNoise.Kernels, which
    /// deterministic builds derive from their content): part of every run key, so a journal written by another build,
    /// whose kernels may give other results, is not resumed.
    /// </summary>
    public static string EngineStamp { get; } = string.Join(",", new[] { typeof(BenchJournal).Assembly, typeof(SysNoise.Kernels.HostParallel).Assembly }
        .Select(a => a.ManifestModule.ModuleVersionId.ToString("N")));
}

/// <summary>The journal for any record type (classification: <see cref="EvaluationRecord"/>; dense tasks: <see cref="DenseRecord"/>).</summary>
public class BenchJournal<TRecord> : IDisposable
    where TRecord : class, IJournalRecord
{
    private readonly FileStream stream;
    private readonly Dictionary<string, TRecord> records = new(StringComparer.Ordinal);

    public BenchJournal(string path, string runKey)
    {
        Path = path;
        if (File.Exists(path))
        {
            string[] lines = File.ReadAllLines(path);
            bool sameRun = lines.Length > 0 && lines[0] == runKey;
            if (sameRun)
            {
                foreach (string line in lines.Skip(1))
                {
                    try
                    {
                        TRecord? r = JsonSerializer.Deserialize<TRecord>(line);
                        if (r is not null)
                        {
                            records[r.Key] = r;
                        }
                    }
                    catch (JsonException)
                    {
                        // A record cut short by an interruption: it is simply redone.
                    }
                }
            }

            // Rewrite the journal with only the complete records (drops a torn tail; starts afresh for another run).
            File.WriteAllLines(path, new[] { runKey }.Concat(sameRun ? records.Values.Select(r => JsonSerializer.Serialize(r)) : []));
        }
        else
        {
            File.WriteAllLines(path, [runKey]);
        }

        stream = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.Read);
    }

    public string Path { get; }

    public int Resumed => records.Count;

    public bool TryGet(string model, string noise, string variant, out TRecord record)
        => records.TryGetValue($"{model}\u001f{noise}\u001f{variant}", out record!);

    public void Add(TRecord record)
    {
        records[record.Key] = record;
        byte[] line = System.Text.Encoding.UTF8.GetBytes(JsonSerializer.Serialize(record) + "\n");
        stream.Write(line);
        stream.Flush(flushToDisk: true);
    }

    public void Dispose()
    {
        stream.Dispose();
        GC.SuppressFinalize(this);
    }
}
