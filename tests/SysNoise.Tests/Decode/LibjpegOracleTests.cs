using SysNoise.Runtime.Decode;
using SysNoise.Runtime.Devices;
using SysNoise.Runtime.Native;
using SysNoise.Tests.Support;
using Xunit.Abstractions;

namespace SysNoise.Tests.Decode;

/// <summary>Every libjpeg-* variant against djpeg from libjpeg-turbo 2.1.5 (Debian), run live on this run's corpus.</summary>
public sealed class LibjpegOracleTests(ITestOutputHelper output)
{
    public static TheoryData<string> Variants => new(DecodeVariants.All.OfType<LibjpegDecodeVariant>().Where(v => v.Name.StartsWith("libjpeg-", StringComparison.Ordinal)).Select(v => v.Name));

    [Theory]
    [MemberData(nameof(Variants))]
    public void MatchesDjpegOnCorpus(string variantName)
    {
        var variant = DecodeVariants.All.OfType<LibjpegDecodeVariant>().Single(v => v.Name == variantName);
        var args = new List<string> { "-dct", variant.Settings.Idct switch { IdctMethod.Islow => "int", IdctMethod.Ifast or IdctMethod.IfastC => "fast", _ => "float" } };
        if (!variant.Settings.FancyUpsampling)
        {
            args.Add("-nosmooth");
        }

        // ISLOW claims the SIMD and the plain-C build alike and is checked against both. IFAST and FLOAT follow the
        // SIMD code: the plain-C IFAST clamps with the range-limit table's wrap-around where the SSE2 code saturates,
        // which shows on rare real files (seen: 12 bytes of one q30 file in 170), and FLOAT differs outright.
        Dictionary<string, string>? forceNone = new() { ["JSIMD_FORCENONE"] = "1" };
        List<Dictionary<string, string>?> builds = variant.Settings.Idct switch
        {
            IdctMethod.FloatC or IdctMethod.IfastC => [forceNone],
            IdctMethod.Islow => [null, forceNone],
            _ => [null],
        };
        var failures = new List<string>();
        foreach (Dictionary<string, string>? env in builds)
        {
            failures.AddRange(CompareWithDjpeg(variant, args, env));
        }

        output.WriteLine($"{variantName}: {failures.Count} differing files over {builds.Count} build(s) × {JpegCorpus.Files.Count} files");
        Assert.True(failures.Count == 0, $"{variantName} vs djpeg (seed {JpegCorpus.Seed}):\n{string.Join('\n', failures.Take(30))}");
    }

    private List<string> CompareWithDjpeg(LibjpegDecodeVariant variant, List<string> args, Dictionary<string, string>? env)
    {
        string build = env is null ? string.Empty : "JSIMD_FORCENONE=1 ";
        output.WriteLine($"seed {JpegCorpus.Seed} (SYSNOISE_SEED replays), {JpegCorpus.Files.Count} files, oracle: {build}djpeg {string.Join(' ', args)}");
        var failures = new List<string>();
        foreach (string file in JpegCorpus.Files)
        {
            Tool.Result djpeg = Tool.Run("djpeg", [.. args, file], env);
            Assert.True(djpeg.ExitCode == 0, $"djpeg failed on {file}: {djpeg.Stderr}");
            (byte[] expected, int h, int w, int ch) = Pnm.Parse(djpeg.Stdout);
            DecodedImage ours = variant.Decode(HostDevice.Shared, File.ReadAllBytes(file), file, JpegLimits.Default);
            if (ours.Pixels.Shape[0] != h || ours.Pixels.Shape[1] != w || ours.Pixels.Shape[2] != ch)
            {
                failures.Add($"{build}{Path.GetFileName(file)}: shape {ours.Pixels.ShapeText} vs djpeg {h}x{w}x{ch}");
                continue;
            }

            int differing = 0, maxDiff = 0, first = -1;
            for (int i = 0; i < expected.Length; i++)
            {
                int d = Math.Abs(expected[i] - ours.Pixels.Data[i]);
                if (d != 0)
                {
                    differing++;
                    maxDiff = Math.Max(maxDiff, d);
                    first = first < 0 ? i : first;
                }
            }

            if (differing != 0)
            {
                failures.Add($"{build}{Path.GetFileName(file)}: {differing} differing bytes, max diff {maxDiff}, first at byte {first} (y={first / ch / w}, x={first / ch % w}, c={first % ch})");
            }
        }

        return failures;
    }

