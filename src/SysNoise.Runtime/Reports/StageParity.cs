using SysNoise.Runtime.Model.Execution;
using SysNoise.Runtime.Model.Graph;
using SysNoise.Runtime.Pipeline;
using SysNoise.Runtime.Profiles;
using SysNoise.Runtime.Tensors;

namespace SysNoise.Runtime.Reports;

/// <summary>One compared stage: identical or not, and by how much.</summary>
public sealed record StageComparison(string Name, bool Identical, double? MaxAbs, double? RelL2, long Differing, string? Note = null);

/// <summary>
/// Runs two deployment pipelines on one input and compares them stage by stage: decoded image, resized, colour,
/// normalised input, every model value in topological order, the outputs and the top-k predictions.
/// </summary>
public static class StageParity
{
    /// <param name="calibration">Images (file bytes, name) an int8 profile calibrates its activation ranges on, each run
    /// through that profile's own pipeline; empty: the compared image itself.</param>
    public static IReadOnlyList<StageComparison> Compare(OnnxModel model, byte[] image, string imageName, DeploymentProfile a, DeploymentProfile b, int topK = 5, IReadOnlyList<(byte[] File, string Name)>? calibration = null)
    {
        var stages = new List<StageComparison>();
        var pa = new Preprocessor(a);
        var pb = new Preprocessor(b);
        Tensor<byte> da = pa.Decode(image, imageName).Pixels, db = pb.Decode(image, imageName).Pixels;
        stages.Add(Of("decoded", da, db));
        Tensor<byte> ra = pa.Resize(da), rb = pb.Resize(db);
        stages.Add(Of("resized", ra, rb));
        Tensor<byte> ca = pa.Colour(ra), cb = pb.Colour(rb);
        stages.Add(Of("colour", ca, cb));
        Tensor<float> na = pa.Normalise(ca), nb = pb.Normalise(cb);
        stages.Add(Of("input", na, nb));

        string inputName = model.Graph.Inputs[0].Name;
        var valuesA = new List<(string, Tensor)>();
        var valuesB = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        OnnxSession sa = SessionFor(model, a, pa, na, calibration), sb = SessionFor(model, b, pb, nb, calibration);
        IReadOnlyDictionary<string, Tensor> outA = sa.Run(new Dictionary<string, Tensor> { [inputName] = Batch(na) }, (n, t) => valuesA.Add((n, t)));
        IReadOnlyDictionary<string, Tensor> outB = sb.Run(new Dictionary<string, Tensor> { [inputName] = Batch(nb) }, (n, t) => valuesB[n] = t);
        foreach ((string name, Tensor t) in valuesA)
        {
            if (name == inputName)
            {
                continue;
            }

            stages.Add(valuesB.TryGetValue(name, out Tensor? other) ? Of("layer " + name, t, other) : new StageComparison("layer " + name, false, null, null, 0, "missing in B"));
        }

        foreach ((string name, Tensor t) in outA)
        {
            stages.Add(Of("output " + name, t, outB[name]));
        }

        if (outA.Values.First() is Tensor<float> logitsA && outB.Values.First() is Tensor<float> logitsB)
        {
            int[] ka = TopK(logitsA.Data, topK), kb = TopK(logitsB.Data, topK);
            bool same = ka.SequenceEqual(kb);
            stages.Add(new StageComparison($"top-{topK}", same, null, null, ka.Zip(kb).Count(p => p.First != p.Second), $"A: [{string.Join(", ", ka)}] B: [{string.Join(", ", kb)}]"));
        }

        return stages;
    }

