using System.Text.Json;
using OpenCvSharp;
using SysNoise.Runtime.IO;
using SysNoise.Runtime.Tensors;
using SysNoise.Tests.Oracles;
using SysNoise.Tests.Support;
using Xunit.Abstractions;

namespace SysNoise.Tests.IO;

/// <summary>PNG, BMP and JPEG decode against Pillow 9.4 (live), JPEG also against OpenCV 4.13.</summary>
public sealed class ImageFileTests(ITestOutputHelper output) : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("sysnoise-img-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    [Fact]
    public void DecodesLikePillow()
    {
        output.WriteLine($"seed {RandomImages.RunSeed}");
        PythonOracle.Run(PythonOracle.Script("pillow_images.py"), dir, RandomImages.RunSeed.ToString(System.Globalization.CultureInfo.InvariantCulture));
        using JsonDocument manifest = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "manifest.json")));
        int count = 0;
        foreach (JsonElement m in manifest.RootElement.EnumerateArray())
        {
            string file = m.GetProperty("file").GetString()!;
            Tensor<byte> image = ImageFile.Read(file);
            int[] shape = m.GetProperty("shape").EnumerateArray().Select(x => x.GetInt32()).ToArray();
            byte[] expected = File.ReadAllBytes(Path.Combine(dir, m.GetProperty("name").GetString() + ".raw"));
            Assert.Equal(shape, image.Shape);
            string? diff = Compare.Bytes(expected, image.Data);
            Assert.True(diff is null, $"{file}: {diff} (seed {RandomImages.RunSeed})");
            if (file.EndsWith(".jpg", StringComparison.Ordinal))
            {
                // OpenCV decodes JPEG with the same libjpeg-turbo defaults (ISLOW, fancy upsampling).
                using Mat mat = Cv2.ImRead(file, shape[2] == 1 ? ImreadModes.Grayscale : ImreadModes.Color);
                if (shape[2] == 3)
                {
                    Cv2.CvtColor(mat, mat, ColorConversionCodes.BGR2RGB);
                }

                var cv = new byte[expected.Length];
                System.Runtime.InteropServices.Marshal.Copy(mat.Data, cv, 0, cv.Length);
                Assert.True(Compare.Bytes(cv, image.Data) is null, $"{file} differs from OpenCV's decode");
            }

            count++;
        }

        output.WriteLine($"{count} images decoded, 0 differing bytes");
    }

    [Fact]
    public void WritesPngThatPillowReadsBack()
    {
        var rng = new Random(RandomImages.RunSeed);
        foreach (int c in new[] { 1, 3, 4 })
        {
            var image = new Tensor<byte>(RandomImages.Bytes(rng, 17, 23, c), 17, 23, c);
            string path = Path.Combine(dir, $"w{c}.png");
            ImageFile.WritePng(path, image);
            Assert.True(Compare.Bytes(image.Data, ImageFile.Read(path).Data) is null);
        }
    }

    [Theory]
    [InlineData("truncated.jpg", "corrupt or truncated JPEG")]
    [InlineData("garbage.png", "corrupt or truncated PNG")]
    [InlineData("text.txt", "unknown image format")]
    [InlineData("bad.bmp", "truncated BMP")]
    public void BadImagesGiveClearErrors(string name, string problem)
    {
        string path = Path.Combine(dir, name);
        byte[] content = name switch
        {
            "truncated.jpg" => [0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, (byte)'J', (byte)'F', (byte)'I', (byte)'F', 0, 1, 1, 0, 0, 1, 0, 1, 0, 0, 0xFF, 0xDB],
            "garbage.png" => [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A, 1, 2, 3, 4, 5],
            "bad.bmp" => BadBmp(),
            _ => "hello"u8.ToArray(),
        };
        File.WriteAllBytes(path, content);
        var ex = Assert.Throws<SysNoiseIOException>(() => ImageFile.Read(path));
        Assert.StartsWith(path + ": ", ex.Message, StringComparison.Ordinal);
        Assert.Contains(problem, ex.Message, StringComparison.Ordinal);
    }

    private static byte[] BadBmp()
    {
        var b = new byte[54];
        b[0] = (byte)'B';
        b[1] = (byte)'M';
        BitConverter.GetBytes(54).CopyTo(b, 10);
        BitConverter.GetBytes(40).CopyTo(b, 14);
        BitConverter.GetBytes(10).CopyTo(b, 18);
        BitConverter.GetBytes(10).CopyTo(b, 22);
        BitConverter.GetBytes((short)24).CopyTo(b, 28);
        return b;
    }
}
