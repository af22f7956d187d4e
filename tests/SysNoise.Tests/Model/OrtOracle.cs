using Microsoft.ML.OnnxRuntime;
using TensorElementType = Microsoft.ML.OnnxRuntime.Tensors.TensorElementType;
using SysNoise.Runtime.Tensors;

namespace SysNoise.Tests.Model;

/// <summary>Runs a model in ONNX Runtime (NuGet Microsoft.ML.OnnxRuntime, CPU provider, one thread).</summary>
public static class OrtOracle
{
    public static Dictionary<string, SysNoise.Runtime.Tensors.Tensor> Run(byte[] model, IReadOnlyDictionary<string, SysNoise.Runtime.Tensors.Tensor> inputs, GraphOptimizationLevel level = GraphOptimizationLevel.ORT_DISABLE_ALL)
    {
        using var options = new SessionOptions { GraphOptimizationLevel = level, IntraOpNumThreads = 1, InterOpNumThreads = 1 };
        using var session = new InferenceSession(model, options);
        var names = new List<string>();
        var values = new List<OrtValue>();
        try
        {
            foreach ((string name, SysNoise.Runtime.Tensors.Tensor t) in inputs)
            {
                names.Add(name);
                values.Add(ToOrt(t));
            }

            var outputNames = session.OutputNames.ToList();
            using var runOptions = new RunOptions();
            using var results = session.Run(runOptions, names, values, outputNames);
            var map = new Dictionary<string, SysNoise.Runtime.Tensors.Tensor>(StringComparer.Ordinal);
            for (int i = 0; i < outputNames.Count; i++)
            {
                map[outputNames[i]] = FromOrt(results[i]);
            }

            return map;
        }
        finally
        {
            foreach (OrtValue v in values)
            {
                v.Dispose();
            }
        }
    }

    /// <summary>The op types of the graph ORT would run after its optimisations (saved to a file and read back).</summary>
    public static string OptimizedModelPath(byte[] model, GraphOptimizationLevel level, string path)
    {
        using var options = new SessionOptions { GraphOptimizationLevel = level, IntraOpNumThreads = 1, OptimizedModelFilePath = path };
        using var session = new InferenceSession(model, options);
        return path;
    }

    private static OrtValue ToOrt(SysNoise.Runtime.Tensors.Tensor t)
    {
        long[] shape = t.Shape.Select(d => (long)d).ToArray();
        return t switch
        {
            Tensor<float> f => OrtValue.CreateTensorValueFromMemory(f.Data, shape),
            Tensor<byte> b => OrtValue.CreateTensorValueFromMemory(b.Data, shape),
            Tensor<sbyte> b => OrtValue.CreateTensorValueFromMemory(b.Data, shape),
            Tensor<int> b => OrtValue.CreateTensorValueFromMemory(b.Data, shape),
            Tensor<long> b => OrtValue.CreateTensorValueFromMemory(b.Data, shape),
            Tensor<double> b => OrtValue.CreateTensorValueFromMemory(b.Data, shape),
            _ => throw new NotSupportedException(t.DType.ToString()),
        };
    }

    private static SysNoise.Runtime.Tensors.Tensor FromOrt(OrtValue v)
    {
        var info = v.GetTensorTypeAndShape();
        int[] shape = info.Shape.Select(d => (int)d).ToArray();
        return info.ElementDataType switch
        {
            TensorElementType.Float => new Tensor<float>(v.GetTensorDataAsSpan<float>().ToArray(), shape),
            TensorElementType.UInt8 => new Tensor<byte>(v.GetTensorDataAsSpan<byte>().ToArray(), shape),
            TensorElementType.Int8 => new Tensor<sbyte>(v.GetTensorDataAsSpan<sbyte>().ToArray(), shape),
            TensorElementType.Int32 => new Tensor<int>(v.GetTensorDataAsSpan<int>().ToArray(), shape),
            TensorElementType.Double => new Tensor<double>(v.GetTensorDataAsSpan<double>().ToArray(), shape),
            _ => throw new NotSupportedException(info.ElementDataType.ToString()),
        };
    }
}
