using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using SysNoise.Runtime.Model.Onnx;
using SysNoise.Runtime.Profiles;
using SysNoise.Runtime.Reports;

namespace SysNoise.Cli.Commands;

/// <summary>
/// <c>sysnoise parity --model M.onnx --input IMG.jpg --profile A --profile B [--json OUT]</c>, or
/// <c>sysnoise parity --dump-a DIR --dump-b DIR [--atol X] [--rtol Y] [--json OUT]</c>.
/// </summary>
public static class ParityCommand
{
    public static Command Create()
    {
        var model = new Option<string?>("--model") { Description = "ONNX model." };
        var input = new Option<string?>("--input") { Description = "One image (JPEG)." };
        var profiles = new Option<string[]>("--profile") { Description = "Two profiles (built-in names or YAML files): A then B." };
        var dumpA = new Option<string?>("--dump-a") { Description = "Folder of per-layer .npy dumps (named by ONNX value name) from system A." };
        var dumpB = new Option<string?>("--dump-b") { Description = "The same from system B." };
        var atol = new Option<double>("--atol") { Description = "Absolute tolerance for dump comparison.", DefaultValueFactory = _ => 0 };
        var rtol = new Option<double>("--rtol") { Description = "Relative tolerance for dump comparison.", DefaultValueFactory = _ => 0 };
        var json = new Option<string?>("--json") { Description = "Write the stage report as JSON to this file." };
        var calibration = new Option<string?>("--calibration") { Description = "Folder of JPEG images an int8 profile calibrates on (default: the input image itself)." };
        var command = new Command("parity", "Compare two pipelines stage by stage (decode, resize, colour, input, every layer, outputs, top-k), or two folders of layer dumps.")
        {
            model, input, profiles, dumpA, dumpB, atol, rtol, json, calibration,
        };
        command.SetAction(parse =>
        {
            IReadOnlyList<StageComparison> stages;
            if (parse.GetValue(dumpA) is { } a)
            {
                string b = parse.GetValue(dumpB) ?? throw new CliException("--dump-a needs --dump-b");
                foreach (string d in new[] { a, b })
                {
                    if (!Directory.Exists(d))
                    {
                        throw new CliException($"{d}: no such folder");
                    }
                }

                stages = StageParity.CompareDumps(a, b, parse.GetValue(atol), parse.GetValue(rtol));
            }
            else
            {
                string modelPath = parse.GetValue(model) ?? throw new CliException("give --model and --input (or --dump-a/--dump-b)");
                string imagePath = parse.GetValue(input) ?? throw new CliException("give --input IMG.jpg");
                string[] p = parse.GetValue(profiles) ?? [];
                if (p.Length != 2)
                {
                    throw new CliException($"give exactly two --profile options, got {p.Length}");
                }

                DeploymentProfile pa, pb;
                try
                {
                    pa = ProfileLoader.Resolve(p[0]);
                    pb = ProfileLoader.Resolve(p[1]);
                }
                catch (ProfileException ex)
                {
                    throw new CliException(ex.Message);
                }

                byte[] image = File.Exists(imagePath) ? File.ReadAllBytes(imagePath) : throw new CliException($"{imagePath}: no such file");
                var calibrationImages = parse.GetValue(calibration) is { } calDir
                    ? Directory.GetFiles(calDir).Where(f => f.EndsWith(".jpg", StringComparison.OrdinalIgnoreCase) || f.EndsWith(".jpeg", StringComparison.OrdinalIgnoreCase)).Order(StringComparer.Ordinal).Select(f => (File.ReadAllBytes(f), f)).ToList()
                    : [];
                if (parse.GetValue(calibration) is { } d && calibrationImages.Count == 0)
                {
                    throw new CliException($"{d}: no .jpg files to calibrate on");
                }

                stages = StageParity.Compare(OnnxLoader.Load(modelPath), image, imagePath, pa, pb, calibration: calibrationImages);
            }

            string? first = StageParity.FirstDifference(stages);
            foreach (StageComparison s in stages)
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{(s.Identical ? "same" : "DIFF"),-4}  {s.Name}{(s.Identical ? string.Empty : $"  max_abs={s.MaxAbs:G6} rel_l2={s.RelL2:G6} differing={s.Differing}")}{(s.Note is null ? string.Empty : "  " + s.Note)}"));
            }

            Console.WriteLine($"first difference: {first ?? "none"}");
            if (parse.GetValue(json) is { } jsonPath)
            {
                var doc = new
                {
                    stages = stages.Select(s => new { name = s.Name, identical = s.Identical, max_abs = s.MaxAbs, rel_l2 = s.RelL2, differing = s.Differing, note = s.Note }),
                    first_difference = first,
                };
                File.WriteAllText(jsonPath, JsonSerializer.Serialize(doc, new JsonSerializerOptions { WriteIndented = true, NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals }) + "\n");
            }

            return first is null ? ExitCodes.Ok : ExitCodes.Different;
        });
        return command;
    }
}
