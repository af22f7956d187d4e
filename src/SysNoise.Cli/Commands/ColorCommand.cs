using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using SysNoise.Runtime.Color;
using SysNoise.Runtime.Devices;
using SysNoise.Runtime.IO;
using SysNoise.Runtime.Tensors;
using SysNoise.Runtime.Variants;

namespace SysNoise.Cli.Commands;

/// <summary><c>sysnoise color --variant V IN OUT.npy</c></summary>
public static class ColorCommand
{
    public static Command Create()
    {
        var variant = new Option<string>("--variant", "-v") { Description = "Colour variant (see 'sysnoise variants --stage color').", Required = true };
        var device = new Option<string>("--device") { Description = "auto (CUDA when present, else host), host, cuda or ilgpu-cpu.", DefaultValueFactory = _ => "auto" };
        var input = new Argument<string>("IN") { Description = "Input RGB image: .npy (H×W×3 uint8) or a PNG/BMP/JPEG image." };
        var output = new Argument<string>("OUT") { Description = "Output .npy file (H×W×3 uint8 RGB after RGB→YUV→RGB)." };
        var command = new Command("color", "Round-trip an RGB image through one library's RGB→YUV→RGB conversion.") { variant, device, input, output };
        command.SetAction(parse =>
        {
            string variantName = parse.GetValue(variant)!;
            if (!VariantRegistry.TryGet(variantName, out IVariant v) || v is not IColorVariant color)
            {
                throw new CliException($"unknown color variant '{variantName}'. Valid: {string.Join(", ", VariantRegistry.Color.Select(x => x.Name))}");
            }

            string inPath = parse.GetValue(input)!;
            string outPath = parse.GetValue(output)!;
            Tensor<byte> image = AsRgb(TensorFile.Load(inPath), inPath);
            if (color.RequiresEvenSize && (image.Shape[0] % 2 != 0 || image.Shape[1] % 2 != 0))
            {
                throw new CliException($"{inPath}: {color.Name} needs an even width and height ({color.ProvenAgainst} refuses odd sizes for planar 4:2:0), got {image.Shape[1]}×{image.Shape[0]}");
            }

            using Device dev = DeviceFactory.Create(parse.GetValue(device)!);
            var clock = Stopwatch.StartNew();
            Tensor<byte> result = color.Convert(dev, image);
            double ms = clock.Elapsed.TotalMilliseconds;
            NpyFormat.Write(outPath, result);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{color.Name}: {image.ShapeText} uint8 on {dev.Name} in {ms:0.###} ms -> {outPath}"));
            return ExitCodes.Ok;
        });
        return command;
    }

    // Only H×W×3 uint8 is RGB; grey, RGBA and other shapes or dtypes are refused with the file's name.
    private static Tensor<byte> AsRgb(Tensor t, string path)
    {
        if (t is not Tensor<byte> bytes)
        {
            throw new CliException($"{path}: dtype {t.DType.ToString().ToLowerInvariant()} is not supported; colour variants take uint8 RGB");
        }

        if (t.Rank == 2 || (t.Rank == 3 && t.Shape[2] == 1))
        {
            throw new CliException($"{path}: a grayscale image (shape {t.ShapeText}) has no colour to convert; expected H×W×3 RGB");
        }

        if (t.Rank != 3 || t.Shape[2] != 3 || t.Shape[0] < 1 || t.Shape[1] < 1)
        {
            throw new CliException($"{path}: expected an H×W×3 RGB uint8 array, got shape {t.ShapeText}");
        }

        return bytes;
    }
}
