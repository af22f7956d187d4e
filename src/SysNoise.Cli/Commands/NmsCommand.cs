using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using SysNoise.Runtime.Devices;
using SysNoise.Runtime.IO;
using SysNoise.Runtime.Post;
using SysNoise.Runtime.Tensors;

namespace SysNoise.Cli.Commands;

/// <summary><c>sysnoise nms --iou T [--offset 0|1] [--score-threshold S] [--top-k K] [--classes C.npy] BOXES.npy SCORES.npy OUT.npy</c></summary>
public static class NmsCommand
{
    public static Command Create()
    {
        var iou = new Option<double>("--iou") { Description = "IoU threshold: a box overlapping a kept, higher-scoring box by more than this (strictly) is suppressed.", Required = true };
        var offset = new Option<int>("--offset") { Description = "0: torchvision.ops.nms (area (x2−x1)(y2−y1)); 1: mmcv nms(offset=1) (area (x2−x1+1)(y2−y1+1)).", DefaultValueFactory = _ => 0 };
        var scoreThreshold = new Option<float?>("--score-threshold") { Description = "Only boxes with score > S take part." };
        var topK = new Option<int?>("--top-k") { Description = "Keep at most K boxes (the highest scoring)." };
        var classes = new Option<string?>("--classes") { Description = "N int64 class indices: class-aware NMS as batched_nms does it (boxes of different classes never suppress each other)." };
        var device = new Option<string>("--device") { Description = "auto (CUDA when present, else host), host, cuda or ilgpu-cpu.", DefaultValueFactory = _ => "auto" };
        var boxesArg = new Argument<string>("BOXES") { Description = "N×4 float32 .npy of boxes (x1, y1, x2, y2)." };
        var scoresArg = new Argument<string>("SCORES") { Description = "N float32 .npy of scores." };
        var outArg = new Argument<string>("OUT") { Description = "Output .npy: the kept indices as int64, in descending score order." };
        var command = new Command("nms", "Non-maximum suppression with torchvision's or mmcv's exact semantics.")
        {
            iou, offset, scoreThreshold, topK, classes, device, boxesArg, scoresArg, outArg,
        };
        command.SetAction(parse =>
        {
            double threshold = parse.GetValue(iou);
            if (double.IsNaN(threshold))
            {
                throw new CliException("--iou must be a number");
            }

            int off = parse.GetValue(offset);
            if (off is not (0 or 1))
            {
                throw new CliException($"--offset must be 0 or 1, got {off}");
            }

            int? k = parse.GetValue(topK);
            if (k is < 0)
            {
                throw new CliException($"--top-k must be ≥ 0, got {k}");
            }

            float? s = parse.GetValue(scoreThreshold);
            if (s is float sv && float.IsNaN(sv))
            {
                throw new CliException("--score-threshold must be a number");
            }

            string boxesPath = parse.GetValue(boxesArg)!, scoresPath = parse.GetValue(scoresArg)!, outPath = parse.GetValue(outArg)!;
            Tensor<float> boxes = PostInputs.Matrix(boxesPath, "boxes", 4);
            int n = boxes.Shape[0];
            Tensor<float> scores = PostInputs.Vector(scoresPath, "scores", n, boxesPath);
            string? classesPath = parse.GetValue(classes);
            long[]? classIds = classesPath is null ? null : PostInputs.Classes(classesPath, n, boxesPath);

            NmsVariant variant = PostVariants.NmsForOffset(off);
            var filter = new NmsFilter { ScoreThreshold = s, TopK = k };
            using Device dev = DeviceFactory.Create(parse.GetValue(device)!);
            var clock = Stopwatch.StartNew();
            long[] kept = classIds is null
                ? PostProcessing.Nms(dev, variant, boxes.Data, scores.Data, threshold, filter)
                : PostProcessing.BatchedNms(dev, variant, boxes.Data, scores.Data, classIds, threshold, filter);
            double ms = clock.Elapsed.TotalMilliseconds;
            NpyFormat.Write(outPath, new Tensor<long>(kept, kept.Length));
            string mode = classIds is null ? string.Empty : ", class-aware";
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{variant.Name}{mode}: kept {kept.Length} of {n} boxes (IoU > {threshold:R} suppressed) on {dev.Name} in {ms:0.###} ms -> {outPath}"));
            return ExitCodes.Ok;
        });
        return command;
    }
}
