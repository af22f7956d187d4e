using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using SysNoise.Runtime.Devices;
using SysNoise.Runtime.IO;
using SysNoise.Runtime.Model.Execution;
using SysNoise.Runtime.Model.Graph;
using SysNoise.Runtime.Model.Onnx;
using SysNoise.Runtime.Tensors;

namespace SysNoise.Cli.Commands;

/// <summary>
/// <c>sysnoise run --model M.onnx --input NAME=FILE.npy ... --out DIR</c>: runs a model on SysNoise's executor with
/// the chosen noise knobs and writes every graph output (and with --dump-all every value) as .npy.
/// </summary>
public static class RunCommand
{
    /// <summary>Precisions by their CLI names.</summary>
    public static readonly IReadOnlyDictionary<string, Precision> Precisions = new Dictionary<string, Precision>(StringComparer.Ordinal)
    {
        ["fp32"] = Precision.Fp32,
        ["fp16"] = Precision.Fp16,
        ["fp16-acc16"] = Precision.Fp16Acc16,
        ["int8-qdq"] = Precision.Int8Qdq,
        ["int8-int"] = Precision.Int8Int,
    };

    /// <summary>
    /// Precisions the CLI runs: int8-qdq goes through calibration and the QDQ rewrite, int8-int through calibration and
    /// the integer rewrite. fp16-acc16 is refused by the session for models it cannot run (rather than run as fp16).
    /// </summary>
    public static readonly IReadOnlySet<Precision> Implemented = new HashSet<Precision> { Precision.Fp32, Precision.Fp16, Precision.Fp16Acc16, Precision.Int8Qdq, Precision.Int8Int };

