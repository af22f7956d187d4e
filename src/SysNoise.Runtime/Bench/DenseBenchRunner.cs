using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using SysNoise.Runtime.Datasets;
using SysNoise.Runtime.Dense;
using SysNoise.Runtime.Devices;
using SysNoise.Runtime.Metrics;
using SysNoise.Runtime.Model.Execution;
using SysNoise.Runtime.Model.Graph;
using SysNoise.Runtime.Model.Onnx;
using SysNoise.Runtime.Pipeline;
using SysNoise.Runtime.Profiles;
using SysNoise.Runtime.Tensors;
using SysNoise.Runtime.Variants;

namespace SysNoise.Runtime.Bench;

/// <summary>What the bench measures: image classification (top-1), text/object detection or semantic segmentation.</summary>
public enum BenchTask
{
    Classify,
    Detect,
    Segment,
}

/// <summary>One image of a dense evaluation: the detector's boxes (detect) and the map they came from, deflated.</summary>
public sealed record DenseImageRecord
{
    /// <summary>Text quadrilaterals, 8 integers each (x1, y1, …, x4, y4) in original-image pixels (detect).</summary>
    [JsonPropertyName("boxes")]
    public int[][] Boxes { get; init; } = [];

    [JsonPropertyName("scores")]
    public double[] Scores { get; init; } = [];

    [JsonPropertyName("height")]
    public required int Height { get; init; }

    [JsonPropertyName("width")]
    public required int Width { get; init; }

    /// <summary>The binarised map (detect: 0/1) or the label map (segment: class per pixel), one byte per pixel, deflated, base64.</summary>
    [JsonPropertyName("map")]
    public required string Map { get; init; }

    public byte[] MapBytes()
    {
        using var input = new DeflateStream(new MemoryStream(Convert.FromBase64String(Map)), CompressionMode.Decompress);
        var result = new byte[Height * Width];
        input.ReadExactly(result);
        return result;
    }

    public static string Pack(byte[] map)
    {
        using var buffer = new MemoryStream();
        using (var deflate = new DeflateStream(buffer, CompressionLevel.Optimal, leaveOpen: true))
        {
            deflate.Write(map);
        }

        return Convert.ToBase64String(buffer.ToArray());
    }
}

/// <summary>One completed dense evaluation (journaled): per image, enough to recompute every reported number.</summary>
public sealed record DenseRecord : IJournalRecord
{
    [JsonPropertyName("model")]
    public required string Model { get; init; }

    [JsonPropertyName("noise")]
    public required string Noise { get; init; }

    [JsonPropertyName("variant")]
    public required string Variant { get; init; }

    [JsonPropertyName("images")]
    public required DenseImageRecord[] Images { get; init; }

    [JsonIgnore]
    public string Key => $"{Model}\u001f{Noise}\u001f{Variant}";
}

/// <summary>
/// One reported dense row. Detect: <see cref="Score"/> is box F1 at IoU 0.5 against the training pipeline's boxes (label
/// free), or COCO mAP@[.5:.95] against --gt; Segment: mIoU against --labels, or agreement with the training pipeline's
/// maps (foreground mask IoU for a 1-channel model, mIoU with its label maps as ground truth otherwise).
/// <see cref="Delta"/> = training value − this value.
/// </summary>
public sealed record DenseRow(string Model, string Noise, string Variant, double? Score, double? Delta, double? Ap50, double? F1, double? MeanIou, double? MaskIou, double? PixelAgreement, int Images, string? Note = null);

public sealed record DenseResult(
    BenchTask Task,
    bool HasGroundTruth,
    IReadOnlyList<DenseRow> Rows,
    IReadOnlyList<ExcludedFile> Excluded,
    int Images,
    IReadOnlyList<string> ModelNames,
    DeploymentProfile Profile,
    int ResumedEvaluations);

/// <summary>
/// The SysNoise benchmark for dense models (issue 6): the same noise types, combined and step-by-step rows, journal and
/// resume as <see cref="BenchRunner"/>, plus <c>post</c> (the detector's post-processing conventions). Every image is run
/// alone (batch 1: the text detector's input keeps each image's aspect). A noise's rows compare each image's output with
/// the training pipeline's on the same image (label free), or with ground truth when given.
/// </summary>
public sealed class DenseBenchRunner(BenchOptions options, IProgress<BenchProgress>? progress = null)
{
    private readonly Dictionary<string, DenseRecord> recordsBySignature = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Tensor<float>[]> mapsBySignature = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Tensor<float>[]> inputsBySignature = new(StringComparer.Ordinal);
    private readonly Dictionary<(string, Precision), OnnxModel> int8Models = [];

