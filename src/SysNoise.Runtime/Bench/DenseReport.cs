using System.Globalization;
using System.Text;
using System.Text.Json;
using CsvHelper;

namespace SysNoise.Runtime.Bench;

/// <summary>Writes a dense bench result: results.csv, results.json and report.md, all deterministic.</summary>
public static class DenseReport
{
    private static string F(double? v, string format) => v is double d && !double.IsNaN(d) ? d.ToString(format, CultureInfo.InvariantCulture) : string.Empty;

    public static void WriteAll(DenseResult result, string outDir)
    {
        Directory.CreateDirectory(outDir);
        WriteCsv(result, Path.Combine(outDir, "results.csv"));
        WriteJson(result, Path.Combine(outDir, "results.json"));
        File.WriteAllText(Path.Combine(outDir, "report.md"), Markdown(result));
    }

    /// <summary>The CSV columns of a task (values as fractions, 4 decimals).</summary>
    public static string[] Columns(DenseResult result) => (result.Task, result.HasGroundTruth) switch
    {
        (BenchTask.Detect, false) => ["model", "noise", "variant", "f1", "delta_f1", "mean_iou", "mask_iou", "images"],
        (BenchTask.Detect, true) => ["model", "noise", "variant", "map", "delta_map", "ap50", "f1", "mean_iou", "mask_iou", "images"],
        _ => ["model", "noise", "variant", "miou", "delta_miou", "pixel_agreement", "images"],
    };

    /// <summary>
    /// detect: <c>model,noise,variant,f1,delta_f1,mean_iou,mask_iou,images</c> (with --gt:
    /// <c>model,noise,variant,map,delta_map,ap50,f1,mean_iou,mask_iou,images</c>); segment:
    /// <c>model,noise,variant,miou,delta_miou,pixel_agreement,images</c>.
    /// </summary>
    public static void WriteCsv(DenseResult result, string path)
    {
        using CsvWriter csv = CsvWriter.ToFile(path, new CsvWriterOptions { NewLine = "\n", FormatProvider = CultureInfo.InvariantCulture });
        string[] columns = Columns(result);
        foreach (string h in columns)
        {
            csv.WriteField(h);
        }

        csv.EndRecord();
        foreach (DenseRow r in result.Rows)
        {
            foreach (string c in columns)
            {
                csv.WriteField(c switch
                {
                    "model" => r.Model,
                    "noise" => r.Noise,
                    "variant" => r.Variant,
                    "f1" when !result.HasGroundTruth => F(r.Score, "0.0000"),
                    "delta_f1" or "delta_map" or "delta_miou" => F(r.Delta, "0.0000"),
                    "map" or "miou" => F(r.Score, "0.0000"),
                    "f1" => F(r.F1, "0.0000"),
                    "ap50" => F(r.Ap50, "0.0000"),
                    "mean_iou" => F(r.MeanIou, "0.0000"),
                    "mask_iou" => F(r.MaskIou, "0.0000"),
                    "pixel_agreement" => F(r.PixelAgreement, "0.0000"),
                    "images" => r.Images.ToString(CultureInfo.InvariantCulture),
                    _ => throw new InvalidOperationException(c),
                });
            }

            csv.EndRecord();
        }
    }

    public static void WriteJson(DenseResult result, string path)
    {
        var json = new
        {
            task = result.Task.ToString().ToLowerInvariant(),
            score = ScoreName(result),
            images = result.Images,
            models = result.ModelNames,
            excluded = result.Excluded.Select(e => new { file = e.Path, decoder = e.Decoder, problem = e.Problem }),
            rows = result.Rows.Select(r => new
            {
                model = r.Model,
                noise = r.Noise,
                variant = r.Variant,
                score = Finite(r.Score),
                delta = Finite(r.Delta),
                ap50 = Finite(r.Ap50),
                f1 = Finite(r.F1),
                mean_iou = Finite(r.MeanIou),
                mask_iou = Finite(r.MaskIou),
                pixel_agreement = Finite(r.PixelAgreement),
                images = r.Images,
                note = r.Note,
            }),
            profile = BenchReport.ProfileJson(result.Profile),
            postprocess_db = result.Profile.PostProcess.Db.ToString(),
        };
        File.WriteAllText(path, JsonSerializer.Serialize(json, new JsonSerializerOptions { WriteIndented = true }) + "\n");

        static double? Finite(double? v) => v is double d && double.IsFinite(d) ? d : null;
    }

    private static string ScoreName(DenseResult result) => (result.Task, result.HasGroundTruth) switch
    {
        (BenchTask.Detect, false) => "F1",
        (BenchTask.Detect, true) => "mAP",
        (_, false) => "agreement",
        _ => "mIoU",
    };

