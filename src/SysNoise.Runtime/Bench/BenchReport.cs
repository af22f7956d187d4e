using System.Globalization;
using System.Text;
using System.Text.Json;
using CsvHelper;
using SysNoise.Runtime.Profiles;

namespace SysNoise.Runtime.Bench;

/// <summary>Writes a bench result: results.csv, results.json, report.md and PNG charts, all deterministic.</summary>
public static class BenchReport
{
    private static string F(double? v, string format) => v is double d ? d.ToString(format, CultureInfo.InvariantCulture) : string.Empty;

    public static void WriteAll(BenchResult result, string outDir)
    {
        Directory.CreateDirectory(outDir);
        WriteCsv(result, Path.Combine(outDir, "results.csv"));
        WriteJson(result, Path.Combine(outDir, "results.json"));
        File.WriteAllText(Path.Combine(outDir, "report.md"), Markdown(result));
        BenchCharts.Write(result, outDir);
    }

    /// <summary>Exactly <c>model,noise,variant,top1,delta_top1,flip_rate,images</c>; top1 in %, delta_top1 in points.</summary>
    public static void WriteCsv(BenchResult result, string path)
    {
        // CsvHelper 34: RFC 4180 quoting, '\n' line ends, invariant culture, no BOM: byte-identical across runs.
        using CsvWriter csv = CsvWriter.ToFile(path, new CsvWriterOptions { NewLine = "\n", FormatProvider = CultureInfo.InvariantCulture });
        foreach (string h in new[] { "model", "noise", "variant", "top1", "delta_top1", "flip_rate", "images" })
        {
            csv.WriteField(h);
        }

        csv.EndRecord();
        foreach (BenchRow r in result.Rows)
        {
            csv.WriteField(r.Model);
            csv.WriteField(r.Noise);
            csv.WriteField(r.Variant);
            csv.WriteField(F(r.Top1, "0.00"));
            csv.WriteField(F(r.DeltaTop1, "0.00"));
            csv.WriteField(F(r.FlipRate, "0.0000"));
            csv.WriteField(r.Images.ToString(CultureInfo.InvariantCulture));
            csv.EndRecord();
        }
    }

    public static void WriteJson(BenchResult result, string path)
    {
        var json = new
        {
            images = result.Images,
            models = result.ModelNames,
            excluded = result.Excluded.Select(e => new { file = e.Path, decoder = e.Decoder, problem = e.Problem }),
            rows = result.Rows.Select(r => new
            {
                model = r.Model,
                noise = r.Noise,
                variant = r.Variant,
                top1 = r.Top1,
                top5 = r.Top5,
                delta_top1 = r.DeltaTop1,
                flip_rate = r.FlipRate,
                images = r.Images,
                note = r.Note,
            }),
            profiles = result.Profiles.Values.Select(ProfileJson),
        };
        File.WriteAllText(path, JsonSerializer.Serialize(json, new JsonSerializerOptions { WriteIndented = true }) + "\n");
    }

    /// <summary>A profile as JSON-serialisable data (results.json, <c>sysnoise profiles --json</c>).</summary>
    public static object ProfileJson(DeploymentProfile p) => new
    {
        name = p.Name,
        description = p.Description,
        source = p.Source,
        decode = p.Decode,
        resize = p.Resize,
        transform = new
        {
            mode = p.Transform.Mode.ToString(),
            crop = p.Transform.Crop,
            shorter_side = p.Transform.ShorterSideTarget,
            limit_side = p.Transform.LimitSide,
            scale = p.Transform.Scale,
            scale_op = p.Transform.ScaleOp.ToString().ToLowerInvariant(),
            mean = p.Transform.Mean,
            std = p.Transform.Std,
            channel_order = p.Transform.ChannelOrder.ToString().ToLowerInvariant(),
            layout = p.Transform.Layout.ToString().ToLowerInvariant(),
        },
        color = p.Color ?? "none",
        ceil_mode = p.CeilMode switch { true => "on", false => "off", null => "model" },
        ceil_rule = p.CeilRule.ToString().ToLowerInvariant(),
        upsample = p.Upsample ?? "model",
        precision = p.Precision.ToString().ToLowerInvariant(),
        quantization = p.Quantization,
        postprocess = p.PostProcess,
    };

    /// <summary>The paper's Table 2 shape: a row per model, a column per noise with mean (max) ΔACC, plus combined.</summary>
    public static string Markdown(BenchResult result)
    {
        string[] columns = NoiseTypes.All.Where(n => result.Rows.Any(r => r.Noise == n)).ToArray();
        var sb = new StringBuilder();
        sb.Append("| model | top-1 (train) | ").AppendJoin(" | ", columns.Select(c => c == NoiseTypes.Combined ? "combined" : c + " mean (max)")).Append(" |\n");
        sb.Append("|---|---|").Append(string.Concat(columns.Select(_ => "---|"))).Append('\n');
        foreach (string model in result.ModelNames)
        {
            BenchRow? baseline = result.Rows.FirstOrDefault(r => r.Model == model && r.Noise == NoiseTypes.None);
            sb.Append("| ").Append(model).Append(" | ").Append(F(baseline?.Top1, "0.00")).Append(" |");
            foreach (string noise in columns)
            {
                var cells = result.Rows.Where(r => r.Model == model && r.Noise == noise).ToList();
                var measured = cells.Where(r => r.DeltaTop1 is not null).Select(r => r.DeltaTop1!.Value).ToList();
                string cell = measured.Count > 0
                    ? noise == NoiseTypes.Combined ? F(measured[0], "0.00") : $"{F(measured.Average(), "0.00")} ({F(measured.Max(), "0.00")})"
                    : cells.Any(r => r.Variant == "n/a") ? "n/a" : "–";
                sb.Append(' ').Append(cell).Append(" |");
            }

            sb.Append('\n');
        }

        // Robustness per model over every single-noise variant (the paper's Tables 7 and 8 compare mix training this way).
        sb.Append("\n| model | mean flip rate | ΔACC std (points) | variants |\n|---|---|---|---|\n");
        foreach (string model in result.ModelNames)
        {
            var single = result.Rows.Where(r => r.Model == model && NoiseTypes.Singles.Contains(r.Noise) && r.DeltaTop1 is not null).ToList();
            if (single.Count == 0)
            {
                continue;
            }

            double mean = single.Average(r => r.DeltaTop1!.Value);
            double std = Math.Sqrt(single.Sum(r => (r.DeltaTop1!.Value - mean) * (r.DeltaTop1!.Value - mean)) / single.Count);
            sb.Append(CultureInfo.InvariantCulture, $"| {model} | {F(single.Average(r => r.FlipRate!.Value), "0.0000")} | {F(std, "0.00")} | {single.Count} |\n");
        }

        sb.Append('\n').Append(CultureInfo.InvariantCulture, $"ΔACC = top-1 under the training profile − top-1 under the deployment variant, in percentage points, over {result.Images} images");
        if (result.Excluded.Count > 0)
        {
            sb.Append(CultureInfo.InvariantCulture, $"; {result.Excluded.Select(e => e.Path).Distinct().Count()} unreadable file(s) excluded from every comparison (listed in results.json)");
        }

        sb.Append(".\n");
        return sb.ToString();
    }
}
