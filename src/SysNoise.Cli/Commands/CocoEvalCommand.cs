using System.CommandLine;
using SysNoise.Runtime.Metrics;

namespace SysNoise.Cli.Commands;

/// <summary><c>sysnoise coco-eval --gt GT.json --dt DT.json [--json OUT]</c>: pycocotools' bbox summary.</summary>
public static class CocoEvalCommand
{
    public static Command Create()
    {
        var gt = new Option<string>("--gt") { Description = "COCO ground-truth JSON ({images, annotations, categories}).", Required = true };
        var dt = new Option<string>("--dt") { Description = "COCO detections JSON (a list of {image_id, category_id, bbox, score}).", Required = true };
        var json = new Option<string?>("--json") { Description = "Also write the stats, lines and per-category AP to this JSON file." };
        var command = new Command("coco-eval", "COCO bbox mAP@[.5:.95] with pycocotools' semantics; prints the 12 summary lines.") { gt, dt, json };
        command.SetAction(parse =>
        {
            string gtPath = parse.GetValue(gt)!, dtPath = parse.GetValue(dt)!;
            CocoGroundTruth truth;
            IReadOnlyList<CocoDetection> detections;
            CocoEvalResult result;
            try
            {
                truth = CocoGroundTruth.Load(gtPath);
                detections = CocoDetections.Load(dtPath);
                result = CocoEvaluator.Evaluate(truth, detections);
            }
            catch (Exception ex) when (ex is InvalidDataException or FileNotFoundException or IOException or UnauthorizedAccessException)
            {
                // Messages from the evaluator itself (a detection on an unknown image) are about the detections file.
                throw new CliException(ex.Message.StartsWith(gtPath, StringComparison.Ordinal) || ex.Message.StartsWith(dtPath, StringComparison.Ordinal) ? ex.Message : $"{dtPath}: {ex.Message}");
            }

            if (truth.Annotations.Any(a => a.Id == 0))
            {
                Console.Error.WriteLine($"sysnoise: note: {gtPath} has an annotation with id 0: pycocotools records matches by ground-truth id, so a detection matched to it counts as a false positive; this evaluator does the same to give pycocotools' numbers (number annotations from 1 to avoid it)");
            }

            if (result.DroppedDetections > 0)
            {
                Console.Error.WriteLine($"sysnoise: note: {result.DroppedDetections} detection(s) in {dtPath} have a category_id that {gtPath} does not list; they are not evaluated (as in pycocotools)");
            }

            foreach (CocoStat stat in result.Summarize())
            {
                Console.WriteLine(stat.Line);
            }

            if (parse.GetValue(json) is { } outPath)
            {
                try
                {
                    File.WriteAllText(outPath, result.ToJson(truth.Categories) + Environment.NewLine);
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                    throw new CliException($"{outPath}: cannot write ({ex.Message})");
                }
            }

            return ExitCodes.Ok;
        });
        return command;
    }
}
