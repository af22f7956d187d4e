using SysNoise.Runtime.Color;
using SysNoise.Runtime.Devices;
using SysNoise.Runtime.Tensors;
using SysNoise.Runtime.Variants;
using SysNoise.Tests.Resize;
using SysNoise.Tests.Support;
using Xunit.Abstractions;

namespace SysNoise.Tests.Color;

/// <summary>
/// Every colour variant as an ILGPU kernel gives the host path's bytes: on ILGPU's CPU accelerator always
/// (small cases: it is a simulator), on CUDA when a GPU is present; and every colour kernel compiles to PTX.
/// </summary>
public sealed class ColorKernelParityTests(ITestOutputHelper output, KernelParityTests.Accelerators fixture) : IClassFixture<KernelParityTests.Accelerators>
{
    private const int CasesPerVariant = 12;
    private const int MaxSide = 40;

    public static TheoryData<string> Variants() => ColorOracleTests.Variants();

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

    [Fact]
    public void EveryColorKernelCompilesToPtx()
    {
        using var compiler = new PtxCompiler();
        foreach (ColorVariant variant in VariantRegistry.Color.OfType<ColorVariant>())
        {
            string ptx = compiler.Compile(variant.KernelMethod);
            Assert.Contains(".entry", ptx, StringComparison.Ordinal);
            output.WriteLine($"{variant.Name}: {ptx.Length} chars of PTX for {compiler.Architecture}");
        }
    }

    /// <summary>The float variant's products and sums go through StrictFloat, so no FMA may appear in its PTX.</summary>
    [Fact]
    public void FloatVariantPtxHasNoFusedMultiplyAdd()
    {
        using var compiler = new PtxCompiler();
        string ptx = compiler.Compile(VariantRegistry.Get<ColorVariant>("yuv444-float").KernelMethod);
        Assert.Contains("mul.rn.f64", ptx, StringComparison.Ordinal);
        Assert.DoesNotContain("fma", ptx, StringComparison.Ordinal);
    }

    private void Check(string variantName, Device device)
    {
        var variant = VariantRegistry.Get<IColorVariant>(variantName);
        output.WriteLine($"seed {RandomImages.RunSeed}; device {device.Name}");
        var rng = new Random(HashCode.Combine(RandomImages.RunSeed, variantName, device.Kind) & int.MaxValue);
        foreach (ColorCase c in ColorCase.Random(rng, CasesPerVariant, variant.RequiresEvenSize).Select(c => Shrink(c, rng, variant.RequiresEvenSize)))
        {
            var image = new Tensor<byte>(c.Rgb, c.Height, c.Width, 3);
            string? diff = Compare.Bytes(variant.Convert(HostDevice.Shared, image).Data, variant.Convert(device, image).Data);
            Assert.True(diff is null, $"{variantName} on {device.Name}, {c}: {diff}\nreproduce: SYSNOISE_SEED={RandomImages.RunSeed} dotnet test tests/SysNoise.Tests --filter \"FullyQualifiedName~{nameof(ColorKernelParityTests)}\"");
        }
    }

    // The simulator is slow: cases larger than MaxSide per side are replaced by small mixed-content ones.
    private static ColorCase Shrink(ColorCase c, Random rng, bool evenOnly)
    {
        if (c.Height <= MaxSide && c.Width <= MaxSide)
        {
            return c;
        }

        int h = Math.Min(c.Height, MaxSide), w = Math.Min(c.Width, MaxSide);
        if (evenOnly)
        {
            (h, w) = (h - (h % 2), w - (w % 2));
        }

        return c with { Height = h, Width = w, Content = "mixed content", Rgb = RandomImages.Bytes(rng, h, w, 3) };
    }
}