    private sealed record Config(string Decoder, string Resize, string? Color)
    {
        public string Signature => $"{Decoder}|{Resize}|{Color ?? "none"}";
    }

    private sealed record Variant(string Noise, string Name, Config Config, Knobs Knobs, DbSettings Db);

    private BenchTask Task => options.Task;

    public DenseResult Run()
    {
        if (Task == BenchTask.Classify)
        {
            throw new ArgumentException("classification runs through BenchRunner");
        }

        Directory.CreateDirectory(options.Out);
        IReadOnlyList<DatasetItem> items = ImageDataset.Open(options.Data).Take(options.Limit);
        var models = options.Models.Select(p => (Name: Path.GetFileNameWithoutExtension(p), Model: OnnxLoader.Load(p))).ToList();
        if (models.Select(m => m.Name).Distinct().Count() != models.Count)
        {
            throw new ArgumentException("two models have the same file name; rename one");
        }

        DeploymentProfile train = options.Train;
        var trainConfig = new Config(train.Decode, train.Resize, train.Color);
        var trainKnobs = new Knobs(train.CeilMode, train.CeilRule, train.Upsample, train.Precision);
        CocoTruth? truth = Task == BenchTask.Detect && options.GroundTruth is { } gt ? CocoTruth.Load(gt) : null;
        using var journal = new BenchJournal<DenseRecord>(Path.Combine(options.Out, "journal.jsonl"), RunKey(items, models.Select(m => m.Model.Path)));
        int resumed = journal.Resumed;

        var decoders = new List<string> { train.Decode };
        if (options.Noises.Contains(NoiseTypes.Decode))
        {
            decoders.AddRange(VariantRegistry.Decode.Select(d => d.Name).Where(d => d != train.Decode));
        }

        (Dictionary<string, Tensor<byte>?[]> decoded, List<ExcludedFile> excluded) = DecodeAll(items, decoders);
        int[] included = [.. Enumerable.Range(0, items.Count).Where(i => decoders.All(d => decoded[d][i] is not null))];
        LabelMaps? labels = Task == BenchTask.Segment && options.Labels is { } dir ? new LabelMaps(dir, train) : null;

        var rows = new List<DenseRow>();
        foreach ((string modelName, OnnxModel model) in models)
        {
            var ctx = new EvalContext(journal, modelName, model, decoded, included, items);
            DenseRecord baseline = Evaluate(ctx, NoiseTypes.None, train.Name, trainConfig, trainKnobs, train.PostProcess.Db);
            DenseRow baseRow = Row(modelName, NoiseTypes.None, train.Name, baseline, baseline, truth, labels, items, included);
            rows.Add(baseRow);
            var worst = new Dictionary<string, (Variant Variant, double Delta, double TieBreak)>(StringComparer.Ordinal);
            foreach (string noise in NoiseTypes.DenseSingles.Where(options.Noises.Contains))
            {
                (IReadOnlyList<Variant> variants, string? notApplicable) = VariantsOf(noise, model, train, trainConfig, trainKnobs);
                if (notApplicable is not null)
                {
                    rows.Add(new DenseRow(modelName, noise, "n/a", null, null, null, null, null, null, null, 0, notApplicable));
                    continue;
                }

                foreach (Variant v in variants)
                {
                    Precision sessionPrecision = v.Knobs.Precision == Precision.Int8Qdq ? Precision.Fp32 : v.Knobs.Precision;
                    if ((OnnxSession.UnsupportedReason(model, sessionPrecision) ?? QdqUnsupported(model, v.Knobs.Precision, train)) is { } reason)
                    {
                        rows.Add(new DenseRow(modelName, noise, v.Name, null, null, null, null, null, null, null, 0, "unavailable: " + reason));
                        continue;
                    }

                    DenseRecord r = Evaluate(ctx, noise, v.Name, v.Config, v.Knobs, v.Db);
                    DenseRow row = Row(modelName, noise, v.Name, r, baseline, truth, labels, items, included, baseRow.Score);
                    rows.Add(row);
                    // Worst: the largest drop; on a tie, the lowest mask IoU (pixel agreement), so a variant that moves the
                    // map is preferred over one that changes nothing.
                    double tieBreak = row.MaskIou ?? row.PixelAgreement ?? 1;
                    if (!worst.TryGetValue(noise, out var w) || row.Delta!.Value > w.Delta || (row.Delta!.Value == w.Delta && tieBreak < w.TieBreak))
                    {
                        worst[noise] = (v, row.Delta!.Value, tieBreak);
                    }
                }
            }

            if (worst.Count == 0)
            {
                continue;
            }

            if (options.Noises.Contains(NoiseTypes.Combined))
            {
                Variant c = Apply(trainConfig, trainKnobs, train.PostProcess.Db, worst.Values.Select(w => w.Variant));
                string name = string.Join("+", NoiseTypes.DenseSingles.Where(worst.ContainsKey).Select(n => worst[n].Variant.Name));
                DenseRecord r = Evaluate(ctx, NoiseTypes.Combined, name, c.Config, c.Knobs, c.Db);
                rows.Add(Row(modelName, NoiseTypes.Combined, name, r, baseline, truth, labels, items, included, baseRow.Score));
            }

            var order = worst.OrderByDescending(kv => kv.Value.Delta).ThenBy(kv => kv.Value.TieBreak).ThenBy(kv => Array.IndexOf(NoiseTypes.DenseSingles, kv.Key)).Select(kv => kv.Key).ToList();
            for (int k = 1; k <= order.Count; k++)
            {
                var applied = order.Take(k).ToList();
                Variant c = Apply(trainConfig, trainKnobs, train.PostProcess.Db, applied.Select(n => worst[n].Variant));
                string name = string.Join("+", applied.Select(n => $"{n}:{worst[n].Variant.Name}"));
                DenseRecord r = Evaluate(ctx, NoiseTypes.Step, name, c.Config, c.Knobs, c.Db);
                rows.Add(Row(modelName, NoiseTypes.Step, name, r, baseline, truth, labels, items, included, baseRow.Score));
            }
        }

        return new DenseResult(Task, truth is not null || labels is not null, rows, excluded, included.Length, [.. models.Select(m => m.Name)], train, resumed);
    }