    /// <summary>
    /// The profile's session: the model as it is, or for an int8 profile its calibrated rewrite (QDQ, or the integer
    /// path), whose float values keep their ONNX names and so compare layer by layer with the other pipeline.
    /// </summary>
    private static OnnxSession SessionFor(OnnxModel model, DeploymentProfile profile, Preprocessor pre, Tensor<float> input, IReadOnlyList<(byte[] File, string Name)>? calibration)
    {
        if (profile.Precision is not (Precision.Int8Qdq or Precision.Int8Int))
        {
            return new OnnxSession(model, profile.ToExecutionOptions());
        }

        string inputName = model.Graph.Inputs[0].Name;
        IEnumerable<Tensor<float>> tensors = calibration is { Count: > 0 }
            ? calibration.Select(c => pre.Normalise(pre.Colour(pre.Resize(pre.Decode(c.File, c.Name).Pixels))))
            : [input];
        var inputs = tensors.Select(t => (IReadOnlyDictionary<string, Tensor>)new Dictionary<string, Tensor> { [inputName] = Batch(t) }).ToList();
        OnnxModel quantized = profile.Precision == Precision.Int8Qdq
            ? Model.Quantization.QdqPipeline.Prepare(model, inputs, profile.Quantization).Model
            : Model.Quantization.IntegerPipeline.Prepare(model, inputs, profile.Quantization).Model;
        return new OnnxSession(quantized, profile.ToExecutionOptions() with
        {
            Precision = Precision.Fp32,
            Accumulation = ExecutionOptions.AccumulationFor(profile.Precision),
        });
    }

    /// <summary>Compares two folders of per-layer .npy dumps by file name (ONNX value name), within atol + rtol·|b|.</summary>
    public static IReadOnlyList<StageComparison> CompareDumps(string dirA, string dirB, double atol, double rtol)
    {
        var result = new List<StageComparison>();
        foreach (string fa in Directory.GetFiles(dirA, "*.npy").Order(StringComparer.Ordinal))
        {
            string name = Path.GetFileNameWithoutExtension(fa);
            string fb = Path.Combine(dirB, Path.GetFileName(fa));
            if (!File.Exists(fb))
            {
                result.Add(new StageComparison(name, false, null, null, 0, "missing in B"));
                continue;
            }

            Tensor ta = IO.NpyFormat.Read(fa), tb = IO.NpyFormat.Read(fb);
            StageComparison c = Of(name, ta, tb);
            if (!c.Identical && c.MaxAbs is double && Within(ta, tb, atol, rtol))
            {
                c = c with { Identical = true, Note = $"within atol {atol} rtol {rtol}" };
            }

            result.Add(c);
        }

        return result;
    }

    public static string? FirstDifference(IReadOnlyList<StageComparison> stages) => stages.FirstOrDefault(s => !s.Identical)?.Name;

    private static bool Within(Tensor a, Tensor b, double atol, double rtol)
    {
        for (long i = 0; i < a.Length; i++)
        {
            double x = a.GetAsDouble(i), y = b.GetAsDouble(i);
            if (!(Math.Abs(x - y) <= atol + (rtol * Math.Abs(y))) && !(double.IsNaN(x) && double.IsNaN(y)))
            {
                return false;
            }
        }

        return true;
    }

    private static Tensor<float> Batch(Tensor<float> t) => new(t.Data, [1, .. t.Shape]);

    private static StageComparison Of(string name, Tensor a, Tensor b)
    {
        if (!a.Shape.SequenceEqual(b.Shape))
        {
            return new StageComparison(name, false, null, null, Math.Max(a.Length, b.Length), $"shapes differ: {a.ShapeText} vs {b.ShapeText}");
        }

        TensorDiff d = TensorDiff.Compute(a, b);
        double num = 0, den = 0;
        for (long i = 0; i < a.Length; i++)
        {
            double x = a.GetAsDouble(i), y = b.GetAsDouble(i);
            num += (x - y) * (x - y);
            den += x * x;
        }

        return new StageComparison(name, d.Differing == 0, d.MaxAbs, den == 0 ? (num == 0 ? 0 : double.PositiveInfinity) : Math.Sqrt(num / den), d.Differing);
    }

    private static int[] TopK(float[] logits, int k) =>
        Enumerable.Range(0, logits.Length).OrderByDescending(i => logits[i]).ThenBy(i => i).Take(Math.Min(k, logits.Length)).ToArray();
}
