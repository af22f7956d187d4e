using System.Text.RegularExpressions;
using SysNoise.Runtime.Devices;
using SysNoise.Runtime.Model.Execution;
using SysNoise.Runtime.Model.Graph;
using SysNoise.Runtime.Model.Onnx.Proto;
using SysNoise.Runtime.Tensors;

namespace SysNoise.Runtime.Model.Onnx;

public enum BackendTestOutcome
{
    Passed,
    Failed,
    Skipped,
}

/// <summary>One ONNX backend test directory's result; skipped tests name the unsupported ops.</summary>
public sealed record BackendTestResult(string Name, BackendTestOutcome Outcome, string Detail, IReadOnlyList<string> UnsupportedOps);

/// <summary>
/// Runs ONNX backend test directories (model.onnx + test_data_set_*/input_*.pb, output_*.pb), comparing with the
/// suite's usual tolerance: |actual − expected| ≤ atol + rtol·|expected| (rtol 1e-3, atol 1e-7); integers and
/// booleans exactly; NaN matches NaN.
/// </summary>
public static partial class OnnxBackendTests
{
    public const double RelativeTolerance = 1e-3;
    public const double AbsoluteTolerance = 1e-7;

    public static BackendTestResult Run(string directory, Device? device = null)
    {
        string name = Path.GetFileName(directory.TrimEnd('/'));
        string modelPath = Path.Combine(directory, "model.onnx");
        OnnxModel model;
        try
        {
            model = OnnxLoader.Load(modelPath);
        }
        catch (OnnxLoadException ex)
        {
            var unsupported = ex.Problems.Select(p => UnsupportedPattern().Match(p)).Where(m => m.Success).Select(m => m.Groups[1].Value).Distinct().ToList();
            // A test that needs an op (or a value type, or an opset) SysNoise does not implement is skipped, not failed.
            bool skip = ex.Problems.Any(p => p.Contains("unsupported ", StringComparison.Ordinal) || p.Contains("is not supported (SysNoise implements opsets", StringComparison.Ordinal));
            return skip
                ? new BackendTestResult(name, BackendTestOutcome.Skipped, string.Join("; ", ex.Problems), unsupported)
                : new BackendTestResult(name, BackendTestOutcome.Failed, "load: " + string.Join("; ", ex.Problems), unsupported);
        }
        catch (Exception ex) when (ex is IO.SysNoiseIOException or IOException)
        {
            return new BackendTestResult(name, BackendTestOutcome.Failed, "load: " + ex.Message, []);
        }

        var sets = Directory.GetDirectories(directory, "test_data_set_*").Order(StringComparer.Ordinal).ToList();
        if (sets.Count == 0)
        {
            return new BackendTestResult(name, BackendTestOutcome.Skipped, "no test_data_set_* folders", []);
        }

        try
        {
            var session = new OnnxSession(model, ExecutionOptions.Default, device);
            foreach (string set in sets)
            {
                var inputs = new Dictionary<string, Tensor>(StringComparer.Ordinal);
                var files = Directory.GetFiles(set, "input_*.pb").OrderBy(f => Index(f)).ToList();
                // Inputs bind by position to the graph's inputs (initializer-backed inputs excluded), or by name when the proto names one.
                for (int i = 0; i < files.Count; i++)
                {
                    (string? protoName, Tensor? t, string? problem) = ReadTensor(files[i]);
                    if (t is null)
                    {
                        return new BackendTestResult(name, BackendTestOutcome.Skipped, problem!, []);
                    }

                    string bind = !string.IsNullOrEmpty(protoName) && model.Graph.Inputs.Any(x => x.Name == protoName) ? protoName! : i < model.Graph.Inputs.Count ? model.Graph.Inputs[i].Name : protoName ?? $"input_{i}";
                    inputs[bind] = t;
                }

                IReadOnlyDictionary<string, Tensor> outputs = session.Run(inputs);
                var expectedFiles = Directory.GetFiles(set, "output_*.pb").OrderBy(f => Index(f)).ToList();
                for (int i = 0; i < expectedFiles.Count; i++)
                {
                    (_, Tensor? expected, string? problem) = ReadTensor(expectedFiles[i]);
                    if (expected is null)
                    {
                        return new BackendTestResult(name, BackendTestOutcome.Skipped, problem!, []);
                    }

                    string outName = model.Graph.Outputs[i].Name;
                    string? diff = Compare(expected, outputs[outName]);
                    if (diff is not null)
                    {
                        return new BackendTestResult(name, BackendTestOutcome.Failed, $"{Path.GetFileName(set)} output '{outName}': {diff}", []);
                    }
                }
            }
        }
        catch (Exception ex) when (ex is NotSupportedException || ex.InnerException is NotSupportedException)
        {
            // A mode of an op that SysNoise refuses by design (e.g. Dropout with training_mode = true, whose random
            // masks cannot be reproduced) is an unsupported feature, reported as a skip with the op named.
            string op = System.Text.RegularExpressions.Regex.Match(ex.Message, @"(\w+) (#\d+|'[^']*'):").Groups[1].Value;
            return new BackendTestResult(name, BackendTestOutcome.Skipped, "unsupported at run time: " + ex.Message, op.Length > 0 ? [op + " (mode)"] : []);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            return new BackendTestResult(name, BackendTestOutcome.Failed, $"run: {ex.GetType().Name}: {ex.Message}", []);
        }

        return new BackendTestResult(name, BackendTestOutcome.Passed, string.Empty, []);
    }

    /// <summary>null when equal within tolerance, else a description of the first mismatch.</summary>
    public static string? Compare(Tensor expected, Tensor actual)
    {
        if (!expected.Shape.SequenceEqual(actual.Shape))
        {
            return $"shape {actual.ShapeText}, expected {expected.ShapeText}";
        }

        if (expected.DType != actual.DType)
        {
            return $"dtype {actual.DType}, expected {expected.DType}";
        }

        bool exact = expected.DType is not (DType.Float16 or DType.Float32 or DType.Float64);
        for (long i = 0; i < expected.Length; i++)
        {
            double e = expected.GetAsDouble(i), a = actual.GetAsDouble(i);
            if (double.IsNaN(e) && double.IsNaN(a))
            {
                continue;
            }

            bool ok = exact ? e == a : e == a || Math.Abs(a - e) <= AbsoluteTolerance + (RelativeTolerance * Math.Abs(e));
            if (!ok)
            {
                return $"element {i}: {a:R}, expected {e:R}";
            }
        }

        return null;
    }

    private static (string? Name, Tensor? Tensor, string? Problem) ReadTensor(string file)
    {
        TensorProto proto;
        try
        {
            proto = TensorProto.Parser.ParseFrom(File.ReadAllBytes(file));
        }
        catch (Google.Protobuf.InvalidProtocolBufferException)
        {
            return (null, null, $"{Path.GetFileName(file)} is not a TensorProto (sequence/optional data is not supported)");
        }

        if (OnnxTensors.ToDType(proto.DataType) is null)
        {
            return (proto.Name, null, $"{Path.GetFileName(file)}: element type {OnnxTensors.OnnxTypeName(proto.DataType)} is not supported");
        }

        return (proto.Name, OnnxTensors.Decode(proto), null);
    }

    private static int Index(string file) => int.Parse(Path.GetFileNameWithoutExtension(file).Split('_')[^1], System.Globalization.CultureInfo.InvariantCulture);

    [GeneratedRegex(@"unsupported op ([\w.]+)")]
    private static partial Regex UnsupportedPattern();
}