    /// <summary>ONNX's per-channel DequantizeLinear (the axis attribute) needs opset 13: an older model can take per-tensor QDQ only.</summary>
    private static string? QdqUnsupported(OnnxModel model, Precision precision, DeploymentProfile train) =>
        precision == Precision.Int8Qdq && train.Quantization.Weights == WeightGranularity.PerChannel && model.DefaultOpset < 13
            ? $"per-channel QDQ needs opset 13, the model has {model.DefaultOpset} (set quantization weights: per-tensor)"
            : null;

    private static Variant Apply(Config config, Knobs knobs, DbSettings db, IEnumerable<Variant> variants)
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
                case NoiseTypes.Post: db = v.Db; break;
                default:
                    if (knobs.Precision is not (Precision.Int8Qdq or Precision.Int8Int))
                    {
                        knobs = knobs with { Precision = v.Knobs.Precision };
                    }

                    break;
            }
        }

        return new Variant(NoiseTypes.Combined, string.Empty, config, knobs, db);
    }

    private (IReadOnlyList<Variant>, string? NotApplicable) VariantsOf(string noise, OnnxModel model, DeploymentProfile train, Config c, Knobs k)
    {
        DbSettings db = train.PostProcess.Db;
        Variant V(string name, Config? config = null, Knobs? knobs = null, DbSettings? post = null) => new(noise, name, config ?? c, knobs ?? k, post ?? db);
        switch (noise)
        {
            case NoiseTypes.Decode:
                return ([.. VariantRegistry.Decode.Where(d => d.Name != train.Decode).Select(d => V(d.Name, c with { Decoder = d.Name }))], null);
            case NoiseTypes.Resize:
                return ([.. VariantRegistry.Resize.Where(r => r.Name != train.Resize).Select(r => V(r.Name, c with { Resize = r.Name }))], null);
            case NoiseTypes.Color:
                return ([.. VariantRegistry.Color.Where(x => x.Name != train.Color).Select(x => V(x.Name, c with { Color = x.Name }))], null);
            case NoiseTypes.Ceil:
                // Dense inputs have no one size; a pooling of stride >= 2 counts as sensitive.
                if (!BenchModels.HasCeilSensitivePooling(model))
                {
                    return ([], "no stride-2 pooling whose output size the ceil rule changes");
                }

                return (train.CeilMode == true
                    ? [V("off", knobs: k with { Ceil = false })]
                    : [V("on", knobs: k with { Ceil = true, CeilRule = CeilRule.Modern }), V("on-legacy", knobs: k with { Ceil = true, CeilRule = CeilRule.Legacy })], null);
            case NoiseTypes.Upsample:
                if (!BenchModels.HasUpsampling(model))
                {
                    return ([], "no Resize/Upsample layer");
                }

                return ([.. new[] { "nearest", "linear", "cubic" }.Where(m => m != train.Upsample).Select(m => V(m, knobs: k with { Upsample = m }))], null);
            case NoiseTypes.Fp16:
                return ([V("fp16", knobs: k with { Precision = Precision.Fp16 }), V("fp16-acc16", knobs: k with { Precision = Precision.Fp16Acc16 })], null);
            case NoiseTypes.Int8:
                return ([V("int8-qdq", knobs: k with { Precision = Precision.Int8Qdq }), V("int8-int", knobs: k with { Precision = Precision.Int8Int })], null);
            case NoiseTypes.Post:
                return Task == BenchTask.Detect ? (PostVariants(db).Select(p => V(p.Name, post: p.Db)).ToList(), null) : ([], "no post-processing variants for segmentation (argmax / threshold 0.5)");
            default:
                throw new ArgumentException($"unknown noise type '{noise}'");
        }
    }

    /// <summary>
    /// DB post-processing conventions real deployments of PP-OCR differ in, each against the training settings:
    /// the score mode (PaddleOCR --det_db_score_mode), dilation (--use_dilation), the C++ deployment's uint8 binarisation
    /// and its integer rescaling (deploy/cpp_infer), and DBPostProcess's constructor defaults (box_thresh 0.7, unclip_ratio
    /// 2.0) that ports building it without the inference script's arguments get.
    /// </summary>
    public static IReadOnlyList<(string Name, DbSettings Db)> PostVariants(DbSettings train)
    {
        var list = new List<(string, DbSettings)>
        {
            train.ScoreMode == DbScoreMode.Fast ? ("score-slow", train with { ScoreMode = DbScoreMode.Slow }) : ("score-fast", train with { ScoreMode = DbScoreMode.Fast }),
            train.Dilation ? ("no-dilation", train with { Dilation = false }) : ("dilation", train with { Dilation = true }),
            train.Binarize == DbBinarize.Float ? ("uint8-threshold", train with { Binarize = DbBinarize.Uint8 }) : ("float-threshold", train with { Binarize = DbBinarize.Float }),
            train.Rescale == DbRescale.Python ? ("cpp-rescale", train with { Rescale = DbRescale.Cpp }) : ("python-rescale", train with { Rescale = DbRescale.Python }),
        };
        if (train.BoxThresh != 0.7 || train.UnclipRatio != 2.0)
        {
            list.Add(("class-defaults", train with { BoxThresh = 0.7, UnclipRatio = 2.0 }));
        }

        return list;
    }

    private sealed record EvalContext(BenchJournal<DenseRecord> Journal, string ModelName, OnnxModel Model, Dictionary<string, Tensor<byte>?[]> Decoded, int[] Included, IReadOnlyList<DatasetItem> Items);

    private DenseRecord Evaluate(EvalContext ctx, string noise, string variant, Config config, Knobs knobs, DbSettings db)
    {
        if (ctx.Journal.TryGet(ctx.ModelName, noise, variant, out DenseRecord done))
        {
            return done;
        }

        string mapSignature = $"{ctx.ModelName}|{config.Signature}|{knobs.Signature}";
        string signature = Task == BenchTask.Detect ? $"{mapSignature}|{db}" : mapSignature;
        if (recordsBySignature.TryGetValue(signature, out DenseRecord? same))
        {
            DenseRecord copy = same with { Model = ctx.ModelName, Noise = noise, Variant = variant };
            ctx.Journal.Add(copy);
            return copy;
        }

        Tensor<float>[] maps = Maps(ctx, mapSignature, config, knobs, $"{noise} {variant}");
        var images = new DenseImageRecord[ctx.Included.Length];
        Parallel.For(0, images.Length, Parallelism(), j =>
        {
            Tensor<byte> source = ctx.Decoded[config.Decoder][ctx.Included[j]]!;
            images[j] = Task == BenchTask.Detect ? Detect(maps[j], source.Shape[0], source.Shape[1], db, ctx.Items[ctx.Included[j]].Path) : Segment(maps[j]);
        });
        var record = new DenseRecord { Model = ctx.ModelName, Noise = noise, Variant = variant, Images = images };
        recordsBySignature[signature] = record;
        ctx.Journal.Add(record);
        return record;
    }

    private static DenseImageRecord Detect(Tensor<float> map, int srcHeight, int srcWidth, DbSettings db, string path)
    {
        if (map.Rank != 4 || map.Shape[0] != 1 || map.Shape[1] != 1)
        {
            throw new IO.SysNoiseIOException(path, $"a text detector's output is 1×1×H×W (a probability map), got {map.ShapeText}");
        }

        int h = map.Shape[2], w = map.Shape[3];
        DbResult r = DbPostProcess.Run(map.Data, h, w, srcHeight, srcWidth, db);
        return new DenseImageRecord
        {
            Boxes = [.. r.Boxes.Select(b => b.Quad)],
            Scores = [.. r.Boxes.Select(b => b.Score)],
            Height = h,
            Width = w,
            Map = DenseImageRecord.Pack(r.Bitmap),
        };
    }

    /// <summary>N×C×H×W logits: argmax over C (lowest class on ties); N×1×H×W probability: foreground where &gt; 0.5.</summary>
    private static DenseImageRecord Segment(Tensor<float> output)
    {
        if (output.Rank != 4 || output.Shape[0] != 1)
        {
            throw new InvalidOperationException($"a segmentation output is N×C×H×W, got {output.ShapeText}");
        }

        int c = output.Shape[1], h = output.Shape[2], w = output.Shape[3], n = h * w;
        if (c > 256)
        {
            throw new InvalidOperationException($"{c} classes: label maps are stored as bytes (at most 256 classes)");
        }

        var labels = new byte[n];
        float[] d = output.Data;
        for (int i = 0; i < n; i++)
        {
            if (c == 1)
            {
                labels[i] = d[i] > 0.5f ? (byte)1 : (byte)0;
                continue;
            }

            int best = 0;
            for (int k = 1; k < c; k++)
            {
                if (d[(k * n) + i] > d[(best * n) + i])
                {
                    best = k;
                }
            }

            labels[i] = (byte)best;
        }

        return new DenseImageRecord { Height = h, Width = w, Map = DenseImageRecord.Pack(labels) };
    }

    /// <summary>The model's first output per image for a (pre-processing, model knobs) configuration; the training one is kept.</summary>
    private Tensor<float>[] Maps(EvalContext ctx, string signature, Config config, Knobs knobs, string stage)
    {
        if (mapsBySignature.TryGetValue(signature, out Tensor<float>[]? cached))
        {
            return cached;
        }

        Tensor<float>[] inputs = Inputs(ctx, config);
        OnnxModel model = ctx.Model;
        if (knobs.Precision is Precision.Int8Qdq or Precision.Int8Int)
        {
            // The QDQ or integer model, calibrated once per model on the first images through the training pipeline; its
            // float ops then run in fp32, int8-qdq in ONNX Runtime's CPU accumulation order (Knobs.Options).
            model = Int8Model(ctx, knobs.Precision);
        }

        var session = new OnnxSession(model, knobs.Options(options.Threads), options.Device);
        (string inputName, _) = BenchModels.Input(model);
        var maps = new Tensor<float>[inputs.Length];
        for (int j = 0; j < inputs.Length; j++)
        {
            Tensor output = session.Run(new Dictionary<string, Tensor> { [inputName] = new Tensor<float>(inputs[j].Data, [1, .. inputs[j].Shape]) }).Values.First();
            maps[j] = output as Tensor<float> ?? throw new InvalidOperationException($"{model.Path}: the output is {output.DType}, expected float");
            progress?.Report(new BenchProgress($"{ctx.ModelName} {stage}", j + 1, inputs.Length));
        }

        // Keep the training configuration's maps (post-processing noise reuses them) and the latest one.
        string trainSignature = $"{ctx.ModelName}|{new Config(options.Train.Decode, options.Train.Resize, options.Train.Color).Signature}|{new Knobs(options.Train.CeilMode, options.Train.CeilRule, options.Train.Upsample, options.Train.Precision).Signature}";
        foreach (string key in mapsBySignature.Keys.Where(k => k != trainSignature).ToList())
        {
            mapsBySignature.Remove(key);
        }

        mapsBySignature[signature] = maps;
        return maps;
    }

    private Tensor<float>[] Inputs(EvalContext ctx, Config config)
    {
        if (inputsBySignature.TryGetValue(config.Signature, out Tensor<float>[]? cached))
        {
            return cached;
        }

        var pre = new Preprocessor(options.Train with { Decode = config.Decoder, Resize = config.Resize, Color = config.Color }, HostDevice.Shared);
        Tensor<byte>?[] images = ctx.Decoded[config.Decoder];
        var inputs = new Tensor<float>[ctx.Included.Length];
        int done = 0;
        Parallel.For(0, inputs.Length, Parallelism(), j =>
        {
            inputs[j] = pre.Normalise(pre.Colour(pre.Resize(images[ctx.Included[j]]!)));
            int n = Interlocked.Increment(ref done);
            if (n == inputs.Length)
            {
                progress?.Report(new BenchProgress($"pre-process {config.Signature}", n, inputs.Length));
            }
        });
        inputsBySignature.Clear();
        inputsBySignature[config.Signature] = inputs;
        return inputs;
    }

    private OnnxModel Int8Model(EvalContext ctx, Precision precision)
    {
        if (int8Models.TryGetValue((ctx.ModelName, precision), out OnnxModel? done))
        {
            return done;
        }

        DeploymentProfile train = options.Train;
        var pre = new Preprocessor(train, HostDevice.Shared);
        Tensor<byte>?[] images = ctx.Decoded[train.Decode];
        (string inputName, _) = BenchModels.Input(ctx.Model);
        int n = Math.Min(train.Quantization.CalibrationImages, ctx.Included.Length);
        var calibration = Enumerable.Range(0, n).Select(j =>
        {
            Tensor<float> x = pre.Normalise(pre.Colour(pre.Resize(images[ctx.Included[j]]!)));
            return (IReadOnlyDictionary<string, Tensor>)new Dictionary<string, Tensor> { [inputName] = new Tensor<float>(x.Data, [1, .. x.Shape]) };
        });
        string what = precision == Precision.Int8Int ? "int8-int" : "int8-qdq";
        progress?.Report(new BenchProgress($"{ctx.ModelName} {what} calibration", 0, n));
        OnnxModel prepared = precision == Precision.Int8Int
            ? Model.Quantization.IntegerPipeline.Prepare(ctx.Model, calibration, train.Quantization, options.Threads).Model
            : Model.Quantization.QdqPipeline.Prepare(ctx.Model, calibration, train.Quantization, options.Threads).Model;
        progress?.Report(new BenchProgress($"{ctx.ModelName} {what} calibration", n, n));
        int8Models[(ctx.ModelName, precision)] = prepared;
        return prepared;
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
            Parallel.For(0, items.Count, Parallelism(), i =>
            {
                try
                {
                    images[i] = pre.Decode(File.ReadAllBytes(items[i].Path), items[i].Path).Pixels;
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                    errors[i] = ex is IO.SysNoiseIOException s ? s.Problem : ex.Message;
                }
            });
            progress?.Report(new BenchProgress($"decode {name}", items.Count, items.Count));
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

    private ParallelOptions Parallelism() => new() { MaxDegreeOfParallelism = Math.Max(1, options.Threads > 0 ? options.Threads : Environment.ProcessorCount) };

    private DenseRow Row(string model, string noise, string variant, DenseRecord r, DenseRecord baseline, CocoTruth? truth, LabelMaps? labels,
        IReadOnlyList<DatasetItem> items, int[] included, double? baseScore = null)
    {
        int n = r.Images.Length;
        if (Task == BenchTask.Detect)
        {
            var totals = new AgreementTotals();
            long inter = 0, union = 0;
            for (int i = 0; i < n; i++)
            {
                totals.Add(Agreement.Polygons([.. baseline.Images[i].Boxes.Select(ToPolygon)], [.. r.Images[i].Boxes.Select(ToPolygon)]));
                (long a, long b) = MaskCounts(baseline.Images[i].MapBytes(), r.Images[i].MapBytes(), foreground: 1);
                inter += a;
                union += b;
            }

            double maskIou = union == 0 ? 1 : (double)inter / union;
            if (truth is null)
            {
                return new DenseRow(model, noise, variant, totals.F1, 1 - totals.F1, null, totals.F1, totals.MeanMatchedIou, maskIou, null, n);
            }

            (double ap, double ap50) = truth.Evaluate(r, items, included);
            return new DenseRow(model, noise, variant, ap, (baseScore ?? ap) - ap, ap50, totals.F1, totals.MeanMatchedIou, maskIou, null, n);
        }

        long same = 0, pixels = 0;
        var agreement = new SegmentationConfusion(Math.Max(2, Classes(baseline, r)), ignoreIndex: null);
        long fgInter = 0, fgUnion = 0;
        byte[][]? truthMaps = labels is null ? null : [.. Enumerable.Range(0, n).Select(i => labels.For(items[included[i]], r.Images[i].Height, r.Images[i].Width))];
        SegmentationConfusion? vsLabels = truthMaps is null ? null
            : new SegmentationConfusion(Math.Max(Classes(baseline, r), 1 + truthMaps.SelectMany(m => m).Where(v => v != LabelMaps.IgnoreIndex).DefaultIfEmpty((byte)0).Max()), LabelMaps.IgnoreIndex);
        bool binary = Classes(baseline, r) <= 2;
        for (int i = 0; i < n; i++)
        {
            byte[] a = baseline.Images[i].MapBytes(), b = r.Images[i].MapBytes();
            for (int p = 0; p < a.Length; p++)
            {
                same += a[p] == b[p] ? 1 : 0;
            }

            pixels += a.Length;
            agreement.Add(a, b);
            (long fi, long fu) = MaskCounts(a, b, foreground: 1);
            fgInter += fi;
            fgUnion += fu;
            vsLabels?.Add(truthMaps![i], b);
        }

        double agree = binary ? (fgUnion == 0 ? 1 : (double)fgInter / fgUnion) : agreement.Scores().MeanIou;
        double score = vsLabels is null ? agree : vsLabels.Scores().MeanIou;
        return new DenseRow(model, noise, variant, score, (baseScore ?? (vsLabels is null ? 1 : score)) - score, null, null, null, binary ? agree : null, pixels == 0 ? 1 : (double)same / pixels, n);
    }

    private static int Classes(DenseRecord a, DenseRecord b) =>
        1 + a.Images.Concat(b.Images).Select(i => i.MapBytes().DefaultIfEmpty((byte)0).Max()).DefaultIfEmpty((byte)0).Max();

    private static (long Intersection, long Union) MaskCounts(byte[] a, byte[] b, byte foreground)
    {
        long inter = 0, union = 0;
        for (int i = 0; i < a.Length; i++)
        {
            bool fa = a[i] == foreground, fb = b[i] == foreground;
            inter += fa & fb ? 1 : 0;
            union += fa | fb ? 1 : 0;
        }

        return (inter, union);
    }

    /// <summary>A text quad as a polygon; a quad that clipping to the image made cross itself becomes its convex hull.</summary>
    private static Polygon ToPolygon(int[] quad)
    {
        PointD[] p = [.. Enumerable.Range(0, 4).Select(k => new PointD(quad[2 * k], quad[(2 * k) + 1]))];
        try
        {
            return new Polygon(p);
        }
        catch (ArgumentException)
        {
            return new Polygon(ConvexHull(p));
        }
    }

    private static PointD[] ConvexHull(PointD[] points)
    {
        PointD[] s = [.. points.Distinct().OrderBy(p => p.X).ThenBy(p => p.Y)];
        if (s.Length < 3)
        {
            return s;
        }

        var hull = new List<PointD>();
        for (int pass = 0; pass < 2; pass++)
        {
            int start = hull.Count;
            foreach (PointD p in pass == 0 ? s : s.Reverse())
            {
                while (hull.Count >= start + 2 && Cross(hull[^2], hull[^1], p) <= 0)
                {
                    hull.RemoveAt(hull.Count - 1);
                }

                hull.Add(p);
            }

            hull.RemoveAt(hull.Count - 1);
        }

        return [.. hull];

        static double Cross(PointD o, PointD a, PointD b) => ((a.X - o.X) * (b.Y - o.Y)) - ((a.Y - o.Y) * (b.X - o.X));
    }

    private string RunKey(IReadOnlyList<DatasetItem> items, IEnumerable<string> modelPaths)
    {
        var sb = new StringBuilder();
        foreach (string p in modelPaths)
        {
            sb.Append(p).Append('|').Append(Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(p)))).Append('\n');
        }

        foreach (DatasetItem i in items)
        {
            sb.Append(i.RelativePath).Append(' ').Append(new FileInfo(i.Path).Length).Append('\n');
        }

        sb.Append(options.Train with { Source = string.Empty }).Append('|').Append(options.Train.PostProcess.Db).Append('|').Append(Task)
            .Append('|').Append(string.Join(",", options.Noises)).Append('|').Append(options.Limit).Append('|').Append(BenchJournal.EngineStamp);
        return "sysnoise-dense-journal v1 " + Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(sb.ToString())));
    }

    /// <summary>COCO ground truth for the detect task: images matched by file name, detections as the quads' bounding boxes.</summary>
    private sealed class CocoTruth
    {
        private readonly CocoGroundTruth truth;
        private readonly Dictionary<string, long> idByFile;

        private CocoTruth(CocoGroundTruth truth, Dictionary<string, long> idByFile) => (this.truth, this.idByFile) = (truth, idByFile);

        public static CocoTruth Load(string path)
        {
            CocoGroundTruth gt = CocoGroundTruth.Load(path);
            using JsonDocument doc = JsonDocument.Parse(File.ReadAllBytes(path));
            var ids = new Dictionary<string, long>(StringComparer.Ordinal);
            foreach (JsonElement image in doc.RootElement.GetProperty("images").EnumerateArray())
            {
                if (image.TryGetProperty("file_name", out JsonElement f) && f.ValueKind == JsonValueKind.String)
                {
                    ids[Path.GetFileName(f.GetString()!)] = image.GetProperty("id").GetInt64();
                }
            }

            return gt.Categories.Count == 0
                ? throw new IO.SysNoiseIOException(path, "the ground truth lists no category")
                : new CocoTruth(gt, ids);
        }

        public (double Ap, double Ap50) Evaluate(DenseRecord r, IReadOnlyList<DatasetItem> items, int[] included)
        {
            long category = truth.Categories[0].Id;
            var detections = new List<CocoDetection>();
            for (int i = 0; i < r.Images.Length; i++)
            {
                string file = Path.GetFileName(items[included[i]].Path);
                if (!idByFile.TryGetValue(file, out long id))
                {
                    continue; // an image the ground truth does not list is not evaluated
                }

                for (int b = 0; b < r.Images[i].Boxes.Length; b++)
                {
                    int[] q = r.Images[i].Boxes[b];
                    int x0 = Math.Min(Math.Min(q[0], q[2]), Math.Min(q[4], q[6])), x1 = Math.Max(Math.Max(q[0], q[2]), Math.Max(q[4], q[6]));
                    int y0 = Math.Min(Math.Min(q[1], q[3]), Math.Min(q[5], q[7])), y1 = Math.Max(Math.Max(q[1], q[3]), Math.Max(q[5], q[7]));
                    detections.Add(new CocoDetection(id, category, new CocoBox(x0, y0, x1 - x0, y1 - y0), r.Images[i].Scores[b]));
                }
            }

            IReadOnlyList<CocoStat> stats = CocoEvaluator.Evaluate(truth, detections, new CocoEvalParams { UseCategories = false }).Summarize();
            return (stats[0].Value, stats[1].Value);
        }
    }

    /// <summary>Label maps for the segment task: LABELS/&lt;image stem&gt;.png, one class index per pixel (255 ignored).</summary>
    private sealed class LabelMaps
    {
        private readonly string dir;
        private readonly Dictionary<string, byte[]> cache = new(StringComparer.Ordinal);
        private readonly Lock gate = new();

        public LabelMaps(string dir, DeploymentProfile train)
        {
            if (!Directory.Exists(dir))
            {
                throw new IO.SysNoiseIOException(dir, "no such label folder");
            }

            if (train.Transform.Mode is not (ResizeMode.Direct or ResizeMode.LimitMax))
            {
                throw new ArgumentException($"--labels needs a transform that keeps the whole image (direct or limit-max); '{train.Name}' crops");
            }

            this.dir = dir;
        }

        public const int IgnoreIndex = 255;

        /// <summary>The label map resized (OpenCV nearest) to the model output's size.</summary>
        public byte[] For(DatasetItem item, int height, int width)
        {
            string key = $"{item.RelativePath}|{height}x{width}";
            lock (gate)
            {
                if (cache.TryGetValue(key, out byte[]? done))
                {
                    return done;
                }

                string path = Path.Combine(dir, Path.GetFileNameWithoutExtension(item.Path) + ".png");
                Tensor<byte> label = IO.ImageFile.Read(path);
                if (label.Shape[2] != 1)
                {
                    throw new IO.SysNoiseIOException(path, $"a label map is a one-channel PNG of class indices, got {label.Shape[2]} channels");
                }

                Tensor<byte> sized = label.Shape[0] == height && label.Shape[1] == width
                    ? label
                    : VariantRegistry.Get<Resize.IResizeVariant>("opencv-nearest").Resize(HostDevice.Shared, label, width, height);
                cache[key] = sized.Data;
                return sized.Data;
            }
        }
    }
}
