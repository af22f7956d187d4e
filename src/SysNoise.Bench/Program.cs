using System.Globalization;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using SysNoise.Bench;

// Usage: dotnet run -c Release --project src/SysNoise.Bench [-- --filter *pillow-bilinear*]
// Runs the BenchmarkDotNet suite, then the Python peers (Pillow 9.4, OpenCV 4.6) in the same run,
// and prints one ratio per variant and input: peer time / SysNoise time (> 1 means SysNoise is faster).
SysNoise.Runtime.Native.SysNoiseNative.EnsureLoaded(); // before OpenCvSharp: see SysNoiseNative
Summary[] summaries = BenchmarkSwitcher.FromTypes([typeof(ResizeBenchmarks), typeof(OpenCvPeerBenchmarks)]).RunAll(args: args).ToArray();
var ours = new Dictionary<string, double>();
var opencv = new Dictionary<string, double>();
foreach (BenchmarkReport report in summaries.SelectMany(s => s.Reports))
{
    if (report.ResultStatistics is null)
    {
        continue;
    }

    var bench = report.BenchmarkCase;
    string key = $"{bench.Parameters["Variant"]}@{bench.Parameters["Input"]}";
    double us = report.ResultStatistics.Mean / 1000.0;
    (bench.Descriptor.WorkloadMethod.Name == nameof(ResizeBenchmarks.SysNoise) ? ours : opencv)[key] = us;
}

Dictionary<string, double> python = Peers.PythonTimings(
    ours.Keys.Select(k => k.Split('@')[0]).Distinct(),
    ours.Keys.Select(k => k.Split('@')[1]).Distinct());
Console.WriteLine();
Console.WriteLine("variant@input                         SysNoise µs   peer                         peer µs    ratio (peer/ours)");
foreach ((string key, double us) in ours.OrderBy(k => k.Key, StringComparer.Ordinal))
{
    string variant = key.Split('@')[0];
    (string peer, double peerUs) = variant.StartsWith("pillow", StringComparison.Ordinal) || variant.StartsWith("opencv4.6", StringComparison.Ordinal)
        ? (variant.StartsWith("pillow", StringComparison.Ordinal) ? "Pillow 9.4 (1 thread)" : "OpenCV 4.6 (python3-opencv)", python.GetValueOrDefault(key, double.NaN))
        : ("OpenCV 4.13 (OpenCvSharp)", opencv.GetValueOrDefault(key, double.NaN));
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{key,-37} {us,11:0.0}   {peer,-28} {peerUs,8:0.0}   {peerUs / us,6:0.00}x"));
}