    public static Command Create()
    {
        var model = new Option<string>("--model", "-m") { Description = "The ONNX model.", Required = true };
        var inputs = new Option<string[]>("--input", "-i")
        {
            Description = "NAME=FILE.npy for each graph input (repeat the option). A model with one input also takes FILE.npy alone.",
            AllowMultipleArgumentsPerToken = false,
        };
        var precision = new Option<string>("--precision") { Description = "fp32, fp16, fp16-acc16, int8-qdq or int8-int.", DefaultValueFactory = _ => "fp32" };
        precision.AcceptOnlyFromAmong([.. Precisions.Keys]);
        var ceil = new Option<string>("--ceil-mode") { Description = "Pooling ceil mode: on, off (override every MaxPool/AveragePool) or model (as the model says).", DefaultValueFactory = _ => "model" };
        ceil.AcceptOnlyFromAmong("on", "off", "model");
        var upsample = new Option<string>("--upsample") { Description = "Resize/Upsample mode: nearest, linear (override every node) or model.", DefaultValueFactory = _ => "model" };
        upsample.AcceptOnlyFromAmong("nearest", "linear", "model");
        var accumulation = new Option<string>("--accumulation")
        {
            Description = "fp32 sum order: ours (one fma chain per output, the same on host and GPU) or ort (ONNX Runtime's CPU provider, one thread: its bits). int8-qdq always uses ort.",
            DefaultValueFactory = _ => "ours",
        };
        accumulation.AcceptOnlyFromAmong("ours", "ort");
        var ortOrderOps = new Option<string?>("--ort-order-ops")
        {
            Description = "With --accumulation ours: these op types (comma-separated, e.g. Conv,BatchNormalization) sum in ONNX Runtime's order all the same, to see how much of a difference from ORT each op type's order explains.",
        };
        var calibration = new Option<string?>("--calibration") { Description = "Folder of calibration inputs (.npy) for the int8 precisions." };
        var device = new Option<string>("--device") { Description = "auto (CUDA when present, else host), host, cuda or ilgpu-cpu.", DefaultValueFactory = _ => "auto" };
        device.AcceptOnlyFromAmong(DeviceFactory.Names);
        var threads = new Option<int>("--threads") { Description = "Threads for the host path (0: all cores).", DefaultValueFactory = _ => 0 };
        var dumpAll = new Option<bool>("--dump-all") { Description = "Also write every intermediate value, named by its ONNX value name (per-layer parity)." };
        var outDir = new Option<string>("--out", "-o") { Description = "Output folder: one NAME.npy per graph output, and manifest.json.", Required = true };
        var command = new Command("run", "Run an ONNX model on SysNoise's executor with chosen noise knobs; write outputs (and with --dump-all every value) as .npy.")
        {
            model, inputs, precision, accumulation, ortOrderOps, ceil, upsample, calibration, device, threads, dumpAll, outDir,
        };
        command.SetAction(parse =>
        {
            Precision p = Precisions[parse.GetValue(precision)!];
            string? calibrationDir = parse.GetValue(calibration);
            if (!Implemented.Contains(p))
            {
                throw new CliException($"--precision {parse.GetValue(precision)} is not implemented");
            }

            bool int8 = p is Precision.Int8Qdq or Precision.Int8Int;
            if (calibrationDir is not null && !int8)
            {
                throw new CliException($"--calibration applies only to the int8 precisions, not {parse.GetValue(precision)}");
            }

            if (int8 && calibrationDir is null)
            {
                throw new CliException($"--precision {parse.GetValue(precision)} needs --calibration DIR (a folder of .npy inputs for the model's input)");
            }

            bool ortOrder = parse.GetValue(accumulation) == "ort";
            if (ortOrder && p is not (Precision.Fp32 or Precision.Int8Qdq))
            {
                throw new CliException($"--accumulation ort applies to fp32 (and int8-qdq, which always uses it), not {parse.GetValue(precision)}");
            }

            IReadOnlySet<string>? ortOps = OrtOrderOps(parse.GetValue(ortOrderOps), ortOrder, p);
            int threadCount = parse.GetValue(threads);
            if (threadCount < 0)
            {
                throw new CliException($"--threads must be 0 (all cores) or positive, got {threadCount}");
            }

            var options = new ExecutionOptions
            {
                Precision = int8 ? Precision.Fp32 : p,

                // The QDQ graph's float ops accumulate as ONNX Runtime's CPU provider does: its output is ORT's, bit for bit.
                Accumulation = ortOrder ? AccumulationOrder.OnnxRuntimeCpu : ExecutionOptions.AccumulationFor(p),
                OrtOrderOps = ortOps,
                CeilMode = parse.GetValue(ceil) switch { "on" => true, "off" => false, _ => null },
                UpsampleMode = parse.GetValue(upsample) is "model" ? null : parse.GetValue(upsample),
                Threads = threadCount,
            };

            string modelPath = parse.GetValue(model)!;
            OnnxModel onnx = OnnxLoader.Load(modelPath);
            Dictionary<string, Tensor> feeds = ReadInputs(onnx, parse.GetValue(inputs) ?? []);
            string outPath = parse.GetValue(outDir)!;
            CreateOutputFolder(outPath);

            if (int8)
            {
                // Calibrate, rewrite to QDQ (saved next to the outputs so that ONNX Runtime can run the same graph) or to
                // integer layers (saved with a description of every layer's integers), run that.
                string[] files = Directory.Exists(calibrationDir) ? Directory.GetFiles(calibrationDir!, "*.npy").Order(StringComparer.Ordinal).ToArray() : [];
                if (files.Length == 0)
                {
                    throw new CliException($"{calibrationDir}: no .npy calibration inputs");
                }

                string inputName = onnx.Graph.Inputs[0].Name;
                var calibrationInputs = files.Select(f => (IReadOnlyDictionary<string, Tensor>)new Dictionary<string, Tensor> { [inputName] = NpyFormat.Read(f) }).ToList();
                var settings = new SysNoise.Runtime.Profiles.QuantizationSettings();
                if (p == Precision.Int8Qdq)
                {
                    var qdq = SysNoise.Runtime.Model.Quantization.QdqPipeline.Prepare(onnx, calibrationInputs, settings, threadCount);
                    File.WriteAllBytes(Path.Combine(outPath, "model.qdq.onnx"), qdq.Bytes);
                    Console.WriteLine($"int8 QDQ model (calibrated on {files.Length} input(s)) -> {Path.Combine(outPath, "model.qdq.onnx")}");
                    onnx = qdq.Model;
                }
                else
                {
                    var integer = SysNoise.Runtime.Model.Quantization.IntegerPipeline.Prepare(onnx, calibrationInputs, settings, threadCount);
                    File.WriteAllBytes(Path.Combine(outPath, "model.int8.onnx"), integer.Bytes);
                    File.WriteAllText(Path.Combine(outPath, "model.int8.json"), integer.Description.ToJson());
                    Console.WriteLine($"int8 integer model (calibrated on {files.Length} input(s); {integer.Description.Layers.Count} integer layer(s), {integer.Description.Skipped.Count} left in float) -> {Path.Combine(outPath, "model.int8.onnx")}, {Path.Combine(outPath, "model.int8.json")}");
                    onnx = integer.Model;
                }
            }

            using Device dev = DeviceFactory.Create(parse.GetValue(device)!);
            var session = new OnnxSession(onnx, options, dev);
            var names = new ValueFileNames();
            var manifest = new List<object>();
            var outputNames = new HashSet<string>(onnx.Graph.Outputs.Select(o => o.Name), StringComparer.Ordinal);
            var inputNames = new HashSet<string>(onnx.Graph.Inputs.Select(o => o.Name), StringComparer.Ordinal);
            bool dump = parse.GetValue(dumpAll);
            var clock = Stopwatch.StartNew();
            IReadOnlyDictionary<string, Tensor> results = session.Run(feeds, dump
                ? (name, value) =>
                {
                    // Graph outputs are written once, after the run, under the same names.
                    if (!outputNames.Contains(name))
                    {
                        Write(outPath, names, manifest, name, value, inputNames.Contains(name) ? "input" : "intermediate");
                    }
                }
                : null);
            double ms = clock.Elapsed.TotalMilliseconds;
            foreach (OnnxValueInfo o in onnx.Graph.Outputs)
            {
                Tensor t = results[o.Name];
                string file = Write(outPath, names, manifest, o.Name, t, "output");
                Console.WriteLine($"{o.Name}: {t.ShapeText} {t.DType.ToString().ToLowerInvariant()} -> {Path.Combine(outPath, file)}");
            }

            File.WriteAllText(Path.Combine(outPath, "manifest.json"), JsonSerializer.Serialize(
                new { model = modelPath, precision = parse.GetValue(precision), accumulation = options.Accumulation == AccumulationOrder.OnnxRuntimeCpu ? "ort" : "ours", ort_order_ops = options.OrtOrderOps, ceil_mode = parse.GetValue(ceil), upsample = parse.GetValue(upsample), device = dev.Name, values = manifest },
                new JsonSerializerOptions { WriteIndented = true }));
            foreach ((string value, string file) in names.Renamed)
            {
                Console.Error.WriteLine($"sysnoise: note: value '{value}' is not a portable file name; written as {file} (manifest.json maps names to files)");
            }

            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{Path.GetFileName(modelPath)}: {onnx.Graph.Nodes.Count} nodes, {parse.GetValue(precision)} on {dev.Name} in {ms:0.###} ms; {manifest.Count} value(s) -> {outPath}"));
            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>The --ort-order-ops set, checked: fp32, --accumulation ours, and op types that have an ORT order.</summary>
    private static IReadOnlySet<string>? OrtOrderOps(string? list, bool ortOrder, Precision precision)
    {
        if (list is null)
        {
            return null;
        }

        if (ortOrder || precision != Precision.Fp32)
        {
            throw new CliException("--ort-order-ops applies to --precision fp32 with --accumulation ours (--accumulation ort already runs every op in ONNX Runtime's order)");
        }

        var ops = new SortedSet<string>(list.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries), StringComparer.Ordinal);
        string[] unknown = [.. ops.Where(op => !ExecutionOptions.OrtOrderOpTypes.Contains(op))];
        if (ops.Count == 0 || unknown.Length > 0)
        {
            throw new CliException($"--ort-order-ops: {(ops.Count == 0 ? "no op type given" : $"no ONNX Runtime order for {string.Join(", ", unknown)}")}; op types with one: {string.Join(", ", ExecutionOptions.OrtOrderOpTypes)}");
        }

        return ops;
    }

    /// <summary>Binds NAME=FILE pairs to the graph's inputs; every input must be given once, and nothing else.</summary>
    private static Dictionary<string, Tensor> ReadInputs(OnnxModel model, string[] specs)
    {
        IReadOnlyList<OnnxValueInfo> graphInputs = model.Graph.Inputs;
        var valid = graphInputs.Select(i => i.Name).ToHashSet(StringComparer.Ordinal);
        var feeds = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (string spec in specs)
        {
            int eq = spec.IndexOf('=', StringComparison.Ordinal);
            string name, file;
            if (eq > 0 && valid.Contains(spec[..eq]))
            {
                (name, file) = (spec[..eq], spec[(eq + 1)..]);
            }
            else if (eq > 0 && !File.Exists(spec))
            {
                string given = spec[..eq];
                throw new CliException(model.Graph.Initializers.ContainsKey(given)
                    ? $"--input {given}: '{given}' is an initializer (a weight), not an input to feed"
                    : $"--input {given}: the model has no input '{given}'; its inputs are {Describe(graphInputs)}");
            }
            else if (graphInputs.Count == 1)
            {
                (name, file) = (graphInputs[0].Name, spec);
            }
            else
            {
                throw new CliException($"--input {spec}: give NAME=FILE.npy; the model's inputs are {Describe(graphInputs)}");
            }

            if (feeds.ContainsKey(name))
            {
                throw new CliException($"--input {name} is given twice");
            }

            feeds[name] = NpyFormat.Read(file);
        }

        var missing = graphInputs.Where(i => !feeds.ContainsKey(i.Name)).ToList();
        if (missing.Count > 0)
        {
            throw new CliException($"missing --input for {Describe(missing)} (give NAME=FILE.npy for each)");
        }

        return feeds;
    }

    private static string Describe(IEnumerable<OnnxValueInfo> inputs)
        => string.Join(", ", inputs.Select(i => $"'{i.Name}' {i.ElementType?.ToString().ToLowerInvariant() ?? "?"} {i.ShapeText}"));

    private static void CreateOutputFolder(string path)
    {
        if (File.Exists(path))
        {
            throw new CliException($"{path}: --out must be a folder, and this is a file");
        }

        try
        {
            Directory.CreateDirectory(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new CliException($"{path}: cannot create the output folder: {ex.Message}");
        }
    }

    private static string Write(string folder, ValueFileNames names, List<object> manifest, string value, Tensor t, string kind)
    {
        string file = names.For(value);
        NpyFormat.Write(Path.Combine(folder, file), t);
        manifest.Add(new { name = value, file, kind, dtype = t.DType.ToString().ToLowerInvariant(), shape = t.Shape });
        return file;
    }
}
