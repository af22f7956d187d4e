using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Spectre.Console;
using SysNoise.Runtime.Bench;
using SysNoise.Runtime.Devices;
using SysNoise.Runtime.Profiles;

namespace SysNoise.Cli.Commands;

/// <summary>
/// <c>sysnoise bench [--task classify|detect|segment] --model M.onnx [--model ...] --data DIR --train-profile P [--noises ...] [--limit N] [--out DIR]</c>.
/// With no arguments it runs the bundled default: the Fashion-MNIST JPEG test set built by the set-up and the
/// models in models/fashion, under the profile models/fashion/train-profile.yaml.
/// </summary>
public static class BenchCommand
{
    public const string BundledModels = "models/fashion";
    public const string BundledData = "artifacts/fashion/test";
    public const string BundledProfile = "models/fashion/train-profile.yaml";
    public const int BundledLimit = 600;

    public static Command Create()
    {
        var models = new Option<string[]>("--model") { Description = "ONNX classifier(s) (repeatable). Default: the bundled models/fashion/*.onnx.", AllowMultipleArgumentsPerToken = false };
        var data = new Option<string?>("--data") { Description = "ImageFolder directory or meta file. Default: the bundled artifacts/fashion/test (built by scripts/setup.sh)." };
        var train = new Option<string?>("--train-profile") { Description = "The profile the models were trained with (built-in name or YAML). Default: the bundled profile." };
        var noises = new Option<string?>("--noises") { Description = "Comma-separated: decode,resize,color,ceil,upsample,fp16,int8,combined (detect and segment: also post). Default: all of the task's." };
        var task = new Option<string>("--task") { Description = "classify (top-1 of classifiers), detect (text detectors: DB post-processing, box agreement or mAP with --gt) or segment (mIoU or mask agreement).", DefaultValueFactory = _ => "classify" };
        task.AcceptOnlyFromAmong("classify", "detect", "segment");
        var gt = new Option<string?>("--gt") { Description = "detect: COCO ground-truth JSON (images matched by file name); the score becomes mAP." };
        var labels = new Option<string?>("--labels") { Description = "segment: folder of label maps <image stem>.png (class indices, 255 ignored); the score becomes mIoU." };
        var limit = new Option<int?>("--limit") { Description = "Evaluate N images evenly spaced over the sorted list (every class of an ImageFolder). Default: all; the bundled default uses 600." };
        var outDir = new Option<string>("--out") { Description = "Output folder (results.csv, results.json, report.md, charts, journal).", DefaultValueFactory = _ => "bench-out" };
        var threads = new Option<int>("--threads") { Description = "Host threads (0: all cores).", DefaultValueFactory = _ => 0 };
        var device = new Option<string>("--device") { Description = "Where the models run: host, cuda or auto (same bits everywhere).", DefaultValueFactory = _ => "host" };
        device.AcceptOnlyFromAmong(DeviceFactory.Names);
        var command = new Command("bench", "Measure system noise: ΔACC of each model under every deployment variant, combined and step by step.") { models, data, train, noises, limit, outDir, threads, device, task, gt, labels };
        command.SetAction(parse =>
        {
            BenchTask benchTask = parse.GetValue(task) switch { "detect" => BenchTask.Detect, "segment" => BenchTask.Segment, _ => BenchTask.Classify };
            string[] modelPaths = parse.GetValue(models) ?? [];
            if (benchTask != BenchTask.Classify && (modelPaths.Length == 0 || parse.GetValue(data) is null))
            {
                throw new CliException($"--task {parse.GetValue(task)} needs --model and --data (e.g. --model artifacts/models/ch_PP-OCRv4_det_infer.onnx --data artifacts/text --train-profile paddleocr-det)");
            }

            if (parse.GetValue(gt) is { } gtPath && (benchTask != BenchTask.Detect || !File.Exists(gtPath)))
            {
                throw new CliException(benchTask != BenchTask.Detect ? "--gt is for --task detect" : $"{gtPath}: no such ground-truth file");
            }

            if (parse.GetValue(labels) is { } labelDir && (benchTask != BenchTask.Segment || !Directory.Exists(labelDir)))
            {
                throw new CliException(benchTask != BenchTask.Segment ? "--labels is for --task segment" : $"{labelDir}: no such label folder");
            }

            bool bundled = modelPaths.Length == 0 && parse.GetValue(data) is null && parse.GetValue(train) is null;
            if (modelPaths.Length == 0)
            {
                modelPaths = Directory.Exists(BundledModels) ? Directory.GetFiles(BundledModels, "*.onnx").Order(StringComparer.Ordinal).ToArray() : [];
                if (modelPaths.Length == 0)
                {
                    throw new CliException($"no --model given and no bundled models in {BundledModels}/ (run from the repository root after scripts/setup.sh)");
                }
            }

            string dataPath = parse.GetValue(data) ?? BundledData;
            if (!Directory.Exists(dataPath) && !File.Exists(dataPath))
            {
                throw new CliException($"{dataPath}: no such dataset{(parse.GetValue(data) is null ? " (the bundled one is built by scripts/setup.sh)" : string.Empty)}");
            }

            DeploymentProfile profile;
            try
            {
                profile = ProfileLoader.Resolve(parse.GetValue(train) ?? (File.Exists(BundledProfile) ? BundledProfile : "pytorch-pil"));
            }
            catch (ProfileException ex)
            {
                throw new CliException(ex.Message);
            }

            string[] valid = benchTask == BenchTask.Classify ? NoiseTypes.All : NoiseTypes.DenseAll;
            string[] selected = (parse.GetValue(noises) ?? string.Join(",", valid)).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            string[] unknown = selected.Where(n => !valid.Contains(n)).ToArray();
            if (unknown.Length > 0)
            {
                throw new CliException($"unknown noise type(s) {string.Join(", ", unknown)}; valid for --task {parse.GetValue(task)}: {string.Join(", ", valid)}");
            }

            using Device dev = DeviceFactory.Create(parse.GetValue(device)!);
            var options = new BenchOptions
            {
                Models = modelPaths,
                Data = dataPath,
                Train = profile,
                Noises = selected,
                Limit = parse.GetValue(limit) ?? (bundled ? BundledLimit : null),
                Out = parse.GetValue(outDir)!,
                Threads = parse.GetValue(threads),
                Device = dev,
                Task = benchTask,
                GroundTruth = parse.GetValue(gt),
                Labels = parse.GetValue(labels),
            };
            var clock = Stopwatch.StartNew();
            if (benchTask != BenchTask.Classify)
            {
                DenseResult dense = RunWithProgress(options, (o, p) => new DenseBenchRunner(o, p).Run());
                DenseReport.WriteAll(dense, options.Out);
                Console.WriteLine(DenseReport.Markdown(dense));
                foreach (var e in dense.Excluded)
                {
                    Console.Error.WriteLine($"sysnoise: warning: {e.Path}: unreadable under {e.Decoder} ({e.Problem}); excluded from every comparison");
                }

                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{dense.Rows.Count} rows, {dense.Images} images, {clock.Elapsed.TotalSeconds:0.0} s{(dense.ResumedEvaluations > 0 ? $" ({dense.ResumedEvaluations} evaluations resumed from the journal)" : string.Empty)} -> {Path.Combine(options.Out, "results.csv")}"));
                return ExitCodes.Ok;
            }

            BenchResult result = RunWithProgress(options, (o, p) => new BenchRunner(o, p).Run());
            BenchReport.WriteAll(result, options.Out);
            Console.WriteLine(BenchReport.Markdown(result));
            foreach (var e in result.Excluded)
            {
                Console.Error.WriteLine($"sysnoise: warning: {e.Path}: unreadable under {e.Decoder} ({e.Problem}); excluded from every comparison");
            }

            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{result.Rows.Count} rows, {result.Images} images, {clock.Elapsed.TotalSeconds:0.0} s{(result.ResumedEvaluations > 0 ? $" ({result.ResumedEvaluations} evaluations resumed from the journal)" : string.Empty)} -> {Path.Combine(options.Out, "results.csv")}"));
            return ExitCodes.Ok;
        });
        return command;
    }

