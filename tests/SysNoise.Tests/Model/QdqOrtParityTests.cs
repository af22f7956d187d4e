using Microsoft.ML.OnnxRuntime;
using SysNoise.Runtime.Model.Execution;
using SysNoise.Runtime.Model.Graph;
using SysNoise.Runtime.Model.Onnx;
using SysNoise.Runtime.Model.Quantization;
using SysNoise.Runtime.Profiles;
using SysNoise.Runtime.Tensors;
using SysNoise.Tests.Support;
using Xunit.Abstractions;

namespace SysNoise.Tests.Model;

/// <summary>
/// Whole-graph INT8 QDQ with <see cref="AccumulationOrder.OnnxRuntimeCpu"/>: our executor vs ONNX Runtime
/// (ORT_DISABLE_ALL, one thread) on the QDQ rewrite of the bundled models, every intermediate value compared bit for bit.
/// </summary>
public sealed class QdqOrtParityTests(ITestOutputHelper output)
{
    private static readonly ExecutionOptions QdqOptions = new() { Accumulation = AccumulationOrder.OnnxRuntimeCpu, Threads = 2 };

    private static string Reproduce => $"reproduce: SYSNOISE_SEED={RandomImages.RunSeed} dotnet test tests/SysNoise.Tests --filter \"FullyQualifiedName~{nameof(QdqOrtParityTests)}\"";

    [Theory]
    [InlineData("resnet_narrow")]
    [InlineData("resnet_narrow_mix")]
    [InlineData("resnet_wide")]
    [InlineData("mobilenetv2")]
    public void BundledCnnQdqGraphIsOnnxRuntimeBitForBit(string name)
    {
        (OnnxModel model, QdqPipeline qdq, Random rng) = Prepare(name);
        var session = new OnnxSession(qdq.Model, QdqOptions);
        for (int i = 0; i < 3; i++)
        {
            Dictionary<string, Tensor> inputs = QdqOrtDiagnostics.RandomInputs(model, rng);
            QdqOrtDiagnostics.Report report = QdqOrtDiagnostics.Compare(session, qdq.Model, qdq.Bytes, inputs);
            output.WriteLine($"seed {RandomImages.RunSeed} {name} input {i}: {report}");
            Assert.True(report.Differing == 0 && report.OutputsIdentical, $"{name} input {i}: {report}\n{Reproduce}");
            if (i == 0)
            {
                ReportOptimisedOrt(qdq, inputs);
            }
        }
    }

    /// <summary>
    /// The bundled ViT: besides the GEMMs, ORT's ReduceMean (LayerNorm's mean and variance, Eigen's SSE sum), Softmax
    /// (MLAS's AVX-512F exp and 16-lane sum), Erf (MLAS's FMA3 kernel) and Pow(x, 2) (x·x) are emulated, so every value
    /// of the QDQ graph is ORT's, on several inputs.
    /// </summary>
    [Fact]
    public void BundledVitQdqGraphIsOnnxRuntimeBitForBit()
    {
        (OnnxModel model, QdqPipeline qdq, Random rng) = Prepare("vit");
        var session = new OnnxSession(qdq.Model, QdqOptions);
        for (int i = 0; i < 3; i++)
        {
            Dictionary<string, Tensor> inputs = QdqOrtDiagnostics.RandomInputs(model, rng);
            QdqOrtDiagnostics.Report report = QdqOrtDiagnostics.Compare(session, qdq.Model, qdq.Bytes, inputs);
            output.WriteLine($"seed {RandomImages.RunSeed} vit input {i}: {report}");
            Assert.True(report.Differing == 0 && report.OutputsIdentical && report.Isolated.Count == 0, $"vit input {i}: {report}\n{Reproduce}");
            if (i == 0)
            {
                ReportOptimisedOrt(qdq, inputs);
            }
        }
    }

