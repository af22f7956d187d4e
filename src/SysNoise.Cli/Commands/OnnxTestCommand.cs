using System.CommandLine;
using SysNoise.Runtime.Devices;
using SysNoise.Runtime.Model.Onnx;

namespace SysNoise.Cli.Commands;

/// <summary>
/// <c>sysnoise onnx-test DIR...</c>: runs ONNX backend tests (a test folder with model.onnx and test_data_set_*, or a
/// suite folder of them). One line per test, then exactly "N passed, M failed, K skipped", then the unsupported ops
/// with the number of tests each one kept from running. Exit 0 when nothing failed, 1 otherwise.
/// </summary>
public static class OnnxTestCommand
{
    public static Command Create()
    {
        var folders = new Argument<string[]>("DIR") { Description = "Backend test folders (holding model.onnx) or suite folders of them, e.g. /usr/share/libonnx-testdata/data/node.", Arity = ArgumentArity.OneOrMore };
        var device = new Option<string>("--device") { Description = "host, ilgpu-cpu, cuda or auto (CUDA when present, else host).", DefaultValueFactory = _ => "host" };
        device.AcceptOnlyFromAmong(DeviceFactory.Names);
        var command = new Command("onnx-test", "Run ONNX backend test folders on SysNoise's executor (rtol 1e-3, atol 1e-7) and count passes, failures and skips.") { folders, device };
        command.SetAction(parse =>
        {
            IReadOnlyList<BackendTestCase> cases = BackendTestSuite.Discover(parse.GetValue(folders)!);
            using Device dev = DeviceFactory.Create(parse.GetValue(device)!);
            IReadOnlyList<BackendTestResult> results = BackendTestSuite.Run(cases, dev, r => Console.WriteLine(BackendTestSuite.FormatLine(r)));
            BackendSuiteSummary summary = BackendTestSuite.Summarize(results);
            Console.WriteLine(summary.CountsLine);
            foreach (string line in BackendTestSuite.FormatUnsupported(summary))
            {
                Console.WriteLine(line);
            }

            return summary.Failed == 0 ? ExitCodes.Ok : ExitCodes.Different;
        });
        return command;
    }
}
