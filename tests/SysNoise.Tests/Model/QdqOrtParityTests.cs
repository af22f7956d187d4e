using SysNoise.Runtime.Model.Execution;
using SysNoise.Runtime.Model.Graph;
using SysNoise.Runtime.Model.Onnx;
using SysNoise.Runtime.Model.Quantization;
using SysNoise.Runtime.Profiles;
using SysNoise.Runtime.Tensors;
using SysNoise.Tests.Support;
using Xunit.Abstractions;

namespace SysNoise.Tests.Model;

/// <summary>Whole-graph INT8 QDQ: our executor vs ONNX Runtime (ORT_DISABLE_ALL, one thread), value by value.</summary>
public sealed class QdqOrtParityTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData("resnet_narrow")]
    [InlineData("resnet_narrow_mix")]
    [InlineData("resnet_wide")]
    [InlineData("mobilenetv2")]
    [InlineData("vit")]
    public void BundledModelDiagnostic(string name)
    {
        OnnxModel model = OnnxLoader.Load(Path.Combine(TestPaths.Repository, "models", "fashion", name + ".onnx"));
        var rng = new Random(RandomImages.RunSeed);
        var calibration = Enumerable.Range(0, 4).Select(_ => (IReadOnlyDictionary<string, Tensor>)QdqOrtDiagnostics.RandomInputs(model, rng)).ToList();
        QdqPipeline qdq = QdqPipeline.Prepare(model, calibration, new QuantizationSettings());
        var session = new OnnxSession(qdq.Model, new ExecutionOptions());
        for (int i = 0; i < 2; i++)
        {
            var report = QdqOrtDiagnostics.Compare(session, qdq.Model, qdq.Bytes, QdqOrtDiagnostics.RandomInputs(model, rng));
            output.WriteLine($"seed {RandomImages.RunSeed} {name} input {i}: {report}");
        }
    }
}
