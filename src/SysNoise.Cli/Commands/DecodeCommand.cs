using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using SysNoise.Runtime.Decode;
using SysNoise.Runtime.Devices;
using SysNoise.Runtime.IO;
using SysNoise.Runtime.Native;
using SysNoise.Runtime.Tensors;
using SysNoise.Runtime.Variants;

namespace SysNoise.Cli.Commands;

/// <summary>
/// <c>sysnoise decode --variant V IN.jpg OUT.npy</c> and <c>sysnoise decode --coefficients IN.jpg OUT_DIR</c>.
/// </summary>
public static class DecodeCommand
{
    public static Command Create()
    {
        var variant = new Option<string?>("--variant", "-v") { Description = "Decode variant (see 'sysnoise variants --stage decode')." };
        var coefficients = new Option<bool>("--coefficients") { Description = "Dump the quantized DCT coefficients per component as .npy into OUT (a folder) instead of decoding." };
        var device = new Option<string>("--device") { Description = "auto (CUDA when present, else host), host, cuda or ilgpu-cpu.", DefaultValueFactory = _ => "auto" };
        var maxPixels = new Option<long>("--max-pixels") { Description = "Refuse images larger than this many pixels.", DefaultValueFactory = _ => JpegLimits.DefaultMaxPixels };
        var input = new Argument<string>("IN") { Description = "A JPEG file." };
        var output = new Argument<string>("OUT") { Description = "Output .npy (H×W×3 uint8 RGB, H×W×1 for grayscale JPEGs), or a folder with --coefficients." };
        var command = new Command("decode", "Decode a JPEG with one library's exact decoder, or dump its quantized coefficients.") { variant, coefficients, device, maxPixels, input, output };
        command.SetAction(parse =>
        {
            string inPath = parse.GetValue(input)!;
            string outPath = parse.GetValue(output)!;
            long limit = parse.GetValue(maxPixels);
            if (limit < 1)
            {
                throw new CliException($"--max-pixels must be positive, got {limit}");
            }

            byte[] file = ReadInput(inPath);
            JpegLimits limits = JpegLimits.WithMaxPixels(limit);
            if (parse.GetValue(coefficients))
            {
                if (parse.GetValue(variant) is not null)
                {
                    throw new CliException("--coefficients and --variant are exclusive: coefficients are the same for every decoder");
                }

                DumpCoefficients(JpegCoefficients.Read(file, inPath, limits), inPath, outPath);
                return ExitCodes.Ok;
            }

            string variantName = parse.GetValue(variant) ?? throw new CliException("give --variant V (or --coefficients)");
            if (!VariantRegistry.TryGet(variantName, out IVariant v) || v is not IDecodeVariant decoder)
            {
                throw new CliException($"unknown decode variant '{variantName}'. Valid: {string.Join(", ", VariantRegistry.Decode.Select(x => x.Name))}");
            }

            using Device dev = DeviceFactory.Create(parse.GetValue(device)!);
            var clock = Stopwatch.StartNew();
            DecodedImage image = decoder.Decode(dev, file, inPath, limits);
            double ms = clock.Elapsed.TotalMilliseconds;
            NpyFormat.Write(outPath, image.Pixels);
            foreach (string w in image.Warnings.Messages)
            {
                Console.Error.WriteLine($"sysnoise: warning: {inPath}: {w}");
            }

            if (image.Note is not null)
            {
                Console.Error.WriteLine($"sysnoise: note: {inPath}: {image.Note}");
            }

            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{decoder.Name}: {inPath} -> {image.Pixels.ShapeText} uint8 on {dev.Name} in {ms:0.###} ms ({image.Warnings}) -> {outPath}"));
            return ExitCodes.Ok;
        });
        return command;
    }

    private static byte[] ReadInput(string path)
    {
        try
        {
            return File.ReadAllBytes(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new CliException($"{path}: cannot read: {ex.Message}");
        }
    }

    private static void DumpCoefficients(JpegCoefficients c, string inPath, string outDir)
    {
        Directory.CreateDirectory(outDir);
        var components = new List<object>();
        for (int ci = 0; ci < c.Components.Count; ci++)
        {
            JpegComponent comp = c.Components[ci];
            string coefFile = $"component{ci}.npy";
            string quantFile = $"quant{ci}.npy";
            NpyFormat.Write(Path.Combine(outDir, coefFile), new Tensor<short>(comp.Blocks, comp.HeightInBlocks, comp.WidthInBlocks, 8, 8));
            NpyFormat.Write(Path.Combine(outDir, quantFile), new Tensor<int>(comp.Quant.Select(q => (int)q).ToArray(), 8, 8));
            components.Add(new
            {
                index = ci,
                id = comp.Id,
                sampling = new[] { comp.HorizontalSampling, comp.VerticalSampling },
                blocks = new[] { comp.HeightInBlocks, comp.WidthInBlocks },
                downsampled_size = new[] { comp.DownsampledHeight, comp.DownsampledWidth },
                quant_table = comp.QuantTableIndex,
                coefficients = coefFile,
                quant = quantFile,
            });
        }

        var info = new
        {
            file = inPath,
            width = c.Width,
            height = c.Height,
            color_space = c.ColorSpace.ToString().ToLowerInvariant(),
            sampling = c.SamplingName,
            progressive = c.Progressive,
            arithmetic = c.Arithmetic,
            restart_interval = c.RestartInterval,
            layout = "component<i>.npy: int16 [block_row, block_col, v, u], quantized (not dequantized), natural order; quant<i>.npy: [v, u]",
            warnings = c.Warnings.Messages,
            components,
        };
        File.WriteAllText(Path.Combine(outDir, "info.json"), JsonSerializer.Serialize(info, new JsonSerializerOptions { WriteIndented = true }));
        Console.WriteLine($"{inPath}: {c.Width}x{c.Height} {c.SamplingName}{(c.Progressive ? " progressive" : string.Empty)}, {c.Components.Count} component(s) -> {outDir}");
    }
}
