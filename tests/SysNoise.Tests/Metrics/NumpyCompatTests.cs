using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using SysNoise.Runtime.Metrics;
using SysNoise.Tests.Oracles;
using SysNoise.Tests.Support;
using Xunit.Abstractions;

namespace SysNoise.Tests.Metrics;

/// <summary>NumpyCompat against Debian's NumPy and Python, live, on fresh random inputs every run (bit for bit).</summary>
public sealed class NumpyCompatTests(ITestOutputHelper output) : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("sysnoise-numpy-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    [Fact]
    public void LinspaceMeanNanmeanAndFormatMatchNumpyAndPython()
    {
        int seed = RandomImages.RunSeed;
        output.WriteLine($"seed {seed} (SYSNOISE_SEED={seed} replays)");
        var rng = new Random(seed);

        // linspace: COCO's two, then random ranges and counts.
        var linspace = new List<(double Start, double Stop, int Num)> { (0.5, 0.95, 10), (0.0, 1.0, 101) };
        for (int i = 0; i < 60; i++)
        {
            double start = (rng.NextDouble() - 0.5) * Math.Pow(10, rng.Next(-3, 4));
            double stop = rng.Next(8) == 0 ? start : (rng.NextDouble() - 0.5) * Math.Pow(10, rng.Next(-3, 4));
            linspace.Add((start, stop, rng.Next(1, 300)));
        }

        // mean: lengths around every pairwise-summation boundary (8, 128, 8192 chunks) and COCO's sizes (10·101·80 = 80800).
        int[] lengths = [1, 2, 7, 8, 9, 15, 16, 17, 127, 128, 129, 255, 256, 257, 1000, 8191, 8192, 8193, 16385, 80800, .. Enumerable.Range(0, 20).Select(_ => rng.Next(1, 30000))];
        var means = lengths.Select(n => Enumerable.Range(0, n).Select(_ => RandomValue(rng)).ToArray()).ToList();

        // nanmean: per-class IoU vectors with NaN holes.
        var nanmeans = Enumerable.Range(0, 30).Select(_ =>
            Enumerable.Range(0, rng.Next(1, 200)).Select(_ => rng.Next(4) == 0 ? double.NaN : rng.NextDouble()).ToArray()).ToList();

        // format: exact ties (k/2^m), values near a rounding boundary, negatives, −0, large and tiny values.
        var formats = new List<(double Value, int Decimals)> { (0.0625, 3), (0.0005, 3), (0.0015, 3), (2.675, 2), (-0.0, 3), (-0.0004, 3), (-1, 3), (1 - 1e-17, 3), (0.9995, 3), (1e20, 3), (5e-324, 3), (0.125, 2), (0.375, 2) };
        for (int i = 0; i < 300; i++)
        {
            int decimals = rng.Next(0, 7);
            double v = rng.Next(3) switch
            {
                0 => rng.Next(-4096, 4096) / Math.Pow(2, rng.Next(1, 14)), // dyadic: exact decimal ties happen
                1 => Math.Round(rng.NextDouble() * 1000, decimals) + (Math.Pow(10, -decimals) / 2) * (rng.Next(2) == 0 ? 1 : -1), // near a tie
                _ => (rng.NextDouble() - 0.5) * Math.Pow(10, rng.Next(-6, 8)),
            };
            formats.Add((v, decimals));
        }

        var cases = new JsonObject
        {
            ["linspace"] = new JsonArray([.. linspace.Select(l => (JsonNode)new JsonArray(Hex(l.Start), Hex(l.Stop), l.Num))]),
            ["mean"] = new JsonArray([.. means.Select(a => (JsonNode)new JsonArray([.. a.Select(v => (JsonNode)Hex(v))]))]),
            ["nanmean"] = new JsonArray([.. nanmeans.Select(a => (JsonNode)new JsonArray([.. a.Select(v => (JsonNode)Hex(v))]))]),
            ["format"] = new JsonArray([.. formats.Select(f => (JsonNode)new JsonArray(Hex(f.Value), f.Decimals))]),
        };
        string path = Path.Combine(dir, "cases.json");
        File.WriteAllText(path, cases.ToJsonString());
        using JsonDocument result = JsonDocument.Parse(PythonOracle.Run(PythonOracle.Script("numpy_compat.py"), path));
        JsonElement root = result.RootElement;

        int checkedCount = 0;
        for (int i = 0; i < linspace.Count; i++)
        {
            double[] expected = [.. root.GetProperty("linspace")[i].EnumerateArray().Select(e => FromHex(e.GetString()!))];
            double[] actual = NumpyCompat.Linspace(linspace[i].Start, linspace[i].Stop, linspace[i].Num);
            Assert.True(expected.SequenceEqual(actual), $"linspace({linspace[i].Start:R}, {linspace[i].Stop:R}, {linspace[i].Num}) differs from NumPy (seed {seed})");
            checkedCount++;
        }

        for (int i = 0; i < means.Count; i++)
        {
            double expected = FromHex(root.GetProperty("mean")[i].GetString()!);
            Assert.True(expected.Equals(NumpyCompat.Mean(means[i])), $"mean of {means[i].Length} values: NumPy {expected:R}, ours {NumpyCompat.Mean(means[i]):R} (seed {seed})");
            checkedCount++;
        }

        for (int i = 0; i < nanmeans.Count; i++)
        {
            double expected = FromHex(root.GetProperty("nanmean")[i].GetString()!);
            double actual = SegmentationConfusion.NanMean(nanmeans[i]);
            Assert.True(expected.Equals(actual), $"nanmean of {nanmeans[i].Length} values: NumPy {expected:R}, ours {actual:R} (seed {seed})");
            checkedCount++;
        }

        for (int i = 0; i < formats.Count; i++)
        {
            string expected = root.GetProperty("format")[i].GetString()!;
            Assert.True(expected == NumpyCompat.FormatFixed(formats[i].Value, formats[i].Decimals),
                $"'{{:0.{formats[i].Decimals}f}}'.format({formats[i].Value:R}): Python '{expected}', ours '{NumpyCompat.FormatFixed(formats[i].Value, formats[i].Decimals)}' (seed {seed})");
            checkedCount++;
        }

        output.WriteLine($"{checkedCount} cases identical to NumPy / Python: {linspace.Count} linspace, {means.Count} mean, {nanmeans.Count} nanmean, {formats.Count} format");
    }

    private static double RandomValue(Random rng) => rng.Next(3) switch
    {
        0 => rng.NextDouble(),
        1 => rng.Next(2) == 0 ? -1 : rng.NextDouble() * 1e-3,
        _ => (rng.NextDouble() - 0.3) * 1e5,
    };

    private static string Hex(double v)
    {
        // Python's float.fromhex reads "0x1.<13 hex digits>p<exp>", signed zero, subnormals and "nan".
        if (double.IsNaN(v))
        {
            return "nan";
        }

        if (v == 0)
        {
            return double.IsNegative(v) ? "-0x0.0p+0" : "0x0.0p+0";
        }

        long bits = BitConverter.DoubleToInt64Bits(v);
        string sign = bits < 0 ? "-" : string.Empty;
        int exp = (int)((bits >> 52) & 0x7FF);
        long mantissa = bits & 0xFFFFFFFFFFFFFL;
        return exp == 0
            ? $"{sign}0x0.{mantissa:x13}p-1022"
            : $"{sign}0x1.{mantissa:x13}p{(exp - 1023).ToString("+0;-0", CultureInfo.InvariantCulture)}";
    }

    internal static double FromHex(string hex)
    {
        // float.hex output: [-]0x1.hhhhp±e, 0x0.0p+0, or nan (np.nanmean of all-NaN).
        if (hex == "nan")
        {
            return double.NaN;
        }

        bool negative = hex.StartsWith('-');
        string h = negative ? hex[1..] : hex;
        int p = h.IndexOf('p', StringComparison.Ordinal);
        string[] parts = h[2..p].Split('.');
        int exponent = int.Parse(h[(p + 1)..], CultureInfo.InvariantCulture);
        string frac = parts.Length > 1 ? parts[1] : string.Empty;
        double value = long.Parse(parts[0], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
        double scale = 1.0 / 16;
        foreach (char c in frac)
        {
            value += int.Parse(c.ToString(), NumberStyles.HexNumber, CultureInfo.InvariantCulture) * scale;
            scale /= 16;
        }

        value = Math.ScaleB(value, exponent);
        return negative ? -value : value;
    }
}
