using System.Security.Cryptography;
using System.Text;
using SysNoise.Runtime.Datasets;
using SysNoise.Runtime.Decode;
using SysNoise.Runtime.Devices;
using SysNoise.Runtime.Model.Execution;
using SysNoise.Runtime.Model.Graph;
using SysNoise.Runtime.Model.Onnx;
using SysNoise.Runtime.Native;
using SysNoise.Runtime.Pipeline;
using SysNoise.Runtime.Profiles;
using SysNoise.Runtime.Tensors;
using SysNoise.Runtime.Variants;

namespace SysNoise.Runtime.Bench;

/// <summary>The noise types of the paper's Table 2, plus the combined and step-by-step rows.</summary>
public static class NoiseTypes
{
    public const string None = "none";
    public const string Decode = "decode";
    public const string Resize = "resize";
    public const string Color = "color";
    public const string Ceil = "ceil";
    public const string Upsample = "upsample";
    public const string Fp16 = "fp16";
    public const string Int8 = "int8";
    public const string Combined = "combined";
    public const string Step = "step";

    /// <summary>Detection post-processing conventions (dense tasks only).</summary>
    public const string Post = "post";

    /// <summary>Single noise types in report order.</summary>
    public static readonly string[] Singles = [Decode, Resize, Color, Ceil, Upsample, Fp16, Int8];

    public static readonly string[] All = [.. Singles, Combined];

    /// <summary>Single noise types of the detect and segment tasks, in report order.</summary>
    public static readonly string[] DenseSingles = [.. Singles, Post];

    public static readonly string[] DenseAll = [.. DenseSingles, Combined];
}

public sealed record BenchOptions
{
    public required IReadOnlyList<string> Models { get; init; }

    public required string Data { get; init; }

    public required DeploymentProfile Train { get; init; }

    public IReadOnlyList<string> Noises { get; init; } = NoiseTypes.All;

    public int? Limit { get; init; }

    public required string Out { get; init; }

    public int Threads { get; init; }

    public int BatchSize { get; init; } = 16;

    /// <summary>Where the model sessions run (null: the host path). Results are the same bits on every device.</summary>
    public Device? Device { get; init; }

    /// <summary>Classification runs through <see cref="BenchRunner"/>; detect and segment through <see cref="DenseBenchRunner"/>.</summary>
    public BenchTask Task { get; init; } = BenchTask.Classify;

    /// <summary>Detect: a COCO ground-truth JSON (images matched by file name); mAP replaces label-free F1 as the score.</summary>
    public string? GroundTruth { get; init; }

    /// <summary>Segment: a folder of label maps (&lt;image stem&gt;.png, class indices, 255 ignored); mIoU against them.</summary>
    public string? Labels { get; init; }
}

/// <summary>Progress of a bench run: the current stage and how many images of it are done.</summary>
public sealed record BenchProgress(string Stage, int Done, int Total);

/// <summary>One reported row (results.csv): top-1 in percent, ΔACC in percentage points, flip rate as a fraction.</summary>
public sealed record BenchRow(string Model, string Noise, string Variant, double? Top1, double? DeltaTop1, double? FlipRate, int Images, double? Top5, string? Note = null);

public sealed record ExcludedFile(string Path, string Decoder, string Problem);

public sealed record BenchResult(
    IReadOnlyList<BenchRow> Rows,
    IReadOnlyList<ExcludedFile> Excluded,
    int Images,
    IReadOnlyList<string> ModelNames,
    IReadOnlyDictionary<string, DeploymentProfile> Profiles,
    int ResumedEvaluations);

/// <summary>
/// The SysNoise benchmark: a model under its training profile, then under each noise alone (every variant of the
/// noise type), all noises combined (each type's worst variant), and step by step in decreasing order of single
/// impact. Each (image, decoder) is decoded once and each pre-processing configuration computed once; completed
/// evaluations are journaled so that an interrupted run resumes to the same result.
/// </summary>
public sealed class BenchRunner(BenchOptions options, IProgress<BenchProgress>? progress = null)
{
    private readonly Dictionary<string, EvaluationRecord> predictionsBySignature = new(StringComparer.Ordinal);