    private static TResult RunWithProgress<TResult>(BenchOptions options, Func<BenchOptions, IProgress<BenchProgress>, TResult> run)
        where TResult : class
    {
        if (Console.IsOutputRedirected || !AnsiConsole.Profile.Capabilities.Interactive)
        {
            // Plain lines when not on a terminal (CI logs): one per finished stage.
            string? last = null;
            var clock = Stopwatch.StartNew();
            double stageStart = 0;
            return run(options, new CallbackProgress(p =>
            {
                if (p.Done == p.Total && p.Stage != last)
                {
                    last = p.Stage;
                    double now = clock.Elapsed.TotalSeconds;
                    Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {p.Stage}: {p.Total} images, {p.Total / Math.Max(1e-6, now - stageStart):0} img/s"));
                    stageStart = now;
                }
            }));
        }

        TResult? result = null;
        AnsiConsole.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn())
            .Start(ctx =>
            {
                var tasks = new Dictionary<string, (ProgressTask Task, Stopwatch Clock)>(StringComparer.Ordinal);
                var gate = new Lock();
                result = run(options, new CallbackProgress(p =>
                {
                    lock (gate)
                    {
                        if (!tasks.TryGetValue(p.Stage, out var t))
                        {
                            t = tasks[p.Stage] = (ctx.AddTask(Markup.Escape(p.Stage), maxValue: Math.Max(1, p.Total)), Stopwatch.StartNew());
                        }

                        t.Task.Value = p.Done;
                        double rate = p.Done / Math.Max(1e-6, t.Clock.Elapsed.TotalSeconds);
                        t.Task.Description = Markup.Escape(string.Create(CultureInfo.InvariantCulture, $"{p.Stage} ({rate:0} img/s)"));
                    }
                }));
            });
        return result!;
    }

    /// <summary>Reports on the calling thread (System.Progress would post to the thread pool and reorder updates).</summary>
    private sealed class CallbackProgress(Action<BenchProgress> report) : IProgress<BenchProgress>
    {
        public void Report(BenchProgress value) => report(value);
    }
}
