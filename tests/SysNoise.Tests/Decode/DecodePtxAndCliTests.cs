using System.Reflection;
using SysNoise.Kernels.Decode;
using SysNoise.Runtime.Decode;
using SysNoise.Runtime.Devices;
using SysNoise.Runtime.IO;
using SysNoise.Runtime.Native;
using SysNoise.Runtime.Tensors;
using SysNoise.Tests.Cli;
using SysNoise.Tests.Support;
using Xunit.Abstractions;

namespace SysNoise.Tests.Decode;

/// <summary>Decode kernels compile to PTX (with or without a GPU); the decode CLI; TurboJPEG agrees with the variants.</summary>
public sealed class DecodePtxAndCliTests(ITestOutputHelper output)
{
    [Fact]
    public void EveryDecodeKernelCompilesToPtx()
    {
        MethodInfo idct = typeof(JpegKernels).GetMethod(nameof(JpegKernels.IdctBlocks))!;
        MethodInfo[] kernels =
        [
            idct.MakeGenericMethod(typeof(int), typeof(int), typeof(IslowIdct)),
            idct.MakeGenericMethod(typeof(int), typeof(int), typeof(IfastIdct)),
            idct.MakeGenericMethod(typeof(int), typeof(int), typeof(IfastCIdct)),
            idct.MakeGenericMethod(typeof(float), typeof(float), typeof(FloatSimdIdct)),
            idct.MakeGenericMethod(typeof(float), typeof(float), typeof(FloatCIdct)),
            idct.MakeGenericMethod(typeof(FfmpegDequant), typeof(int), typeof(FfmpegIdct)),
            typeof(JpegKernels).GetMethod(nameof(JpegKernels.OutputPixels))!,
            typeof(SwscaleOutput).GetMethod(nameof(SwscaleOutput.Kernel))!,
        ];
        using var compiler = new PtxCompiler();
        foreach (MethodInfo kernel in kernels)
        {
            string ptx = compiler.Compile(kernel);
            Assert.Contains(".entry", ptx, StringComparison.Ordinal);
            if (kernel.IsGenericMethod && kernel.GetGenericArguments()[0] == typeof(float))
            {
                // Float IDCTs round every operation once: never contracted into FMA by ptxas.
                Assert.DoesNotContain("fma.", ptx, StringComparison.Ordinal);
                Assert.Contains("mul.rn.f32", ptx, StringComparison.Ordinal);
            }

            output.WriteLine($"{kernel}: {ptx.Length} chars of PTX for {compiler.Architecture}");
        }
    }

    [Fact]
    public void TurboJpegAgreesWithTheVariantsItCanSelect()
    {
        using var turbo = new TurboJpegDecoder();
        (LibjpegDecodeVariant Variant, int Flags)[] pairs =
        [
            (DecodeVariants.LibjpegIslow, 0), (DecodeVariants.LibjpegIfast, TurboJpegDecoder.FlagFastDct),
            (DecodeVariants.LibjpegIslowSimple, TurboJpegDecoder.FlagFastUpsample),
            (DecodeVariants.LibjpegIfastSimple, TurboJpegDecoder.FlagFastDct | TurboJpegDecoder.FlagFastUpsample),
        ];
        foreach (string file in JpegCorpus.Files.Where((_, i) => i % 2 == 0))
        {
            byte[] jpeg = File.ReadAllBytes(file);
            (int w, int h, bool gray) = turbo.Header(jpeg);
            foreach ((LibjpegDecodeVariant variant, int flags) in pairs)
            {
                var expected = new byte[w * h * (gray ? 1 : 3)];
                turbo.Decode(jpeg, expected, w, h, gray, flags);
                string? diff = Compare.Bytes(expected, variant.Decode(HostDevice.Shared, jpeg, file, JpegLimits.Default).Pixels.Data);
                Assert.True(diff is null, $"{variant.Name} vs TurboJPEG flags {flags} on {Path.GetFileName(file)} (seed {JpegCorpus.Seed}): {diff}");
            }
        }

        output.WriteLine($"seed {JpegCorpus.Seed}: {JpegCorpus.Files.Count / 2} files × 4 variants identical to tjDecompress2");
    }

