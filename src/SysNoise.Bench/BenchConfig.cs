using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

namespace SysNoise.Bench;

/// <summary>Short in-process runs: enough for same-run ratios on a 2-core machine without an hour of benchmarking.</summary>
public sealed class BenchConfig : ManualConfig
{
    public BenchConfig()
    {
        AddJob(Job.ShortRun.WithToolchain(InProcessEmitToolchain.Instance).WithId("short"));
        AddColumnProvider(DefaultColumnProviders.Instance);
        Options |= ConfigOptions.DisableOptimizationsValidator;
    }
}
