using SysNoise.Runtime.Decode;
using SysNoise.Runtime.Devices;
using SysNoise.Runtime.Native;
using SysNoise.Tests.Support;
using Xunit.Abstractions;

namespace SysNoise.Tests.Decode;

/// <summary>
/// The specialised host decode (AVX2/AVX-512 IDCT, upsampling and colour lanes, one or two threads) gives the bytes of
/// the plain host decode (the scalar IDCT ops and the per-pixel output the kernels run), for every libjpeg-based variant
/// on every file of the run's corpus (all samplings, sizes down to 1×1, progressive, restarts).
/// </summary>
public sealed class DecodeHostPathParityTests(ITestOutputHelper output)
{
    public static TheoryData<string> Variants => new(DecodeVariants.All.OfType<LibjpegDecodeVariant>().Select(v => v.Name));

    [Theory]
    [MemberData(nameof(Variants))]
    public void SpecialisedHostMatchesPlainHost(string variantName)
    {
        IDecodeVariant variant = DecodeVariants.All.Single(v => v.Name == variantName);
        var plain = new HostDevice(plain: true);
        var oneThread = new HostDevice(1);
        int decoded = 0;
        foreach (string file in JpegCorpus.Files)
        {
            byte[] bytes = File.ReadAllBytes(file);
            byte[] expected;
            try
            {
                expected = variant.Decode(plain, bytes, file, JpegLimits.Default).Pixels.Data;
            }
            catch (SysNoise.Runtime.IO.SysNoiseIOException)
            {
                // A layout the variant refuses (e.g. fractional sampling) is refused by both paths alike.
                Assert.Throws<SysNoise.Runtime.IO.SysNoiseIOException>(() => variant.Decode(HostDevice.Shared, bytes, file, JpegLimits.Default));
                continue;
            }

            foreach (HostDevice device in new[] { HostDevice.Shared, oneThread })
            {
                string? diff = Compare.Bytes(expected, variant.Decode(device, bytes, file, JpegLimits.Default).Pixels.Data);
                Assert.True(diff is null, $"{variantName} on {device.Name} vs plain host, {Path.GetFileName(file)}: {diff} (SYSNOISE_SEED={JpegCorpus.Seed})");
            }

            decoded++;
        }

        output.WriteLine($"seed {JpegCorpus.Seed}; {decoded} of {JpegCorpus.Files.Count} files identical");
        Assert.True(decoded > JpegCorpus.Files.Count / 2, $"only {decoded} files decoded");
    }
}