    [Fact]
    public void DecodeVerbWritesTheVariantsPixels()
    {
        string file = JpegCorpus.Files.First(f => f.Contains("_420_", StringComparison.Ordinal));
        string npy = Path.Combine(Path.GetTempPath(), $"sysnoise-decode-{Guid.NewGuid():N}.npy");
        try
        {
            (int code, string stdout, string stderr) = CliTests.Run("decode", "--variant", "libjpeg-ifast", "--device", "host", file, npy);
            Assert.True(code == 0, stderr);
            Assert.Contains("libjpeg-ifast", stdout, StringComparison.Ordinal);
            var written = (Tensor<byte>)NpyFormat.Read(npy);
            Tensor<byte> expected = DecodeVariants.LibjpegIfast.Decode(HostDevice.Shared, File.ReadAllBytes(file), file, JpegLimits.Default).Pixels;
            Assert.Equal(expected.Shape, written.Shape);
            Assert.Equal(expected.Data, written.Data);
        }
        finally
        {
            File.Delete(npy);
        }
    }

    [Fact]
    public void DecodeVerbDumpsCoefficients()
    {
        string file = JpegCorpus.Files.First(f => f.Contains("_420_", StringComparison.Ordinal));
        string dir = Path.Combine(Path.GetTempPath(), $"sysnoise-coef-{Guid.NewGuid():N}");
        try
        {
            (int code, _, string stderr) = CliTests.Run("decode", "--coefficients", file, dir);
            Assert.True(code == 0, stderr);
            JpegCoefficients c = JpegCoefficients.Read(File.ReadAllBytes(file), file);
            Assert.Equal(3, c.Components.Count);
            for (int ci = 0; ci < 3; ci++)
            {
                var blocks = (Tensor<short>)NpyFormat.Read(Path.Combine(dir, $"component{ci}.npy"));
                Assert.Equal(new[] { c.Components[ci].HeightInBlocks, c.Components[ci].WidthInBlocks, 8, 8 }, blocks.Shape);
                Assert.Equal(c.Components[ci].Blocks, blocks.Data);
                var quant = (Tensor<int>)NpyFormat.Read(Path.Combine(dir, $"quant{ci}.npy"));
                Assert.Equal(c.Components[ci].Quant.Select(q => (int)q), quant.Data);
            }

            string info = File.ReadAllText(Path.Combine(dir, "info.json"));
            Assert.Contains("\"sampling\": \"4:2:0\"", info, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Theory]
    [InlineData("bad-variant")]
    [InlineData("truncated")]
    [InlineData("empty")]
    [InlineData("over-limit")]
    public void DecodeVerbGivesOneLineErrors(string problem)
    {
        string file = Path.Combine(Path.GetTempPath(), $"sysnoise-bad-{Guid.NewGuid():N}.jpg");
        byte[] good = File.ReadAllBytes(JpegCorpus.Files.First(f => f.Contains("_420_", StringComparison.Ordinal)));
        File.WriteAllBytes(file, problem switch { "truncated" => good[..20], "empty" => [], _ => good });
        try
        {
            string[] args = problem switch
            {
                "bad-variant" => ["decode", "--variant", "pillow-bilinear", file, file + ".npy"],
                "over-limit" => ["decode", "--variant", "libjpeg-islow", "--max-pixels", "1", file, file + ".npy"],
                _ => ["decode", "--variant", "libjpeg-islow", file, file + ".npy"],
            };
            (int code, _, string stderr) = CliTests.Run(args);
            Assert.Equal(2, code);
            string line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            Assert.StartsWith("sysnoise: error:", line, StringComparison.Ordinal);
            if (problem != "bad-variant")
            {
                Assert.Contains(file, line, StringComparison.Ordinal);
            }

            output.WriteLine(line);
        }
        finally
        {
            File.Delete(file);
        }
    }
}
