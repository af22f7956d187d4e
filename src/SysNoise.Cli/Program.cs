using System.CommandLine;
using SysNoise.Cli;
using SysNoise.Cli.Commands;

var root = new RootCommand("SysNoise: measure and emulate system noise — the accuracy a model loses when the deployed pipeline's numerics differ from training's.")
{
    DecodeCommand.Create(),
    ProfilesCommand.Create(),
    BenchCommand.Create(),
    ParityCommand.Create(),
    ExportCommand.Create(),
    ResizeCommand.Create(),
    ColorCommand.Create(),
    VariantsCommand.Create(),
    DiffCommand.Create(),
    DevicesCommand.Create(),
    ResizeNoiseCommand.Create(),
    RunCommand.Create(),
    OnnxTestCommand.Create(),
    ModelInfoCommand.Create(),
    PerfCommand.Create(),
    CocoEvalCommand.Create(),
    NmsCommand.Create(),
    BoxDecodeCommand.Create(),
};

return CliRunner.Run(root, args);
