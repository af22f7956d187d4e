using System.Diagnostics;
using SysNoise.Runtime.Decode;
using SysNoise.Runtime.Devices;
using SysNoise.Runtime.IO;
using SysNoise.Runtime.Native;
using SysNoise.Tests.Oracles;
using SysNoise.Tests.Support;
using Xunit.Abstractions;

namespace SysNoise.Tests.Decode;

/// <summary>
/// At least 300 mutated JPEGs (bit flips, truncation, zero length, garbage, huge headers, CMYK/YCCK, 12-bit,
/// arithmetic coding, missing EOI, huge restart interval). Each must end in exactly one of two ways: a clear
/// error naming the file, or exactly libjpeg-turbo's own decode (in-process, same library) with its warnings.
/// Never a crash, a hang or unbounded memory.
/// </summary>
public sealed class HostileJpegTests(ITestOutputHelper output)
{
    private static readonly TimeSpan DecodeTimeBound = TimeSpan.FromSeconds(20);

    [Fact]
    public void EveryMutatedFileIsAClearErrorOrLibjpegsExactDecode()
    {
        var rng = new Random(JpegCorpus.Seed);
        List<(string Kind, byte[] Bytes)> cases = MakeCases(rng);
        output.WriteLine($"seed {JpegCorpus.Seed}: {cases.Count} hostile files");
        Assert.True(cases.Count >= 300);

        int errors = 0, exact = 0, withWarnings = 0, smoothed = 0;
        var failures = new List<string>();
        var kinds = new SortedDictionary<string, (int Errors, int Exact)>();
        for (int i = 0; i < cases.Count; i++)
        {
            (string kind, byte[] bytes) = cases[i];
            string name = $"hostile-{i:000}-{kind}.jpg";
            (Exception? oursError, DecodedImage? ours) = TimedDecode(name, bytes, failures);
            (Exception? refError, byte[]? reference, JpegWarnings refWarnings) = Reference(name, bytes);
            (int e, int x) = kinds.GetValueOrDefault(kind);
            if (oursError is not null)
            {
                if (oursError is not SysNoiseIOException io || !io.Message.Contains(name, StringComparison.Ordinal))
                {
                    failures.Add($"{name}: not a clear error: {oursError.GetType().Name}: {oursError.Message}");
                }
                else if (refError is null)
                {
                    failures.Add($"{name}: we refused ({oursError.Message}) what libjpeg-turbo decodes");
                }

                errors++;
                kinds[kind] = (e + 1, x);
                continue;
            }

            if (ours is null)
            {
                continue; // timed out, already a failure
            }

            if (refError is not null)
            {
                failures.Add($"{name}: we decoded what libjpeg-turbo refuses ({refError.Message})");
                continue;
            }

            string? diff = Compare.Bytes(reference!, ours.Pixels.Data);
            if (diff is not null)
            {
                failures.Add($"{name}: differs from libjpeg-turbo: {diff}");
            }

            if (ours.Warnings.Count != refWarnings.Count || !ours.Warnings.Messages.SequenceEqual(refWarnings.Messages))
            {
                failures.Add($"{name}: warnings {ours.Warnings} vs libjpeg-turbo {refWarnings}");
            }

            exact++;
            withWarnings += ours.Warnings.Count > 0 ? 1 : 0;
            smoothed += JpegCoefficients.Read(bytes, name).NeedsBlockSmoothing ? 1 : 0;
            kinds[kind] = (e, x + 1);
        }

        output.WriteLine($"clear errors: {errors}; exact decodes: {exact} ({withWarnings} with warnings reported, {smoothed} with progressive block smoothing)");
        foreach ((string kind, (int e, int x)) in kinds)
        {
            output.WriteLine($"  {kind,-16} errors {e,4}  exact {x,4}");
        }

        Assert.True(failures.Count == 0, $"seed {JpegCorpus.Seed}:\n{string.Join('\n', failures.Take(25))}");
    }

    private static (Exception?, DecodedImage?) TimedDecode(string name, byte[] bytes, List<string> failures)
    {
        var clock = Stopwatch.StartNew();
        Task<DecodedImage> task = Task.Run(() => DecodeVariants.LibjpegIslow.Decode(HostDevice.Shared, bytes, name, JpegLimits.Default));
        try
        {
            if (!task.Wait(DecodeTimeBound))
            {
                failures.Add($"{name}: decode did not finish within {DecodeTimeBound.TotalSeconds} s");
                return (null, null);
            }

            return (null, task.Result);
        }
        catch (AggregateException ex)
        {
            return (ex.InnerException, null);
        }
        finally
        {
            _ = clock;
        }
    }

    private static (Exception?, byte[]?, JpegWarnings) Reference(string name, byte[] bytes)
    {
        try
        {
            byte[] pixels = LibjpegReference.Decode(bytes, default, JpegLimits.Default, name, out JpegWarnings warnings).Data;
            return (null, pixels, warnings);
        }
        catch (SysNoiseIOException ex)
        {
            return (ex, null, JpegWarnings.None);
        }
    }