    private sealed record Config(string Decoder, string Resize, string? Color)
    {
        public string Signature => $"{Decoder}|{Resize}|{Color ?? "none"}";
    }

    private sealed record Variant(string Noise, string Name, Config Config, Knobs Knobs);

    public BenchResult Run()
    {
        Directory.CreateDirectory(options.Out);
        ImageDataset dataset = ImageDataset.Open(options.Data);
        IReadOnlyList<DatasetItem> items = dataset.Take(options.Limit);
        var models = options.Models.Select(p => (Name: UniqueName(p), Model: OnnxLoader.Load(p))).ToList();
        if (models.Select(m => m.Name).Distinct().Count() != models.Count)
        {
            throw new ArgumentException("two models have the same file name; rename one");
        }

        DeploymentProfile train = options.Train;
        var trainConfig = new Config(train.Decode, train.Resize, train.Color);
        var trainKnobs = new Knobs(train.CeilMode, train.CeilRule, train.Upsample, train.Precision);
        string runKey = RunKey(items, models.Select(m => m.Model.Path), train);
        using var journal = new BenchJournal(Path.Combine(options.Out, "journal.jsonl"), runKey);
        int resumed = journal.Resumed;

        // Decoders: the training one and, for decode noise, every other.
        var decoders = new List<string> { train.Decode };
        if (options.Noises.Contains(NoiseTypes.Decode))
        {
            decoders.AddRange(VariantRegistry.Decode.Select(d => d.Name).Where(d => d != train.Decode));
        }

        (Dictionary<string, Tensor<byte>?[]> decoded, List<ExcludedFile> excluded) = DecodeAll(items, decoders);
        var included = Enumerable.Range(0, items.Count).Where(i => decoders.All(d => decoded[d][i] is not null)).ToArray();
        int[] labels = included.Select(i => items[i].Label).ToArray();

        var rows = new List<BenchRow>();
        foreach ((string modelName, OnnxModel model) in models)
        {
            EvaluationRecord baseline = Evaluate(journal, modelName, model, NoiseTypes.None, train.Name, trainConfig, trainKnobs, decoded, included, items);
            rows.Add(Row(modelName, NoiseTypes.None, train.Name, baseline, baseline, labels));
            var worst = new Dictionary<string, (Variant Variant, double Delta)>(StringComparer.Ordinal);
            foreach (string noise in NoiseTypes.Singles.Where(options.Noises.Contains))
            {
                (IReadOnlyList<Variant> variants, string? notApplicable) = VariantsOf(noise, model, train, trainConfig, trainKnobs);
                if (notApplicable is not null)
                {
                    rows.Add(new BenchRow(modelName, noise, "n/a", null, null, null, 0, null, notApplicable));
                    continue;
                }

                foreach (Variant v in variants)
                {
                    // A precision the executor does not implement for this model is reported, not evaluated.
                    Precision sessionPrecision = v.Knobs.Precision == Precision.Int8Qdq ? Precision.Fp32 : v.Knobs.Precision;
                    if (OnnxSession.UnsupportedReason(model, sessionPrecision) is { } reason)
                    {
                        rows.Add(new BenchRow(modelName, noise, v.Name, null, null, null, 0, null, "unavailable: " + reason));
                        continue;
                    }

                    EvaluationRecord r = Evaluate(journal, modelName, model, noise, v.Name, v.Config, v.Knobs, decoded, included, items);

                    BenchRow row = Row(modelName, noise, v.Name, r, baseline, labels);
                    rows.Add(row);
                    if (!worst.TryGetValue(noise, out var w) || row.DeltaTop1!.Value > w.Delta)
                    {
                        worst[noise] = (v, row.DeltaTop1!.Value);
                    }
                }
            }

            if (worst.Count == 0)
            {
                continue;
            }

            if (options.Noises.Contains(NoiseTypes.Combined))
            {
                (Config c, Knobs k) = Apply(trainConfig, trainKnobs, worst.Values.Select(w => w.Variant));
                string name = string.Join("+", NoiseTypes.Singles.Where(worst.ContainsKey).Select(n => worst[n].Variant.Name));
                EvaluationRecord r = Evaluate(journal, modelName, model, NoiseTypes.Combined, name, c, k, decoded, included, items);
                rows.Add(Row(modelName, NoiseTypes.Combined, name, r, baseline, labels));
            }

            // Step by step: noise types in decreasing order of their worst single ΔACC (ties in report order).
            var order = worst.OrderByDescending(kv => kv.Value.Delta).ThenBy(kv => Array.IndexOf(NoiseTypes.Singles, kv.Key)).Select(kv => kv.Key).ToList();
            for (int k = 1; k <= order.Count; k++)
            {
                var applied = order.Take(k).ToList();
                (Config c, Knobs kn) = Apply(trainConfig, trainKnobs, applied.Select(n => worst[n].Variant));
                string name = string.Join("+", applied.Select(n => $"{n}:{worst[n].Variant.Name}"));
                EvaluationRecord r = Evaluate(journal, modelName, model, NoiseTypes.Step, name, c, kn, decoded, included, items);
                rows.Add(Row(modelName, NoiseTypes.Step, name, r, baseline, labels));
            }
        }

        var profiles = new Dictionary<string, DeploymentProfile>(StringComparer.Ordinal) { [train.Name] = train };
        return new BenchResult(rows, excluded, included.Length, models.Select(m => m.Name).ToList(), profiles, resumed);
    }

