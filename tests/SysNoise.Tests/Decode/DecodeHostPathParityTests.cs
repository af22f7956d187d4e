using SysNoise.Runtime.Decode;
using SysNoise.Runtime.Devices;
using SysNoise.Runtime.Native;
using SysNoise.Tests.Support;
using Xunit.Abstractions;

namespace SysNoise.Tests.Decode;

/// <summary>
/// The specialised host decode (AVX2/AVX-512 IDCT, upsampling and colour lanes, the entropy/transform pipeline, one
/// or two threads) gives the bytes of the plain host decode (the scalar IDCT ops and the per-pixel output the kernels
/// run), for every libjpeg-based variant on every file of the run's corpus (all samplings, sizes down to 1×1,
/// progressive, restarts) and on large images that take the two-thread pipeline.
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
            byte[][] actual;
            try
            {
                // The specialised decodes first: their pooled scratch then holds another file's data, so a stage that
                // read a row before it was written would show.
                actual = [variant.Decode(HostDevice.Shared, bytes, file, JpegLimits.Default).Pixels.Data, variant.Decode(oneThread, bytes, file, JpegLimits.Default).Pixels.Data];
            }
            catch (SysNoise.Runtime.IO.SysNoiseIOException)
            {
                // A layout the variant refuses (e.g. fractional sampling) is refused by both paths alike.
                Assert.Throws<SysNoise.Runtime.IO.SysNoiseIOException>(() => variant.Decode(plain, bytes, file, JpegLimits.Default));
                continue;
            }

            byte[] expected = variant.Decode(plain, bytes, file, JpegLimits.Default).Pixels.Data;
            for (int d = 0; d < actual.Length; d++)
            {
                string? diff = Compare.Bytes(expected, actual[d]);
                Assert.True(diff is null, $"{variantName} on {(d == 0 ? HostDevice.Shared.Name : oneThread.Name)} vs plain host, {Path.GetFileName(file)}: {diff} (SYSNOISE_SEED={JpegCorpus.Seed})");
            }

            decoded++;
        }

        output.WriteLine($"seed {JpegCorpus.Seed}; {decoded} of {JpegCorpus.Files.Count} files identical");
        Assert.True(decoded > JpegCorpus.Files.Count / 2, $"only {decoded} files decoded");
    }

    /// <summary>
    /// Images of over a million samples, where the host decode pipelines entropy decoding with the transforms on two
    /// threads and splits the IDCT and output over both: every libjpeg-based variant against the plain host, on cjpeg
    /// encodings of a seeded image (odd size; 4:2:0, 4:2:2, 4:4:0, 4:4:4, grayscale, restart intervals, progressive).
    /// </summary>
    [Fact]
    public void LargeImagesMatchPlainHost()
    {
        const int width = 1031, height = 1117;
        var rng = new Random(HashCode.Combine(RandomImages.RunSeed, nameof(LargeImagesMatchPlainHost)) & int.MaxValue);
        byte[] pixels = RandomImages.Bytes(rng, height, width, 3);
        string dir = Path.Combine(Path.GetTempPath(), $"sysnoise-large-jpeg-{Environment.ProcessId}");
        Directory.CreateDirectory(dir);
        string ppm = Path.Combine(dir, "source.ppm");
        using (var stream = File.Create(ppm))
        {
            stream.Write(System.Text.Encoding.ASCII.GetBytes($"P6\n{width} {height}\n255\n"));
            stream.Write(pixels);
        }

        string[][] encodings =
        [
            ["-quality", "90", "-sample", "2x2"],
            ["-quality", "75", "-sample", "2x1", "-restart", "3"],
            ["-quality", "95", "-sample", "1x2"],
            ["-quality", "60", "-sample", "1x1"],
            ["-quality", "85", "-grayscale"],
            ["-quality", "80", "-sample", "2x2", "-progressive"],
        ];
        var plain = new HostDevice(plain: true);
        var oneThread = new HostDevice(1);
        try
        {
            foreach (string[] encoding in encodings)
            {
                Tool.Result jpeg = Tool.Run("/usr/bin/cjpeg", [.. encoding, ppm]);
                Assert.True(jpeg.ExitCode == 0, $"cjpeg {string.Join(' ', encoding)}: {jpeg.Stderr}");
                foreach (IDecodeVariant variant in DecodeVariants.All.OfType<LibjpegDecodeVariant>())
                {
                    // The specialised decodes first: their scratch buffers then hold another decode's data, so a stage
                    // that read a row before it was written would show.
                    byte[][] decodes = [.. new[] { HostDevice.Shared, oneThread }.Select(d => variant.Decode(d, jpeg.Stdout, "large", JpegLimits.Default).Pixels.Data)];
                    byte[] expected = variant.Decode(plain, jpeg.Stdout, "large", JpegLimits.Default).Pixels.Data;
                    foreach ((byte[] actual, string device) in decodes.Zip(new[] { HostDevice.Shared.Name, oneThread.Name }))
                    {
                        string? diff = Compare.Bytes(expected, actual);
                        Assert.True(diff is null, $"{variant.Name} on {device} vs plain host, {width}x{height} cjpeg {string.Join(' ', encoding)}: {diff} (SYSNOISE_SEED={RandomImages.RunSeed})");
                    }
                }
            }
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }

        output.WriteLine($"seed {RandomImages.RunSeed}; {encodings.Length} encodings of {width}x{height} identical for every libjpeg-based variant");
    }
}
