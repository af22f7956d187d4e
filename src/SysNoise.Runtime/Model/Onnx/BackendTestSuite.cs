using SysNoise.Runtime.Devices;
using SysNoise.Runtime.IO;

namespace SysNoise.Runtime.Model.Onnx;

/// <summary>One backend test to run: the name it is reported under and its folder.</summary>
public sealed record BackendTestCase(string Name, string Directory);

/// <summary>Totals of a backend-test run and how many tests each unsupported op kept from running.</summary>
public sealed record BackendSuiteSummary(int Passed, int Failed, int Skipped, IReadOnlyList<(string Op, int Tests)> UnsupportedOps)
{
    /// <summary>The closing line: exactly "N passed, M failed, K skipped".</summary>
    public string CountsLine => $"{Passed} passed, {Failed} failed, {Skipped} skipped";
}

/// <summary>
/// The onnx-test logic shared by the CLI verb and the conformance test: find the tests under the given folders,
/// run them, report one line each, and total them.
/// </summary>
public static class BackendTestSuite
{
    /// <summary>
    /// Each folder is one test (it holds model.onnx) or a suite whose subfolders are tests; a suite's tests are
    /// named "suite/test" so that equal test names in different suites stay apart. Sorted by name within a suite.
    /// </summary>
    public static IReadOnlyList<BackendTestCase> Discover(IEnumerable<string> folders)
    {
        var cases = new List<BackendTestCase>();
        foreach (string folder in folders)
        {
            string trimmed = folder.Length > 1 ? folder.TrimEnd('/', '\\') : folder;
            if (!Directory.Exists(trimmed))
            {
                throw new SysNoiseIOException(folder, File.Exists(trimmed) ? "not a folder (give a test folder holding model.onnx, or a suite of them)" : "no such folder");
            }

            if (File.Exists(Path.Combine(trimmed, "model.onnx")))
            {
                cases.Add(new BackendTestCase(Path.GetFileName(Path.GetFullPath(trimmed)), trimmed));
                continue;
            }

            string suite = Path.GetFileName(Path.GetFullPath(trimmed));
            var tests = Directory.GetDirectories(trimmed)
                .Where(d => File.Exists(Path.Combine(d, "model.onnx")))
                .Order(StringComparer.Ordinal)
                .Select(d => new BackendTestCase($"{suite}/{Path.GetFileName(d)}", d))
                .ToList();
            if (tests.Count == 0)
            {
                throw new SysNoiseIOException(folder, "holds no model.onnx and no test folders with one");
            }

            cases.AddRange(tests);
        }

        return cases;
    }

    /// <summary>Runs every case in order, calling <paramref name="onResult"/> as each finishes; results carry the case's name.</summary>
    public static IReadOnlyList<BackendTestResult> Run(IReadOnlyList<BackendTestCase> cases, Device? device = null, Action<BackendTestResult>? onResult = null)
    {
        var results = new List<BackendTestResult>(cases.Count);
        foreach (BackendTestCase c in cases)
        {
            BackendTestResult r = OnnxBackendTests.Run(c.Directory, device) with { Name = c.Name };
            results.Add(r);
            onResult?.Invoke(r);
        }

        return results;
    }

    /// <summary>"PASS name", "FAIL name: detail" or "SKIP name: unsupported ops X, Y" (or the skip's reason).</summary>
    public static string FormatLine(BackendTestResult r) => r.Outcome switch
    {
        BackendTestOutcome.Passed => $"PASS {r.Name}",
        BackendTestOutcome.Failed => $"FAIL {r.Name}: {OneLine(r.Detail)}",
        _ when r.UnsupportedOps.Count > 0 => $"SKIP {r.Name}: unsupported ops {string.Join(", ", r.UnsupportedOps)}",
        _ => $"SKIP {r.Name}: {OneLine(r.Detail)}",
    };

    public static BackendSuiteSummary Summarize(IEnumerable<BackendTestResult> results)
    {
        var list = results.ToList();
        var ops = list.SelectMany(r => r.UnsupportedOps.Distinct())
            .GroupBy(op => op, StringComparer.Ordinal)
            .Select(g => (g.Key, g.Count()))
            .OrderByDescending(p => p.Item2).ThenBy(p => p.Key, StringComparer.Ordinal)
            .ToList();
        return new BackendSuiteSummary(
            list.Count(r => r.Outcome == BackendTestOutcome.Passed),
            list.Count(r => r.Outcome == BackendTestOutcome.Failed),
            list.Count(r => r.Outcome == BackendTestOutcome.Skipped),
            ops);
    }

    /// <summary>The lines after the counts line: each unsupported op with the number of tests it kept from running.</summary>
    public static IEnumerable<string> FormatUnsupported(BackendSuiteSummary summary)
    {
        if (summary.UnsupportedOps.Count == 0)
        {
            yield return "unsupported ops: none";
            yield break;
        }

        yield return $"unsupported ops ({summary.UnsupportedOps.Count}; tests that need each):";
        foreach ((string op, int tests) in summary.UnsupportedOps)
        {
            yield return $"  {op} {tests}";
        }
    }

    private static string OneLine(string text) => text.ReplaceLineEndings(" ");
}
