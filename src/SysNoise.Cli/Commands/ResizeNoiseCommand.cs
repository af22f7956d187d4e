using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using SysNoise.Runtime.Devices;
using SysNoise.Runtime.IO;
using SysNoise.Runtime.Reports;
using SysNoise.Runtime.Resize;
using SysNoise.Runtime.Tensors;
using SysNoise.Runtime.Variants;

namespace SysNoise.Cli.Commands;

/// <summary>
/// <c>sysnoise resize-noise IMAGE</c>: resizes one image with every resize variant and reports how far
/// each lands from a reference pipeline — the resize noise a deployment inherits from its library choice.
/// </summary>
public static class ResizeNoiseCommand
{
    public static Command Create()
    {
        var input = new Argument<string>("IMAGE") { Description = "A PNG/BMP/JPEG image or an H×W×C uint8 .npy." };
        var size = new Option<string>("--size", "-s") { Description = "Output size WxH.", DefaultValueFactory = _ => "224x224" };
        var reference = new Option<string>("--reference", "-r") { Description = "The training-time variant to compare against.", DefaultValueFactory = _ => "pillow-bilinear" };
        var device = new Option<string>("--device") { Description = "auto, host, cuda or ilgpu-cpu.", DefaultValueFactory = _ => "auto" };
        var outDir = new Option<string?>("--out-dir") { Description = "Also write every variant's output here as <variant>.npy." };
        var command = new Command("resize-noise", "Resize one image with every resize variant and report each one's difference from a reference variant.")
        {
            input, size, reference, device, outDir,
        };
        command.SetAction(parse =>
        {
            string path = parse.GetValue(input)!;
            (int w, int h) = ResizeCommand.ParseSize(parse.GetValue(size)!);
            string referenceName = parse.GetValue(reference)!;
            if (!VariantRegistry.TryGet(referenceName, out IVariant r) || r is not IResizeVariant referenceVariant)
            {
                throw new CliException($"unknown resize variant '{referenceName}'. Valid: {string.Join(", ", VariantRegistry.Resize.Select(x => x.Name))}");
            }

            if (TensorFile.Load(path) is not Tensor<byte> { Rank: 3 } image)
            {
                throw new CliException($"{path}: expected an H×W×C uint8 image");
            }

            string? dir = parse.GetValue(outDir);
            if (dir is not null)
            {
                Directory.CreateDirectory(dir);
            }

            using Device dev = DeviceFactory.Create(parse.GetValue(device)!);
            Console.WriteLine($"{path}: {image.Shape[1]}×{image.Shape[0]}×{image.Shape[2]} → {w}×{h} on {dev.Name}; reference {referenceVariant.Name} ({referenceVariant.ProvenAgainst})");
            Tensor<byte> expected = referenceVariant.Resize(dev, image, w, h);
            Console.WriteLine($"{"variant",-26} {"proven against",-14} {"differing",10} {"mean |Δ|",9} {"max |Δ|",8} {"time ms",9}");
            foreach (IResizeVariant variant in VariantRegistry.Resize)
            {
                variant.Resize(dev, image, w, h); // first call builds and caches the weight maps
                var clock = Stopwatch.StartNew();
                Tensor<byte> actual = variant.Resize(dev, image, w, h);
                double ms = clock.Elapsed.TotalMilliseconds;
                TensorDiff d = TensorDiff.Compute(expected, actual);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{variant.Name,-26} {variant.ProvenAgainst,-14} {d.Fraction * 100,9:0.00}% {d.MeanAbs,9:0.000} {d.MaxAbs,8:0} {ms,9:0.000}"));
                if (dir is not null)
                {
                    NpyFormat.Write(Path.Combine(dir, variant.Name + ".npy"), actual);
                }
            }

            return ExitCodes.Ok;
        });
        return command;
    }
}
