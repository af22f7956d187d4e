using SysNoise.Runtime.Decode;
using SysNoise.Runtime.Devices;
using SysNoise.Runtime.Native;
using SysNoise.Tests.Support;
using Xunit.Abstractions;

namespace SysNoise.Tests.Decode;

/// <summary>The ffmpeg variant against Debian's /usr/bin/ffmpeg (5.1), run live on this run's corpus.</summary>
public sealed class FfmpegOracleTests(ITestOutputHelper output)
{
    [Fact]
    public void MatchesFfmpegOnCorpus()
    {
        output.WriteLine($"seed {JpegCorpus.Seed} (SYSNOISE_SEED replays), {JpegCorpus.Files.Count} files, oracle: {DecodeVariants.Ffmpeg.Oracle}");
        var failures = new List<string>();
        var perLayout = new SortedDictionary<string, (int Files, int Exact)>(StringComparer.Ordinal);
        foreach (string file in JpegCorpus.Files)
        {
            byte[] bytes = File.ReadAllBytes(file);
            JpegCoefficients coefficients = JpegCoefficients.Read(bytes, file);
            string layout = coefficients.ColorSpace == JpegColorSpace.Rgb ? "rgb" : coefficients.SamplingName;
            Tool.Result ffmpeg = Tool.Run("ffmpeg", ["-v", "error", "-i", file, "-f", "rawvideo", "-pix_fmt", "rgb24", "-"]);
            Assert.True(ffmpeg.ExitCode == 0, $"ffmpeg failed on {file}: {ffmpeg.Stderr}");
            DecodedImage ours = DecodeVariants.Ffmpeg.Decode(HostDevice.Shared, bytes, file, JpegLimits.Default);
            int w = coefficients.Width, h = coefficients.Height;
            (int files, int exact) = perLayout.GetValueOrDefault(layout);
            string size = $"{w}x{h}{((h & 1) == 0 ? " even-h" : " odd-h")}{((w & 1) == 0 ? " even-w" : " odd-w")}";
            if (ffmpeg.Stdout.Length != ours.Pixels.Data.Length || ours.Pixels.Shape[0] != h || ours.Pixels.Shape[1] != w || ours.Pixels.Shape[2] != 3)
            {
                failures.Add($"{Path.GetFileName(file)} ({layout}, {size}): shape {ours.Pixels.ShapeText}, ffmpeg wrote {ffmpeg.Stdout.Length} bytes for {h}x{w}x3");
                perLayout[layout] = (files + 1, exact);
                continue;
            }

            int differing = 0, maxDiff = 0, first = -1;
            for (int i = 0; i < ffmpeg.Stdout.Length; i++)
            {
                int d = Math.Abs(ffmpeg.Stdout[i] - ours.Pixels.Data[i]);
                if (d != 0)
                {
                    differing++;
                    maxDiff = Math.Max(maxDiff, d);
                    first = first < 0 ? i : first;
                }
            }

            perLayout[layout] = (files + 1, exact + (differing == 0 ? 1 : 0));
            if (differing != 0)
            {
                failures.Add($"{Path.GetFileName(file)} ({layout}, {size}): {differing} differing bytes, max diff {maxDiff}, first at byte {first} (y={first / 3 / w}, x={first / 3 % w}, c={first % 3})");
            }
        }

        foreach ((string layout, (int files, int exact)) in perLayout)
        {
            output.WriteLine($"{layout}: {exact}/{files} files bit-exact");
        }

        Assert.True(failures.Count == 0, $"ffmpeg variant vs ffmpeg (seed {JpegCorpus.Seed}):\n{string.Join('\n', failures.Take(40))}");
    }

    /// <summary>The ILGPU kernels (IDCT rows-first, swscale output) on the CPU simulator equal the host loops, one small file per layout.</summary>
    [Fact]
    public void KernelsMatchHostOnCpuSimulator()
    {
        using IlgpuDevice simulator = IlgpuDevice.CreateCpuSimulator();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (string file in JpegCorpus.Files)
        {
            byte[] bytes = File.ReadAllBytes(file);
            JpegCoefficients c = JpegCoefficients.Read(bytes, file);
            string layout = c.ColorSpace == JpegColorSpace.Rgb ? "rgb" : c.SamplingName;
            if ((long)c.Width * c.Height > 6000 || !seen.Add(layout + ((c.Width & 1) == 1 ? "odd-w" : "even-w") + ((c.Height & 1) == 1 ? "odd-h" : "even-h")))
            {
                continue;
            }

            byte[] host = FfmpegDecoder.Decode(HostDevice.Shared, c, file).Data;
            byte[] kernel = FfmpegDecoder.Decode(simulator, c, file).Data;
            Assert.True(host.AsSpan().SequenceEqual(kernel), $"{Path.GetFileName(file)}: CPU-simulator kernels differ from the host path");
        }

        output.WriteLine($"seed {JpegCorpus.Seed}: {seen.Count} layout/parity cases compared: {string.Join(", ", seen.Order(StringComparer.Ordinal))}");
    }
}