    private static (Config, Knobs) Apply(Config config, Knobs knobs, IEnumerable<Variant> variants)
    {
        foreach (Variant v in variants)
        {
            switch (v.Noise)
            {
                case NoiseTypes.Decode: config = config with { Decoder = v.Config.Decoder }; break;
                case NoiseTypes.Resize: config = config with { Resize = v.Config.Resize }; break;
                case NoiseTypes.Color: config = config with { Color = v.Config.Color }; break;
                case NoiseTypes.Ceil: knobs = knobs with { Ceil = v.Knobs.Ceil, CeilRule = v.Knobs.CeilRule }; break;
                case NoiseTypes.Upsample: knobs = knobs with { Upsample = v.Knobs.Upsample }; break;
                case NoiseTypes.Int8: knobs = knobs with { Precision = v.Knobs.Precision }; break;
                default:
                    // fp16 and int8 are both precisions: an int8 deployment stays int8 when fp16 joins the combination.
                    if (knobs.Precision is not (Precision.Int8Qdq or Precision.Int8Int))
                    {
                        knobs = knobs with { Precision = v.Knobs.Precision };
                    }

                    break;
            }
        }

        return (config, knobs);
    }

    private static (IReadOnlyList<Variant>, string? NotApplicable) VariantsOf(string noise, OnnxModel model, DeploymentProfile train, Config c, Knobs k)
    {
        switch (noise)
        {
            case NoiseTypes.Decode:
                return (VariantRegistry.Decode.Where(d => d.Name != train.Decode).Select(d => new Variant(noise, d.Name, c with { Decoder = d.Name }, k)).ToList(), null);
            case NoiseTypes.Resize:
                return (VariantRegistry.Resize.Where(r => r.Name != train.Resize).Select(r => new Variant(noise, r.Name, c with { Resize = r.Name }, k)).ToList(), null);
            case NoiseTypes.Color:
                return (VariantRegistry.Color.Where(x => x.Name != train.Color).Select(x => new Variant(noise, x.Name, c with { Color = x.Name }, k)).ToList(), null);
            case NoiseTypes.Ceil:
                int crop = train.Transform.Crop;
                if (!BenchModels.HasCeilSensitivePooling(model, train.Transform.Layout == TensorLayout.Nchw ? [1, 3, crop, crop] : [1, crop, crop, 3]))
                {
                    return ([], "no stride-2 pooling whose output size the ceil rule changes");
                }

                return (train.CeilMode == true
                    ? [new Variant(noise, "off", c, k with { Ceil = false })]
                    : [new Variant(noise, "on", c, k with { Ceil = true, CeilRule = CeilRule.Modern }), new Variant(noise, "on-legacy", c, k with { Ceil = true, CeilRule = CeilRule.Legacy })], null);
            case NoiseTypes.Upsample:
                if (!BenchModels.HasUpsampling(model))
                {
                    return ([], "no Resize/Upsample layer");
                }

                return (new[] { "nearest", "linear", "cubic" }.Where(m => m != train.Upsample).Select(m => new Variant(noise, m, c, k with { Upsample = m })).ToList(), null);
            case NoiseTypes.Fp16:
                return ([new Variant(noise, "fp16", c, k with { Precision = Precision.Fp16 }), new Variant(noise, "fp16-acc16", c, k with { Precision = Precision.Fp16Acc16 })], null);
            case NoiseTypes.Int8:
                return ([new Variant(noise, "int8-qdq", c, k with { Precision = Precision.Int8Qdq }), new Variant(noise, "int8-int", c, k with { Precision = Precision.Int8Int })], null);
            default:
                throw new ArgumentException($"unknown noise type '{noise}'");
        }
    }

