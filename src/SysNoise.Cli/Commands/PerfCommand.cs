using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using SysNoise.Runtime.Devices;
using SysNoise.Runtime.Model.Execution;
using SysNoise.Runtime.Perf;

namespace SysNoise.Cli.Commands;

/// <summary>
/// <c>sysnoise perf</c>: timings of SysNoise's own work. <c>--device cuda</c> measures the kernels' throughput on the
/// GPU (resize, decode, a model's images/s at a batch); the GPU peers are timed on the same machine by
/// scripts/gpu/peers.py. JSON: <c>{"cases":[{"name","device","ours_ms","peer","peer_ms","ratio","throughput","unit"}]}</c>.
/// </summary>
public static class PerfCommand
{
    public static Command Create()
    {
        var quick = new Option<bool>("--quick") { Description = "Fewer repetitions (finishes in under 2 minutes)." };
        var json = new Option<string?>("--json") { Description = "Write the cases as JSON to this file." };
        var device = new Option<string>("--device") { Description = "host or cuda: where SysNoise's kernels run.", DefaultValueFactory = _ => "cuda" };
        device.AcceptOnlyFromAmong(DeviceFactory.Names);
        var jpegs = new Option<string?>("--jpegs") { Description = "Folder of JPEG files for the decode cases." };
        var models = new Option<string[]>("--model") { Description = "ONNX model(s) for the images/s cases (repeatable)." };
        var batches = new Option<string>("--batch") { Description = "Comma-separated batch sizes for the model cases.", DefaultValueFactory = _ => "1,8,256" };
        var size = new Option<int>("--size") { Description = "Model input side (N×3×size×size).", DefaultValueFactory = _ => 224 };
        var precision = new Option<string>("--precision") { Description = "fp32 or fp16 for the model cases (comma-separated for both).", DefaultValueFactory = _ => "fp32" };
        var command = new Command("perf", "Time SysNoise's kernels on a device: resize, JPEG decode, model images/s.") { quick, json, device, jpegs, models, batches, size, precision };
        command.SetAction(parse =>
        {
            using Device dev = DeviceFactory.Create(parse.GetValue(device)!);
            bool q = parse.GetValue(quick);
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

            if (parse.GetValue(json) is { } path)
            {
                File.WriteAllText(path, JsonSerializer.Serialize(new { cases }, new JsonSerializerOptions { WriteIndented = true }));
                Console.WriteLine($"-> {path}");
            }

            return ExitCodes.Ok;
        });
        return command;
    }
}
