using SysNoise.Runtime.Model.Execution;
using SysNoise.Runtime.Model.Graph;
using SysNoise.Runtime.Model.Onnx;
using SysNoise.Runtime.Pipeline;
using SysNoise.Runtime.Profiles;
using SysNoise.Runtime.Tensors;
using SysNoise.Tests.Model;
using SysNoise.Tests.Oracles;

namespace SysNoise.Tests.Dense;

/// <summary>
/// The real text images (scripts/make-text-dataset.py: opencv-doc's text photographs and python3-skimage's text.png and
/// page.png, as JPEG) and the PP-OCRv4 detector's probability maps of them under the paddleocr-det profile, computed once
/// per test run with SysNoise's executor (host path, fp32).
/// </summary>
public sealed class TextImages : IDisposable
{
    private readonly Lazy<IReadOnlyList<DetectorMap>> maps;

    public TextImages()
    {
        Dir = Directory.CreateTempSubdirectory("sysnoise-text-").FullName;
        PythonOracle.Run(PythonOracle.Script("make-text-dataset.py"), "--out", Dir);
        Files = [.. Directory.GetFiles(Dir, "*.jpg").Order(StringComparer.Ordinal)];
        maps = new Lazy<IReadOnlyList<DetectorMap>>(ComputeMaps);
    }

    public string Dir { get; }

    public IReadOnlyList<string> Files { get; }

    public static DeploymentProfile Profile => ProfileLoader.Resolve("paddleocr-det");

    public static string ModelPath => ModelCache.PathOf("ppocrv4_det");

    /// <summary>Each image's model input and probability map (H×W, the input's size), with the decoded image's size.</summary>
    public IReadOnlyList<DetectorMap> Maps => maps.Value;

    public void Dispose() => Directory.Delete(Dir, recursive: true);

    private IReadOnlyList<DetectorMap> ComputeMaps()
    {
        OnnxModel model = OnnxLoader.Load(ModelPath);
        var session = new OnnxSession(model, new ExecutionOptions());
        var pre = new Preprocessor(Profile);
        var result = new List<DetectorMap>();
        foreach (string file in Files)
        {
            Tensor<byte> decoded = pre.Decode(File.ReadAllBytes(file), file).Pixels;
            Tensor<float> input = pre.Normalise(pre.Colour(pre.Resize(decoded)));
            var x = new Tensor<float>(input.Data, [1, .. input.Shape]);
            var map = (Tensor<float>)session.Run(new Dictionary<string, Tensor> { [model.Graph.Inputs[0].Name] = x }).Values.First();
            result.Add(new DetectorMap(file, decoded.Shape[0], decoded.Shape[1], input, map.Data, map.Shape[2], map.Shape[3]));
        }

        return result;
    }
}

public sealed record DetectorMap(string File, int SourceHeight, int SourceWidth, Tensor<float> Input, float[] Prob, int Height, int Width);
