using OpenCvSharp;
using SysNoise.Runtime.Decode;
using SysNoise.Runtime.Devices;
using SysNoise.Runtime.Native;
using SysNoise.Tests.Oracles;
using SysNoise.Tests.Support;
using Xunit.Abstractions;

namespace SysNoise.Tests.Decode;

/// <summary>The library aliases against the libraries themselves, live, on this run's corpus.</summary>
public sealed class LibraryAliasTests(ITestOutputHelper output)
{
    [Fact]
    public void PilMatchesPillow()
    {
        string dir = Directory.CreateTempSubdirectory("sysnoise-pil-").FullName;
        try
        {
            string[] lines = PythonOracle.Run(PythonOracle.Script("pillow_decode.py"), [dir, .. JpegCorpus.Files]).Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.Equal(JpegCorpus.Files.Count, lines.Length);
            var failures = new List<string>();
            foreach (string file in JpegCorpus.Files)
            {
                string name = Path.GetFileName(file);
                string[] fields = lines.Single(l => l.StartsWith(name + " ", StringComparison.Ordinal)).Split(' ');
                Assert.False(fields[1] == "ERROR", $"Pillow refused {name}: {string.Join(' ', fields[1..])}");
                byte[] expected = File.ReadAllBytes(Path.Combine(dir, name + ".raw"));
                DecodedImage ours = DecodeVariants.Pil.Decode(HostDevice.Shared, File.ReadAllBytes(file), file, JpegLimits.Default);
                string? diff = ours.Pixels.Shape[0] == int.Parse(fields[1]) && ours.Pixels.Shape[1] == int.Parse(fields[2]) && ours.Pixels.Shape[2] == 3
                    ? Compare.Bytes(expected, ours.Pixels.Data)
                    : $"shape {ours.Pixels.ShapeText} vs Pillow {fields[1]}x{fields[2]}x3";
                if (diff is not null)
                {
                    failures.Add($"{name}: {diff}");
                }
            }

            output.WriteLine($"seed {JpegCorpus.Seed}: pil vs Pillow 9.4: {JpegCorpus.Files.Count - failures.Count}/{JpegCorpus.Files.Count} files bit-exact");
            Assert.True(failures.Count == 0, string.Join('\n', failures.Take(20)));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void OpenCvMatchesOpenCvSharp()
    {
        var failures = new List<string>();
        foreach (string file in JpegCorpus.Files)
        {
            byte[] bytes = File.ReadAllBytes(file);
            using Mat bgr = Cv2.ImDecode(bytes, ImreadModes.Color);
            using var rgb = new Mat();
            Cv2.CvtColor(bgr, rgb, ColorConversionCodes.BGR2RGB);
            var expected = new byte[rgb.Rows * rgb.Cols * 3];
            System.Runtime.InteropServices.Marshal.Copy(rgb.Data, expected, 0, expected.Length);
            DecodedImage ours = DecodeVariants.OpenCv.Decode(HostDevice.Shared, bytes, file, JpegLimits.Default);
            string? diff = ours.Pixels.Shape[0] == rgb.Rows && ours.Pixels.Shape[1] == rgb.Cols
                ? Compare.Bytes(expected, ours.Pixels.Data)
                : $"shape {ours.Pixels.ShapeText} vs OpenCV {rgb.Rows}x{rgb.Cols}x3";
            if (diff is not null)
            {
                failures.Add($"{Path.GetFileName(file)}: {diff}");
            }
        }

        output.WriteLine($"seed {JpegCorpus.Seed}: opencv vs OpenCV {Cv2.GetVersionString()}: {JpegCorpus.Files.Count - failures.Count}/{JpegCorpus.Files.Count} files bit-exact");
        Assert.True(failures.Count == 0, string.Join('\n', failures.Take(20)));
    }
}