    private (Dictionary<string, Tensor<byte>?[]>, List<ExcludedFile>) DecodeAll(IReadOnlyList<DatasetItem> items, List<string> decoders)
    {
        var decoded = new Dictionary<string, Tensor<byte>?[]>(StringComparer.Ordinal);
        var excluded = new List<ExcludedFile>();
        foreach (string name in decoders)
        {
            var pre = new Preprocessor(options.Train with { Decode = name }, HostDevice.Shared);
            var images = new Tensor<byte>?[items.Count];
            var errors = new string?[items.Count];
            int done = 0;
            Parallel.For(0, items.Count, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, options.Threads > 0 ? options.Threads : Environment.ProcessorCount) }, i =>
            {
                try
                {
                    images[i] = pre.Decode(File.ReadAllBytes(items[i].Path), items[i].Path).Pixels;
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                    errors[i] = ex is IO.SysNoiseIOException s ? s.Problem : ex.Message;
                }

                int n = Interlocked.Increment(ref done);
                if (n % 64 == 0 || n == items.Count)
                {
                    progress?.Report(new BenchProgress($"decode {name}", n, items.Count));
                }
            });
            for (int i = 0; i < items.Count; i++)
            {
                if (errors[i] is { } e)
                {
                    excluded.Add(new ExcludedFile(items[i].RelativePath, name, e));
                }
            }

