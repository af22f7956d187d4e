using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using SysNoise.Cli.Perf;
using SysNoise.Runtime.Devices;
using SysNoise.Runtime.Model.Execution;
using SysNoise.Runtime.Perf;

namespace SysNoise.Cli.Commands;

/// <summary>
/// <c>sysnoise perf [--quick] [--json OUT.json]</c>: SysNoise's host path against the peer library, both timed in this
/// process and this run (<see cref="HostPerf"/>), with the medians and ours/peer per case and issue 7's targets.
/// <c>--device cuda</c> measures the kernels' throughput on the GPU instead (resize, decode, a model's images/s at a
/// batch); the GPU peers are timed on the same machine by scripts/gpu/peers.py.
/// JSON: <c>{"cases":[{"name","device","ours_ms","peer","peer_ms","ratio","throughput","unit"}]}</c>.
/// </summary>
public static class PerfCommand
{
    public static Command Create()
    {
        var quick = new Option<bool>("--quick") { Description = "Fewer repetitions (finishes in under 2 minutes)." };
        var json = new Option<string?>("--json") { Description = "Write the cases as JSON to this file." };
        var device = new Option<string>("--device") { Description = "host or cuda: where SysNoise's kernels run.", DefaultValueFactory = _ => "host" };
        device.AcceptOnlyFromAmong(DeviceFactory.Names);
        var jpegs = new Option<string?>("--jpegs") { Description = "Folder of JPEG files for the decode cases." };
        var models = new Option<string[]>("--model") { Description = "ONNX model(s) for the images/s cases (repeatable)." };
        var batches = new Option<string>("--batch") { Description = "Comma-separated batch sizes for the model cases.", DefaultValueFactory = _ => "1,8,256" };
        var size = new Option<int>("--size") { Description = "Model input side (N×3×size×size).", DefaultValueFactory = _ => 224 };
        var precision = new Option<string>("--precision") { Description = "fp32 or fp16 for the model cases (comma-separated for both).", DefaultValueFactory = _ => "fp32" };
        var only = new Option<string?>("--only") { Description = "Run only the cases whose name contains this text (e.g. 'opencv-linear', 'decode', 'model resnet50')." };
        var warmup = new Option<int>("--warmup-ms") { Description = "Host mode: run both sides alternately this long before timing each case (0: one call each).", DefaultValueFactory = _ => HostPerf.DefaultWarmupMs };
        var threads = new Option<int>("--threads") { Description = "Threads for SysNoise and each peer (0: all cores).", DefaultValueFactory = _ => 0 };
        var modelFolder = new Option<string>("--models") { Description = "Folder holding resnet50.onnx, mobilenet_v2.onnx and ch_PP-OCRv4_det_infer.onnx (host mode).", DefaultValueFactory = _ => Path.Combine("artifacts", "models") };
        var command = new Command("perf", "Time SysNoise against the library each variant emulates (OpenCV, Pillow, libjpeg-turbo, ONNX Runtime), in one run; or, with --device cuda, its GPU throughput.") { quick, json, device, only, threads, warmup, modelFolder, jpegs, models, batches, size, precision };
        command.SetAction(parse =>
        {
            bool q = parse.GetValue(quick);
            if (parse.GetValue(device) == "host")
            {
                var clock = System.Diagnostics.Stopwatch.StartNew();
                List<PerfCase> hostCases = new HostPerf(q, parse.GetValue(threads), parse.GetValue(modelFolder)!, line => Console.Error.WriteLine(line), parse.GetValue(only), parse.GetValue(warmup)).Run();
                PrintTable(hostCases);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{hostCases.Count} cases in {clock.Elapsed.TotalSeconds:0.0} s on {HostDevice.Shared.Name}"));
                WriteJson(parse.GetValue(json), hostCases);
                return ExitCodes.Ok;
            }

            using Device dev = DeviceFactory.Create(parse.GetValue(device)!);
            var perf = new DeviceThroughput(dev, q, line => Console.WriteLine(line));
            var cases = new List<PerfCase>();
            Console.WriteLine($"device: {dev.Name}");
            cases.AddRange(perf.Resize());
            if (parse.GetValue(jpegs) is { } folder)
            {
                string[] files = Directory.GetFiles(folder, "*.jpg").Order(StringComparer.Ordinal).ToArray();
                if (files.Length == 0)
                {
                    throw new CliException($"{folder}: no .jpg files");
                }

                cases.AddRange(perf.Decode(files, ["libjpeg-islow", "libjpeg-ifast", "libjpeg-float", "libjpeg-islow-simple"]));
            }

            foreach (string model in parse.GetValue(models) ?? [])
            {
                foreach (string p in parse.GetValue(precision)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                {
                    Precision pr = p switch
                    {
                        "fp32" => Precision.Fp32,
                        "fp16" => Precision.Fp16,
                        _ => throw new CliException($"--precision {p}: expected fp32 or fp16"),
                    };
                    foreach (string b in parse.GetValue(batches)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                    {
                        int batch = int.Parse(b, CultureInfo.InvariantCulture);
                        cases.Add(perf.Model(model, batch, parse.GetValue(size), pr, runs: q || batch >= 64 ? 3 : 10));
                    }
                }
            }

            WriteJson(parse.GetValue(json), cases);
            return ExitCodes.Ok;
        });
        return command;
    }

    private static void WriteJson(string? path, List<PerfCase> cases)
    {
        if (path is not null)
        {
            File.WriteAllText(path, JsonSerializer.Serialize(new { cases }, new JsonSerializerOptions { WriteIndented = true }));
            Console.WriteLine($"-> {path}");
        }
    }

    /// <summary>A Markdown table: one row per case, with issue 7's target ratio and whether this run met it.</summary>
    private static void PrintTable(List<PerfCase> cases)
    {
        Console.WriteLine("| case | ours ms | peer | peer ms | ours/peer | target | met |");
        Console.WriteLine("|---|---:|---|---:|---:|---:|---|");
        foreach (PerfCase c in cases)
        {
            double? target = HostPerf.Target(c.Name);
            string met = c.Ratio is double r && target is double t ? (r <= t ? "yes" : "no") : "";
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {c.Name} | {c.OursMs:0.000} | {c.Peer ?? "-"} | {(c.PeerMs is double p ? p.ToString("0.000", CultureInfo.InvariantCulture) : "-")} | {(c.Ratio is double q ? q.ToString("0.00", CultureInfo.InvariantCulture) : "-")} | {(target is double tt ? "≤ " + tt.ToString("0.0", CultureInfo.InvariantCulture) : "")} | {met} |"));
        }
    }
}
