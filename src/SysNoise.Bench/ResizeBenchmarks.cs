using BenchmarkDotNet.Attributes;
using OpenCvSharp;
using SysNoise.Runtime.Devices;
using SysNoise.Runtime.Resize;
using SysNoise.Runtime.Tensors;
using SysNoise.Runtime.Variants;

namespace SysNoise.Bench;

/// <summary>
/// Every resize variant's host path on RGB 500×375 and 1920×1080 → 224×224, on 1 and 2 threads (the scaling; Pillow
/// itself runs on one thread, OpenCV's peer run below uses the same thread count).
/// </summary>
[Config(typeof(BenchConfig))]
public class ResizeBenchmarks
{
    private IResizeVariant variant = null!;
    private HostDevice device = null!;
    private Tensor<byte> image = null!;

    public static IEnumerable<string> VariantNames => VariantRegistry.Resize.Select(v => v.Name);

    [ParamsSource(nameof(VariantNames))]
    public string Variant { get; set; } = string.Empty;

    [ParamsSource(typeof(Peers), nameof(Peers.InputSizes))]
    public string Input { get; set; } = string.Empty;

    [Params(1, 2)]
    public int Threads { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        variant = VariantRegistry.Get<IResizeVariant>(Variant);
        device = new HostDevice(Threads);
        image = Peers.Image(Input);
        variant.Resize(device, image, 224, 224); // build and cache the plan outside the measurement
    }

    [Benchmark(Description = "SysNoise host")]
    public Tensor<byte> SysNoise() => variant.Resize(device, image, 224, 224);
}

/// <summary>OpenCV 4.13 (OpenCvSharp, in-process, <c>cv::setNumThreads</c> = Threads) for each opencv-* method, in the same run.</summary>
[Config(typeof(BenchConfig))]
public class OpenCvPeerBenchmarks
{
    private Mat mat = null!;
    private Mat matOut = null!;
    private InterpolationFlags flag;

    public static IEnumerable<string> VariantNames => VariantRegistry.Resize.Select(v => v.Name)
        .Where(v => v.StartsWith("opencv-", StringComparison.Ordinal) && Peers.OpenCvInterpolation(v) is not null);

    [ParamsSource(nameof(VariantNames))]
    public string Variant { get; set; } = string.Empty;

    [ParamsSource(typeof(Peers), nameof(Peers.InputSizes))]
    public string Input { get; set; } = string.Empty;

    [Params(1, 2)]
    public int Threads { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        Cv2.SetNumThreads(Threads);
        flag = Peers.OpenCvInterpolation(Variant)!.Value;
        Tensor<byte> image = Peers.Image(Input);
        // Native memory, copied in: a Mat over a managed array depends on its pin.
        mat = new Mat(image.Shape[0], image.Shape[1], MatType.CV_8UC3);
        System.Runtime.InteropServices.Marshal.Copy(image.Data, 0, mat.Data, image.Data.Length);
        matOut = new Mat();
    }

    [Benchmark(Description = "OpenCV 4.13 (OpenCvSharp)")]
    public Mat OpenCv()
    {
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