    /// <summary>The variants are different decoders, not one decode under several names: measured on this run's corpus.</summary>
    [Fact]
    public void VariantsDifferWhereTheLibraryDiffers()
    {
        (string A, string B)[] pairs =
        [
            ("libjpeg-float", "libjpeg-float-c"), ("libjpeg-islow", "libjpeg-ifast"), ("libjpeg-islow", "libjpeg-float"), ("libjpeg-islow", "libjpeg-islow-simple"),
        ];
        foreach ((string a, string b) in pairs)
        {
            IDecodeVariant va = DecodeVariants.All.Single(v => v.Name == a), vb = DecodeVariants.All.Single(v => v.Name == b);
            int differingFiles = 0;
            long differingBytes = 0, total = 0;
            foreach (string file in JpegCorpus.Files)
            {
                byte[] bytes = File.ReadAllBytes(file);
                byte[] x = va.Decode(HostDevice.Shared, bytes, file, JpegLimits.Default).Pixels.Data;
                byte[] y = vb.Decode(HostDevice.Shared, bytes, file, JpegLimits.Default).Pixels.Data;
                int d = 0;
                for (int i = 0; i < x.Length; i++)
                {
                    d += x[i] != y[i] ? 1 : 0;
                }

                differingFiles += d > 0 ? 1 : 0;
                differingBytes += d;
                total += x.Length;
            }

            output.WriteLine($"{a} vs {b}: {differingFiles}/{JpegCorpus.Files.Count} files differ, {100.0 * differingBytes / total:0.###}% of bytes");
            Assert.True(differingFiles > 0, $"{a} and {b} decoded all {JpegCorpus.Files.Count} files identically");
        }
    }

    /// <summary>
    /// Truncated progressive files, where libjpeg-turbo estimates missing AC (and DC) coefficients by block smoothing:
    /// every libjpeg-* variant against djpeg.
    /// </summary>
    [Fact]
    public void TruncatedProgressiveFilesMatchDjpeg()
    {
        var rng = new Random(JpegCorpus.Seed);
        string dir = Directory.CreateTempSubdirectory("sysnoise-progressive-").FullName;
        try
        {
            var files = new List<string>();
            for (int i = 0; files.Count < 24 && i < 200; i++)
            {
                string src = JpegCorpus.Files[rng.Next(JpegCorpus.Files.Count)];
                string ppm = Path.Combine(dir, "src.ppm");
                File.WriteAllBytes(ppm, Tool.Run("djpeg", ["-pnm", src]).Stdout);
                string[] samplings = ["1x1", "2x1", "2x2", "1x2", "4x1"];
                byte[] p = Tool.Run("cjpeg", ["-progressive", "-quality", (50 + rng.Next(50)).ToString(System.Globalization.CultureInfo.InvariantCulture), "-sample", samplings[i % 5], ppm]).Stdout;
                byte[] cut = p[..(p.Length / 5 + rng.Next(p.Length * 4 / 5))];
                if (!NeedsSmoothing(cut))
                {
                    continue; // cut inside a header (an error, covered by the hostile test) or all AC data arrived
                }

                string file = Path.Combine(dir, $"truncated-{files.Count:00}.jpg");
                File.WriteAllBytes(file, cut);
                files.Add(file);
            }

            output.WriteLine($"seed {JpegCorpus.Seed}: {files.Count} truncated progressive files that libjpeg smooths");
            Assert.True(files.Count >= 10);
            foreach (LibjpegDecodeVariant variant in DecodeVariants.All.OfType<LibjpegDecodeVariant>().Where(v => v.Name.StartsWith("libjpeg-", StringComparison.Ordinal)))
            {
                var args = new List<string> { "-dct", variant.Settings.Idct switch { IdctMethod.Islow => "int", IdctMethod.Ifast or IdctMethod.IfastC => "fast", _ => "float" } };
                if (!variant.Settings.FancyUpsampling)
                {
                    args.Add("-nosmooth");
                }

                Dictionary<string, string>? env = variant.Settings.Idct is IdctMethod.FloatC or IdctMethod.IfastC ? new() { ["JSIMD_FORCENONE"] = "1" } : null;
                foreach (string file in files)
                {
                    (byte[] expected, _, _, _) = Pnm.Parse(Tool.Run("djpeg", [.. args, file], env).Stdout);
                    byte[] ours = variant.Decode(HostDevice.Shared, File.ReadAllBytes(file), file, JpegLimits.Default).Pixels.Data;
                    string? diff = Compare.Bytes(expected, ours);
                    Assert.True(diff is null, $"{variant.Name} on {Path.GetFileName(file)} (seed {JpegCorpus.Seed}): {diff}");
                }
            }
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static bool NeedsSmoothing(byte[] jpeg)
    {
        try
        {
            return JpegCoefficients.Read(jpeg, "probe").NeedsBlockSmoothing;
        }
        catch (SysNoise.Runtime.IO.SysNoiseIOException)
        {
            return false;
        }
    }
}
