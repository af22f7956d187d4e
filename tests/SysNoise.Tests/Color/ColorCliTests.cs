using SysNoise.Runtime.Color;
using SysNoise.Runtime.Devices;
using SysNoise.Runtime.IO;
using SysNoise.Runtime.Tensors;
using SysNoise.Runtime.Variants;
using SysNoise.Tests.Cli;
using SysNoise.Tests.Support;

namespace SysNoise.Tests.Color;

/// <summary><c>sysnoise color</c> as a user runs it: a separate process, real exit codes, stdout and stderr.</summary>
public sealed class ColorCliTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("sysnoise-color-cli-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    [Fact]
    public void ColorWritesTheVariantsBytes()
    {
        var image = new Tensor<byte>(RandomImages.Bytes(new Random(5), 30, 44, 3), 30, 44, 3);
        string input = Path.Combine(dir, "in.npy"), outPath = Path.Combine(dir, "out.npy");
        NpyFormat.Write(input, image);
        foreach (IColorVariant variant in VariantRegistry.Color)
        {
            (int code, string stdout, string stderr) = CliTests.Run("color", "--variant", variant.Name, "--device", "host", input, outPath);
            Assert.True(code == 0, stderr);
            Assert.Contains(variant.Name, stdout, StringComparison.Ordinal);
            var written = (Tensor<byte>)NpyFormat.Read(outPath);
            Assert.Equal([30, 44, 3], written.Shape);
            Assert.Equal(variant.Convert(HostDevice.Shared, image).Data, written.Data);
        }

        // An image file works as input too, odd sizes included for the variants that take them.
        var odd = new Tensor<byte>(RandomImages.Bytes(new Random(6), 7, 9, 3), 7, 9, 3);
        string png = Path.Combine(dir, "odd.png");
        ImageFile.WritePng(png, odd);
        (int pngCode, _, string pngErr) = CliTests.Run("color", "-v", "yuv420-int", png, outPath);
        Assert.True(pngCode == 0, pngErr);
        Assert.Equal(VariantRegistry.Get<IColorVariant>("yuv420-int").Convert(HostDevice.Shared, odd).Data, ((Tensor<byte>)NpyFormat.Read(outPath)).Data);
    }

    [Fact]
    public void VariantsListsTheColorStage()
    {
        (int code, string stdout, _) = CliTests.Run("variants", "--stage", "color");
        Assert.Equal(0, code);
        foreach (string name in new[] { "yuv444-float", "yuv444-int", "yuv420-int", "opencv-i420", "opencv-yuv" })
        {
            Assert.Contains(name, stdout, StringComparison.Ordinal);
        }

        Assert.DoesNotContain("pillow-bilinear", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void ColorHasHelp()
    {
        (int code, string stdout, _) = CliTests.Run("color", "--help");
        Assert.Equal(0, code);
        Assert.Contains("Usage:", stdout, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("odd.npy: opencv-i420 needs an even width and height", "-v", "opencv-i420", "ODD", "OUT")]
    [InlineData("gray.npy: a grayscale image (shape (4, 6))", "-v", "opencv-yuv", "GRAY", "OUT")]
    [InlineData("gray.png: a grayscale image (shape (4, 6, 1))", "-v", "yuv444-int", "GRAYPNG", "OUT")]
    [InlineData("rgba.npy: expected an H×W×3 RGB uint8 array, got shape (4, 6, 4)", "-v", "yuv444-int", "RGBA", "OUT")]
    [InlineData("float.npy: dtype float32 is not supported", "-v", "yuv444-float", "FLOAT", "OUT")]
    [InlineData("unknown color variant 'bogus'. Valid: yuv444-float, ", "-v", "bogus", "ODD", "OUT")]
    [InlineData("unknown color variant 'opencv-linear'", "-v", "opencv-linear", "ODD", "OUT")]
    [InlineData("missing.npy: no such file", "-v", "yuv444-int", "MISSING", "OUT")]
    public void ErrorsAreOneLineNamingTheFile(string message, params string[] args)
    {
        string odd = Path.Combine(dir, "odd.npy"), gray = Path.Combine(dir, "gray.npy"), grayPng = Path.Combine(dir, "gray.png");
        string rgba = Path.Combine(dir, "rgba.npy"), single = Path.Combine(dir, "float.npy");
        NpyFormat.Write(odd, new Tensor<byte>(new byte[5 * 7 * 3], 5, 7, 3));
        NpyFormat.Write(gray, new Tensor<byte>(new byte[24], 4, 6));
        ImageFile.WritePng(grayPng, new Tensor<byte>(new byte[24], 4, 6, 1));
        NpyFormat.Write(rgba, new Tensor<byte>(new byte[96], 4, 6, 4));
        NpyFormat.Write(single, new Tensor<float>(new float[72], 4, 6, 3));
        string[] resolved = args.Select(a => a switch
        {
            "ODD" => odd,
            "GRAY" => gray,
            "GRAYPNG" => grayPng,
            "RGBA" => rgba,
            "FLOAT" => single,
            "MISSING" => Path.Combine(dir, "missing.npy"),
            "OUT" => Path.Combine(dir, "out.npy"),
            _ => a,
        }).ToArray();
        (int code, _, string stderr) = CliTests.Run(["color", .. resolved]);
        Assert.Equal(2, code);
        Assert.Contains(message, stderr, StringComparison.Ordinal);
        Assert.Single(stderr.Trim().Split('\n'));
        Assert.False(File.Exists(Path.Combine(dir, "out.npy")));
    }
}
