using SysNoise.Runtime.Decode;
using SysNoise.Runtime.Devices;
using SysNoise.Runtime.Model.Execution;
using SysNoise.Runtime.Model.Graph;
using SysNoise.Runtime.Model.Onnx;
using SysNoise.Runtime.Native;
using SysNoise.Runtime.Resize;
using SysNoise.Runtime.Tensors;
using SysNoise.Runtime.Variants;

namespace SysNoise.Runtime.Perf;

/// <summary>
/// Throughput of SysNoise's own kernels on one device (issue 7 §3): resize (end to end with transfers, and the kernels
/// alone on a resident input), JPEG decode (host entropy decoding + the device's IDCT/upsampling/colour kernels), and a
/// model's images/s at a batch size. The GPU peers (PyTorch, nvJPEG) are timed by scripts/gpu/peers.py on the same
/// machine; the host peers by <c>sysnoise perf</c>'s host mode.
/// </summary>
public sealed class DeviceThroughput(Device device, bool quick, Action<string>? log = null)
{
    private readonly int repeat = quick ? 5 : 20;

    public static readonly string[] ResizeVariants = ["pillow-bilinear", "pillow-bicubic", "opencv-linear", "opencv-cubic", "opencv-area", "opencv-nearest"];

    public static readonly (int Width, int Height)[] ResizeSources = [(500, 375), (1920, 1080)];

    public IEnumerable<PerfCase> Resize(int outSize = 224)
    {
        var rng = new Random(20261123);
        foreach ((int w, int h) in ResizeSources)
        {
            var pixels = new byte[w * h * 3];
            rng.NextBytes(pixels);
            var image = new Tensor<byte>(pixels, h, w, 3);
            foreach (string name in ResizeVariants)
            {
                var variant = VariantRegistry.Get<IResizeVariant>(name);
                double endToEnd = Timing.MedianMs(() => variant.Resize(device, image, outSize, outSize), 2, repeat);
                yield return Case($"resize {name} {w}x{h}->{outSize}x{outSize} (upload+kernels+download)", endToEnd, 1e3 / endToEnd, "images/s");
                if (variant is PlannedResizeVariant planned)
                {
                    ResizePlan plan = planned.PlanFor(ResizeGeometry.Of(image, outSize, outSize), isFloat: false);
                    using DeviceBuffer<byte> resident = device.Upload(pixels);
                    double kernels = Timing.MedianMs(
                        () =>
                        {
                            DeviceBuffer current = resident;
                            foreach (PlanStep step in plan.Steps)
                            {
                                DeviceBuffer next = step.Run(device, current);
                                if (!ReferenceEquals(current, resident))
                                {
                                    current.Dispose();
                                }

                                current = next;
                            }

                            device.Synchronize();
                            if (!ReferenceEquals(current, resident))
                            {
                                current.Dispose();
                            }
                        },
                        2,
                        repeat);
                    yield return Case($"resize {name} {w}x{h}->{outSize}x{outSize} (kernels, input resident)", kernels, 1e3 / kernels, "images/s");
                }
            }
        }
    }

    /// <summary>Decodes every JPEG of <paramref name="files"/> with each libjpeg variant; MP/s over the set.</summary>
    public IEnumerable<PerfCase> Decode(IReadOnlyList<string> files, IEnumerable<string> variants)
    {
        byte[][] data = files.Select(File.ReadAllBytes).ToArray();
        long pixels = 0;
        foreach (byte[] f in data)
        {
            JpegCoefficients c = JpegCoefficients.Read(f, "perf");
            pixels += (long)c.Width * c.Height;
        }

        double entropy = Timing.MedianMs(() => { foreach (byte[] f in data) { JpegCoefficients.Read(f, "perf"); } }, 1, Math.Max(3, repeat / 4));
        yield return Case($"decode entropy only (libjpeg-turbo 2.1.5 on the host), {files.Count} files", entropy, pixels / entropy / 1e3, "MP/s");
        foreach (string name in variants)
        {
            var variant = VariantRegistry.Get<IDecodeVariant>(name);
            double ms = Timing.MedianMs(() => { foreach (byte[] f in data) { variant.Decode(device, f, "perf", JpegLimits.Default); } }, 1, Math.Max(3, repeat / 4));
            yield return Case($"decode {name}, {files.Count} files ({pixels / 1e6:0.00} MP)", ms, pixels / ms / 1e3, "MP/s");
        }
    }

    /// <summary>images/s of <paramref name="modelPath"/> at <paramref name="batch"/> (random N×3×size×size input).</summary>
    public PerfCase Model(string modelPath, int batch, int size, Precision precision, int runs)
    {
        OnnxModel model = OnnxLoader.Load(modelPath);
        var rng = new Random(7);
        var x = new float[batch * 3 * size * size];
        for (int i = 0; i < x.Length; i++)
        {
            x[i] = (rng.NextSingle() * 4f) - 2f;
        }

        var inputs = new Dictionary<string, Tensor> { [model.Graph.Inputs.Single().Name] = new Tensor<float>(x, batch, 3, size, size) };
        var session = new OnnxSession(model, new ExecutionOptions { Precision = precision }, device);
        log?.Invoke($"{Path.GetFileName(modelPath)} batch {batch} on {device.Name}...");
        double ms = Timing.MedianMs(() => session.Run(inputs), 1, runs);
        return Case($"{Path.GetFileNameWithoutExtension(modelPath)} {precision.ToString().ToLowerInvariant()} batch {batch} {size}x{size}", ms, batch * 1e3 / ms, "images/s");
    }

    private PerfCase Case(string name, double ms, double throughput, string unit)
    {
        var c = new PerfCase { Name = name, Device = device.Name, OursMs = ms, Throughput = throughput, Unit = unit };
        log?.Invoke($"{name}: {ms:0.000} ms, {throughput:0.0} {unit}");
        return c;
    }
}