            decoded[name] = images;
        }

        return (decoded, excluded);
    }

    private readonly Dictionary<string, Tensor<float>[]> inputsBySignature = new(StringComparer.Ordinal);

    private Tensor<float>[] Inputs(Config config, Dictionary<string, Tensor<byte>?[]> decoded, int[] included, IReadOnlyList<DatasetItem> items)
    {
        if (inputsBySignature.TryGetValue(config.Signature, out Tensor<float>[]? cached))
        {
            return cached;
        }

        var pre = new Preprocessor(options.Train with { Decode = config.Decoder, Resize = config.Resize, Color = config.Color }, HostDevice.Shared);
        Tensor<byte>?[] images = decoded.TryGetValue(config.Decoder, out var d) ? d : throw new InvalidOperationException($"decoder {config.Decoder} not decoded");
        var inputs = new Tensor<float>[included.Length];
        int done = 0;
        Parallel.For(0, included.Length, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, options.Threads > 0 ? options.Threads : Environment.ProcessorCount) }, j =>
        {
            inputs[j] = pre.Normalise(pre.Colour(pre.Resize(images[included[j]]!)));
            int n = Interlocked.Increment(ref done);
            if (n % 64 == 0 || n == included.Length)
            {
                progress?.Report(new BenchProgress($"pre-process {config.Signature}", n, included.Length));
            }
        });

        // Keep the training configuration's tensors (every model-level noise reuses them); others are used by one
        // pass over the models and then dropped.
        inputsBySignature.Clear();
        inputsBySignature[config.Signature] = inputs;
        return inputs;
    }

    private EvaluationRecord Evaluate(BenchJournal journal, string modelName, OnnxModel model, string noise, string variant, Config config, Knobs knobs,
        Dictionary<string, Tensor<byte>?[]> decoded, int[] included, IReadOnlyList<DatasetItem> items)
    {
        if (journal.TryGet(modelName, noise, variant, out EvaluationRecord done))
        {
            return done;
        }

        string signature = $"{modelName}|{config.Signature}|{knobs.Signature}";
        if (predictionsBySignature.TryGetValue(signature, out EvaluationRecord? same))
        {
            EvaluationRecord copy = same with { Model = modelName, Noise = noise, Variant = variant };
            journal.Add(copy);
            return copy;
        }

        Tensor<float>[] inputs = Inputs(config, decoded, included, items);
        if (knobs.Precision is Precision.Int8Qdq or Precision.Int8Int)
        {
            // The QDQ or integer model, calibrated once per model on the first images through the training pipeline; its
            // float ops then run in fp32, int8-qdq in ONNX Runtime's CPU accumulation order (Knobs.Options).
            model = Int8Model(modelName, model, knobs.Precision, decoded, included);
        }

        var session = new OnnxSession(model, knobs.Options(options.Threads), options.Device);
        (string inputName, _) = BenchModels.Input(model);
        var top1 = new int[inputs.Length];
        var top5 = new byte[inputs.Length];
        int batch = Math.Max(1, options.BatchSize);
        for (int start = 0; start < inputs.Length; start += batch)
        {
            int n = Math.Min(batch, inputs.Length - start);
            Tensor<float> x = Stack(inputs, start, n);
            Tensor output = session.Run(new Dictionary<string, Tensor> { [inputName] = x }).Values.First();
            float[] logits = output is Tensor<float> f ? f.Data : throw new InvalidOperationException($"{model.Path}: the output is {output.DType}, expected float logits");
            int classes = logits.Length / n;
            for (int b = 0; b < n; b++)
            {
                ReadOnlySpan<float> row = logits.AsSpan(b * classes, classes);
                top1[start + b] = ArgMax(row);
                top5[start + b] = InTop5(row, items[included[start + b]].Label) ? (byte)1 : (byte)0;
            }

            progress?.Report(new BenchProgress($"{modelName} {noise} {variant}", start + n, inputs.Length));
        }

        var record = new EvaluationRecord { Model = modelName, Noise = noise, Variant = variant, Top1 = top1, Top5Hit = top5 };
        predictionsBySignature[signature] = record;
        journal.Add(record);
        return record;
    }

    private readonly Dictionary<(string, Precision), OnnxModel> int8Models = [];

    private OnnxModel Int8Model(string modelName, OnnxModel model, Precision precision, Dictionary<string, Tensor<byte>?[]> decoded, int[] included)
    {
        if (int8Models.TryGetValue((modelName, precision), out OnnxModel? done))
        {
            return done;
        }

        DeploymentProfile train = options.Train;
        var pre = new Preprocessor(train, HostDevice.Shared);
        Tensor<byte>?[] images = decoded[train.Decode];
        (string inputName, _) = BenchModels.Input(model);
        int n = Math.Min(train.Quantization.CalibrationImages, included.Length);
        var calibration = Enumerable.Range(0, n).Select(j =>
        {
            Tensor<float> x = pre.Normalise(pre.Colour(pre.Resize(images[included[j]]!)));
            return (IReadOnlyDictionary<string, Tensor>)new Dictionary<string, Tensor> { [inputName] = new Tensor<float>(x.Data, [1, .. x.Shape]) };
        });
        string what = precision == Precision.Int8Int ? "int8-int" : "int8-qdq";
        progress?.Report(new BenchProgress($"{modelName} {what} calibration", 0, n));
        OnnxModel prepared = precision == Precision.Int8Int
            ? Model.Quantization.IntegerPipeline.Prepare(model, calibration, train.Quantization, options.Threads).Model
            : Model.Quantization.QdqPipeline.Prepare(model, calibration, train.Quantization, options.Threads).Model;
        progress?.Report(new BenchProgress($"{modelName} {what} calibration", n, n));
        int8Models[(modelName, precision)] = prepared;
        return prepared;
    }

    private static Tensor<float> Stack(Tensor<float>[] inputs, int start, int n)
    {
        int size = inputs[start].Data.Length;
        var data = new float[n * size];
        for (int b = 0; b < n; b++)
        {
            inputs[start + b].Data.CopyTo(data, b * size);
        }

        return new Tensor<float>(data, [n, .. inputs[start].Shape]);
    }

    // Lowest index wins ties, so the prediction is a pure function of the logits.
    private static int ArgMax(ReadOnlySpan<float> row)
    {
        int best = 0;
        for (int i = 1; i < row.Length; i++)
        {
            if (row[i] > row[best])
            {
                best = i;
            }
        }

        return best;
    }

    private static bool InTop5(ReadOnlySpan<float> row, int label)
    {
        if (label < 0 || label >= row.Length)
        {
            return false;
        }

        // The label is in the top 5 when fewer than 5 classes beat it (earlier index wins ties, as in ArgMax).
        int better = 0;
        for (int i = 0; i < row.Length; i++)
        {
            if (row[i] > row[label] || (row[i] == row[label] && i < label))
            {
                better++;
            }
        }

        return better < 5;
    }

    private static BenchRow Row(string model, string noise, string variant, EvaluationRecord r, EvaluationRecord baseline, int[] labels)
    {
        int n = r.Top1.Length;
        int correct = 0, flips = 0, top5 = 0, baseCorrect = 0;
        for (int i = 0; i < n; i++)
        {
            correct += r.Top1[i] == labels[i] ? 1 : 0;
            baseCorrect += baseline.Top1[i] == labels[i] ? 1 : 0;
            flips += r.Top1[i] != baseline.Top1[i] ? 1 : 0;
            top5 += r.Top5Hit[i];
        }

        double top1 = n == 0 ? 0 : 100.0 * correct / n;
        double baseTop1 = n == 0 ? 0 : 100.0 * baseCorrect / n;
        return new BenchRow(model, noise, variant, top1, baseTop1 - top1, n == 0 ? 0 : (double)flips / n, n, n == 0 ? 0 : 100.0 * top5 / n);
    }

    private static string UniqueName(string path) => Path.GetFileNameWithoutExtension(path);

    /// <summary>Identifies the run: a journal from another dataset, model set, profile or engine build is not resumed.</summary>
    private string RunKey(IReadOnlyList<DatasetItem> items, IEnumerable<string> modelPaths, DeploymentProfile train)
    {
        var sb = new StringBuilder();
        foreach (string p in modelPaths)
        {
            sb.Append(p).Append('|').Append(new FileInfo(p).Length).Append('|').Append(Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(p)))).Append('\n');
        }

        foreach (DatasetItem i in items)
        {
            sb.Append(i.RelativePath).Append(' ').Append(i.Label).Append('\n');
        }

        sb.Append(train with { Source = string.Empty }).Append('|').Append(string.Join(",", options.Noises)).Append('|').Append(options.Limit);
        sb.Append('|').Append(BenchJournal.EngineStamp);
        return "sysnoise-bench-journal v1 " + Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(sb.ToString())));
    }
}
