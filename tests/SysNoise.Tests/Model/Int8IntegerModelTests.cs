using System.Diagnostics;
using SysNoise.Runtime.Devices;
using SysNoise.Runtime.Model.Execution;
using SysNoise.Runtime.Model.Graph;
using SysNoise.Runtime.Model.Onnx;
using SysNoise.Runtime.Model.Quantization;
using SysNoise.Runtime.Pipeline;
using SysNoise.Runtime.Profiles;
using SysNoise.Runtime.Tensors;
using SysNoise.Tests.Oracles;
using SysNoise.Tests.Support;
using Xunit.Abstractions;

namespace SysNoise.Tests.Model;

/// <summary>
/// int8-int on the bundled Fashion-MNIST classifiers: calibrated on training images through the training pipeline,
/// evaluated on test images, its top-1 agrees with fp32 on at least 90 % of them and its logits are as close to fp32 as
/// the QDQ path's are (it differs from QDQ by design: fixed-point vs float requantization, uint8 between integer layers,
/// int32 bias); the ILGPU kernels (CPU simulator; CUDA when present) give the host's bits on whole models.
/// </summary>
public sealed class Int8IntegerModelTests(ITestOutputHelper output, Int8IntegerModelTests.FashionData data) : IClassFixture<Int8IntegerModelTests.FashionData>
{
    private static string Repo => Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "../../../../.."));

    private static string ModelPath(string name) => Path.Combine(Repo, "models", "fashion", name + ".onnx");

    /// <summary>300 test images (30 per class) and 32 training images for calibration, preprocessed by the training profile.</summary>
    public sealed class FashionData : IDisposable
    {
        private readonly string dir = Directory.CreateTempSubdirectory("sysnoise-int8-fashion-").FullName;

        public FashionData()
        {
            PythonOracle.Run(PythonOracle.Script("make-fashion-dataset.py"), "--out", dir, "--train-count", "32", "--test-count", "300");
            Train = ProfileLoader.LoadFile(Path.Combine(Repo, "models", "fashion", "train-profile.yaml"));
            var pre = new Preprocessor(Train, HostDevice.Shared);
            (Tensor<float>, int) Load(string line)
            {
                string[] parts = line.Split(' ');
                string path = Path.Combine(dir, parts[0]);
                Tensor<float> x = pre.Normalise(pre.Colour(pre.Resize(pre.Decode(File.ReadAllBytes(path), path).Pixels)));
                return (x, int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture));
            }

            Calibration = File.ReadAllLines(Path.Combine(dir, "train_meta.txt")).Where(l => l.Length > 0).Select(l => Load(l).Item1).ToArray();
            var test = File.ReadAllLines(Path.Combine(dir, "test_meta.txt")).Where(l => l.Length > 0).Select(Load).ToArray();
            Test = test.Select(t => t.Item1).ToArray();
            Labels = test.Select(t => t.Item2).ToArray();
        }

        public DeploymentProfile Train { get; }

        public Tensor<float>[] Calibration { get; }

        public Tensor<float>[] Test { get; }

        public int[] Labels { get; }

        public void Dispose() => Directory.Delete(dir, recursive: true);
    }

    [Theory]
    [InlineData("resnet_narrow")]
    [InlineData("resnet_narrow_mix")]
    [InlineData("resnet_wide")]
    [InlineData("mobilenetv2")]
    [InlineData("vit")]
    public void TopOneAgreesWithFp32AndLogitsStayNearQdq(string name)
    {
        OnnxModel model = OnnxLoader.Load(ModelPath(name));
        var clock = Stopwatch.StartNew();
        IntegerPipeline integer = IntegerPipeline.Prepare(model, Feeds(model, data.Calibration), data.Train.Quantization, threads: 2);
        QdqPipeline qdq = QdqPipeline.Prepare(model, Feeds(model, data.Calibration), data.Train.Quantization, threads: 2);
        double prepare = clock.Elapsed.TotalSeconds;
        (float[] fp32, double tFp32) = Logits(model, HostDevice.Shared, data.Test);
        (float[] q, _) = Logits(qdq.Model, HostDevice.Shared, data.Test);
        (float[] i8, double tInt) = Logits(integer.Model, HostDevice.Shared, data.Test);
        int classes = fp32.Length / data.Test.Length;
        int[] topFp32 = Top1(fp32, classes), topQdq = Top1(q, classes), topInt = Top1(i8, classes);
        double agree = Agreement(topInt, topFp32), agreeQdq = Agreement(topQdq, topFp32), agreeIntQdq = Agreement(topInt, topQdq);
        double relIntFp32 = RelL2(i8, fp32), relQdqFp32 = RelL2(q, fp32), relIntQdq = RelL2(i8, q);
        output.WriteLine($"{name}: {integer.Description.Layers.Count} integer layers ({integer.Description.Skipped.Count} left float), {integer.Description.QuantizedInputs.Count} quantize / {integer.Description.DequantizedOutputs.Count} dequantize boundaries; calibration+rewrite {prepare:F1} s");
        output.WriteLine($"  top-1 over {data.Test.Length} test images: fp32 {Accuracy(topFp32):P2}, int8-qdq {Accuracy(topQdq):P2}, int8-int {Accuracy(topInt):P2}");
        output.WriteLine($"  top-1 agreement: int8-int vs fp32 {agree:P2}, int8-qdq vs fp32 {agreeQdq:P2}, int8-int vs int8-qdq {agreeIntQdq:P2}");
        output.WriteLine($"  logits relative L2: int8-int vs fp32 {relIntFp32:F4}, int8-qdq vs fp32 {relQdqFp32:F4}, int8-int vs int8-qdq {relIntQdq:F4}");
        output.WriteLine($"  host time per image (2 threads, batch 50): fp32 {tFp32 * 1000 / data.Test.Length:F2} ms, int8-int {tInt * 1000 / data.Test.Length:F2} ms");

        Assert.True(agree >= 0.90, $"{name}: int8-int top-1 agrees with fp32 on only {agree:P2}");

        // Both int8 paths carry quantization noise of the same size; a wrong scale, zero point, multiplier or layout
        // would put int8-int far from fp32 (relative L2 of order 1) while QDQ stays close.
        Assert.True(relIntFp32 < Math.Max(0.05, 3 * relQdqFp32), $"{name}: int8-int logits are {relIntFp32:F4} from fp32 (int8-qdq: {relQdqFp32:F4})");
        Assert.True(relIntQdq > 0, $"{name}: int8-int equals int8-qdq bit for bit, but their requantizations differ by design");
    }

    [Fact]
    public void CpuSimulatorGivesTheHostsBitsOnWholeModels()
    {
        using IlgpuDevice simulator = IlgpuDevice.CreateCpuSimulator();
        foreach (string name in new[] { "resnet_narrow", "mobilenetv2" })
        {
            CheckDevice(name, simulator, images: 1);
        }
    }

    [Fact]
    public void CudaGivesTheHostsBitsOnWholeModels()
    {
        using IlgpuDevice? cuda = IlgpuDevice.TryCreateCuda();
        if (cuda is null)
        {
            output.WriteLine("no CUDA device: skipped");
            return;
        }

        foreach (string name in new[] { "resnet_narrow", "resnet_wide", "mobilenetv2", "vit" })
        {
            CheckDevice(name, cuda, images: 16);
        }
    }

    /// <summary>Every value of the integer model (uint8 activations included) is identical on the host and on the device.</summary>
    private void CheckDevice(string name, IlgpuDevice device, int images)
    {
        OnnxModel model = OnnxLoader.Load(ModelPath(name));
        IntegerPipeline integer = IntegerPipeline.Prepare(model, Feeds(model, data.Calibration.Take(8).ToArray()), data.Train.Quantization, threads: 2);
        Tensor<float> x = Stack(data.Test, 0, images);
        string input = model.Graph.Inputs[0].Name;
        var host = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        new OnnxSession(integer.Model, new ExecutionOptions { Threads = 2 }).Run(new Dictionary<string, Tensor> { [input] = x }, (n, t) => host[n] = t);
        int compared = 0, integerValues = 0;
        new OnnxSession(integer.Model, new ExecutionOptions(), device).Run(new Dictionary<string, Tensor> { [input] = x }, (n, t) =>
        {
            string? diff = Bits(host[n], t);
            Assert.True(diff is null, $"{name} value '{n}' on {device.Name} vs host: {diff}");
            compared++;
            integerValues += t.DType == DType.UInt8 ? 1 : 0;
        });
        output.WriteLine($"{name}: {compared} values ({integerValues} uint8) bit-identical on the host and {device.Name}, {images} image(s)");
    }

    private static string? Bits(Tensor expected, Tensor actual)
    {
        if (expected.DType != actual.DType || !expected.Shape.SequenceEqual(actual.Shape))
        {
            return $"{actual.DType} {actual.ShapeText} vs {expected.DType} {expected.ShapeText}";
        }

        return (expected, actual) switch
        {
            (Tensor<float> e, Tensor<float> a) => Compare.Bytes(e.Data, a.Data),
            (Tensor<byte> e, Tensor<byte> a) => Compare.Bytes(e.Data, a.Data),
            _ => Enumerable.Range(0, (int)expected.Length).All(i => expected.GetAsDouble(i).Equals(actual.GetAsDouble(i))) ? null : "values differ",
        };
    }

    private static IEnumerable<IReadOnlyDictionary<string, Tensor>> Feeds(OnnxModel model, Tensor<float>[] images)
    {
        string input = model.Graph.Inputs[0].Name;
        return images.Select(x => (IReadOnlyDictionary<string, Tensor>)new Dictionary<string, Tensor> { [input] = new Tensor<float>(x.Data, [1, .. x.Shape]) });
    }

    private static (float[] Logits, double Seconds) Logits(OnnxModel model, Device device, Tensor<float>[] images)
    {
        var session = new OnnxSession(model, new ExecutionOptions { Threads = 2 }, device);
        string input = model.Graph.Inputs[0].Name;
        var all = new List<float>();
        const int Batch = 50;
        _ = session.Run(new Dictionary<string, Tensor> { [input] = Stack(images, 0, Math.Min(Batch, images.Length)) }); // JIT and weight packing, untimed
        var clock = Stopwatch.StartNew();
        for (int start = 0; start < images.Length; start += Batch)
        {
            int n = Math.Min(Batch, images.Length - start);
            all.AddRange(((Tensor<float>)session.Run(new Dictionary<string, Tensor> { [input] = Stack(images, start, n) }).Values.Single()).Data);
        }

        return (all.ToArray(), clock.Elapsed.TotalSeconds);
    }

    private static Tensor<float> Stack(Tensor<float>[] images, int start, int n)
    {
        int size = images[start].Data.Length;
        var data = new float[n * size];
        for (int b = 0; b < n; b++)
        {
            images[start + b].Data.CopyTo(data, b * size);
        }

        return new Tensor<float>(data, [n, .. images[start].Shape]);
    }

    private static int[] Top1(float[] logits, int classes) => Enumerable.Range(0, logits.Length / classes).Select(i =>
    {
        int best = 0;
        for (int c = 1; c < classes; c++)
        {
            best = logits[(i * classes) + c] > logits[(i * classes) + best] ? c : best;
        }

        return best;
    }).ToArray();

    private double Accuracy(int[] top) => top.Zip(data.Labels).Count(p => p.First == p.Second) / (double)top.Length;

    private static double Agreement(int[] a, int[] b) => a.Zip(b).Count(p => p.First == p.Second) / (double)a.Length;

    private static double RelL2(float[] a, float[] b)
    {
        double num = 0, den = 0;
        for (int i = 0; i < a.Length; i++)
        {
            num += ((double)a[i] - b[i]) * ((double)a[i] - b[i]);
            den += (double)b[i] * b[i];
        }

        return Math.Sqrt(num / den);
    }
}
