using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using OpenCvSharp;

namespace SysNoise.Bench;

/// <summary>The peer libraries each variant is compared against.</summary>
public static class Peers
{
    public static IEnumerable<string> InputSizes => ["500x375", "1920x1080"];

    /// <summary>A deterministic random RGB image of the given size.</summary>
    public static SysNoise.Runtime.Tensors.Tensor<byte> Image(string size)
    {
        (int w, int h) = ParseSize(size);
        var data = new byte[h * w * 3];
        new Random(42).NextBytes(data);
        return new SysNoise.Runtime.Tensors.Tensor<byte>(data, h, w, 3);
    }

    public static (int Width, int Height) ParseSize(string text)
    {
        string[] p = text.Split('x');
        return (int.Parse(p[0], CultureInfo.InvariantCulture), int.Parse(p[1], CultureInfo.InvariantCulture));
    }

    public static InterpolationFlags? OpenCvInterpolation(string variant)
    {
        int dash = variant.IndexOf('-', StringComparison.Ordinal);
        if (dash < 0 || !variant.StartsWith("opencv", StringComparison.Ordinal))
        {
            return null;
        }

        return variant[(dash + 1)..] switch
        {
            "nearest" => InterpolationFlags.Nearest,
            "linear" => InterpolationFlags.Linear,
            "area" => InterpolationFlags.Area,
            "cubic" => InterpolationFlags.Cubic,
            "lanczos4" => InterpolationFlags.Lanczos4,
            "nearest-exact" => (InterpolationFlags)6, // INTER_NEAREST_EXACT; OpenCvSharp names no member for it
            "linear-exact" => InterpolationFlags.LinearExact,
            _ => null,
        };
    }

    /// <summary>Runs the Python peer timings (Pillow 9.4, OpenCV 4.6) in this run: "variant@WxH" → µs.</summary>
    public static Dictionary<string, double> PythonTimings(IEnumerable<string> variants, IEnumerable<string> inputs)
    {
        var cases = variants
            .Where(v => v.StartsWith("pillow", StringComparison.Ordinal) || v.StartsWith("opencv4.6", StringComparison.Ordinal))
            .SelectMany(v => inputs.Select(i => new { variant = v, @in = ParseSize(i) is var (w, h) ? new[] { w, h } : null, @out = new[] { 224, 224 } }))
            .ToList();
        string file = Path.GetTempFileName();
        File.WriteAllText(file, JsonSerializer.Serialize(cases));
        try
        {
            var info = new ProcessStartInfo("/usr/bin/python3") { RedirectStandardOutput = true, UseShellExecute = false };
            info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "peers", "peer_resize_timings.py"));
            info.ArgumentList.Add(file);
            using var p = Process.Start(info)!;
            string json = p.StandardOutput.ReadToEnd();
            p.WaitForExit();
            return p.ExitCode == 0 ? JsonSerializer.Deserialize<Dictionary<string, double>>(json) ?? [] : [];
        }
        finally
        {
            File.Delete(file);
        }
    }
}
