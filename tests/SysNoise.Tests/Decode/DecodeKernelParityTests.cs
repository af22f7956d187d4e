using SysNoise.Runtime.Decode;
using SysNoise.Runtime.Devices;
using SysNoise.Runtime.Native;
using SysNoise.Tests.Resize;
using SysNoise.Tests.Support;
using Xunit.Abstractions;

namespace SysNoise.Tests.Decode;

/// <summary>
/// Every decode variant's ILGPU kernels give the host path's bytes: on ILGPU's CPU accelerator always (small
/// corpus files: it is a simulator), and on CUDA when a GPU is present.
/// </summary>
public sealed class DecodeKernelParityTests(ITestOutputHelper output, KernelParityTests.Accelerators fixture) : IClassFixture<KernelParityTests.Accelerators>
{
    private const int FilesPerVariant = 14;

    public static TheoryData<string> Variants => new(DecodeVariants.All.OfType<LibjpegDecodeVariant>().Select(v => v.Name));

    [Theory]
    [MemberData(nameof(Variants))]
    public void CpuAcceleratorMatchesHost(string variantName) => Check(variantName, fixture.CpuSimulator);

    [Theory]
    [MemberData(nameof(Variants))]
    public void CudaMatchesHost(string variantName)
    {
        if (fixture.Cuda is null)
        {
            output.WriteLine("no CUDA device: skipped");
            return;
        }

        Check(variantName, fixture.Cuda);
    }

    private static int Pixels(string file)
    {
        string[] size = Path.GetFileNameWithoutExtension(file).Split('_')[^1].Split('x');
        return int.Parse(size[0]) * int.Parse(size[1]);
    }

    private void Check(string variantName, Device device)
    {
        IDecodeVariant variant = DecodeVariants.All.Single(v => v.Name == variantName);
        // Per layout, the smallest file of at least 100 pixels and the smallest of any size: fast on the simulator,
        // and still every sampling, fancy and edge path.
        var files = JpegCorpus.Files
            .GroupBy(f => Path.GetFileName(f).Split('_')[1])
            .SelectMany(g => new[] { g.OrderBy(Pixels).First(), g.Where(f => Pixels(f) >= 100).OrderBy(Pixels).FirstOrDefault() ?? g.First() })
            .Distinct()
            .Take(FilesPerVariant)
            .ToList();
        output.WriteLine($"seed {JpegCorpus.Seed}; device {device.Name}; {files.Count} files");
        foreach (string file in files)
        {
            byte[] bytes = File.ReadAllBytes(file);
            byte[] host = variant.Decode(HostDevice.Shared, bytes, file, JpegLimits.Default).Pixels.Data;
            byte[] kernel = variant.Decode(device, bytes, file, JpegLimits.Default).Pixels.Data;
            string? diff = Compare.Bytes(host, kernel);
            Assert.True(diff is null, $"{variantName} on {device.Name}, {Path.GetFileName(file)}: {diff} (SYSNOISE_SEED={JpegCorpus.Seed})");
        }
    }
}