    private static List<(string, byte[])> MakeCases(Random rng)
    {
        IReadOnlyList<string> corpus = JpegCorpus.Files;
        byte[] Pick() => File.ReadAllBytes(corpus[rng.Next(corpus.Count)]);
        var cases = new List<(string, byte[])>();

        for (int i = 0; i < 130; i++)
        {
            byte[] b = Pick();
            int flips = 1 + rng.Next(i % 3 == 0 ? 40 : 4);
            for (int f = 0; f < flips; f++)
            {
                int pos = rng.Next(b.Length);
                b[pos] ^= (byte)(1 << rng.Next(8));
            }

            cases.Add(("bitflip", b));
        }

        for (int i = 0; i < 70; i++)
        {
            byte[] b = Pick();
            cases.Add(("truncated", b[..rng.Next(b.Length)]));
        }

        for (int i = 0; i < 20; i++)
        {
            byte[] b = Pick();
            cases.Add(("no-eoi", b[..^2]));
        }

        cases.Add(("zero-length", []));
        for (int i = 0; i < 15; i++)
        {
            var b = new byte[1 + rng.Next(4000)];
            rng.NextBytes(b);
            if (i % 2 == 0 && b.Length > 2)
            {
                b[0] = 0xFF;
                b[1] = 0xD8; // a JPEG signature followed by garbage
            }

            cases.Add(("garbage", b));
        }

        for (int i = 0; i < 15; i++)
        {
            byte[] b = Pick();
            int sof = FindMarker(b, 0xC0, 0xC1, 0xC2);
            if (sof < 0)
            {
                continue;
            }

            // SOFn: FF Cn len(2) precision(1) height(2) width(2)
            int w = i % 3 == 0 ? 65500 : rng.Next(1, 65536), h = i % 3 == 0 ? 65500 : rng.Next(1, 65536);
            b[sof + 5] = (byte)(h >> 8);
            b[sof + 6] = (byte)h;
            b[sof + 7] = (byte)(w >> 8);
            b[sof + 8] = (byte)w;
            cases.Add(("huge-header", b));
        }

        for (int i = 0; i < 10; i++)
        {
            byte[] b = Pick();
            int sof = FindMarker(b, 0xC0, 0xC1, 0xC2);
            if (sof >= 0)
            {
                b[sof + 4] = 12; // declares 12-bit samples
                cases.Add(("12-bit", b));
            }
        }

        string dir = Directory.CreateTempSubdirectory("sysnoise-hostile-").FullName;
        try
        {
            string cmyk = Path.Combine(dir, "cmyk.jpg");
            PythonOracle.Run(PythonOracle.Script("make_cmyk_jpeg.py"), cmyk, rng.Next().ToString(System.Globalization.CultureInfo.InvariantCulture));
            byte[] c = File.ReadAllBytes(cmyk);
            cases.Add(("cmyk", c));
            int adobe = FindAdobeTransform(c);
            if (adobe >= 0)
            {
                byte[] y = (byte[])c.Clone();
                y[adobe] = 2; // Adobe transform 2: YCCK
                cases.Add(("ycck", y));
            }

            for (int i = 0; i < 20; i++)
            {
                string src = corpus[rng.Next(corpus.Count)];
                string ppm = Path.Combine(dir, "src.ppm");
                File.WriteAllBytes(ppm, Tool.Run("djpeg", ["-pnm", src]).Stdout);
                bool arithmetic = i % 2 == 0;
                string[] args = arithmetic ? ["-arithmetic", "-quality", "85"] : ["-restart", "65535B", "-quality", "85"];
                Tool.Result enc = Tool.Run("cjpeg", [.. args, ppm]);
                Assert.True(enc.ExitCode == 0, enc.Stderr);
                byte[] e = enc.Stdout;
                if (i % 4 >= 2)
                {
                    // and damaged as well
                    for (int f = 0; f < 3; f++)
                    {
                        e[rng.Next(e.Length)] ^= (byte)(1 << rng.Next(8));
                    }
                }

                cases.Add((arithmetic ? "arithmetic" : "huge-restart", e));
            }

            for (int i = 0; i < 25; i++)
            {
                // truncated progressive files exercise libjpeg's block smoothing
                string src = corpus[rng.Next(corpus.Count)];
                string ppm = Path.Combine(dir, "src.ppm");
                File.WriteAllBytes(ppm, Tool.Run("djpeg", ["-pnm", src]).Stdout);
                byte[] p = Tool.Run("cjpeg", ["-progressive", "-quality", "90", ppm]).Stdout;
                cases.Add(("prog-truncated", p[..(p.Length / 4 + rng.Next(p.Length * 3 / 4))]));
            }
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }

        return cases;
    }

    private static int FindMarker(byte[] b, params byte[] markers)
    {
        for (int i = 2; i + 9 < b.Length; i++)
        {
            if (b[i] == 0xFF && markers.Contains(b[i + 1]))
            {
                return i;
            }
        }

        return -1;
    }

    // APP14 "Adobe": FF EE len(2) "Adobe" version(2) flags0(2) flags1(2) transform(1)
    private static int FindAdobeTransform(byte[] b)
    {
        for (int i = 0; i + 16 < b.Length; i++)
        {
            if (b[i] == 0xFF && b[i + 1] == 0xEE && b[i + 4] == (byte)'A' && b[i + 5] == (byte)'d' && b[i + 6] == (byte)'o')
            {
                return i + 15;
            }
        }

        return -1;
    }
}
