using SysNoise.Runtime.Devices;
using SysNoise.Runtime.Resize;
using SysNoise.Runtime.Tensors;
using SysNoise.Runtime.Variants;
using SysNoise.Tests.Support;
using Xunit.Abstractions;

namespace SysNoise.Tests.Resize;

/// <summary>
/// Every registered resize variant as ILGPU kernels gives the host path's bytes: on ILGPU's CPU
/// accelerator always (small cases: it is a simulator), and on CUDA when a GPU is present.
/// </summary>
public sealed class KernelParityTests(ITestOutputHelper output, KernelParityTests.Accelerators fixture) : IClassFixture<KernelParityTests.Accelerators>
{
    private const int CasesPerVariant = 6;
    private const int MaxSide = 40;

    public static TheoryData<string> Variants()
    {
        var data = new TheoryData<string>();
        foreach (IResizeVariant v in VariantRegistry.Resize)
        {
            data.Add(v.Name);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Variants))]
    public void CpuAcceleratorMatchesHost(string variantName)
    {
        Check(variantName, fixture.CpuSimulator);
    }

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

    private void Check(string variantName, Device device)
    {
        var variant = VariantRegistry.Get<IResizeVariant>(variantName);
        int seed = HashCode.Combine(RandomImages.RunSeed, variantName, device.Kind) & int.MaxValue;
        output.WriteLine($"seed {RandomImages.RunSeed}; device {device.Name}");
        var rng = new Random(seed);
        foreach (ResizeCase c in ResizeCase.Random(rng, CasesPerVariant, MaxSide))
        {
            var image = new Tensor<byte>(RandomImages.Bytes(rng, c.InHeight, c.InWidth, c.Channels), c.InHeight, c.InWidth, c.Channels);
            byte[] host = variant.Resize(HostDevice.Shared, image, c.OutWidth, c.OutHeight).Data;
            byte[] kernel = variant.Resize(device, image, c.OutWidth, c.OutHeight).Data;
            string? diff = Compare.Bytes(host, kernel);
            Assert.True(diff is null, $"{variantName} on {device.Name}, {c}: {diff}\nreproduce: SYSNOISE_SEED={RandomImages.RunSeed} dotnet test tests/SysNoise.Tests --filter \"FullyQualifiedName~{nameof(KernelParityTests)}\"");

            if (variant.Float32 is not null)
            {
                var fimage = new Tensor<float>(RandomImages.Floats(rng, c.InHeight, c.InWidth, c.Channels), c.InHeight, c.InWidth, c.Channels);
                float[] fhost = variant.Resize(HostDevice.Shared, fimage, c.OutWidth, c.OutHeight).Data;
                float[] fkernel = variant.Resize(device, fimage, c.OutWidth, c.OutHeight).Data;
                string? fdiff = Compare.Bytes(fhost, fkernel);
                Assert.True(fdiff is null, $"{variantName} float32 on {device.Name}, {c}: {fdiff}\nreproduce: SYSNOISE_SEED={RandomImages.RunSeed}");
            }
        }
    }

    /// <summary>The accelerators, created once for the class (ILGPU contexts are expensive).</summary>
    public sealed class Accelerators : IDisposable
    {
        public IlgpuDevice CpuSimulator { get; } = IlgpuDevice.CreateCpuSimulator();

        public IlgpuDevice? Cuda { get; } = IlgpuDevice.TryCreateCuda();

        public void Dispose()
        {
            CpuSimulator.Dispose();
            Cuda?.Dispose();
        }
    }
}
