using SysNoise.Runtime.Model.Onnx;
using Xunit.Abstractions;

namespace SysNoise.Tests.Model;

/// <summary>
/// The ONNX backend test suites Debian ships (libonnx-testdata: node, pytorch-converted, pytorch-operator, simple),
/// run through the same logic as <c>sysnoise onnx-test</c>. No test may fail; a test that needs an op (or a value
/// type) SysNoise does not implement is skipped and its ops are listed. The "real" suite (full networks with
/// downloaded weights) is not part of this.
/// </summary>
public sealed class OnnxConformanceTests(ITestOutputHelper output)
{
    public const string DataRoot = "/usr/share/libonnx-testdata/data";

    public static TheoryData<string> Suites => new("node", "pytorch-converted", "pytorch-operator", "simple");

    [Theory]
    [MemberData(nameof(Suites))]
    public void SuiteHasNoFailures(string suite)
    {
        string folder = Path.Combine(DataRoot, suite);
        Assert.True(Directory.Exists(folder), $"{folder} is missing: install libonnx-testdata (scripts/install-deps.sh)");
        IReadOnlyList<BackendTestCase> cases = BackendTestSuite.Discover([folder]);
        Assert.NotEmpty(cases);

        IReadOnlyList<BackendTestResult> results = BackendTestSuite.Run(cases);
        BackendSuiteSummary summary = BackendTestSuite.Summarize(results);
        output.WriteLine($"{suite}: {summary.CountsLine}");
        foreach (string line in BackendTestSuite.FormatUnsupported(summary))
        {
            output.WriteLine(line);
        }

        var failures = results.Where(r => r.Outcome == BackendTestOutcome.Failed).Select(BackendTestSuite.FormatLine).ToList();
        foreach (string f in failures)
        {
            output.WriteLine(f);
        }

        Assert.Equal(cases.Count, summary.Passed + summary.Failed + summary.Skipped);
        Assert.True(failures.Count == 0, $"{suite}: {summary.CountsLine}\n{string.Join("\n", failures)}");
    }
}
