using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using SysNoise.Runtime.Datasets;
using SysNoise.Runtime.IO;
using SysNoise.Runtime.Pipeline;
using SysNoise.Runtime.Profiles;
using SysNoise.Runtime.Tensors;

namespace SysNoise.Cli.Commands;

/// <summary>
/// <c>sysnoise export --data DIR --profiles P1,P2,... [--mix] --seed S --out DIR</c>: pre-processed tensors as .npy
/// shards with labels, for training. With --mix (the paper's Algorithm 1) each image gets a randomly chosen
/// (seeded) decoder and resize variant from the profiles; without it every image goes through the first profile.
/// </summary>
public static class ExportCommand
{
    public static Command Create()
    {
        var data = new Option<string>("--data") { Description = "ImageFolder directory or meta file.", Required = true };
        var profiles = new Option<string>("--profiles") { Description = "Comma-separated profiles (built-in names or YAML files).", Required = true };
        var mix = new Option<bool>("--mix") { Description = "Per image, a seeded random choice of decoder and of resize variant among the profiles'." };
        var seed = new Option<int>("--seed") { Description = "Seed of the per-image choices.", DefaultValueFactory = _ => 0 };
        var shard = new Option<int>("--shard-size") { Description = "Images per shard.", DefaultValueFactory = _ => 1024 };
        var limit = new Option<int?>("--limit") { Description = "Only the first N images." };
        var stage = new Option<string>("--stage") { Description = "input: normalised model inputs (float32 N×C×H×W); resized: uint8 N×H×W×3 after the resize and before the crop (for training with random crops).", DefaultValueFactory = _ => "input" };
        var outDir = new Option<string>("--out") { Description = "Output folder: shard-NNNNN.npy (N×C×H×W float32), labels-NNNNN.npy (int64), choices.json.", Required = true };
        var command = new Command("export", "Write pre-processed training tensors (optionally mixed across pipelines) as .npy shards.") { data, profiles, mix, seed, shard, limit, stage, outDir };
        command.SetAction(parse =>
        {
            DeploymentProfile[] ps;
            try
            {
                ps = parse.GetValue(profiles)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(ProfileLoader.Resolve).ToArray();
            }
            catch (ProfileException ex)
            {
                throw new CliException(ex.Message);
            }

            if (ps.Length == 0)
            {
                throw new CliException("--profiles is empty");
            }

            ImageDataset dataset = ImageDataset.Open(parse.GetValue(data)!);
            IReadOnlyList<DatasetItem> items = dataset.Take(parse.GetValue(limit));
            string dir = parse.GetValue(outDir)!;
            Directory.CreateDirectory(dir);
            string[] decoders = ps.Select(p => p.Decode).Distinct().ToArray();
            string[] resizers = ps.Select(p => p.Resize).Distinct().ToArray();
            var rng = new Random(parse.GetValue(seed));
            bool mixed = parse.GetValue(mix);
            string stageName = parse.GetValue(stage)!;
            if (stageName is not ("input" or "resized"))
            {
                throw new CliException($"invalid --stage '{stageName}'; valid values: input, resized");
            }
            // Choices are drawn for every image up front, in dataset order, so they do not depend on threading.
            var choices = items.Select(_ => mixed ? (Decoder: decoders[rng.Next(decoders.Length)], Resize: resizers[rng.Next(resizers.Length)]) : (Decoder: ps[0].Decode, Resize: ps[0].Resize)).ToArray();
            int shardSize = Math.Max(1, parse.GetValue(shard));
            var failures = new List<string>();
            var records = new List<object>();
            for (int start = 0, index = 0; start < items.Count; start += shardSize, index++)
            {
                int n = Math.Min(shardSize, items.Count - start);
                var tensors = new Tensor?[n];
                Parallel.For(0, n, i =>
                {
                    DatasetItem item = items[start + i];
                    var pre = new Preprocessor(ps[0] with { Decode = choices[start + i].Decoder, Resize = choices[start + i].Resize });
                    try
                    {
                        byte[] file = File.ReadAllBytes(item.Path);
                        tensors[i] = stageName == "resized" ? pre.ResizeOnly(pre.Decode(file, item.Path).Pixels) : pre.Run(file, item.Path);
                    }
                    catch (IOException ex)
                    {
                        lock (failures)
                        {
                            failures.Add($"{item.RelativePath}: {ex.Message}");
                        }
                    }
                });
                var kept = Enumerable.Range(0, n).Where(i => tensors[i] is not null).ToArray();
                if (kept.Length == 0)
                {
                    continue;
                }

                long size = tensors[kept[0]]!.Length;
                Array batch = stageName == "resized" ? new byte[kept.Length * size] : new float[kept.Length * size];
                var labels = new long[kept.Length];
                for (int k = 0; k < kept.Length; k++)
                {
                    Array.Copy(tensors[kept[k]]!.RawData, 0, batch, k * size, size);
                    labels[k] = items[start + kept[k]].Label;
                    records.Add(new { file = items[start + kept[k]].RelativePath, shard = index, row = k, label = labels[k], decoder = choices[start + kept[k]].Decoder, resize = choices[start + kept[k]].Resize });
                }

                int[] shardShape = [kept.Length, .. tensors[kept[0]]!.Shape];
                NpyFormat.Write(Path.Combine(dir, $"shard-{index:00000}.npy"), batch is byte[] bytes ? new Tensor<byte>(bytes, shardShape) : new Tensor<float>((float[])batch, shardShape));
                NpyFormat.Write(Path.Combine(dir, $"labels-{index:00000}.npy"), new Tensor<long>(labels, kept.Length));
            }

            File.WriteAllText(Path.Combine(dir, "choices.json"), JsonSerializer.Serialize(new { seed = parse.GetValue(seed), mix = mixed, profiles = ps.Select(p => p.Name), images = records, failures }, new JsonSerializerOptions { WriteIndented = true }) + "\n");
            foreach (string f in failures)
            {
                Console.Error.WriteLine($"sysnoise: warning: {f} (skipped)");
            }

            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{records.Count} images ({failures.Count} unreadable) -> {dir} (decoders: {string.Join(", ", decoders)}; resize: {string.Join(", ", resizers)})"));
            return ExitCodes.Ok;
        });
        return command;
    }
}
