using System.Diagnostics;
using System.Globalization;
using System.Runtime.Intrinsics;
using Microsoft.ML.OnnxRuntime;
using SysNoise.Runtime.Model.Execution;
using SysNoise.Runtime.Model.Graph;
using SysNoise.Runtime.Model.Ops;
using SysNoise.Runtime.Model.Onnx.Proto;
using SysNoise.Runtime.Tensors;

namespace SysNoise.Bench;

/// <summary>
/// Times a whole CNN (e.g. torchvision ResNet-50 exported at opset 13) on SysNoise's NN operators against ONNX Runtime
/// with the same thread count, batch 1, and compares the logits. Usage:
/// <c>dotnet run -c Release --project src/SysNoise.Bench -- model resnet50.onnx [threads] [runs]</c>.
/// The graph is walked here (not by OnnxSession) so that models run before the elementwise/shape operators land:
/// NN ops come from <see cref="OpRegistry"/>; Relu, Add, Clip, Flatten, Reshape and Constant are simple local loops,
/// timed as part of SysNoise's total (ONNX Runtime fuses them into its convolutions).
/// </summary>
public static class ModelBench
{
    public static void Run(string path, int threads, int runs)
    {
        var model = ModelProto.Parser.ParseFrom(File.ReadAllBytes(path));
        GraphProto graph = model.Graph;
        int opset = (int)model.OpsetImport.Where(o => o.Domain.Length == 0).Select(o => o.Version).DefaultIfEmpty(13).First();
        var initializers = graph.Initializer.ToDictionary(t => t.Name, Decode);
        var nodes = graph.Node.Select((n, i) => ToNode(n, i, opset)).ToList();
        string inputName = graph.Input.First(v => !initializers.ContainsKey(v.Name)).Name;
        int[] inputShape = graph.Input.First(v => v.Name == inputName).Type.TensorType.Shape.Dim.Select(d => (int)Math.Max(1, d.DimValue)).ToArray();
        var rng = new Random(7);
        var input = new Tensor<float>(inputShape);
        for (int i = 0; i < input.Data.Length; i++)
        {
            input.Data[i] = (float)((rng.NextDouble() * 2) - 1);
        }

        var context = new OpContext(new ExecutionOptions { Threads = threads });
        var opTimes = new Dictionary<string, double>();
        Tensor<float> RunOurs(bool profile)
        {
            var values = new Dictionary<string, Tensor>(initializers.Select(kv => KeyValuePair.Create(kv.Key, (Tensor)kv.Value)), StringComparer.Ordinal) { [inputName] = input };
            foreach (OnnxNode node in nodes)
            {
                var args = node.Inputs.Select(n => n.Length == 0 ? null : values[n]).ToList();
                long t0 = Stopwatch.GetTimestamp();
                Tensor[] r = OpRegistry.TryGet(string.Empty, node.OpType, out IOnnxOperator op) ? op.Run(context, node, args) : Local(node, args);
                if (profile)
                {
                    opTimes[node.OpType] = opTimes.GetValueOrDefault(node.OpType) + Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
                }

                for (int k = 0; k < r.Length && k < node.Outputs.Count; k++)
                {
                    values[node.Outputs[k]] = r[k];
                }
            }

            return (Tensor<float>)values[graph.Output[0].Name];
        }

        using var options = new SessionOptions { IntraOpNumThreads = threads, InterOpNumThreads = 1, ExecutionMode = ExecutionMode.ORT_SEQUENTIAL };
        using var session = new InferenceSession(path, options);
        var feed = new List<NamedOnnxValue> { NamedOnnxValue.CreateFromTensor(inputName, new Microsoft.ML.OnnxRuntime.Tensors.DenseTensor<float>(input.Data, inputShape)) };
        float[] RunOrt()
        {
            using var results = session.Run(feed);
            return results.First().AsTensor<float>().ToArray();
        }

        // Warm up both (weight packing, JIT, ORT's prepacking), then interleave timed runs.
        Tensor<float> ours = RunOurs(false);
        float[] theirs = RunOrt();
        RunOurs(true);
        opTimes.Clear();
        int gen2 = GC.CollectionCount(2);
        TimeSpan pause = GC.GetTotalPauseDuration();
        var oursMs = new List<double>();
        var ortMs = new List<double>();
        for (int i = 0; i < runs; i++)
        {
            long t = Stopwatch.GetTimestamp();
            RunOurs(i == runs - 1);
            oursMs.Add(Stopwatch.GetElapsedTime(t).TotalMilliseconds);
            t = Stopwatch.GetTimestamp();
            RunOrt();
            ortMs.Add(Stopwatch.GetElapsedTime(t).TotalMilliseconds);
        }

        gen2 = GC.CollectionCount(2) - gen2;
        pause = GC.GetTotalPauseDuration() - pause;
        double num = 0, den = 0;
        for (int i = 0; i < theirs.Length; i++)
        {
            double d = ours.Data[i] - (double)theirs[i];
            num += d * d;
            den += (double)theirs[i] * theirs[i];
        }

        double med(List<double> v) => v.Order().ElementAt(v.Count / 2);
        var ic = CultureInfo.InvariantCulture;
        Console.WriteLine(string.Create(ic, $"{Path.GetFileName(path)}: {threads} threads, {runs} runs, Vector512 {Vector512.IsHardwareAccelerated}"));
        Console.WriteLine(string.Create(ic, $"  SysNoise      median {med(oursMs),8:0.00} ms   min {oursMs.Min(),8:0.00} ms"));
        Console.WriteLine(string.Create(ic, $"  ONNX Runtime  median {med(ortMs),8:0.00} ms   min {ortMs.Min(),8:0.00} ms"));
        Console.WriteLine(string.Create(ic, $"  ratio SysNoise/ORT (median) {med(oursMs) / med(ortMs):0.00}x; logits relative L2 vs ORT {Math.Sqrt(num / den):E2}"));
        Console.WriteLine(string.Create(ic, $"  GC during the timed runs: {gen2} gen2 collections, {pause.TotalMilliseconds:0.0} ms paused"));
        Console.WriteLine("  last SysNoise run by op type: " + string.Join(", ", opTimes.OrderByDescending(kv => kv.Value).Select(kv => string.Create(ic, $"{kv.Key} {kv.Value:0.0} ms"))));
    }