    /// <summary>
    /// The float ViT (no QDQ) in this mode: its weights are constant initializers, which ORT packs for MlasGemm at load
    /// (the packed rule: K blocks of 256), so every value is ORT's here too, on two inputs.
    /// </summary>
    [Fact]
    public void BundledVitFloatGraphIsOnnxRuntimeBitForBit()
    {
        string path = Path.Combine(TestPaths.Repository, "models", "fashion", "vit.onnx");
        OnnxModel model = OnnxLoader.Load(path);
        byte[] bytes = File.ReadAllBytes(path);
        var rng = new Random(RandomImages.RunSeed ^ 0x0f17);
        var session = new OnnxSession(model, QdqOptions);
        for (int i = 0; i < 2; i++)
        {
            QdqOrtDiagnostics.Report report = QdqOrtDiagnostics.Compare(session, model, bytes, QdqOrtDiagnostics.RandomInputs(model, rng));
            output.WriteLine($"seed {RandomImages.RunSeed} vit (float) input {i}: {report}");
            Assert.True(report.Differing == 0 && report.OutputsIdentical, $"vit (float) input {i}: {report}\n{Reproduce}");
        }
    }

    /// <summary>The zoo's ResNet-18 and MobileNetV2 (torchvision exports, 224×224) as QDQ graphs: ORT's output bits.</summary>
    [Theory]
    [InlineData("resnet18")]
    [InlineData("mobilenet_v2")]
    public void ZooQdqGraphIsOnnxRuntimeBitForBit(string name)
    {
        ZooModel zoo = ModelCache.Get(name);
        OnnxModel model = OnnxLoader.Load(ModelCache.PathOf(zoo));
        int seed = ModelInputs.SeedFor(name);
        var calibration = Enumerable.Range(0, 2).Select(i => (IReadOnlyDictionary<string, Tensor>)new Dictionary<string, Tensor> { [model.Graph.Inputs[0].Name] = ModelInputs.Images(zoo.Kind, zoo.Shape, seed + i) }).ToList();
        QdqPipeline qdq = QdqPipeline.Prepare(model, calibration, new QuantizationSettings(), threads: 2);
        var inputs = new Dictionary<string, Tensor> { [model.Graph.Inputs[0].Name] = ModelInputs.Images(zoo.Kind, zoo.Shape, seed + 100) };
        string outputName = model.Graph.Outputs[0].Name;
        var ours = (Tensor<float>)new OnnxSession(qdq.Model, QdqOptions).Run(inputs)[outputName];
        var ort = (Tensor<float>)OrtOracle.Run(qdq.Bytes, inputs)[outputName];
        int differing = ours.Data.Zip(ort.Data).Count(p => BitConverter.SingleToInt32Bits(p.First) != BitConverter.SingleToInt32Bits(p.Second));
        output.WriteLine($"seed {RandomImages.RunSeed} {name} QDQ: {differing} of {ort.Length} outputs differ from ORT_DISABLE_ALL");
        if (differing != 0)
        {
            output.WriteLine(QdqOrtDiagnostics.Compare(new OnnxSession(qdq.Model, QdqOptions), qdq.Model, qdq.Bytes, inputs).ToString());
        }

        Assert.True(differing == 0, $"{name}: {differing} of {ort.Length} outputs differ\n{Reproduce}");
    }

    /// <summary>
    /// PP-OCRv4's text detector (opset 11, so no QDQ rewrite: the float graph, weights as initializers) in this mode at
    /// 64×96: Conv, BatchNormalization, HardSigmoid/HardSwish, GlobalAveragePool, Sigmoid, Resize and its ConvTranspose
    /// upsampling head give every value of ORT's, on two inputs.
    /// </summary>
    [Fact]
    public void OcrDetectorFloatGraphIsOnnxRuntimeBitForBit()
    {
        ZooModel zoo = ModelCache.Get("ppocrv4_det");
        OnnxModel model = OnnxLoader.Load(ModelCache.PathOf(zoo));
        byte[] bytes = File.ReadAllBytes(ModelCache.PathOf(zoo));
        var session = new OnnxSession(model, QdqOptions);
        for (int i = 0; i < 2; i++)
        {
            var inputs = new Dictionary<string, Tensor> { [model.Graph.Inputs[0].Name] = ModelInputs.Images(zoo.Kind, [1, 3, 64, 96], ModelInputs.SeedFor(zoo.Name) + 100 + i) };
            QdqOrtDiagnostics.Report report = QdqOrtDiagnostics.Compare(session, model, bytes, inputs);
            output.WriteLine($"ppocrv4_det (float) 64×96 input {i}: {report}");
            Assert.True(report.Differing == 0 && report.OutputsIdentical, $"ppocrv4_det input {i}: {report}\n{Reproduce}");
        }
    }

