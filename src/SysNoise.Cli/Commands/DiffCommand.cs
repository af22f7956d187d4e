using System.CommandLine;
using SysNoise.Runtime.IO;
using SysNoise.Runtime.Reports;

namespace SysNoise.Cli.Commands;

/// <summary><c>sysnoise diff A.npy B.npy</c>: exit 0 identical, 1 different, 2 error.</summary>
public static class DiffCommand
{
    public static Command Create()
    {
        var a = new Argument<string>("A") { Description = "First .npy file." };
        var b = new Argument<string>("B") { Description = "Second .npy file." };
        var json = new Option<bool>("--json") { Description = "Machine-readable output." };
        var command = new Command("diff", "Bit-exact parity report between two arrays; exit 0 when identical, 1 when different, 2 on error.") { a, b, json };
        command.SetAction(parse =>
        {
            string pathA = parse.GetValue(a)!, pathB = parse.GetValue(b)!;
            var ta = NpyFormat.Read(pathA);
            var tb = NpyFormat.Read(pathB);
            if (!ta.Shape.AsSpan().SequenceEqual(tb.Shape))
            {
                throw new CliException($"mismatched shapes: {pathA} is {ta.ShapeText}, {pathB} is {tb.ShapeText}");
            }

            TensorDiff diff = TensorDiff.Compute(ta, tb);
            Console.Write(parse.GetValue(json) ? diff.ToJson(pathA, pathB) + Environment.NewLine : diff.ToText(pathA, pathB));
            return diff.Identical ? ExitCodes.Ok : ExitCodes.Different;
        });
        return command;
    }
}