    private static Tensor[] Local(OnnxNode node, List<Tensor?> args)
    {
        switch (node.OpType)
        {
            case "Relu":
            {
                var x = (Tensor<float>)args[0]!;
                var y = new float[x.Data.Length];
                for (int i = 0; i < y.Length; i++)
                {
                    y[i] = Math.Max(x.Data[i], 0f);
                }

                return [new Tensor<float>(y, x.Shape)];
            }

            case "Clip":
            {
                var x = (Tensor<float>)args[0]!;
                float lo = args.Count > 1 && args[1] is Tensor<float> l ? l.Data[0] : float.MinValue;
                float hi = args.Count > 2 && args[2] is Tensor<float> h ? h.Data[0] : float.MaxValue;
                var y = new float[x.Data.Length];
                for (int i = 0; i < y.Length; i++)
                {
                    y[i] = Math.Min(Math.Max(x.Data[i], lo), hi);
                }

                return [new Tensor<float>(y, x.Shape)];
            }

            case "Add":
            {
                var a = (Tensor<float>)args[0]!;
                var b = (Tensor<float>)args[1]!;
                if (!a.Shape.SequenceEqual(b.Shape))
                {
                    throw new NotSupportedException("bench Add without broadcasting");
                }

                var y = new float[a.Data.Length];
                for (int i = 0; i < y.Length; i++)
                {
                    y[i] = a.Data[i] + b.Data[i];
                }

                return [new Tensor<float>(y, a.Shape)];
            }

            case "Flatten":
            {
                var x = (Tensor<float>)args[0]!;
                int axis = (int)node.Int("axis", 1);
                int outer = (int)Tensor.ElementCount(x.Shape.AsSpan(0, axis));
                return [new Tensor<float>(x.Data, outer, x.Data.Length / Math.Max(1, outer))];
            }

            case "Reshape":
            {
                var x = (Tensor<float>)args[0]!;
                long[] s = ((Tensor<long>)args[1]!).Data;
                int[] shape = s.Select((d, i) => d == 0 ? x.Shape[i] : (int)d).ToArray();
                int minus = Array.IndexOf(shape, -1);
                if (minus >= 0)
                {
                    shape[minus] = 1;
                    shape[minus] = (int)(x.Data.Length / Tensor.ElementCount(shape));
                }

                return [new Tensor<float>(x.Data, shape)];
            }

            case "Constant":
                return [node.TensorAttribute("value")!];
            default:
                throw new NotSupportedException($"the model bench has no stand-in for {node.OpType}");
        }
    }

    private static Tensor Decode(TensorProto t)
    {
        int[] shape = t.Dims.Select(d => (int)d).ToArray();
        if (t.DataType == (int)TensorProto.Types.DataType.Float)
        {
            float[] data = t.RawData.Length > 0 ? System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(t.RawData.Span).ToArray() : t.FloatData.ToArray();
            return new Tensor<float>(data, shape);
        }

        if (t.DataType == (int)TensorProto.Types.DataType.Int64)
        {
            long[] data = t.RawData.Length > 0 ? System.Runtime.InteropServices.MemoryMarshal.Cast<byte, long>(t.RawData.Span).ToArray() : t.Int64Data.ToArray();
            return new Tensor<long>(data, shape);
        }

        throw new NotSupportedException($"initializer {t.Name}: data type {t.DataType}");
    }

    private static OnnxNode ToNode(NodeProto n, int index, int opset) => new()
    {
        Index = index,
        Name = n.Name,
        OpType = n.OpType,
        Domain = n.Domain,
        Inputs = n.Input.ToList(),
        Outputs = n.Output.ToList(),
        Opset = opset,
        Attributes = n.Attribute.ToDictionary(a => a.Name, a => new OnnxAttribute
        {
            Name = a.Name,
            Kind = a.Type switch
            {
                AttributeProto.Types.AttributeType.Float => OnnxAttributeKind.Float,
                AttributeProto.Types.AttributeType.Int => OnnxAttributeKind.Int,
                AttributeProto.Types.AttributeType.String => OnnxAttributeKind.String,
                AttributeProto.Types.AttributeType.Ints => OnnxAttributeKind.Ints,
                AttributeProto.Types.AttributeType.Floats => OnnxAttributeKind.Floats,
                AttributeProto.Types.AttributeType.Tensor => OnnxAttributeKind.Tensor,
                _ => throw new NotSupportedException($"attribute {a.Name} of type {a.Type}"),
            },
            Float = a.F,
            Int = a.I,
            String = a.S.ToStringUtf8(),
            Ints = a.Ints.ToArray(),
            Floats = a.Floats.ToArray(),
            Tensor = a.T is null ? null : Decode(a.T),
        }),
    };
}
