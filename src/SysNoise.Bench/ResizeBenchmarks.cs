using BenchmarkDotNet.Attributes;
using OpenCvSharp;
using SysNoise.Runtime.Devices;
using SysNoise.Runtime.Resize;
using SysNoise.Runtime.Tensors;
using SysNoise.Runtime.Variants;

namespace SysNoise.Bench;

/// <summary>
/// Every resize variant's host path on RGB 500×375 and 1920×1080 → 224×224, and OpenCV 4.13
/// (OpenCvSharp, in-process) for the opencv-* variants in the same run. pillow-* variants run on one
/// thread, as Pillow does; opencv-* variants use every core, as OpenCV does by default.
/// </summary>
[Config(typeof(BenchConfig))]
public class ResizeBenchmarks
{
    private IResizeVariant variant = null!;
    private HostDevice device = null!;
    private Tensor<byte> image = null!;
    private Mat mat = null!;
    private Mat matOut = null!;

    public static IEnumerable<string> VariantNames => VariantRegistry.Resize.Select(v => v.Name);

    public static IEnumerable<string> InputSizes => ["500x375", "1920x1080"];

    [ParamsSource(nameof(VariantNames))]
    public string Variant { get; set; } = string.Empty;

    [ParamsSource(nameof(InputSizes))]
    public string Input { get; set; } = string.Empty;

    [GlobalSetup]
    public void Setup()
    {
        variant = VariantRegistry.Get<IResizeVariant>(Variant);
        device = Variant.StartsWith("pillow", StringComparison.Ordinal) ? new HostDevice(1) : HostDevice.Shared;
        (int w, int h) = Peers.ParseSize(Input);
        var rng = new Random(42);
        var data = new byte[h * w * 3];
        rng.NextBytes(data);
        image = new Tensor<byte>(data, h, w, 3);
        mat = Mat.FromPixelData(h, w, MatType.CV_8UC3, data);
        matOut = new Mat();
        variant.Resize(device, image, 224, 224); // build and cache the plan outside the measurement
    }

    [Benchmark(Description = "SysNoise host")]
    public Tensor<byte> SysNoise() => variant.Resize(device, image, 224, 224);

    [Benchmark(Description = "OpenCV 4.13 (OpenCvSharp)")]
    public Mat OpenCv()
    {
        if (Peers.OpenCvInterpolation(Variant) is not { } flag || Variant.StartsWith("opencv4.6", StringComparison.Ordinal))
        {
            return matOut; // no in-process peer for this variant; timed by the Python peer script instead
        }

        Cv2.Resize(mat, matOut, new Size(224, 224), 0, 0, flag);
        return matOut;
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        mat.Dispose();
        matOut.Dispose();
    }
}
