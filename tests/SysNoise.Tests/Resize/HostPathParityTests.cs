using SysNoise.Kernels.Resize;
using SysNoise.Runtime.Devices;
using SysNoise.Runtime.Resize;
using SysNoise.Runtime.Tensors;
using SysNoise.Runtime.Variants;
using SysNoise.Tests.Support;
using Xunit.Abstractions;

namespace SysNoise.Tests.Resize;

/// <summary>
/// The specialised host path (eight-lane forms of the ops, gathers, fused two-pass loops, one or two threads) gives
/// the bytes of the plain host path (the generic scalar loop of each op, step by step), for every resize variant on
/// random cases large enough to run the vector bodies, their scalar tails and the multi-threaded bands. The plain
/// path is in turn what the ILGPU kernels compute (<see cref="KernelParityTests"/>).
/// </summary>
public sealed class HostPathParityTests(ITestOutputHelper output)
{
    private const int CasesPerVariant = 12;

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
    public void SpecialisedHostMatchesPlainHost(string variantName)
    {
        var variant = VariantRegistry.Get<IResizeVariant>(variantName);
        var plain = new HostDevice(plain: true);
        var oneThread = new HostDevice(1);
        int seed = HashCode.Combine(RandomImages.RunSeed, variantName, nameof(HostPathParityTests)) & int.MaxValue;
        output.WriteLine($"seed {RandomImages.RunSeed}; eight-lane forms: {ResampleRows.LanesSupported}");
        var rng = new Random(seed);
        List<ResizeCase> cases = ResizeCase.Random(rng, CasesPerVariant, 400);

        // Sizes the perf cases use (several multi-threaded bands, 3 channels) and a 4-channel upscale.
        cases.Add(new ResizeCase(cases.Count, 375, 500, 3, 224, 224));
        cases.Add(new ResizeCase(cases.Count, 61, 97, 4, 300, 257));
        foreach (ResizeCase c in cases)
        {
            var image = new Tensor<byte>(RandomImages.Bytes(rng, c.InHeight, c.InWidth, c.Channels), c.InHeight, c.InWidth, c.Channels);
            byte[] expected = variant.Resize(plain, image, c.OutWidth, c.OutHeight).Data;
            foreach (HostDevice device in new[] { HostDevice.Shared, oneThread })
            {
                string? diff = Compare.Bytes(expected, variant.Resize(device, image, c.OutWidth, c.OutHeight).Data);
                Assert.True(diff is null, $"{variantName} on {device.Name} vs plain host, {c}: {diff}\nreproduce: SYSNOISE_SEED={RandomImages.RunSeed} dotnet test tests/SysNoise.Tests --filter \"FullyQualifiedName~{nameof(HostPathParityTests)}\"");
            }

            if (variant.Float32 is not null)
            {
                var fimage = new Tensor<float>(RandomImages.Floats(rng, c.InHeight, c.InWidth, c.Channels), c.InHeight, c.InWidth, c.Channels);
                string? fdiff = Compare.Bytes(variant.Resize(plain, fimage, c.OutWidth, c.OutHeight).Data, variant.Resize(HostDevice.Shared, fimage, c.OutWidth, c.OutHeight).Data);
                Assert.True(fdiff is null, $"{variantName} float32 vs plain host, {c}: {fdiff}\nreproduce: SYSNOISE_SEED={RandomImages.RunSeed}");
            }
        }

        output.WriteLine($"{cases.Count} cases identical");
    }
}
