using SysNoise.Runtime.Devices;
using SysNoise.Runtime.Model.Onnx;
using Xunit.Abstractions;

namespace SysNoise.Tests.Model;

/// <summary>
/// The ONNX backend test suites (Debian's libonnx-testdata): every test whose ops SysNoise implements must pass with
/// the suite's tolerance (rtol 1e-3, atol 1e-7); a test may be skipped only because it needs an op, element type or
/// value kind SysNoise does not implement. Prints the counts and the unsupported ops.
/// </summary>
public sealed class ElementwiseConformanceTests(ITestOutputHelper output)
{
    private const string Root = "/usr/share/libonnx-testdata/data";

    public static TheoryData<string> Suites() => new() { "node", "pytorch-converted", "pytorch-operator", "simple" };

    [Theory]
    [MemberData(nameof(Suites))]
    public void NoBackendTestFails(string suite)
    {
        string dir = Path.Combine(Root, suite);
        if (!Directory.Exists(dir))
        {
            output.WriteLine($"{dir} is not installed (apt install libonnx-testdata): skipped");
            return;
        }

        var results = Directory.GetDirectories(dir).Order(StringComparer.Ordinal).Select(d => OnnxBackendTests.Run(d)).ToList();
        Report(suite, results);
    }

    /// <summary>
    /// The node suite again with every operator on ILGPU's CPU accelerator: the kernels (not only the host loops)
    /// meet the suite's tolerance. Data-movement operators run on the host in any session.
    /// </summary>
    [Fact]
    public void NodeSuitePassesOnIlgpuCpuAccelerator()
    {
        string dir = Path.Combine(Root, "node");
        if (!Directory.Exists(dir))
        {
            output.WriteLine($"{dir} is not installed (apt install libonnx-testdata): skipped");
            return;
        }

        using var device = IlgpuDevice.CreateCpuSimulator();
        var results = Directory.GetDirectories(dir).Order(StringComparer.Ordinal).Select(d => OnnxBackendTests.Run(d, device)).ToList();
        Report("node (ILGPU CPU accelerator)", results);
    }

    private void Report(string suite, List<BackendTestResult> results)
    {
        var failed = results.Where(r => r.Outcome == BackendTestOutcome.Failed).ToList();
        var skipped = results.Where(r => r.Outcome == BackendTestOutcome.Skipped).ToList();
        output.WriteLine($"{suite}: {results.Count} tests, {results.Count(r => r.Outcome == BackendTestOutcome.Passed)} passed, {failed.Count} failed, {skipped.Count} skipped");
        var unsupported = skipped.SelectMany(r => r.UnsupportedOps).GroupBy(o => o).OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal);
        output.WriteLine("unsupported ops (tests needing them): " + string.Join(", ", unsupported.Select(g => $"{g.Key} ({g.Count()})")));
        foreach (BackendTestResult r in skipped.Where(r => r.UnsupportedOps.Count == 0))
        {
            output.WriteLine($"  skipped {r.Name}: {r.Detail}");
        }

        foreach (BackendTestResult r in failed)
        {
            output.WriteLine($"  FAILED {r.Name}: {r.Detail}");
        }

        Assert.True(failed.Count == 0, $"{failed.Count} {suite} backend tests failed:\n" + string.Join("\n", failed.Select(r => $"{r.Name}: {r.Detail}")));
    }
}
