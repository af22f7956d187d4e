using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using SysNoise.Kernels.Post;
using SysNoise.Runtime.Devices;
using SysNoise.Runtime.IO;
using SysNoise.Runtime.Post;
using SysNoise.Runtime.Tensors;

namespace SysNoise.Cli.Commands;

/// <summary><c>sysnoise box-decode --convention C [--offset 0|1] ANCHORS.npy DELTAS.npy OUT.npy</c></summary>
public static class BoxDecodeCommand
{
    public static Command Create()
    {
        var convention = new Option<string>("--convention", "-c") { Description = "Box convention (see 'sysnoise variants --stage post'): " + string.Join(", ", PostVariants.BoxConventions.Select(c => c.Name)) + ".", Required = true };
        var offset = new Option<int?>("--offset") { Description = "The aligned offset, 0 or 1: required by 'paper'; the other conventions fix it (and accept only their own)." };
        var weights = new Option<string?>("--weights") { Description = "wx,wy,ww,wh: deltas are divided by them (paper, detectron, torchvision; default 1,1,1,1)." };
        var means = new Option<string?>("--means") { Description = "Denormalising means (paper, mmdet*; default 0,0,0,0)." };
        var stds = new Option<string?>("--stds") { Description = "Denormalising stds (paper, mmdet*; default 1,1,1,1)." };
        var clamp = new Option<double?>("--clamp") { Description = "dw/dh clamp bound (default log(1000/16) = 4.1352)." };
        var clip = new Option<string?>("--clip") { Description = "Clip to an image of WxH, with the convention's bound (W or W−1)." };
        var arithmetic = new Option<string>("--arithmetic") { Description = "float64: each box in double, rounded once (within 1 ulp of a float64 reference); float32: the libraries' float32 tensor ops with torch's CPU exp (torchvision's bits).", DefaultValueFactory = _ => "float64" };
        var device = new Option<string>("--device") { Description = "auto (CUDA when present, else host), host, cuda or ilgpu-cpu.", DefaultValueFactory = _ => "auto" };
        var anchorsArg = new Argument<string>("ANCHORS") { Description = "N×4 float32 .npy of anchors or proposals (x1, y1, x2, y2)." };
        var deltasArg = new Argument<string>("DELTAS") { Description = "N×4K float32 .npy of deltas (dx, dy, dw, dh) per class." };
        var outArg = new Argument<string>("OUT") { Description = "Output .npy: N×4K float32 decoded boxes." };
        var command = new Command("box-decode", "Decode box deltas against anchors with one library's convention.")
        {
            convention, offset, weights, means, stds, clamp, clip, arithmetic, device, anchorsArg, deltasArg, outArg,
        };
        command.SetAction(parse =>
        {
            BoxConvention conv = WithCliError(() => PostVariants.GetBoxConvention(parse.GetValue(convention)!));
            BoxArithmetic arith = parse.GetValue(arithmetic)!.ToLowerInvariant() switch
            {
                "float64" => BoxArithmetic.Float64,
                "float32" => BoxArithmetic.Float32Torch,
                string other => throw new CliException($"unknown arithmetic '{other}'. Valid: float64, float32"),
            };
            var options = new BoxDecodeOptions
            {
                Offset = parse.GetValue(offset),
                Weights = Quad(parse.GetValue(weights), "--weights"),
                Means = Quad(parse.GetValue(means), "--means"),
                Stds = Quad(parse.GetValue(stds), "--stds"),
                Clamp = parse.GetValue(clamp),
                ClipTo = parse.GetValue(clip) is string c ? ResizeCommand.ParseSize(c) : null,
                Arithmetic = arith,
            };
            BoxDecodeSpec spec = WithCliError(() => conv.Spec(options));

            string anchorsPath = parse.GetValue(anchorsArg)!, deltasPath = parse.GetValue(deltasArg)!, outPath = parse.GetValue(outArg)!;
            Tensor<float> anchors = PostInputs.Matrix(anchorsPath, "anchors", 4);
            Tensor<float> deltas = PostInputs.Matrix(deltasPath, "deltas", 0);
            if (deltas.Shape[0] != anchors.Shape[0])
            {
                throw new CliException($"{deltasPath}: {deltas.Shape[0]} rows of deltas for {anchors.Shape[0]} anchors in {anchorsPath}");
            }

            using Device dev = DeviceFactory.Create(parse.GetValue(device)!);
            var clock = Stopwatch.StartNew();
            float[] boxes = PostProcessing.DecodeBoxes(dev, spec, anchors.Data, deltas.Data);
            double ms = clock.Elapsed.TotalMilliseconds;
            NpyFormat.Write(outPath, new Tensor<float>(boxes, deltas.Shape[0], deltas.Shape[1]));
            string arithText = arith == BoxArithmetic.Float64 ? "float64" : "float32";
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{conv.Name} (offset {spec.SizeOffset}, {arithText}): {deltas.ShapeText} deltas on {anchors.Shape[0]} anchors on {dev.Name} in {ms:0.###} ms -> {outPath}"));
            return ExitCodes.Ok;
        });
        return command;
    }

    private static T WithCliError<T>(Func<T> f)
    {
        try
        {
            return f();
        }
        catch (ArgumentException ex)
        {
            throw new CliException(ex.Message);
        }
    }

    private static (double, double, double, double)? Quad(string? text, string option)
    {
        if (text is null)
        {
            return null;
        }

        string[] parts = text.Split(',');
        var values = new double[parts.Length];
        bool ok = parts.Length == 4;
        for (int i = 0; ok && i < 4; i++)
        {
            ok = double.TryParse(parts[i], NumberStyles.Float, CultureInfo.InvariantCulture, out values[i]);
        }

        return ok ? (values[0], values[1], values[2], values[3]) : throw new CliException($"bad {option} '{text}': expected four comma-separated numbers, e.g. 10,10,5,5");
    }
}
