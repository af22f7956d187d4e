using System.Globalization;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using SysNoise.Bench;

// Usage: dotnet run -c Release --project src/SysNoise.Bench [-- --filter *pillow-bilinear*]
// Runs the BenchmarkDotNet suite, then the Python peers (Pillow 9.4, OpenCV 4.6) in the same run,
// and prints one ratio per variant and input: peer time / SysNoise time (> 1 means SysNoise is faster).
// ModelBenchmarks (-- --filter '*ModelBenchmarks*') time whole models against ONNX Runtime in the same process.
if (args.Length >= 2 && args[0] == "model")
{
    // Whole-model latency against ONNX Runtime and a per-op profile: model PATH [threads] [runs] [batch] [HxW] (see ModelBench).
    int Arg(int i, int fallback) => args.Length > i ? int.Parse(args[i], CultureInfo.InvariantCulture) : fallback;
    int[]? size = args.Length > 5 ? args[5].Split('x').Select(v => int.Parse(v, CultureInfo.InvariantCulture)).ToArray() : null;
    ModelBench.Run(args[1], Arg(2, 2), Arg(3, 20), Arg(4, 1), size);
    return;
}

if (args.Length >= 1 && args[0] == "convshapes")
{
    ConvShapesBench.Run(args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 1, args.Contains("cold"));
    return;
}

if (args.Length >= 1 && args[0] == "blocked")
{
    BlockedLayoutBench.Run(args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 1);
    return;
}

if (args.Length >= 1 && args[0] == "chains")
{
    ChainBench.Run(args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 1);
    return;
}

SysNoise.Runtime.Native.SysNoiseNative.EnsureLoaded(); // before OpenCvSharp: see SysNoiseNative
BenchmarkSwitcher switcher = BenchmarkSwitcher.FromTypes([typeof(ResizeBenchmarks), typeof(OpenCvPeerBenchmarks), typeof(DecodeBenchmarks), typeof(ModelBenchmarks)]);
// RunAll adds its own "--filter *", which matches everything and so voids a user's --filter; Run applies it.
Summary[] summaries = (args.Contains("--filter") ? switcher.Run(args) : switcher.RunAll(args: args)).ToArray();
var ours = new Dictionary<string, double>();
var opencv = new Dictionary<string, double>();
var decodeOurs = new Dictionary<string, double>();
var decodePeer = new Dictionary<string, double>();
var modelOurs = new Dictionary<string, double>();
var modelOrt = new Dictionary<string, double>();
foreach (BenchmarkReport report in summaries.SelectMany(s => s.Reports))
{
    if (report.ResultStatistics is null)
    {
        continue;
    }

    var bench = report.BenchmarkCase;
    if (bench.Descriptor.Type == typeof(ModelBenchmarks))
    {
        string modelKey = $"{bench.Parameters["Model"]} batch {bench.Parameters["Batch"]} threads {bench.Parameters["Threads"]}";
        (bench.Descriptor.WorkloadMethod.Name == nameof(ModelBenchmarks.SysNoise) ? modelOurs : modelOrt)[modelKey] = report.ResultStatistics.Median / 1e6;
        continue;
    }

    if (bench.Descriptor.Type == typeof(DecodeBenchmarks))
    {
        string decodeKey = $"{bench.Parameters["Variant"]}@{bench.Parameters["Input"]}@{bench.Parameters["Threads"]}t";
        (bench.Descriptor.WorkloadMethod.Name == nameof(DecodeBenchmarks.SysNoise) ? decodeOurs : decodePeer)[decodeKey] = report.ResultStatistics.Median / 1000.0;
        continue;
    }

    string key = $"{bench.Parameters["Variant"]}@{bench.Parameters["Input"]}@{bench.Parameters["Threads"]}t";
    double us = report.ResultStatistics.Mean / 1000.0;
    (bench.Descriptor.WorkloadMethod.Name == nameof(ResizeBenchmarks.SysNoise) ? ours : opencv)[key] = us;
}

Dictionary<string, double> python = ours.Count == 0 ? [] : Peers.PythonTimings(
    ours.Keys.Select(k => k.Split('@')[0]).Distinct(),
    ours.Keys.Select(k => k.Split('@')[1]).Distinct());
if (ours.Count > 0)
{
    Console.WriteLine();
    Console.WriteLine("variant@input                         SysNoise µs   peer                         peer µs    ratio (peer/ours)");
}

foreach ((string key, double us) in ours.OrderBy(k => k.Key, StringComparer.Ordinal))
{
    string variant = key.Split('@')[0];
    string variantAtInput = $"{variant}@{key.Split('@')[1]}";
    (string peer, double peerUs) = variant.StartsWith("pillow", StringComparison.Ordinal) || variant.StartsWith("opencv4.6", StringComparison.Ordinal)
        ? (variant.StartsWith("pillow", StringComparison.Ordinal) ? "Pillow 9.4 (1 thread)" : "OpenCV 4.6 (python3-opencv)", python.GetValueOrDefault(variantAtInput, double.NaN))
        : ("OpenCV 4.13 (OpenCvSharp)", opencv.GetValueOrDefault(key, double.NaN));
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{key,-37} {us,11:0.0}   {peer,-28} {peerUs,8:0.0}   {peerUs / us,6:0.00}x"));
}

if (decodeOurs.Count > 0)
{
    Console.WriteLine();
    Console.WriteLine("JPEG decode (4:2:0 q90 photograph; medians)  SysNoise MP/s   peer                               peer MP/s   ratio ours/peer time");
    foreach ((string key, double us) in decodeOurs.OrderBy(k => k.Key, StringComparer.Ordinal))
    {
        string variant = key.Split('@')[0];
        (int w, int h) = Peers.ParseSize(key.Split('@')[1]);
        double peerUs = decodePeer.GetValueOrDefault(key, double.NaN);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{key,-44} {w * h / us,12:0.0}   {DecodeBenchmarks.PeerName(variant),-34} {w * h / peerUs,9:0.0}   {us / peerUs,6:0.00}"));
    }
}

if (modelOurs.Count + modelOrt.Count > 0)
{
    Console.WriteLine();
    Console.WriteLine("Models, fp32, same thread count each (medians)   SysNoise ms   ONNX Runtime ms   ratio (ORT/ours)");
    foreach (string key in modelOurs.Keys.Union(modelOrt.Keys).Order(StringComparer.Ordinal))
    {
        double us = modelOurs.GetValueOrDefault(key, double.NaN), peer = modelOrt.GetValueOrDefault(key, double.NaN);
        string oursText = double.IsNaN(us) ? "failed" : us.ToString("0.0", CultureInfo.InvariantCulture);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{key,-52} {oursText,11}   {peer,15:0.0}   {peer / us,6:0.00}x"));
    }
}
