using System.CommandLine;
using SysNoise.Runtime.Devices;

namespace SysNoise.Cli.Commands;

/// <summary><c>sysnoise devices</c>: what runs where.</summary>
public static class DevicesCommand
{
    public static Command Create()
    {
        var command = new Command("devices", "Show the devices SysNoise can run on and which one 'auto' picks.");
        command.SetAction(_ =>
        {
            using IlgpuDevice? cuda = IlgpuDevice.TryCreateCuda();
            Console.WriteLine($"host       {HostDevice.Shared.Name}: plain C# loops over arrays; the default without a GPU");
            Console.WriteLine("ilgpu-cpu  ILGPU CPU accelerator: a GPU simulator that runs the kernels themselves (tests only; ~40x slower)");
            Console.WriteLine(cuda is null
                ? "cuda       not available (no NVIDIA GPU or driver found)"
                : $"cuda       {cuda.Name}: ILGPU kernels on the GPU");
            Console.WriteLine($"auto   ->  {(cuda is null ? "host" : "cuda")}");
            return ExitCodes.Ok;
        });
        return command;
    }
}