    /// <summary>
    /// The paper's Table 2 shape (a row per model, a column per noise with the mean (max) drop of the score, plus combined),
    /// then every row with its metrics.
    /// </summary>
    public static string Markdown(DenseResult result)
    {
        string score = ScoreName(result);
        string[] columns = NoiseTypes.DenseAll.Where(n => result.Rows.Any(r => r.Noise == n)).ToArray();
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"| model | {score} (train) | ").AppendJoin(" | ", columns.Select(c => c == NoiseTypes.Combined ? "combined" : c + " mean (max)")).Append(" |\n");
        sb.Append("|---|---|").Append(string.Concat(columns.Select(_ => "---|"))).Append('\n');
        foreach (string model in result.ModelNames)
        {
            DenseRow? baseline = result.Rows.FirstOrDefault(r => r.Model == model && r.Noise == NoiseTypes.None);
            sb.Append("| ").Append(model).Append(" | ").Append(F(baseline?.Score, "0.0000")).Append(" |");
            foreach (string noise in columns)
            {
                var cells = result.Rows.Where(r => r.Model == model && r.Noise == noise).ToList();
                var measured = cells.Where(r => r.Delta is not null).Select(r => r.Delta!.Value).ToList();
                string cell = measured.Count > 0
                    ? noise == NoiseTypes.Combined ? F(measured[0], "0.0000") : $"{F(measured.Average(), "0.0000")} ({F(measured.Max(), "0.0000")})"
                    : cells.Any(r => r.Variant == "n/a") ? "n/a" : "–";
                sb.Append(' ').Append(cell).Append(" |");
            }

            sb.Append('\n');
        }

        string[] metrics = result.Task == BenchTask.Detect
            ? result.HasGroundTruth ? ["mAP", "ΔmAP", "AP50", "F1", "mean IoU", "mask IoU"] : ["F1", "ΔF1", "mean IoU", "mask IoU"]
            : [score, "Δ" + score, "pixel agreement"];
        sb.Append("\n| model | noise | variant | ").AppendJoin(" | ", metrics).Append(" |\n|---|---|---|").Append(string.Concat(metrics.Select(_ => "---|"))).Append('\n');
        foreach (DenseRow r in result.Rows)
        {
            string[] values = r.Note is { } note && r.Score is null
                ? [note, .. metrics.Skip(1).Select(_ => string.Empty)]
                : result.Task == BenchTask.Detect
                    ? result.HasGroundTruth
                        ? [F(r.Score, "0.0000"), F(r.Delta, "0.0000"), F(r.Ap50, "0.0000"), F(r.F1, "0.0000"), F(r.MeanIou, "0.0000"), F(r.MaskIou, "0.0000")]
                        : [F(r.Score, "0.0000"), F(r.Delta, "0.0000"), F(r.MeanIou, "0.0000"), F(r.MaskIou, "0.0000")]
                    : [F(r.Score, "0.0000"), F(r.Delta, "0.0000"), F(r.PixelAgreement, "0.0000")];
            sb.Append(CultureInfo.InvariantCulture, $"| {r.Model} | {r.Noise} | {r.Variant} | ").AppendJoin(" | ", values).Append(" |\n");
        }

        sb.Append('\n').Append(CultureInfo.InvariantCulture, $"{Explain(result)}, over {result.Images} images");
        if (result.Excluded.Count > 0)
        {
            sb.Append(CultureInfo.InvariantCulture, $"; {result.Excluded.Select(e => e.Path).Distinct().Count()} unreadable file(s) excluded from every comparison (listed in results.json)");
        }

        sb.Append(".\n");
        return sb.ToString();
    }

    private static string Explain(DenseResult result) => (result.Task, result.HasGroundTruth) switch
    {
        (BenchTask.Detect, false) => "F1 = box F1 at polygon IoU ≥ 0.5 against the training pipeline's boxes on the same image (label free; one-to-one greedy matching, pooled over images), ΔF1 = 1 − F1; mean IoU over matched pairs; mask IoU of the binarised maps, pooled",
        (BenchTask.Detect, true) => "mAP = COCO AP@[.5:.95] of the boxes' bounding rectangles against the ground truth, ΔmAP = training mAP − mAP; F1, mean IoU and mask IoU against the training pipeline (label free)",
        (_, false) => "agreement = foreground mask IoU (1-channel models) or mIoU with the training pipeline's label maps as ground truth, pooled over images; Δ = 1 − agreement; pixel agreement = share of pixels with the training pipeline's class",
        _ => "mIoU against the label maps (mmseg conventions, 255 ignored), Δ = training mIoU − mIoU; pixel agreement with the training pipeline",
    };
}
