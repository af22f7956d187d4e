using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using SysNoise.Runtime.Devices;
using SysNoise.Runtime.IO;
using SysNoise.Runtime.Resize;
using SysNoise.Runtime.Tensors;
using SysNoise.Runtime.Variants;

namespace SysNoise.Cli.Commands;

/// <summary><c>sysnoise resize --variant V --size WxH IN OUT.npy</c></summary>
public static class ResizeCommand
{
    public static Command Create()
    {
        var variant = new Option<string>("--variant", "-v") { Description = "Resize variant (see 'sysnoise variants --stage resize').", Required = true };
        var size = new Option<string>("--size", "-s") { Description = "Output size as WxH, e.g. 224x224.", Required = true };
        var device = new Option<string>("--device") { Description = "auto (CUDA when present, else host), host, cuda or ilgpu-cpu.", DefaultValueFactory = _ => "auto" };
        var input = new Argument<string>("IN") { Description = "Input: .npy (H×W, H×W×C uint8 or float32) or a PNG/BMP/JPEG image." };
        var output = new Argument<string>("OUT") { Description = "Output .npy file." };
        var command = new Command("resize", "Resize an image or array with one library's exact numerics.") { variant, size, device, input, output };
        command.SetAction(parse =>
        {
            string variantName = parse.GetValue(variant)!;
            if (!VariantRegistry.TryGet(variantName, out IVariant v) || v is not IResizeVariant resize)
            {
                throw new CliException($"unknown resize variant '{variantName}'. Valid: {string.Join(", ", VariantRegistry.Resize.Select(x => x.Name))}");
            }

            (int width, int height) = ParseSize(parse.GetValue(size)!);
            string inPath = parse.GetValue(input)!;
            string outPath = parse.GetValue(output)!;
            Tensor image = AsImage(TensorFile.Load(inPath), inPath);
            using Device dev = DeviceFactory.Create(parse.GetValue(device)!);
            var clock = Stopwatch.StartNew();
            Tensor result = image switch
            {
                Tensor<byte> b => resize.Resize(dev, b, width, height),
                Tensor<float> f => resize.Resize(dev, f, width, height), // throws the variant's own reason
                _ => throw new CliException($"{inPath}: dtype {image.DType.ToString().ToLowerInvariant()} is not supported; use uint8 or float32"),
            };
            double ms = clock.Elapsed.TotalMilliseconds;
            NpyFormat.Write(outPath, result);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{resize.Name}: {image.ShapeText} -> {result.ShapeText} {result.DType.ToString().ToLowerInvariant()} on {dev.Name} in {ms:0.###} ms (first call includes weight precomputation) -> {outPath}"));
            return ExitCodes.Ok;
        });
        return command;
    }

    public static (int Width, int Height) ParseSize(string text)
    {
        string[] parts = text.ToLowerInvariant().Split('x');
        if (parts.Length == 2
            && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out int w)
            && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out int h)
            && w >= 1 && h >= 1)
        {
            return (w, h);
        }

        throw new CliException($"bad size '{text}': expected WxH with positive integers, e.g. 224x224");
    }

    // H×W becomes H×W×1; anything but H×W×{1,3,4} is refused with the file's name.
    private static Tensor AsImage(Tensor t, string path)
    {
        if (t.Rank == 2)
        {
            return t switch
            {
                Tensor<byte> b => new Tensor<byte>(b.Data, t.Shape[0], t.Shape[1], 1),
                Tensor<float> f => new Tensor<float>(f.Data, t.Shape[0], t.Shape[1], 1),
                _ => t,
            };
        }

        if (t.Rank != 3 || t.Shape[2] is not (1 or 3 or 4) || t.Shape[0] < 1 || t.Shape[1] < 1)
        {
            throw new CliException($"{path}: expected an H×W or H×W×C array with C in {{1, 3, 4}}, got shape {t.ShapeText}");
        }

        return t;
    }
}
