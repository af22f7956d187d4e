using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using SysNoise.Runtime.Model.Analysis;
using SysNoise.Runtime.Model.Graph;
using SysNoise.Runtime.Model.Onnx;

namespace SysNoise.Cli.Commands;

/// <summary>
/// <c>sysnoise model-info M.onnx [--shape NAME=1x3x640x640] [--json]</c>: producer, opsets, ops, inputs and outputs,
/// parameter count, and which nodes each noise knob acts on. Works on models with ops SysNoise cannot run yet
/// (it lists them), because knowing what a model needs is the first question.
/// </summary>
public static class ModelInfoCommand
{
    public static Command Create()
    {
        var model = new Argument<string>("MODEL") { Description = "An ONNX model." };
        var shapes = new Option<string[]>("--shape") { Description = "NAME=1x3x640x640: a size to assume for an input with symbolic dimensions, so ceil-mode effects can be computed (repeatable)." };
        var json = new Option<bool>("--json") { Description = "Print JSON instead of text." };
        var command = new Command("model-info", "Describe an ONNX model: producer, opsets, ops, inputs/outputs, parameters, and the nodes each noise knob affects.") { model, shapes, json };
        command.SetAction(parse =>
        {
            string path = parse.GetValue(model)!;
            OnnxModel onnx = OnnxLoader.Load(path, allowUnsupportedOps: true);
            Dictionary<string, int[]> assumed = ParseShapes(parse.GetValue(shapes) ?? [], onnx);
            ModelSummary s = ModelSummary.Create(onnx, assumed);
            Console.Write(parse.GetValue(json) ? ToJson(s, assumed) : ToText(s, assumed));
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Dictionary<string, int[]> ParseShapes(string[] specs, OnnxModel model)
    {
        var result = new Dictionary<string, int[]>(StringComparer.Ordinal);
        foreach (string spec in specs)
        {
            int eq = spec.LastIndexOf('=');
            string name = eq > 0 ? spec[..eq] : string.Empty;
            OnnxValueInfo? input = model.Graph.Inputs.FirstOrDefault(i => i.Name == name);
            if (input is null)
            {
                throw new CliException($"--shape {spec}: expected NAME=D0xD1x... with NAME one of the model's inputs ({string.Join(", ", model.Graph.Inputs.Select(i => $"'{i.Name}' {i.ShapeText}"))})");
            }

            string[] parts = spec[(eq + 1)..].Split('x');
            var dims = new int[parts.Length];
            for (int i = 0; i < parts.Length; i++)
            {
                if (!int.TryParse(parts[i], NumberStyles.None, CultureInfo.InvariantCulture, out dims[i]) || dims[i] < 1)
                {
                    throw new CliException($"--shape {spec}: '{parts[i]}' is not a positive dimension");
                }
            }

            if (input.Shape is { } declared && (declared.Length != dims.Length || declared.Where((d, i) => d is int v && v != dims[i]).Any()))
            {
                throw new CliException($"--shape {spec}: the model declares '{name}' as {input.ShapeText}");
            }

            result[name] = dims;
        }

        return result;
    }

    private static string Shape(int?[]? shape) => shape is null ? "?" : "(" + string.Join(", ", shape.Select(d => d?.ToString(CultureInfo.InvariantCulture) ?? "?")) + ")";

    private static string Type(OnnxValueInfo v) => v.ElementType?.ToString().ToLowerInvariant() ?? "?";

    private static string ToText(ModelSummary s, IReadOnlyDictionary<string, int[]> assumed)
    {
        var w = new StringWriter(CultureInfo.InvariantCulture);
        w.WriteLine($"model:      {s.Path}");
        w.WriteLine($"producer:   {(s.Producer.Length > 0 ? s.Producer : "(not recorded)")}, IR version {s.IrVersion}");
        w.WriteLine($"opsets:     {string.Join(", ", s.Opsets.Select(o => $"{(o.Key.Length == 0 ? "ai.onnx" : o.Key)} {o.Value}"))}");
        w.WriteLine($"parameters: {s.ParameterCount:N0} (initializer and Constant elements)");
        w.WriteLine($"nodes:      {s.NodeCount}");
        w.WriteLine("inputs:");
        foreach (OnnxValueInfo i in s.Inputs)
        {
            w.WriteLine($"  {i.Name}: {Type(i)} {i.ShapeText}{(assumed.TryGetValue(i.Name, out int[]? a) ? $" (assumed ({string.Join(", ", a)}))" : string.Empty)}");
        }

        w.WriteLine("outputs:");
        foreach (OnnxValueInfo o in s.Outputs)
        {
            w.WriteLine($"  {o.Name}: {Type(o)} {o.ShapeText}");
        }

        w.WriteLine("ops:");
        foreach ((string op, int count) in s.OpCounts)
        {
            w.WriteLine($"  {op,-24} {count,5}{(s.UnsupportedOps.Contains(op) ? "   (not implemented in SysNoise)" : string.Empty)}");
        }

        w.WriteLine(s.UnsupportedOps.Count == 0
            ? "runnable:   yes, every op is implemented"
            : $"runnable:   no, not implemented: {string.Join(", ", s.UnsupportedOps)}");
        w.WriteLine("noise knobs:");
        int changing = s.Knobs.Ceil.Count(c => c.Changes == true), unknown = s.Knobs.Ceil.Count(c => c.Changes is null);
        w.WriteLine($"  ceil mode (--ceil-mode): {s.Knobs.Ceil.Count} pooling node(s); output size changes in {changing}, unchanged in {s.Knobs.Ceil.Count - changing - unknown}, unknown in {unknown}{(unknown > 0 ? " (no static input size; give --shape)" : string.Empty)}");
        foreach (CeilSite c in s.Knobs.Ceil)
        {
            string verdict = c.Changes switch { true => "CHANGES", false => "same", null => "unknown" };
            w.WriteLine($"    {c.Node}: ceil_mode={(c.ModelCeilMode ? 1 : 0)}, floor {Shape(c.FloorShape)} vs ceil {Shape(c.CeilShape)}: {verdict}");
        }

        w.WriteLine($"  upsample (--upsample): {s.Knobs.Upsample.Count} node(s){List(s.Knobs.Upsample)}");
        w.WriteLine($"  fp16 (--precision fp16*): {s.Knobs.Fp16.Count} of {s.NodeCount} node(s) produce float values (integer/shape values stay exact)");
        w.WriteLine($"  int8 (--precision int8-*): {s.Knobs.Int8.Count} Conv/ConvTranspose/Gemm/MatMul node(s), weights and activations{List(s.Knobs.Int8)}");
        return w.ToString();
    }

    private static string List(IReadOnlyList<string> nodes)
        => nodes.Count == 0 ? string.Empty : nodes.Count <= 8 ? ": " + string.Join(", ", nodes) : $": {string.Join(", ", nodes.Take(8))}, ... ({nodes.Count - 8} more)";

    private static string ToJson(ModelSummary s, IReadOnlyDictionary<string, int[]> assumed)
    {
        object Value(OnnxValueInfo v) => new { name = v.Name, dtype = v.ElementType?.ToString().ToLowerInvariant(), shape = v.Shape };
        var doc = new
        {
            model = s.Path,
            producer = s.Producer,
            ir_version = s.IrVersion,
            opsets = s.Opsets.ToDictionary(o => o.Key.Length == 0 ? "ai.onnx" : o.Key, o => o.Value),
            parameters = s.ParameterCount,
            nodes = s.NodeCount,
            inputs = s.Inputs.Select(Value),
            assumed_input_shapes = assumed,
            outputs = s.Outputs.Select(Value),
            ops = s.OpCounts.ToDictionary(o => o.OpType, o => o.Count),
            unsupported_ops = s.UnsupportedOps,
            knobs = new
            {
                ceil = s.Knobs.Ceil.Select(c => new { node = c.Node, op = c.OpType, model_ceil_mode = c.ModelCeilMode, floor_shape = c.FloorShape, ceil_shape = c.CeilShape, changes = c.Changes }),
                upsample = s.Knobs.Upsample,
                fp16 = s.Knobs.Fp16,
                int8 = s.Knobs.Int8,
            },
        };
        return JsonSerializer.Serialize(doc, new JsonSerializerOptions { WriteIndented = true }) + Environment.NewLine;
    }
}
