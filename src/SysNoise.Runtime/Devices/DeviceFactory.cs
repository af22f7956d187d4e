namespace SysNoise.Runtime.Devices;

/// <summary>Creates devices by the names the CLI accepts.</summary>
public static class DeviceFactory
{
    public static readonly string[] Names = ["auto", "host", "cuda", "ilgpu-cpu"];

    /// <summary><c>auto</c> is CUDA when a GPU is present, otherwise the host path.</summary>
    public static Device Create(string name) => name.ToLowerInvariant() switch
    {
        "auto" => IlgpuDevice.TryCreateCuda() ?? (Device)HostDevice.Shared,
        "host" => HostDevice.Shared,
        "cuda" => IlgpuDevice.TryCreateCuda() ?? throw new InvalidOperationException("no CUDA device found (is an NVIDIA GPU and driver present?)"),
        "ilgpu-cpu" => IlgpuDevice.CreateCpuSimulator(),
        _ => throw new ArgumentException($"unknown device '{name}'. Valid: {string.Join(", ", Names)}"),
    };
}