    /// <summary>
    /// The zoo's float ResNet-18 and MobileNetV2 (224×224, weights as constant initializers: ORT packs the classifier's
    /// Gemm weights) in this mode: ORT's output bits.
    /// </summary>
    [Theory]
    [InlineData("resnet18")]
    [InlineData("mobilenet_v2")]
    public void ZooFloatGraphIsOnnxRuntimeBitForBit(string name)
    {
        ZooModel zoo = ModelCache.Get(name);
        OnnxModel model = OnnxLoader.Load(ModelCache.PathOf(zoo));
        var inputs = new Dictionary<string, Tensor> { [model.Graph.Inputs[0].Name] = ModelInputs.Images(zoo.Kind, zoo.Shape, ModelInputs.SeedFor(name) + 100) };
        string outputName = model.Graph.Outputs[0].Name;
        var ours = (Tensor<float>)new OnnxSession(model, QdqOptions).Run(inputs)[outputName];
        var ort = (Tensor<float>)OrtOracle.Run(File.ReadAllBytes(ModelCache.PathOf(zoo)), inputs)[outputName];
        int differing = ours.Data.Zip(ort.Data).Count(p => BitConverter.SingleToInt32Bits(p.First) != BitConverter.SingleToInt32Bits(p.Second));
        output.WriteLine($"{name} (float): {differing} of {ort.Length} outputs differ from ORT_DISABLE_ALL");
        Assert.True(differing == 0, $"{name} (float): {differing} of {ort.Length} outputs differ\n{Reproduce}");
    }

    private static (OnnxModel Model, QdqPipeline Qdq, Random Rng) Prepare(string name)
    {
        OnnxModel model = OnnxLoader.Load(Path.Combine(TestPaths.Repository, "models", "fashion", name + ".onnx"));
        var rng = new Random(RandomImages.RunSeed ^ name.Length);
        var calibration = Enumerable.Range(0, 4).Select(_ => (IReadOnlyDictionary<string, Tensor>)QdqOrtDiagnostics.RandomInputs(model, rng)).ToList();
        return (model, QdqPipeline.Prepare(model, calibration, new QuantizationSettings(), threads: 2), rng);
    }

    /// <summary>Measured, not asserted: ORT's default optimisations (QDQ → QLinearConv/QLinearMatMul integer kernels).</summary>
    private void ReportOptimisedOrt(QdqPipeline qdq, Dictionary<string, Tensor> inputs)
    {
        Dictionary<string, Tensor> plain = OrtOracle.Run(qdq.Bytes, inputs);
        Dictionary<string, Tensor> optimised = OrtOracle.Run(qdq.Bytes, inputs, GraphOptimizationLevel.ORT_ENABLE_ALL);
        foreach ((string name, Tensor value) in plain)
        {
            float[] a = ((Tensor<float>)value).Data, b = ((Tensor<float>)optimised[name]).Data;
            int differing = a.Zip(b).Count(p => BitConverter.SingleToInt32Bits(p.First) != BitConverter.SingleToInt32Bits(p.Second));
            double num = a.Zip(b).Sum(p => ((double)p.First - p.Second) * ((double)p.First - p.Second));
            double den = a.Sum(v => (double)v * v);
            bool top1 = Array.IndexOf(a, a.Max()) == Array.IndexOf(b, b.Max());
            output.WriteLine($"  ORT_ENABLE_ALL vs ORT_DISABLE_ALL ('{name}'): {differing} of {a.Length} differ, max |diff| {a.Zip(b).Max(p => Math.Abs(p.First - p.Second)):G3}, relative L2 {Math.Sqrt(num / den):G3}, same top-1 {top1}");
        }
    }
}
