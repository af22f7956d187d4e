using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

namespace SysNoise.Bench;

/// <summary>
/// Short in-process runs: enough for same-run ratios on a 2-core machine without an hour of benchmarking; with the
/// memory diagnoser, so every suite reports allocations per operation.
/// </summary>
public sealed class BenchConfig : ManualConfig
{
    public BenchConfig()
    {
        AddJob(Job.ShortRun.WithToolchain(InProcessEmitToolchain.Instance).WithId("short"));
        AddColumnProvider(DefaultColumnProviders.Instance);
        // Allocated bytes per operation: hot paths should not allocate beyond their outputs (issue 7).
        AddDiagnoser(MemoryDiagnoser.Default);
        Options |= ConfigOptions.DisableOptimizationsValidator;
    }
}
