using System.Text.Json;
using OpenCvSharp;
using SysNoise.Runtime.Color;
using SysNoise.Runtime.Devices;
using SysNoise.Runtime.Tensors;
using SysNoise.Runtime.Variants;
using SysNoise.Tests.Oracles;
using SysNoise.Tests.Support;
using Xunit.Abstractions;

namespace SysNoise.Tests.Color;

/// <summary>
/// Every colour variant against its oracles, run live: the paper variants against a NumPy implementation of
/// the formulas (Debian's /usr/bin/python3), the OpenCV variants against OpenCV 4.13 (OpenCvSharp, in-process)
/// and OpenCV 4.6 (Debian's python3-opencv). Zero differing bytes are required.
/// </summary>
public sealed class ColorOracleTests(ITestOutputHelper output)
{
    private const int CasesPerVariant = 200;

    public static TheoryData<string> Variants()
    {
        var data = new TheoryData<string>();
        foreach (IColorVariant v in VariantRegistry.Color)
        {
            data.Add(v.Name);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Variants))]
    public void RandomImagesMatchOracles(string variantName)
    {
        var variant = VariantRegistry.Get<IColorVariant>(variantName);
        output.WriteLine($"seed {RandomImages.RunSeed}; reproduce with SYSNOISE_SEED={RandomImages.RunSeed}");
        var rng = new Random(HashCode.Combine(RandomImages.RunSeed, variantName) & int.MaxValue);
        CheckAgainstOracles(variant, ColorCase.Random(rng, CasesPerVariant, variant.RequiresEvenSize));
    }

    /// <summary>All 2^24 colours: for the 4:4:4 variants a complete proof; for 4:2:0 ones every luma input.</summary>
    [Theory]
    [MemberData(nameof(Variants))]
    public void EveryColourMatchesOracles(string variantName)
        => CheckAgainstOracles(VariantRegistry.Get<IColorVariant>(variantName), ColorCase.EveryColour());

    [Fact]
    public void OpenCvI420RefusesOddSizes()
    {
        var variant = VariantRegistry.Get<IColorVariant>("opencv-i420");
        foreach ((int h, int w) in new[] { (1, 1), (3, 4), (4, 5) })
        {
            var e = Assert.Throws<ArgumentException>(() => variant.Convert(HostDevice.Shared, new Tensor<byte>(new byte[h * w * 3], h, w, 3)));
            Assert.Contains("even width and height", e.Message, StringComparison.Ordinal);

            // OpenCV itself refuses them too, so there is nothing to be bit-exact with.
            using var odd = new Mat(h, w, MatType.CV_8UC3);
            using var yuv = new Mat();
            Assert.ThrowsAny<OpenCVException>(() => Cv2.CvtColor(odd, yuv, ColorConversionCodes.RGB2YUV_I420));
        }
    }

    [Fact]
    public void NonRgbInputIsRefused()
    {
        foreach (IColorVariant variant in VariantRegistry.Color)
        {
            Assert.Throws<ArgumentException>(() => variant.Convert(HostDevice.Shared, new Tensor<byte>(new byte[16], 4, 4, 1)));
            Assert.Throws<ArgumentException>(() => variant.Convert(HostDevice.Shared, new Tensor<byte>(new byte[64], 4, 4, 4)));
            Assert.Throws<ArgumentException>(() => variant.Convert(HostDevice.Shared, new Tensor<byte>(new byte[16], 4, 4)));
        }
    }

    private void CheckAgainstOracles(IColorVariant variant, List<ColorCase> cases)
    {
        var actual = cases.Select(c => variant.Convert(HostDevice.Shared, new Tensor<byte>(c.Rgb, c.Height, c.Width, 3)).Data).ToList();
        long bytes = actual.Sum(a => (long)a.Length);
        bool isOpenCv = variant.Name.StartsWith("opencv", StringComparison.Ordinal);

        var oracles = new List<(string Name, List<byte[]> Results)>
        {
            (isOpenCv ? "OpenCV 4.6 (Debian python3-opencv)" : "NumPy paper formulas", Python(variant.Name, cases, out string cv2Version)),
        };
        Assert.StartsWith("4.6", cv2Version, StringComparison.Ordinal);
        if (isOpenCv)
        {
            oracles.Add(($"OpenCV {Cv2.GetVersionString()} (OpenCvSharp)", cases.Select(c => OpenCvSharpRoundTrip(variant.Name, c)).ToList()));
        }

        foreach ((string oracle, List<byte[]> expected) in oracles)
        {
            long differing = 0;
            string? first = null;
            for (int i = 0; i < cases.Count; i++)
            {
                string? diff = Compare.Bytes(expected[i], actual[i]);
                if (diff is not null)
                {
                    differing += expected[i].Length == actual[i].Length ? expected[i].Zip(actual[i]).LongCount(p => p.First != p.Second) : actual[i].Length;
                    first ??= $"{cases[i]}: {diff}{Pixel(cases[i], expected[i], actual[i])}";
                }
            }

            output.WriteLine($"{variant.Name} vs {oracle}: {cases.Count} cases, {bytes} bytes, {differing} differing bytes");
            Assert.True(differing == 0, $"{variant.Name} vs {oracle}: {differing} differing bytes; first: {first}\nreproduce: SYSNOISE_SEED={RandomImages.RunSeed} dotnet test tests/SysNoise.Tests --filter \"FullyQualifiedName~{nameof(ColorOracleTests)}\"");
        }
    }

    // The input and both outputs of the first differing pixel, for a failure message that explains itself.
    private static string Pixel(ColorCase c, byte[] expected, byte[] actual)
    {
        if (expected.Length != actual.Length)
        {
            return string.Empty;
        }

        int k = Enumerable.Range(0, actual.Length).First(i => expected[i] != actual[i]) / 3 * 3;
        return $" (pixel ({k / 3 / c.Width}, {k / 3 % c.Width}): in {Rgb(c.Rgb, k)}, expected {Rgb(expected, k)}, got {Rgb(actual, k)})";
    }

    private static string Rgb(byte[] a, int k) => $"({a[k]}, {a[k + 1]}, {a[k + 2]})";

    private static byte[] OpenCvSharpRoundTrip(string variantName, ColorCase c)
    {
        (ColorConversionCodes forward, ColorConversionCodes back) = variantName switch
        {
            "opencv-i420" => (ColorConversionCodes.RGB2YUV_I420, ColorConversionCodes.YUV2RGB_I420),
            "opencv-yuv" => (ColorConversionCodes.RGB2YUV, ColorConversionCodes.YUV2RGB),
            _ => throw new ArgumentException($"no OpenCV conversion for {variantName}"),
        };

        // The Mat owns native memory and the input is copied in (a Mat over a managed array is only as safe as its pin).
        using var src = new Mat(c.Height, c.Width, MatType.CV_8UC3);
        Assert.True(src.IsContinuous());
        unsafe
        {
            c.Rgb.AsSpan().CopyTo(new Span<byte>((void*)src.Data, c.Rgb.Length));
        }

        using var yuv = new Mat();
        using var dst = new Mat();
        Cv2.CvtColor(src, yuv, forward);
        Cv2.CvtColor(yuv, dst, back);
        Assert.True(dst.IsContinuous());
        Assert.Equal(MatType.CV_8UC3, dst.Type());
        Assert.Equal(new Size(c.Width, c.Height), dst.Size());
        var result = new byte[c.Rgb.Length];
        unsafe
        {
            new ReadOnlySpan<byte>((void*)dst.Data, result.Length).CopyTo(result);
        }

        return result;
    }

    // One batched process per test: NumPy formulas for the paper variants, cv2.cvtColor for the OpenCV ones.
    private static List<byte[]> Python(string variantName, List<ColorCase> cases, out string cv2Version)
    {
        string dir = Directory.CreateTempSubdirectory("sysnoise-color-").FullName;
        try
        {
            var manifest = new List<object>();
            foreach (ColorCase c in cases)
            {
                File.WriteAllBytes(Path.Combine(dir, $"{c.Index}.in"), c.Rgb);
                manifest.Add(new { id = c.Index, shape = new[] { c.Height, c.Width, 3 }, variant = variantName });
            }

            File.WriteAllText(Path.Combine(dir, "manifest.json"), JsonSerializer.Serialize(manifest));
            cv2Version = PythonOracle.Run(PythonOracle.Script("color_roundtrip.py"), dir).Trim();
            return cases.Select(c => File.ReadAllBytes(Path.Combine(dir, $"{c.Index}.out"))).ToList();
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
