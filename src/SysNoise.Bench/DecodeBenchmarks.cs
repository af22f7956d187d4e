using System.Diagnostics;
using BenchmarkDotNet.Attributes;
using OpenCvSharp;
using SysNoise.Runtime.Decode;
using SysNoise.Runtime.Devices;
using SysNoise.Runtime.Native;

namespace SysNoise.Bench;

/// <summary>
/// JPEG decode: every libjpeg-* variant's host path (file bytes → RGB: entropy decoding by libjpeg-turbo, then the
/// SysNoise kernels) against libjpeg-turbo's own decode in the same process: TurboJPEG <c>tjDecompress2</c> (SIMD)
/// where TurboJPEG can select the variant's DCT, else the libjpeg API through the shim (same library, SIMD).
/// Inputs: a real photograph (opencv-doc aloeL.jpg) resized to 500×375 and 1920×1080 and encoded 4:2:0, q90. SysNoise
/// runs on 1 and 2 threads (libjpeg-turbo decodes on one thread either way).
/// </summary>
[Config(typeof(BenchConfig))]
public class DecodeBenchmarks
{
    private IDecodeVariant variant = null!;
    private TurboJpegDecoder turbo = null!;
    private byte[] jpeg = null!;
    private byte[] destination = null!;
    private (int Width, int Height, bool Gray) header;

    public static IEnumerable<string> VariantNames => DecodeVariants.All.Where(v => v.Name.StartsWith("libjpeg-", StringComparison.Ordinal)).Select(v => v.Name);

    [ParamsSource(nameof(VariantNames))]
    public string Variant { get; set; } = string.Empty;

    [ParamsSource(typeof(Peers), nameof(Peers.InputSizes))]
    public string Input { get; set; } = string.Empty;

    [Params(1, 2)]
    public int Threads { get; set; }

    private HostDevice device = null!;

    [GlobalSetup]
    public void Setup()
    {
        variant = DecodeVariants.All.Single(v => v.Name == Variant);
        device = new HostDevice(Threads);
        jpeg = Photograph(Input);
        turbo = new TurboJpegDecoder();
        header = turbo.Header(jpeg);
        destination = new byte[header.Width * header.Height * 3];
    }

    [GlobalCleanup]
    public void Cleanup() => turbo.Dispose();

    [Benchmark(Description = "SysNoise host")]
    public DecodedImage SysNoise() => variant.Decode(device, jpeg, Input, JpegLimits.Default);

    [Benchmark(Description = "libjpeg-turbo")]
    public void LibjpegTurbo() => PeerDecode(variant, turbo, jpeg, destination, header);

    /// <summary>The peer: which libjpeg-turbo call decodes the same way as the variant.</summary>
    public static string PeerName(string variantName) => TurboFlags(DecodeVariants.All.OfType<LibjpegDecodeVariant>().Single(v => v.Name == variantName).Settings) is null
        ? "libjpeg API (shim, SIMD)"
        : "TurboJPEG tjDecompress2 (SIMD)";

    private static int? TurboFlags(JpegDecodeSettings s) => s.Idct switch
    {
        IdctMethod.Islow => s.FancyUpsampling ? 0 : TurboJpegDecoder.FlagFastUpsample,
        IdctMethod.Ifast => TurboJpegDecoder.FlagFastDct | (s.FancyUpsampling ? 0 : TurboJpegDecoder.FlagFastUpsample),
        _ => null, // TurboJPEG cannot select the float IDCT
    };

    private static void PeerDecode(IDecodeVariant variant, TurboJpegDecoder turbo, byte[] jpeg, byte[] destination, (int Width, int Height, bool Gray) header)
    {
        var settings = ((LibjpegDecodeVariant)variant).Settings;
        if (TurboFlags(settings) is int flags)
        {
            turbo.Decode(jpeg, destination, header.Width, header.Height, header.Gray, flags);
            return;
        }

        var options = new JpegDecodeOptions { DctMethod = settings.Idct == IdctMethod.IfastC ? 1 : 2, DisableFancyUpsampling = settings.FancyUpsampling ? 0 : 1 };
        LibjpegReference.Decode(jpeg, options, JpegLimits.Default, "bench", out _);
    }

    /// <summary>aloeL.jpg from opencv-doc resized (OpenCV INTER_AREA/CUBIC) to WxH and encoded by cjpeg 4:2:0 q90.</summary>
    public static byte[] Photograph(string size)
    {
        (int w, int h) = Peers.ParseSize(size);
        using Mat src = Cv2.ImRead("/usr/share/doc/opencv-doc/examples/data/aloeL.jpg", ImreadModes.Color);
        if (src.Empty())
        {
            throw new InvalidOperationException("opencv-doc's aloeL.jpg is missing: run scripts/install-deps.sh");
        }

        using var resized = new Mat();
        Cv2.Resize(src, resized, new Size(w, h), 0, 0, w < src.Cols ? InterpolationFlags.Area : InterpolationFlags.Cubic);
        string ppm = Path.Combine(Path.GetTempPath(), $"sysnoise-bench-{size}.ppm");
        Cv2.ImWrite(ppm, resized);
        var info = new ProcessStartInfo("cjpeg") { RedirectStandardOutput = true, UseShellExecute = false };
        foreach (string a in new[] { "-quality", "90", "-sample", "2x2", ppm })
        {
            info.ArgumentList.Add(a);
        }

        using var process = Process.Start(info)!;
        using var ms = new MemoryStream();
        process.StandardOutput.BaseStream.CopyTo(ms);
        process.WaitForExit();
        File.Delete(ppm);
        return ms.ToArray();
    }
}
